//! Writes vector-config/cadet.vrl (profile `cadet`, mode `all`) and vector-config/vector.yaml
//! (pipeline.yaml plus unit tests built from the fixtures).
fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vector-config");
    let program = cadet_vrl::export_text(None, "cadet", cadet_vrl::Mode::All).expect("export");
    std::fs::write(dir.join("cadet.vrl"), program).expect("write cadet.vrl");
    std::fs::write(dir.join("vector.yaml"), cadet_vector_tests::vector_yaml())
        .expect("write vector.yaml");
    println!("wrote {}/cadet.vrl and vector.yaml", dir.display());
}
