//! The filter's logic, independent of the proxy-wasm SDK: plugin configuration, the request
//! record handed to the core, and the per-request state machine. It talks to Envoy only
//! through [`Host`], which `lib.rs` implements with the SDK's host calls (and the tests with a
//! recording fake).
//!
//! Envoy facts the state machine respects:
//! - request-header calls are made only while Envoy still holds the headers (in the headers
//!   callback, or in a body callback after the headers callback paused); after the headers
//!   were continued Envoy answers `BAD_ARGUMENT`, on which the SDK panics;
//! - the headers callback pauses only for a write (`POST`/`PUT`/`PATCH`) with a body to read,
//!   never for an upgrade (exec/attach/port-forward over SPDY or WebSocket send no body before
//!   the upgrade is answered) and never when `max_body_bytes` is 0;
//! - buffering stops at `max_body_bytes`: what was read is scored, marked truncated;
//! - a local reply ends the request (the callbacks then return `Pause`).

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use cadet_alert::{Alerter, Output};
use cadet_core::{Config, Engine, Severity, Verdict};
use serde_json::Value;

/// Headers copied into the request record (lower case); plus every `impersonate-*` and
/// `sec-websocket-*` header. Nothing else (cookies, other credentials) leaves the filter.
pub const RECORD_HEADERS: &[&str] = &[
    ":authority",
    "host",
    "user-agent",
    "authorization",
    "x-forwarded-client-cert",
    "x-forwarded-for",
    "x-real-ip",
    "upgrade",
    "connection",
    "content-type",
    "x-stream-protocol-version",
];

/// The largest `max_body_bytes` accepted (the core reads records up to 4 MiB).
pub const MAX_BODY_LIMIT: usize = 3 * 1024 * 1024;

/// What the filter does with a scored request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Tag the request with `x-cadet-*` headers and log matches.
    Tag,
    /// Answer 403 at or above `block_at`; tag and pass everything else.
    Block,
    /// Score in `on_log` only (access-log use): never in the request path.
    Log,
}

#[derive(Default)]
struct RawSettings {
    mode: Option<String>,
    block_at: Option<String>,
    profile: Option<String>,
    rules: Option<String>,
    fail_open: Option<bool>,
    max_body_bytes: Option<u64>,
    output: Option<String>,
}

/// The plugin configuration (`{"mode":"tag","block_at":"high",...}`), validated.
#[derive(Debug)]
pub struct Settings {
    /// tag, block or log.
    pub mode: Mode,
    /// The lowest severity that is blocked in `block` mode.
    pub block_at: Severity,
    /// On an error the filter catches: pass the request (true) or answer 503 (false).
    pub fail_open: bool,
    /// Body bytes read before scoring; 0 decides on the headers alone.
    pub max_body_bytes: usize,
    /// What the log line of a matched request is: `cadet` (the request line with the
    /// verdict), `ecs` (an ECS alert document) or `ocsf` (an OCSF Detection Finding).
    pub output: Output,
    /// The alert renderer (`ecs`/`ocsf` only).
    pub alerter: Option<Alerter>,
    /// The profile's engine.
    pub engine: Engine,
}

impl Settings {
    /// Parses and validates a configuration; the error names the problem. An empty
    /// configuration is the default (`tag`, `high`, profile `cadet`, fail open, 1 MiB).
    pub fn parse(bytes: &[u8]) -> Result<Settings, String> {
        let text =
            core::str::from_utf8(bytes).map_err(|_| String::from("configuration is not UTF-8"))?;
        let raw: Value = if text.trim().is_empty() {
            Value::Object(serde_json::Map::new())
        } else {
            serde_json::from_str(text)
                .map_err(|e| alloc::format!("configuration is not JSON: {e}"))?
        };
        let Value::Object(map) = raw else {
            return Err(String::from("configuration: a JSON object is expected"));
        };
        let mut raw = RawSettings::default();
        for (key, value) in map {
            let text = |v: Value| match v {
                Value::String(s) => Ok(s),
                _ => Err(alloc::format!("configuration: {key} must be a string")),
            };
            match key.as_str() {
                "mode" => raw.mode = Some(text(value)?),
                "block_at" => raw.block_at = Some(text(value)?),
                "profile" => raw.profile = Some(text(value)?),
                "rules" => raw.rules = Some(text(value)?),
                "output" => raw.output = Some(text(value)?),
                "fail_open" => {
                    raw.fail_open = Some(value.as_bool().ok_or_else(|| {
                        String::from("configuration: fail_open must be true or false")
                    })?)
                }
                "max_body_bytes" => {
                    raw.max_body_bytes = Some(value.as_u64().ok_or_else(|| {
                        String::from("configuration: max_body_bytes must be a whole number of bytes")
                    })?)
                }
                _ => {
                    return Err(alloc::format!(
                        "configuration: unknown key `{key}` (mode, block_at, profile, rules, fail_open, max_body_bytes, output)"
                    ))
                }
            }
        }
        let mode = match raw.mode.as_deref().unwrap_or("tag") {
            "tag" => Mode::Tag,
            "block" => Mode::Block,
            "log" => Mode::Log,
            other => {
                return Err(alloc::format!(
                    "configuration: mode `{other}` (tag, block or log)"
                ))
            }
        };
        let block_at = match raw.block_at.as_deref().unwrap_or("high") {
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            other => {
                return Err(alloc::format!(
                    "configuration: block_at `{other}` (low, medium, high or critical)"
                ))
            }
        };
        let output = match raw.output.as_deref() {
            None => Output::Cadet,
            Some(name) => Output::parse(name).ok_or_else(|| {
                alloc::format!("configuration: output `{name}` (cadet, ecs or ocsf)")
            })?,
        };
        let max = raw.max_body_bytes.unwrap_or(1024 * 1024);
        if max > MAX_BODY_LIMIT as u64 {
            return Err(alloc::format!(
                "configuration: max_body_bytes {max} is above {MAX_BODY_LIMIT}"
            ));
        }
        let config = Config {
            profile: raw.profile.unwrap_or_else(|| String::from("cadet")),
            rules_name: String::from(if raw.rules.is_some() {
                "configuration.rules"
            } else {
                "<embedded>"
            }),
            rules: raw.rules,
            // The proxy sees each request once, before any response: no stages to count once
            // and no audit ID (http_request records carry none), so no set of scored requests.
            scored_requests: 0,
            ..Config::default()
        };
        let engine = Engine::new(&config).map_err(|e| alloc::format!("configuration: {e}"))?;
        let alerter = (output != Output::Cadet).then(|| Alerter::new(&engine));
        Ok(Settings {
            output,
            alerter,
            mode,
            block_at,
            fail_open: raw.fail_open.unwrap_or(true),
            max_body_bytes: max as usize,
            engine,
        })
    }
}

/// What the filter needs from Envoy. Every call is made only when Envoy allows it.
pub trait Host {
    /// Every request header (repeated ones repeated), names lower case, values as bytes.
    fn request_headers(&mut self) -> Vec<(String, Vec<u8>)>;
    /// Replaces (or, with `None`, removes) a request header.
    fn set_request_header(&mut self, name: &str, value: Option<&str>);
    /// Up to `max` bytes of the buffered request body.
    fn request_body(&mut self, max: usize) -> Vec<u8>;
    /// The downstream peer address (`source.address`).
    fn source_address(&mut self) -> Option<Vec<u8>>;
    /// Sends a local reply.
    fn local_reply(&mut self, status: u32, headers: &[(&str, &str)], body: &[u8]);
    /// Logs at info (`warn` set: warning) level.
    fn log(&mut self, warn: bool, line: &str);
    /// When the request began (Envoy's `request.time` property), milliseconds since the Unix
    /// epoch: the time of the ECS/OCSF documents (the request record carries none). `None`
    /// (the default) dates them 0.
    fn request_time_ms(&mut self) -> Option<i64> {
        None
    }
}

/// What a callback tells Envoy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Continue the stream.
    Continue,
    /// Hold it (buffer the body; or the request was answered locally).
    Pause,
}

/// The request as the headers callback saw it.
#[derive(Default)]
struct Seen {
    method: String,
    path: String,
    id: String,
    headers: Vec<(String, String)>,
    source: Option<String>,
    body: Vec<u8>,
    truncated: bool,
    /// `x-cadet-*` headers the client sent (replaced by the filter's).
    client_tags: Vec<String>,
}

/// The state of one HTTP stream.
#[derive(Default)]
pub struct Stream {
    seen: Seen,
    /// The request was scored (and tagged or answered); later callbacks pass.
    decided: bool,
    /// The headers callback paused: headers are still held by Envoy.
    holding: bool,
    /// The stream number, for a record id when Envoy gave no `x-request-id`.
    number: u64,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH")
}

impl Stream {
    /// A stream; `number` makes a record id when the request has no `x-request-id`.
    pub fn new(number: u64) -> Stream {
        Stream {
            number,
            ..Stream::default()
        }
    }

    /// `on_http_request_headers`.
    pub fn on_request_headers(
        &mut self,
        s: &mut Settings,
        host: &mut dyn Host,
        end_of_stream: bool,
    ) -> Next {
        let headers = host.request_headers();
        let mut upgrade = false;
        for (name, value) in &headers {
            match name.as_str() {
                ":method" => self.seen.method = lossy(value),
                ":path" => self.seen.path = lossy(value),
                "x-request-id" if self.seen.id.is_empty() => self.seen.id = lossy(value),
                "upgrade" => upgrade = true,
                "connection"
                    if value
                        .to_ascii_lowercase()
                        .windows(7)
                        .any(|w| w == b"upgrade") =>
                {
                    upgrade = true
                }
                n if n.starts_with("x-cadet-") && !self.seen.client_tags.iter().any(|c| c == n) => {
                    self.seen.client_tags.push(String::from(n))
                }
                _ => {}
            }
            if RECORD_HEADERS.contains(&name.as_str())
                || name.starts_with("impersonate-")
                || name.starts_with("sec-websocket-")
            {
                self.seen.headers.push((name.clone(), lossy(value)));
            }
        }
        if self.seen.id.is_empty() {
            self.seen.id = alloc::format!("cadet-{}", self.number);
        }
        self.seen.source = host.source_address().map(|a| lossy(&a));
        if s.mode == Mode::Log {
            return Next::Continue;
        }
        let wait_for_body =
            !end_of_stream && !upgrade && s.max_body_bytes > 0 && is_write(&self.seen.method);
        if wait_for_body {
            self.holding = true;
            return Next::Pause;
        }
        self.decide(s, host)
    }

    /// `on_http_request_body`; `size` is the buffered body size.
    pub fn on_request_body(
        &mut self,
        s: &mut Settings,
        host: &mut dyn Host,
        size: usize,
        end_of_stream: bool,
    ) -> Next {
        if s.mode == Mode::Log {
            let room = s.max_body_bytes.saturating_sub(self.seen.body.len());
            if room > 0 && size > 0 {
                let chunk = host.request_body(size.min(room));
                self.seen.body.extend_from_slice(&chunk);
            }
            if size > room {
                self.seen.truncated = true;
            }
            return Next::Continue;
        }
        if self.decided || !self.holding {
            return Next::Continue;
        }
        if !end_of_stream && size < s.max_body_bytes {
            return Next::Pause;
        }
        let take = size.min(s.max_body_bytes);
        self.seen.body = host.request_body(take);
        self.seen.truncated =
            size > s.max_body_bytes || (!end_of_stream && size >= s.max_body_bytes);
        self.decide(s, host)
    }

    /// `on_log`: the access-log mode scores here (nothing else does anything).
    pub fn on_log(&mut self, s: &mut Settings, host: &mut dyn Host) {
        if s.mode != Mode::Log || self.seen.method.is_empty() {
            return;
        }
        let record = self.record();
        let verdict = s.engine.score(&record);
        if verdict.error.is_some() {
            host.log(true, &self.log_line("log", &verdict));
        } else if verdict.matched {
            let line = self.match_line(s, host, "log", &record, &verdict);
            host.log(false, &line);
        }
    }

    /// The request as a JSON line for the core (`core/src/source/http_request.rs`).
    pub fn record(&self) -> Vec<u8> {
        let seen = &self.seen;
        let mut out = Vec::with_capacity(256 + seen.path.len() + seen.body.len() * 11 / 10);
        out.extend_from_slice(b"{\"auditID\":");
        json_str(&mut out, &seen.id);
        out.extend_from_slice(b",\"method\":");
        json_str(&mut out, &seen.method);
        out.extend_from_slice(b",\"path\":");
        json_str(&mut out, &seen.path);
        out.extend_from_slice(b",\"headers\":{");
        let mut first = true;
        for (i, (name, value)) in seen.headers.iter().enumerate() {
            if seen.headers[..i].iter().any(|(n, _)| n == name) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            json_str(&mut out, name);
            out.push(b':');
            let all: Vec<&String> = seen
                .headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v)
                .collect();
            if all.len() == 1 {
                json_str(&mut out, value);
            } else {
                out.push(b'[');
                for (j, v) in all.iter().enumerate() {
                    if j > 0 {
                        out.push(b',');
                    }
                    json_str(&mut out, v);
                }
                out.push(b']');
            }
        }
        out.push(b'}');
        if !seen.body.is_empty() {
            out.extend_from_slice(b",\"body\":");
            json_str(&mut out, &String::from_utf8_lossy(&seen.body));
        }
        if seen.truncated {
            out.extend_from_slice(b",\"body_truncated\":true");
        }
        if let Some(src) = &seen.source {
            out.extend_from_slice(b",\"source_address\":");
            json_str(&mut out, src);
        }
        out.push(b'}');
        out
    }

    /// The log line of a matched request: [`Stream::log_line`] for output `cadet`; for `ecs` /
    /// `ocsf` the alert document `cadet scan --output ecs|ocsf` writes for `record`, dated by
    /// the request's start (the action is not in it: the document is the same whatever the
    /// mode did).
    fn match_line(
        &self,
        s: &Settings,
        host: &mut dyn Host,
        action: &str,
        record: &[u8],
        verdict: &Verdict,
    ) -> String {
        let Some(alerter) = &s.alerter else {
            return self.log_line(action, verdict);
        };
        let received_ms = host.request_time_ms().unwrap_or(0);
        let mut out = Vec::with_capacity(2048);
        if !alerter.write(s.output, record, verdict, received_ms, &mut out) {
            return self.log_line(action, verdict);
        }
        // serde_json writes UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }

    fn log_line(&self, action: &str, verdict: &Verdict) -> String {
        let mut out = Vec::with_capacity(512);
        out.extend_from_slice(b"{\"request_id\":");
        json_str(&mut out, &self.seen.id);
        out.extend_from_slice(b",\"method\":");
        json_str(&mut out, &self.seen.method);
        out.extend_from_slice(b",\"path\":");
        json_str(&mut out, &self.seen.path);
        if let Some(src) = &self.seen.source {
            out.extend_from_slice(b",\"source_address\":");
            json_str(&mut out, src);
        }
        if self.seen.truncated {
            out.extend_from_slice(b",\"body_truncated\":true");
        }
        out.extend_from_slice(b",\"action\":");
        json_str(&mut out, action);
        out.extend_from_slice(b",\"cadet\":");
        out.extend_from_slice(verdict.to_json().as_bytes());
        out.push(b'}');
        // Built from strings and valid JSON: always UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }

    /// Scores the request and tags, answers or passes it. Envoy holds the headers here.
    fn decide(&mut self, s: &mut Settings, host: &mut dyn Host) -> Next {
        self.decided = true;
        let record = self.record();
        let verdict = s.engine.score(&record);
        if let Some(err) = &verdict.error {
            let action = if s.fail_open {
                "pass (error)"
            } else {
                "refuse (error)"
            };
            host.log(true, &self.log_line(action, &verdict));
            if !s.fail_open {
                let body = alloc::format!(
                    "{{\"error\":\"cadet could not score the request\",\"request_id\":{}}}",
                    json_string(&self.seen.id)
                );
                host.local_reply(
                    503,
                    &[("content-type", "application/json")],
                    body.as_bytes(),
                );
                return Next::Pause;
            }
            self.strip_client_tags(host);
            let short: String = err.chars().take(200).collect();
            host.set_request_header("x-cadet-error", Some(&short));
            return Next::Continue;
        }
        let block = s.mode == Mode::Block && verdict.matched && verdict.severity >= s.block_at;
        let score = verdict.score.to_string();
        let rules = verdict
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(",");
        if block {
            let line = self.match_line(s, host, "block", &record, &verdict);
            host.log(false, &line);
            let body = alloc::format!(
                "{{\"error\":\"request refused by cadet\",\"request_id\":{},\"cadet\":{}}}",
                json_string(&self.seen.id),
                verdict.to_json()
            );
            host.local_reply(
                403,
                &[
                    ("content-type", "application/json"),
                    ("x-cadet-score", &score),
                    ("x-cadet-severity", verdict.severity.as_str()),
                    ("x-cadet-rules", &rules),
                ],
                body.as_bytes(),
            );
            return Next::Pause;
        }
        self.strip_client_tags(host);
        host.set_request_header("x-cadet-score", Some(&score));
        host.set_request_header("x-cadet-severity", Some(verdict.severity.as_str()));
        if !rules.is_empty() {
            host.set_request_header("x-cadet-rules", Some(&rules));
        }
        if verdict.matched {
            let line = self.match_line(s, host, "tag", &record, &verdict);
            host.log(false, &line);
        }
        Next::Continue
    }

    /// Removes every `x-cadet-*` header the client sent.
    fn strip_client_tags(&self, host: &mut dyn Host) {
        for name in &self.seen.client_tags {
            host.set_request_header(name, None);
        }
    }
}

fn json_str(out: &mut Vec<u8>, s: &str) {
    // Writing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn json_string(s: &str) -> Cow<'static, str> {
    let mut out = Vec::new();
    json_str(&mut out, s);
    Cow::Owned(String::from_utf8(out).unwrap_or_default())
}
