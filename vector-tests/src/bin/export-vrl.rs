//! `export-vrl PROFILE [enrich|matches-only]`: prints the VRL program for PROFILE of the
//! embedded pack (what `cadet export vrl` writes).
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let profile = args.get(1).map(String::as_str).unwrap_or("cadet");
    let mode = cadet_vrl::Mode::parse(args.get(2).map(String::as_str).unwrap_or("all"))
        .expect("mode: all | matches-only");
    match cadet_vrl::export_text(None, profile, mode) {
        Ok(program) => print!("{program}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
