//! The ATT&CK table covers every technique the embedded rule pack names (all profiles), so
//! every alert carries technique names and tactics.

use cadet_core::{Config, Engine};

#[test]
fn every_technique_of_the_pack_has_a_name_and_tactics() {
    let engine = Engine::new(&Config::default()).unwrap();
    let mut ids: Vec<&str> = engine
        .pack()
        .rules
        .iter()
        .flat_map(|r| r.techniques.iter().map(String::as_str))
        .collect();
    ids.sort();
    ids.dedup();
    assert!(ids.len() >= 10, "{ids:?}");
    for id in &ids {
        let t = cadet_alert::attack::lookup(id)
            .unwrap_or_else(|| panic!("{id} is not in alert/src/attack.rs"));
        assert!(t.name.is_some(), "{id}: parent technique has no name");
        assert!(!t.tactics.is_empty(), "{id}");
        if id.contains('.') {
            assert_eq!(t.sub_id, Some(*id));
            assert!(t.sub_name.is_some(), "{id}");
        }
    }
    eprintln!("{} techniques of the pack: {}", ids.len(), ids.join(" "));
}
