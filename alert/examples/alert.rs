//! Prints the ECS or OCSF alert for each matched line of standard input:
//! `cargo run -p cadet-alert --example alert -- ocsf < core/fixtures/k8s_audit/apiserver.attack.jsonl`
use std::io::{BufRead, Write};

use cadet_alert::{Alerter, Output};
use cadet_core::{Config, Engine};

fn main() {
    let output = std::env::args()
        .nth(1)
        .and_then(|a| Output::parse(&a))
        .unwrap_or(Output::Ocsf);
    let mut engine = Engine::new(&Config::default()).expect("embedded pack");
    let alerter = Alerter::new(&engine);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let verdict = engine.score(line.as_bytes());
        let mut buf = Vec::new();
        if alerter.write(output, line.as_bytes(), &verdict, now, &mut buf) {
            buf.push(b'\n');
            let _ = out.write_all(&buf);
        }
    }
}
