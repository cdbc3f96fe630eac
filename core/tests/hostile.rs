//! Bad input never panics, never loses the record, and gets a clear error.

use cadet_core::{Config, Engine};

fn engine() -> Engine {
    Engine::new(&Config::default()).unwrap()
}

fn enrich(e: &mut Engine, record: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    e.enrich(record, &mut out);
    out
}

#[test]
fn malformed_json_is_reported_and_the_bytes_are_kept() {
    let mut e = engine();
    let bad = br#"{"process":{"name":"docker","args":["docker","exec" "x"]}}"#;
    let v = e.score(bad);
    assert!(!v.matched);
    assert!(
        v.error.as_deref().unwrap().starts_with("invalid JSON"),
        "{:?}",
        v.error
    );
    let out = enrich(&mut e, bad);
    // The line is not a JSON object, so it is carried whole as a string: the output is valid
    // JSON and gives the exact line back.
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON out");
    assert_eq!(doc["message"].as_str().unwrap().as_bytes(), bad);
    assert!(
        doc.get("message_base64").is_none(),
        "valid UTF-8 needs no base64"
    );
    assert!(doc["cadet"]["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
}

#[test]
fn invalid_utf8_inside_a_record() {
    let mut e = engine();
    let mut rec =
        br#"{"process":{"name":"docker","args":["docker","exec","-it","web","sh"],"x":""#.to_vec();
    rec.extend_from_slice(&[0xff, 0xfe]);
    rec.extend_from_slice(br#""}}"#);
    let v = e.score(&rec);
    assert!(v.error.is_some());
    let out = enrich(&mut e, &rec);
    // Invalid UTF-8 makes the object invalid JSON: `message` holds it lossily and
    // `message_base64` the exact bytes.
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON out");
    assert!(doc["message"].as_str().unwrap().contains('\u{fffd}'));
    let b64 = doc["message_base64"].as_str().unwrap();
    assert_eq!(base64_decode(b64), rec);
    // a raw line with invalid UTF-8 is wrapped as a message (lossily) and still scored
    let mut line = b"docker exec -it web sh ".to_vec();
    line.push(0xff);
    let v = e.score(&line);
    assert!(v.matched, "{}", v.to_json());
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    let mut e = engine();
    for depth in [65usize, 1_000, 100_000] {
        let mut rec =
            String::from(r#"{"process":{"name":"docker","args":["docker","exec","x","sh"]},"n":"#);
        rec.push_str(&"[".repeat(depth));
        rec.push_str(&"]".repeat(depth));
        rec.push('}');
        let v = e.score(rec.as_bytes());
        assert!(
            v.error.as_deref().unwrap().contains("nested deeper"),
            "{depth}: {:?}",
            v.error
        );
        let out = enrich(&mut e, rec.as_bytes());
        // Valid JSON, only too deep for cadet to read: its bytes stay as they were (the
        // validity check does not recurse).
        assert_eq!(&out[..rec.len() - 1], &rec.as_bytes()[..rec.len() - 1]);
        serde_json::from_slice::<serde::de::IgnoredAny>(&out).expect("valid JSON out");
    }
    // 60 levels is fine
    let mut rec =
        String::from(r#"{"process":{"name":"docker","args":["docker","exec","x","sh"]},"n":"#);
    rec.push_str(&"[".repeat(60));
    rec.push_str(&"]".repeat(60));
    rec.push('}');
    assert!(e.score(rec.as_bytes()).matched);
}

#[test]
fn huge_records() {
    let mut e = engine();
    let pad = "a".repeat(1 << 20);
    let rec = format!(
        r#"{{"process":{{"name":"docker","args":["docker","exec","-it","web","sh"]}},"pad":"{pad}"}}"#
    );
    assert!(e.score(rec.as_bytes()).matched, "1 MiB record is scored");
    let big = format!(r#"{{"message":"docker exec {}"}}"#, "b".repeat(5 << 20));
    let v = e.score(big.as_bytes());
    assert!(v.error.as_deref().unwrap().contains("larger than"));
    assert_eq!(
        enrich(&mut e, big.as_bytes()).len(),
        big.len() + ",\"cadet\":".len() + v.to_json().len()
    );
}

#[test]
fn odd_lines_each_give_one_json_object() {
    let mut e = engine();
    for line in [
        "",
        "   ",
        "null",
        "[1,2]",
        "42",
        "\"docker exec\"",
        "{",
        "}",
        "{}",
        "{ }",
        "docker",
        "\u{0}\u{1}",
    ] {
        let out = enrich(&mut e, line.as_bytes());
        let v: serde_json::Value = serde_json::from_slice(&out)
            .unwrap_or_else(|err| panic!("{line:?}: {err}: {}", String::from_utf8_lossy(&out)));
        assert!(v["cadet"].is_object(), "{line:?}");
    }
}

fn pack_err(text: &str) -> String {
    pack_err_or_ok(text).expect("the pack is refused")
}

/// `None` when the pack loads, else its error.
fn pack_err_or_ok(text: &str) -> Option<String> {
    Engine::new(&Config {
        rules: Some(text.into()),
        rules_name: "evil.toml".into(),
        ..Config::default()
    })
    .err()
    .map(|e| e.to_string())
}

const PROFILE: &str = "[[profile]]\nname = \"cadet\"\ncombine = \"max\"\n";

#[test]
fn hostile_rule_packs_get_clear_errors() {
    let rule = |when: &str| {
        format!(
            "{PROFILE}\n[[rule]]\nid = \"r1\"\ntitle = \"t\"\nscore = 50\nwhen = '''{when}'''\n"
        )
    };
    let cases = [
        (rule("process.nme == \"docker\""), "evil.toml:9: rule `r1`: unknown field `process.nme`"),
        (rule("cmd.tool == "), "expected a value"),
        (rule("cmd.privileged contains \"x\""), "needs a text field"),
        (rule(&"(".repeat(100)), "nested deeper than 32"),
        (rule(&format!("process.command_line contains \"{}\"", "x".repeat(9000))), "longer than 8192"),
        (rule("process.command_line matches \"(a\""), "bad regular expression"),
        (rule("process.command_line matches \"a{1000}{1000}\""), "bad regular expression"),
        (rule("process.command_line in @nope"), "unknown list `@nope`"),
        (rule("cmd.tool == \"docker\" docker"), "expected `and`, `or`"),
        (format!("{PROFILE}\n[[rule]]\nid = \"r1\"\ntitle = \"t\"\nscore = 5\nflags = [\"root\"]\nwhen = 'true'\n"), "unknown flag `root`"),
        (format!("{PROFILE}\n[[rule]]\nid = \"r1\"\ntitle = \"t\"\nscore = 5\ntechniques = [\"T16099\"]\nwhen = 'true'\n"), "not an ATT&CK technique id"),
        (format!("{PROFILE}\n[[rule]]\nid = \"r1\"\ntitle = \"t\"\nscore = 5\nwhen = 'true'\n[[rule]]\nid = \"r1\"\ntitle = \"t\"\nscore = 5\nwhen = 'true'\n"), "rule id used twice"),
        (format!("{PROFILE}\n[[rule]]\nid = \"r1\"\nscore = 5\nwhen = 'true'\n"), "missing field `title`"),
        (format!("{PROFILE}\nbogus = 1\n"), "unknown field `bogus`"),
        ("not toml at all [[[".to_string(), "evil.toml:1"),
        (format!("{PROFILE}{}", "#".repeat(2 << 20)), "larger than"),
        ("[[profile]]\nname = \"other\"\ncombine = \"max\"\n".to_string(), "unknown profile `cadet`"),
        // The limit holds for the last value of a list too: 1024 values load, 1025 do not.
        (rule(&format!("cmd.tool in ({})", vec!["\"x\""; 1025].join(", "))), "list longer than 1024 values"),
        // A profile's problem names the profile, not a rule.
        ("[[profile]]\nname = \"cadet\"\ncombine = \"max\"\nprefilter = [\"\"]\n".to_string(), "evil.toml:1: profile `cadet`: prefilter needs 1 to"),
        ("[[profile]]\nname = \"cadet\"\ncombine = \"max\"\n[[profile]]\nname = \"cadet\"\ncombine = \"max\"\n".to_string(), "profile `cadet`: defined twice"),
    ];
    let ok = pack_err_or_ok(&rule(&format!(
        "cmd.tool in ({})",
        vec!["\"x\""; 1024].join(", ")
    )));
    assert!(ok.is_none(), "1024 values refused: {ok:?}");
    for (text, want) in cases {
        let got = pack_err(&text);
        assert!(got.contains(want), "want {want:?}, got {got:?}");
    }
}

#[test]
fn catastrophic_patterns_stay_linear() {
    // Classic exponential-backtracking shapes: regex-lite and the wildcard matcher are linear.
    let pack = format!(
        "{PROFILE}threshold = 1\n[[rule]]\nid = \"re\"\ntitle = \"t\"\nscore = 50\nwhen = '''process.command_line matches \"(a+)+$\" or process.command_line ilike \"%a%a%a%a%a%a%a%a%a%a%a%b\"'''\n"
    );
    let mut e = Engine::new(&Config {
        rules: Some(pack),
        prefilter: false,
        ..Config::default()
    })
    .unwrap();
    let cmd = format!("docker {}!", "a".repeat(20_000));
    let rec = serde_json::json!({"process": {"command_line": cmd}}).to_string();
    let v = e.score(rec.as_bytes());
    assert!(!v.matched);
}

/// GKE `methodName`s cut short or odd (the version last, nothing after `io.k8s`) are read
/// without panicking, in every profile.
#[test]
fn odd_gke_method_names_do_not_panic() {
    let methods = [
        "io.k8s.core.v1",
        "io.k8s.v1",
        "v1",
        "io.k8s",
        "",
        ".",
        "io.k8s.core.v1.",
        "io.k8s.core.v1.pods",
        "io.k8s.core.v1.pods.exec.create",
    ];
    for profile in ["cadet", "qradar-t1609", "elastic-t1609", "qradar-t1059-013"] {
        let mut e = Engine::new(&Config {
            profile: profile.into(),
            ..Config::default()
        })
        .unwrap();
        for m in methods {
            let record = format!(
                r#"{{"protoPayload":{{"serviceName":"k8s.io","methodName":"{m}","resourceName":"core/v1/namespaces/default/pods/x/exec","x":"secrets"}}}}"#
            );
            let v = e.score(record.as_bytes());
            assert!(v.error.is_none(), "{profile} {m}: {:?}", v.error);
            let out = enrich(&mut e, record.as_bytes());
            assert!(out.starts_with(&record.as_bytes()[..record.len() - 1]));
        }
    }
}

/// Standard base64 (with padding) decoded, for checking `message_base64`.
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let pad = chunk.iter().filter(|&&c| c == b'=').count();
        let n = chunk
            .iter()
            .filter(|&&c| c != b'=')
            .fold(0u32, |acc, &c| acc << 6 | value(c))
            << (6 * pad);
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}
