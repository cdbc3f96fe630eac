//! The core's layers depend one way: a module may use only the layers before it (and the
//! verdict, a leaf). A `use crate::…` or `crate::…` path that points up the stack fails here.

use std::path::{Path, PathBuf};

/// The layers, lowest first. `verdict` may be used by every layer and uses none.
const LAYERS: &[&str] = &[
    "text",
    "prefilter",
    "analysis",
    "event",
    "source",
    "fields",
    "condition",
    "pack",
    "engine",
];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn lower_layers_never_use_higher_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut checked = 0;
    let mut wrong = Vec::new();
    for path in &all {
        let rel = path.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let top = top.strip_suffix(".rs").unwrap_or(top);
        let own = match top {
            "verdict" => Some(usize::MAX), // the leaf: may use nothing
            _ => rank(top),
        };
        let Some(own) = own else { continue }; // lib.rs, parts.rs: the façade sees everything
        checked += 1;
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let ok = if name == "verdict" {
                    top != "verdict"
                } else if own == usize::MAX {
                    false
                } else {
                    rank(&name).is_none_or(|r| r <= own)
                };
                if !ok {
                    wrong.push(format!("{}:{}: {top} uses {name}", rel.display(), n + 1));
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} files checked");
    assert!(wrong.is_empty(), "layer violations:\n{}", wrong.join("\n"));
}
