//! The drift check: `vector-config/cadet.vrl` is what the generator writes now (profile `cadet`,
//! mode `all`). When the generator's output changes on purpose, regenerate it with
//! `cargo run -p cadet-vector-tests --bin gen-vector-config` and commit it.

#[test]
fn vector_config_cadet_vrl_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vector-config/cadet.vrl");
    let committed = std::fs::read_to_string(path).expect("vector-config/cadet.vrl");
    let generated = cadet_vrl::export_text(None, "cadet", cadet_vrl::Mode::All).expect("export");
    assert!(
        committed == generated,
        "vector-config/cadet.vrl differs from the generator's output: run `cargo run -p cadet-vector-tests --bin gen-vector-config` and commit it"
    );
}
