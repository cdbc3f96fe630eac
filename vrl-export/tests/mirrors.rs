//! Every "Mirrors core `path::item`." comment in `vrl-export/src` names an item that exists in
//! `core/src`: `a::b::c` is looked up as `fn c`, `struct c`, `const c`, `static c` or `enum c`
//! in `core/src/a/b.rs` or `core/src/a/b/mod.rs`. A core function renamed or moved fails here,
//! naming the VRL file that still points at the old place.

use std::fs;
use std::path::{Path, PathBuf};

const MARK: &str = "Mirrors core `";
const KEYWORDS: [&str; 5] = ["fn", "struct", "const", "static", "enum"];

/// The core paths named in `text`, in order.
fn mirrored_paths(text: &str) -> Vec<&str> {
    let mut paths = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        rest = &rest[at + MARK.len()..];
        if let Some(end) = rest.find('`') {
            paths.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    paths
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// True when `source` declares `name` with one of [`KEYWORDS`].
fn declares(source: &str, name: &str) -> bool {
    KEYWORDS.iter().any(|kw| {
        let needle = format!("{kw} {name}");
        source.match_indices(&needle).any(|(at, _)| {
            let before = source[..at].chars().next_back();
            let after = source[at + needle.len()..].chars().next();
            !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
        })
    })
}

/// Checks that `path` (`a::b::c`) names an item of the core whose sources are in `core_src`.
fn check(core_src: &Path, path: &str) -> Result<(), String> {
    let parts: Vec<&str> = path.split("::").collect();
    let valid = |p: &&str| !p.is_empty() && p.chars().all(is_ident_char);
    if parts.len() < 2 || !parts.iter().all(valid) {
        return Err(format!("`{path}` is not a path of the form module::item"));
    }
    let (item, modules) = parts.split_last().expect("two parts at least");
    let dir: PathBuf = modules.iter().collect();
    let candidates = [
        core_src.join(&dir).with_extension("rs"),
        core_src.join(&dir).join("mod.rs"),
    ];
    let mut found_module = false;
    for file in &candidates {
        if let Ok(source) = fs::read_to_string(file) {
            found_module = true;
            if declares(&source, item) {
                return Ok(());
            }
        }
    }
    if found_module {
        Err(format!(
            "no fn, struct, const, static or enum `{item}` in {}",
            candidates[0].display()
        ))
    } else {
        Err(format!(
            "no module file {} or {}",
            candidates[0].display(),
            candidates[1].display()
        ))
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn core_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src")
}

#[test]
fn every_mirrors_comment_names_a_core_item() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.sort();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("read source");
        for path in mirrored_paths(&text) {
            checked += 1;
            if let Err(why) = check(&core_src(), path) {
                wrong.push(format!("{}: `{path}`: {why}", file.display()));
            }
        }
    }
    assert!(
        checked >= 50,
        "only {checked} mirrors comments found: is the marker still `{MARK}...`.?"
    );
    assert!(
        wrong.is_empty(),
        "mirrors comments naming no core item:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_rejects_a_wrong_path_and_accepts_a_right_one() {
    let core = core_src();
    assert!(check(&core, "source::control_plane::kubelet::read_line").is_ok());
    assert!(check(&core, "source::process::process_fields::ProcessFieldNames").is_ok());
    // a module folder's items are in its mod.rs
    assert!(check(&core, "source::control_plane::MARKERS").is_ok());
    // an item that does not exist in a module that does
    let err = check(&core, "source::control_plane::kubelet::read_nothing").unwrap_err();
    assert!(err.contains("read_nothing"), "{err}");
    // a module that does not exist
    let err = check(&core, "source::no_such_source::read").unwrap_err();
    assert!(err.contains("no module file"), "{err}");
    // a prefix of a real name is not that name
    assert!(check(&core, "source::control_plane::kubelet::read_").is_err());
    // not a path
    assert!(check(&core, "read_line").is_err());
    assert!(check(&core, "source::kubelet::read line").is_err());
}

#[test]
fn the_comments_are_found_in_their_fixed_form() {
    let text = "/// Mirrors core `a::b`.\n/// Mirrors core `c::d::e`.\n// core `not::this`";
    assert_eq!(mirrored_paths(text), ["a::b", "c::d::e"]);
}
