//! A profile with correlations is refused, naming one: VRL keeps nothing between events, so a
//! correlation cannot be exported, and leaving it out would weaken the pack silently.

use cadet_core::{Pack, DEFAULT_PACK};

#[test]
fn a_profile_with_correlations_is_refused_and_the_others_still_export() {
    let text = format!(
        "{DEFAULT_PACK}\n[[correlation]]\nid = \"test.exec_burst\"\ntitle = \"Four execs by one user within a minute\"\nkind = \"event_count\"\nrules = [\"cadet.k8s.pod_exec\"]\ngroup_by = [\"user.name\"]\ntimespan = \"1m\"\ncondition = {{ gte = 4 }}\nscore = 95\n"
    );
    let pack = Pack::parse("with-correlation.toml", &text).expect("the pack loads");
    assert_eq!(pack.correlations_of("cadet").count(), 1);
    let err = cadet_vrl::export(&pack, "cadet", cadet_vrl::Mode::All).unwrap_err();
    assert!(
        err.0.contains("test.exec_burst") && err.0.contains("no state between events"),
        "{err}"
    );
    // A profile the correlation is not part of exports as before.
    let other = cadet_vrl::export(&pack, "qradar-t1609", cadet_vrl::Mode::All).unwrap();
    let plain = Pack::parse("<embedded>", DEFAULT_PACK).unwrap();
    assert_eq!(
        other,
        cadet_vrl::export(&plain, "qradar-t1609", cadet_vrl::Mode::All).unwrap()
    );
}
