//! Rule pack text → compiled pack: `Pack::parse`, then an engine for every profile the pack
//! defines (the prefilter and rule index are built there), scoring a few fixed records.
//! A bad pack must be an error, never a panic or a hang.
#![no_main]

use cadet_core::{Config, Engine};
use cadet_fuzz::internal::Pack;
use libfuzzer_sys::fuzz_target;

const RECORDS: &[&[u8]] = &[
    br#"{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"]}}"#,
    br#"{"eventid":4688,"Process Name":"C:\\bin\\kubectl.exe","Command":"kubectl exec -it web -- sh"}"#,
    b"kubectl exec -it web -- sh -c 'cat /var/run/secrets/kubernetes.io/serviceaccount/token'",
    br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/d/pods/w/exec?command=sh","user":{"username":"u"},"objectRef":{"resource":"pods","subresource":"exec"}}"#,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(pack) = Pack::parse("fuzz.toml", text) else {
        return;
    };
    for profile in &pack.profiles {
        let config = Config {
            profile: profile.name.clone(),
            rules: Some(text.to_string()),
            rules_name: "fuzz.toml".into(),
            ..Config::default()
        };
        let Ok(mut engine) = Engine::new(&config) else {
            continue;
        };
        for record in RECORDS {
            cadet_fuzz::enrich_and_check(&mut engine, record);
        }
    }
});
