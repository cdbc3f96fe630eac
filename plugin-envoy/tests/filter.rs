//! The filter logic natively, through a recording fake of Envoy (the same logic runs as wasm
//! under the proxy-wasm host in host-tests/tests/envoy.rs).

use cadet_core::{Config, Engine};
use cadet_plugin_envoy::filter::{Host, Mode, Next, Settings, Stream};
use serde_json::Value;

#[derive(Default)]
struct Fake {
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    headers_live: bool,
    set: Vec<(String, Option<String>)>,
    replies: Vec<(u32, Vec<u8>)>,
    logs: Vec<String>,
    header_calls_after_continue: usize,
}

impl Host for Fake {
    fn request_headers(&mut self) -> Vec<(String, Vec<u8>)> {
        if !self.headers_live {
            self.header_calls_after_continue += 1;
        }
        self.headers.clone()
    }
    fn set_request_header(&mut self, name: &str, value: Option<&str>) {
        if !self.headers_live {
            self.header_calls_after_continue += 1;
        }
        self.set.push((name.into(), value.map(String::from)));
    }
    fn request_body(&mut self, max: usize) -> Vec<u8> {
        self.body[..max.min(self.body.len())].to_vec()
    }
    fn source_address(&mut self) -> Option<Vec<u8>> {
        Some(b"10.0.0.7:51234".to_vec())
    }
    fn local_reply(&mut self, status: u32, _headers: &[(&str, &str)], body: &[u8]) {
        self.replies.push((status, body.to_vec()));
    }
    fn log(&mut self, _warn: bool, line: &str) {
        self.logs.push(line.into());
    }
}

fn fake(headers: &[(&str, &[u8])]) -> Fake {
    Fake {
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect(),
        headers_live: true,
        ..Fake::default()
    }
}

#[test]
fn defaults_and_refusals() {
    let s = Settings::parse(b"").unwrap();
    assert_eq!(
        (s.mode, s.fail_open, s.max_body_bytes),
        (Mode::Tag, true, 1024 * 1024)
    );
    for (bad, word) in [
        (&b"[]"[..], "object"),
        (b"{\"max_body_bytes\":-1}", "max_body_bytes"),
        (b"{\"x\":1}", "unknown key `x`"),
    ] {
        let e = Settings::parse(bad).unwrap_err();
        assert!(e.contains(word), "{e}");
    }
}

#[test]
fn the_record_holds_repeated_headers_as_a_list_and_scores_as_the_native_line() {
    let mut s = Settings::parse(br#"{"mode":"tag"}"#).unwrap();
    let mut host = fake(&[
        (":method", b"GET"),
        (":path", b"/api/v1/namespaces/kube-system/pods"),
        (":authority", b"api:443"),
        ("x-request-id", b"id-1"),
        ("user-agent", b"kubectl/v1.31.2"),
        ("impersonate-user", b"system:admin"),
        ("impersonate-group", b"system:masters"),
        ("impersonate-group", b"a\xffb"),
        ("cookie", b"secret"),
        ("x-cadet-score", b"0"),
    ]);
    let mut st = Stream::new(1);
    assert_eq!(
        st.on_request_headers(&mut s, &mut host, true),
        Next::Continue
    );
    let record: Value = serde_json::from_slice(&st.record()).unwrap();
    assert_eq!(record["auditID"], "id-1");
    assert_eq!(
        record["headers"]["impersonate-group"],
        serde_json::json!(["system:masters", "a\u{fffd}b"])
    );
    assert!(
        record["headers"].get("cookie").is_none(),
        "only the headers cadet reads leave the filter"
    );
    let native = Engine::new(&Config::default())
        .unwrap()
        .score(record.to_string().as_bytes());
    assert!(native
        .rules
        .iter()
        .any(|r| r.id == "cadet.k8s.impersonation"));
    assert_eq!(
        host.set[0],
        ("x-cadet-score".into(), None),
        "the client's tag removed first"
    );
    assert!(host
        .set
        .contains(&("x-cadet-score".into(), Some(native.score.to_string()))));
    assert_eq!(host.logs.len(), 1);
}

#[test]
fn writes_wait_for_the_body_and_are_decided_while_the_headers_are_held() {
    let mut s = Settings::parse(br#"{"mode":"block","max_body_bytes":64}"#).unwrap();
    let body = br#"{"spec":{"containers":[{"name":"c","image":"alpine","securityContext":{"privileged":true}}]}}"#;
    let mut host = fake(&[
        (":method", b"POST"),
        (":path", b"/api/v1/namespaces/d/pods"),
        ("user-agent", b"kubectl/v1.31"),
    ]);
    host.body = body.to_vec();
    let mut st = Stream::new(2);
    assert_eq!(st.on_request_headers(&mut s, &mut host, false), Next::Pause);
    assert_eq!(
        st.on_request_body(&mut s, &mut host, 32, false),
        Next::Pause,
        "below max_body_bytes: buffer"
    );
    // 64 bytes of a longer body: scored truncated (the privileged flag is past the cut).
    let next = st.on_request_body(&mut s, &mut host, body.len(), false);
    let record: Value = serde_json::from_slice(&st.record()).unwrap();
    assert_eq!(record["body_truncated"], true);
    assert_eq!(record["body"].as_str().unwrap().len(), 64);
    assert_eq!(next, Next::Continue);
    host.headers_live = false;
    assert_eq!(
        st.on_request_body(&mut s, &mut host, 10, true),
        Next::Continue
    );
    assert_eq!(host.header_calls_after_continue, 0);
    // The whole body: refused.
    let mut s = Settings::parse(br#"{"mode":"block"}"#).unwrap();
    let mut host = fake(&[
        (":method", b"POST"),
        (":path", b"/api/v1/namespaces/d/pods"),
    ]);
    host.body = body.to_vec();
    let mut st = Stream::new(3);
    assert_eq!(st.on_request_headers(&mut s, &mut host, false), Next::Pause);
    assert_eq!(
        st.on_request_body(&mut s, &mut host, body.len(), true),
        Next::Pause
    );
    assert_eq!(host.replies.len(), 1);
    assert_eq!(host.replies[0].0, 403);
    let reply: Value = serde_json::from_slice(&host.replies[0].1).unwrap();
    assert!(reply["cadet"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "cadet.workload.privileged"));
}
