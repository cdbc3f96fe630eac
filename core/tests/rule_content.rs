//! Every rule that reaches medium severity (score ≥ 50) tells the analyst what it means, where
//! the behaviour is documented and what legitimate activity also matches it.

use cadet_core::{Pack, DEFAULT_PACK};

#[test]
fn every_rule_scoring_50_or_more_has_description_references_and_false_positives() {
    let pack = Pack::parse("<embedded>", DEFAULT_PACK).unwrap();
    let mut missing = Vec::new();
    let mut checked = 0;
    for r in pack.rules.iter().filter(|r| r.score >= 50) {
        checked += 1;
        let mut lacks = Vec::new();
        if r.description.trim().is_empty() {
            lacks.push("description");
        }
        if r.references.is_empty() {
            lacks.push("references");
        }
        if r.false_positives.is_empty() || r.false_positives.iter().any(|f| f.trim().is_empty()) {
            lacks.push("false_positives");
        }
        if !lacks.is_empty() {
            missing.push(format!(
                "{} (score {}): {}",
                r.id,
                r.score,
                lacks.join(", ")
            ));
        }
        for u in &r.references {
            assert!(
                u.starts_with("https://") && !u.contains(char::is_whitespace),
                "{}: reference `{u}` is not an https URL",
                r.id
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for u in &r.references {
            assert!(seen.insert(u), "{}: reference `{u}` listed twice", r.id);
        }
    }
    assert!(checked > 90, "only {checked} rules scored ≥ 50");
    assert!(
        missing.is_empty(),
        "rules lacking content:\n{}",
        missing.join("\n")
    );
}

#[test]
fn attack_references_match_the_rules_techniques() {
    // An ATT&CK page a rule cites is one of its techniques, or the parent of one (T1552 for
    // T1552.007), or a technique it documents in passing, listed here.
    let pack = Pack::parse("<embedded>", DEFAULT_PACK).unwrap();
    let mut wrong = Vec::new();
    for r in &pack.rules {
        for u in &r.references {
            let Some(t) = u.strip_prefix("https://attack.mitre.org/techniques/") else {
                continue;
            };
            let id = t.trim_end_matches('/').replace('/', ".");
            let listed = r.techniques.iter().any(|x| {
                *x == id || x.starts_with(&format!("{id}.")) || id.starts_with(&format!("{x}."))
            });
            if !listed {
                wrong.push(format!("{}: {id} not in {:?}", r.id, r.techniques));
            }
        }
    }
    // Cited for context (sub-techniques of listed techniques' siblings, or the payload's
    // own technique): the list keeps the check honest about what is extra.
    let extra = ["T1059.004", "T1496", "T1552.005", "T1006", "T1021"];
    wrong.retain(|w| !extra.iter().any(|e| w.contains(&format!(": {e} "))));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
