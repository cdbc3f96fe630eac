//! MITRE ATT&CK names for the techniques the rule packs use (data, ATT&CK v17 Enterprise).
//!
//! Names and tactic assignments are facts from the public ATT&CK knowledge base
//! (<https://attack.mitre.org>); `alert/tests/attack_table.rs` checks that every technique
//! of the embedded pack is in this table. A technique missing here still gets its id and
//! reference URL, only without a name or tactics.

/// The ATT&CK release the names and tactics below follow.
pub const ATTACK_VERSION: &str = "17";

/// Tactics: (id, name).
pub const TACTICS: &[(&str, &str)] = &[
    ("TA0001", "Initial Access"),
    ("TA0002", "Execution"),
    ("TA0003", "Persistence"),
    ("TA0004", "Privilege Escalation"),
    ("TA0005", "Defense Evasion"),
    ("TA0006", "Credential Access"),
    ("TA0007", "Discovery"),
    ("TA0011", "Command and Control"),
    ("TA0040", "Impact"),
];

/// Techniques and sub-techniques: (id, name, tactic ids). A sub-technique's name is its own
/// (`Container CLI/API`), its parent's is found under the parent id.
pub const TECHNIQUES: &[(&str, &str, &[&str])] = &[
    ("T1036", "Masquerading", &["TA0005"]),
    (
        "T1036.005",
        "Match Legitimate Resource Name or Location",
        &["TA0005"],
    ),
    (
        "T1053",
        "Scheduled Task/Job",
        &["TA0002", "TA0003", "TA0004"],
    ),
    (
        "T1053.007",
        "Container Orchestration Job",
        &["TA0002", "TA0003", "TA0004"],
    ),
    ("T1059", "Command and Scripting Interpreter", &["TA0002"]),
    ("T1059.013", "Container CLI/API", &["TA0002"]),
    ("T1069", "Permission Groups Discovery", &["TA0007"]),
    ("T1069.003", "Cloud Groups", &["TA0007"]),
    ("T1070", "Indicator Removal", &["TA0005"]),
    (
        "T1078",
        "Valid Accounts",
        &["TA0001", "TA0003", "TA0004", "TA0005"],
    ),
    ("T1090", "Proxy", &["TA0011"]),
    ("T1098", "Account Manipulation", &["TA0003", "TA0004"]),
    ("T1134", "Access Token Manipulation", &["TA0004", "TA0005"]),
    ("T1136", "Create Account", &["TA0003"]),
    ("T1485", "Data Destruction", &["TA0040"]),
    ("T1498", "Network Denial of Service", &["TA0040"]),
    (
        "T1548",
        "Abuse Elevation Control Mechanism",
        &["TA0004", "TA0005"],
    ),
    ("T1552", "Unsecured Credentials", &["TA0006"]),
    ("T1552.007", "Container API", &["TA0006"]),
    ("T1562", "Impair Defenses", &["TA0005"]),
    ("T1578", "Modify Cloud Compute Infrastructure", &["TA0005"]),
    ("T1609", "Container Administration Command", &["TA0002"]),
    ("T1610", "Deploy Container", &["TA0002", "TA0005"]),
    ("T1611", "Escape to Host", &["TA0004"]),
    ("T1613", "Container and Resource Discovery", &["TA0007"]),
];

/// A technique id split into its parent and sub-technique, with names and tactics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Technique {
    /// The (parent) technique id, `T1059` for `T1059.013`.
    pub id: &'static str,
    /// Its name, when the table knows it.
    pub name: Option<&'static str>,
    /// The sub-technique id (`T1059.013`), if the id names one.
    pub sub_id: Option<&'static str>,
    /// The sub-technique's name, when the table knows it.
    pub sub_name: Option<&'static str>,
    /// Tactic ids (of the sub-technique when it has its own entry, else of the parent).
    pub tactics: &'static [&'static str],
}

/// Looks up a technique id as rules write it (`T1609`, `T1059.013`); `None` for an id the
/// table does not hold (callers still write the id and its [`reference()`]).
pub fn lookup(id: &str) -> Option<Technique> {
    let entry = |want: &str| TECHNIQUES.iter().find(|(t, _, _)| *t == want);
    let own = entry(id)?;
    match id.split_once('.') {
        Some((parent, _)) => {
            let p = entry(parent);
            Some(Technique {
                id: p.map(|p| p.0).unwrap_or(own.0),
                name: p.map(|p| p.1),
                sub_id: Some(own.0),
                sub_name: Some(own.1),
                tactics: own.2,
            })
        }
        None => Some(Technique {
            id: own.0,
            name: Some(own.1),
            sub_id: None,
            sub_name: None,
            tactics: own.2,
        }),
    }
}

/// The name of tactic `id`.
pub fn tactic_name(id: &str) -> Option<&'static str> {
    TACTICS.iter().find(|(t, _)| *t == id).map(|(_, n)| *n)
}

/// The ATT&CK page of a technique, sub-technique (`T1059.013` → `…/T1059/013/`) or tactic.
pub fn reference(id: &str) -> alloc::string::String {
    if id.starts_with("TA") {
        alloc::format!("https://attack.mitre.org/tactics/{id}/")
    } else {
        alloc::format!(
            "https://attack.mitre.org/techniques/{}/",
            id.replace('.', "/")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_techniques_split_into_parent_and_sub() {
        let t = lookup("T1059.013").unwrap();
        assert_eq!(t.id, "T1059");
        assert_eq!(t.name, Some("Command and Scripting Interpreter"));
        assert_eq!(t.sub_id, Some("T1059.013"));
        assert_eq!(t.sub_name, Some("Container CLI/API"));
        assert_eq!(
            reference("T1059.013"),
            "https://attack.mitre.org/techniques/T1059/013/"
        );
        assert_eq!(
            reference("TA0002"),
            "https://attack.mitre.org/tactics/TA0002/"
        );
        assert_eq!(lookup("T1609").unwrap().sub_id, None);
        assert_eq!(lookup("T9999"), None);
    }

    #[test]
    fn every_tactic_of_the_table_has_a_name() {
        for (id, _, tactics) in TECHNIQUES {
            assert!(!tactics.is_empty(), "{id}");
            for t in *tactics {
                assert!(tactic_name(t).is_some(), "{id}: {t}");
            }
        }
    }
}
