//! `vrl-run PROGRAM.vrl [EVENTS.jsonl]`: compiles a VRL program with the `vrl` crate,
//! prints its diagnostics, and runs it on each line of EVENTS (stdin when absent).

use std::io::BufRead;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: vrl-run PROGRAM.vrl [EVENTS.jsonl]");
        std::process::exit(2);
    };
    let source = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (vrl, warnings) = match cadet_vector_tests::Vrl::compile(&source) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    for w in &warnings {
        eprintln!("{w}");
    }
    let input: Box<dyn BufRead> = match args.get(2) {
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).expect("events file"),
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    for line in input.lines() {
        let line = line.expect("read");
        match cadet_vector_tests::event_of(&line) {
            None => println!("(rejected by the json codec)"),
            Some(ev) => match vrl.run(ev) {
                Ok(cadet_vector_tests::Outcome::Event(v)) => {
                    println!("{}", v.get("cadet").unwrap_or(&v))
                }
                Ok(cadet_vector_tests::Outcome::Aborted(_)) => println!("(aborted)"),
                Err(e) => println!("error: {e}"),
            },
        }
    }
}
