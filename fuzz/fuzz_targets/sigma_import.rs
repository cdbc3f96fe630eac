//! The Sigma importer (`cadet-sigma`): arbitrary text as a Sigma YAML file, converted with
//! every pipeline choice (automatic, then each built-in pipeline by name). A conversion either
//! refuses (an error or refusals, never a panic or hang) or writes a rule pack, which must then
//! load: `Pack::parse` and an `Engine` for every profile it defines, each scoring a few fixed
//! records under the enrich contract. A pack the importer writes that the core rejects is a
//! bug of the importer, and fails here.
#![no_main]

use cadet_core::{Config, Engine};
use cadet_fuzz::internal::Pack;
use libfuzzer_sys::fuzz_target;

const RECORDS: &[&[u8]] = &[
    br#"{"process":{"name":"docker","args":["docker","run","--privileged","-v","/:/host","alpine","sh"],"command_line":"docker run --privileged -v /:/host alpine sh"},"host":{"os":{"type":"linux"}}}"#,
    br#"{"EventID":1,"Image":"/usr/bin/cat","CommandLine":"cat /proc/1/cgroup","ParentImage":"/bin/sh"}"#,
    br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/d/pods/w/exec?command=sh","user":{"username":"u"},"objectRef":{"resource":"pods","namespace":"d","name":"w","subresource":"exec"},"responseStatus":{"code":101}}"#,
    br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b","stage":"ResponseComplete","verb":"create","requestURI":"/api/v1/namespaces/d/pods","user":{"username":"u"},"objectRef":{"resource":"pods","namespace":"d","name":"x"},"requestObject":{"spec":{"hostPID":true,"containers":[{"image":"alpine","securityContext":{"privileged":true}}]}}}"#,
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let input = [cadet_sigma::Input {
        name: "fuzz.yml".into(),
        text: text.to_string(),
    }];
    let mut choices = vec![None];
    choices.extend(cadet_sigma::pipeline_names().into_iter().map(Some));
    for pipeline in choices {
        let opts = cadet_sigma::Options { pipeline };
        let Ok(conversion) = cadet_sigma::convert(&input, &opts) else {
            continue;
        };
        if conversion.rules.is_empty() && conversion.correlations.is_empty() {
            continue;
        }
        let pack = match Pack::parse("sigma.toml", &conversion.pack) {
            Ok(pack) => pack,
            Err(e) => panic!(
                "the importer wrote a pack the core rejects: {e}\n{}",
                conversion.pack
            ),
        };
        for profile in &pack.profiles {
            let config = Config {
                profile: profile.name.clone(),
                rules: Some(conversion.pack.clone()),
                rules_name: "sigma.toml".into(),
                ..Config::default()
            };
            let mut engine = match Engine::new(&config) {
                Ok(engine) => engine,
                Err(e) => panic!(
                    "profile {} of the imported pack does not load: {e}\n{}",
                    profile.name, conversion.pack
                ),
            };
            for record in RECORDS {
                cadet_fuzz::enrich_and_check(&mut engine, record);
            }
        }
    }
});
