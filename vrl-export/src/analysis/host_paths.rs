//! Host paths that expose the node (core `analysis::host_paths`).

use alloc::format;
use alloc::string::String;

use cadet_core::parts::analysis::{EXTRA_SENSITIVE, SENSITIVE_EXACT, SENSITIVE_TREES};

use crate::text::{regex, regex_escape, strings};

/// Mirrors core `analysis::host_paths::is_sensitive_host_path`.
pub(crate) fn sensitive(p: &str) -> String {
    let trees: alloc::vec::Vec<String> = SENSITIVE_TREES.iter().map(|t| regex_escape(t)).collect();
    format!(
        "(includes({}, {p}) || match({p}, {}))",
        strings(SENSITIVE_EXACT),
        regex(&format!("^(?:{})(?:/|$)", trees.join("|")))
    )
}

/// `sensitive_host_path(p)` for a cleaned path variable `p`.
///
/// Mirrors core `analysis::host_paths::sensitive_host_path`.
pub(crate) fn sensitive_host_path(p: &str) -> String {
    format!(
        "({} || includes({}, {p}) || starts_with({p}, \"/var/log/\") || ends_with({p}, \".sock\"))",
        sensitive(p),
        strings(EXTRA_SENSITIVE)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec::Vec;

    #[test]
    fn sensitive_host_paths_follow_the_core() {
        // The VRL tables (SENSITIVE_EXACT, SENSITIVE_TREES, EXTRA_SENSITIVE) against core's functions, on every
        // listed path, a child and a sibling of it.
        let mut paths: Vec<String> = Vec::new();
        for p in EXTRA_SENSITIVE
            .iter()
            .chain(SENSITIVE_EXACT)
            .chain(SENSITIVE_TREES)
        {
            paths.push(String::from(*p));
            paths.push(format!("{p}/x"));
            paths.push(format!("{p}x"));
        }
        for p in ["/var/log/pods", "/run/containerd/x.sock", "/srv", "/etc2"] {
            paths.push(String::from(p));
        }
        for p in &paths {
            let core = cadet_core::parts::analysis::sensitive_host_path(p);
            let ours = EXTRA_SENSITIVE.contains(&p.as_str())
                || p.starts_with("/var/log/")
                || p.ends_with(".sock")
                || SENSITIVE_EXACT.contains(&p.as_str())
                || SENSITIVE_TREES
                    .iter()
                    .any(|t| p == t || p.starts_with(&format!("{t}/")));
            assert_eq!(core, ours, "{p}");
        }
    }
}
