//! A proxy-wasm host on wasmtime that runs an HTTP filter the way Envoy does (ABI 0.2.1 as
//! proxy-wasm/spec describes it, Envoy's `envoy.filters.http.wasm` and proxy-wasm-cpp-host for
//! what Envoy does with each answer). Used by `tests/envoy.rs` and `bin/envoy-bench.rs`.
//!
//! VM and plugin lifecycle: `_initialize`, check the `proxy_abi_version_0_2_1` export,
//! `proxy_on_context_create(root, 0)`, `proxy_on_vm_start`, `proxy_on_configure` (false = Envoy
//! rejects the configuration). [`Plugin::like_envoy`] configures a validation VM first and then
//! one VM per worker, as Envoy does.
//!
//! One request ([`Vm::request`]):
//! 1. `proxy_on_context_create(ctx, root)`, then `proxy_on_request_headers(ctx, n, end_of_stream)`;
//!    `end_of_stream` is false for a request with a body and for an upgrade (WebSocket, SPDY/3.1:
//!    the stream stays open for the tunnel).
//! 2. `Continue`: the headers go upstream and the request-header map is gone — every later
//!    header-map call answers `BAD_ARGUMENT` (Envoy's `getMap` returns no map).
//!    `Pause`: without `allow_on_headers_stop_iteration` Envoy turns it into
//!    `StopAllIterationAndWatermark` — no body callback runs, and the stream waits for
//!    `proxy_continue_stream`; with the option (Envoy ≥ 1.35) it stays `StopIteration`: the
//!    body callbacks run while the headers are held. An upgrade sends no body before the
//!    upstream answers the upgrade, so a paused upgrade waits too. A wait with nothing left to
//!    resume it is reported as [`Outcome::hung`] (in Envoy: until a timeout).
//! 3. Body chunks: `proxy_on_request_body(ctx, size, end_of_stream)`, `size` the buffered bytes
//!    (the chunks since the filter last continued). `Pause` buffers; a buffer above
//!    `buffer_limit` (`per_connection_buffer_limit_bytes`, 1 MiB by default) makes Envoy answer
//!    413 itself. `Continue` sends what is buffered (and the held headers).
//! 4. A local reply (`proxy_send_local_response`) is sent after the VM call returns (Envoy's
//!    after-VM-call action) and goes through the filter's response callbacks
//!    (`proxy_on_response_headers`, `proxy_on_response_body`) like any response; otherwise the
//!    upstream answers (101 for an upgrade, 200 otherwise) through the same callbacks.
//! 5. `proxy_on_log`, `proxy_on_done`, `proxy_on_delete`.
//!
//! A trap anywhere is recorded ([`Outcome::trap`]) and kills the VM: as with Envoy's
//! `failure_policy: FAIL_CLOSED`, every later request gets a 503 without reaching the module.

use std::collections::BTreeMap;

use wasmtime::{
    Caller, Engine, Extern, Instance, Linker, Memory, Module, Result, Store, TypedFunc,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::WasiCtxBuilder;

/// A header list: (name, value) byte pairs in order.
pub type Headers = Vec<(Vec<u8>, Vec<u8>)>;

/// proxy-wasm status codes.
pub mod status {
    /// Success.
    pub const OK: i32 = 0;
    /// No such value.
    pub const NOT_FOUND: i32 = 1;
    /// The call is not valid now (e.g. a header map that is gone).
    pub const BAD_ARGUMENT: i32 = 2;
    /// A pointer outside linear memory.
    pub const INVALID_MEMORY_ACCESS: i32 = 6;
    /// Not supported by this host.
    pub const UNIMPLEMENTED: i32 = 12;
}

/// How Envoy is set up around the filter.
#[derive(Clone, Debug)]
pub struct Options {
    /// The wasm filter's `allow_on_headers_stop_iteration` (Envoy ≥ 1.35).
    pub allow_on_headers_stop_iteration: bool,
    /// `per_connection_buffer_limit_bytes` of the listener (Envoy's default: 1 MiB).
    pub buffer_limit: usize,
    /// The plugin `configuration` value.
    pub plugin_config: Vec<u8>,
    /// The VM `configuration` value.
    pub vm_config: Vec<u8>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            allow_on_headers_stop_iteration: true,
            buffer_limit: 1024 * 1024,
            plugin_config: Vec::new(),
            vm_config: Vec::new(),
        }
    }
}

/// Every request's `request.time` property (when Envoy received its first byte), in
/// nanoseconds since the Unix epoch, serialised as Envoy does: an int64, little-endian.
pub const REQUEST_TIME_NS: i64 = 1_795_169_702_113_456_789;

/// A request as the downstream client sends it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// Headers in order, pseudo-headers (`:method`, `:path`, `:authority`, `:scheme`) first.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Body chunks as they arrive.
    pub body: Vec<Vec<u8>>,
    /// The downstream peer (`source.address`), `ip:port`.
    pub source_address: String,
}

impl Request {
    /// A request with these pseudo-headers and headers (text).
    pub fn new(method: &str, path: &str, headers: &[(&str, &str)]) -> Request {
        let mut h: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (b":method".to_vec(), method.as_bytes().to_vec()),
            (b":path".to_vec(), path.as_bytes().to_vec()),
            (b":scheme".to_vec(), b"https".to_vec()),
        ];
        if !headers.iter().any(|(k, _)| *k == ":authority") {
            h.push((b":authority".to_vec(), b"api.k8s.corp.example".to_vec()));
        }
        h.extend(
            headers
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase().into_bytes(), v.as_bytes().to_vec())),
        );
        Request {
            headers: h,
            body: Vec::new(),
            source_address: "10.20.4.11:51234".into(),
        }
    }

    /// True for a WebSocket or SPDY upgrade.
    pub fn is_upgrade(&self) -> bool {
        self.headers.iter().any(|(k, v)| {
            k == b"upgrade"
                || (k == b"connection"
                    && v.to_ascii_lowercase().windows(7).any(|w| w == b"upgrade"))
        })
    }
}

/// A response the filter saw or sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u32,
    /// Headers (without `:status`).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// What happened to one request.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The request as it reached the upstream (headers after the filter, body), if it did.
    pub upstream: Option<(Headers, Vec<u8>)>,
    /// The local reply (from the filter, or Envoy's own 413 / 503), if any.
    pub local_reply: Option<Response>,
    /// Who sent the local reply: `filter`, `envoy-413`, `envoy-failure-policy`.
    pub local_reply_by: Option<&'static str>,
    /// The responses passed through the filter's response callbacks (status codes).
    pub response_callbacks: Vec<u32>,
    /// The stream waits for a resume that never comes (Envoy: until a timeout).
    pub hung: bool,
    /// A trap (the VM is dead afterwards).
    pub trap: Option<String>,
    /// Host calls that failed with BAD_ARGUMENT (e.g. header calls after continue).
    pub bad_argument_calls: Vec<String>,
    /// Lines logged by the filter during this request: (level, message).
    pub logs: Vec<(u32, String)>,
    /// The sizes passed to each `proxy_on_request_body` call.
    pub body_calls: Vec<usize>,
}

impl Outcome {
    /// Value of header `name` as the upstream got it (the first one).
    pub fn upstream_header(&self, name: &str) -> Option<String> {
        let (h, _) = self.upstream.as_ref()?;
        h.iter()
            .find(|(k, _)| k == name.as_bytes())
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }

    /// Every upstream header whose name starts with `prefix`.
    pub fn upstream_headers_with(&self, prefix: &str) -> Vec<(String, String)> {
        self.upstream
            .as_ref()
            .map(|(h, _)| {
                h.iter()
                    .filter(|(k, _)| k.starts_with(prefix.as_bytes()))
                    .map(|(k, v)| {
                        (
                            String::from_utf8_lossy(k).into_owned(),
                            String::from_utf8_lossy(v).into_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Per-stream state the host calls see.
#[derive(Default)]
struct StreamState {
    request_headers: Vec<(Vec<u8>, Vec<u8>)>,
    request_headers_live: bool,
    request_body: Vec<u8>,
    request_body_live: bool,
    response_headers: Vec<(Vec<u8>, Vec<u8>)>,
    response_headers_live: bool,
    response_body: Vec<u8>,
    response_body_live: bool,
    local_reply: Option<Response>,
    continue_requested: bool,
    source_address: String,
    request_id: String,
}

/// The host side of one VM.
pub struct HostState {
    wasi: WasiP1Ctx,
    options: Options,
    stream: StreamState,
    /// Whether the root context is being configured (the plugin configuration is readable).
    in_configure: bool,
    logs: Vec<(u32, String)>,
    bad_argument_calls: Vec<String>,
    unexpected_calls: Vec<String>,
}

type Hr<T> = std::result::Result<T, wasmtime::Error>;

fn memory(caller: &mut Caller<'_, HostState>) -> Hr<Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(wasmtime::Error::msg("module exports no memory")),
    }
}

fn read(caller: &mut Caller<'_, HostState>, ptr: i32, len: i32) -> Hr<Option<Vec<u8>>> {
    let mem = memory(caller)?;
    let (ptr, len) = (ptr as u32 as usize, len as u32 as usize);
    let data = mem.data(&caller);
    Ok(data.get(ptr..ptr.saturating_add(len)).map(|s| s.to_vec()))
}

fn write_u32(caller: &mut Caller<'_, HostState>, ptr: i32, v: u32) -> Hr<bool> {
    let mem = memory(caller)?;
    Ok(mem
        .write(caller, ptr as u32 as usize, &v.to_le_bytes())
        .is_ok())
}

/// Copies `bytes` into memory from `proxy_on_memory_allocate` and stores pointer and size.
fn hand_back(
    caller: &mut Caller<'_, HostState>,
    bytes: &[u8],
    ret_ptr: i32,
    ret_size: i32,
) -> Hr<i32> {
    let alloc = match caller.get_export("proxy_on_memory_allocate") {
        Some(Extern::Func(f)) => f.typed::<i32, i32>(&caller)?,
        _ => {
            return Err(wasmtime::Error::msg(
                "module exports no proxy_on_memory_allocate",
            ))
        }
    };
    let ptr = if bytes.is_empty() {
        0
    } else {
        alloc.call(&mut *caller, bytes.len() as i32)?
    };
    if !bytes.is_empty() {
        let mem = memory(caller)?;
        if mem.write(&mut *caller, ptr as u32 as usize, bytes).is_err() {
            return Ok(status::INVALID_MEMORY_ACCESS);
        }
    }
    if !write_u32(caller, ret_ptr, ptr as u32)? || !write_u32(caller, ret_size, bytes.len() as u32)?
    {
        return Ok(status::INVALID_MEMORY_ACCESS);
    }
    Ok(status::OK)
}

fn serialize_map(map: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = (map.len() as u32).to_le_bytes().to_vec();
    for (k, v) in map {
        out.extend_from_slice(&(k.len() as u32).to_le_bytes());
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    }
    for (k, v) in map {
        out.extend_from_slice(k);
        out.push(0);
        out.extend_from_slice(v);
        out.push(0);
    }
    out
}

fn deserialize_map(b: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let n = u32::from_le_bytes(b.get(0..4)?.try_into().ok()?) as usize;
    let mut sizes = Vec::new();
    for i in 0..n {
        let s = 4 + i * 8;
        let k = u32::from_le_bytes(b.get(s..s + 4)?.try_into().ok()?) as usize;
        let v = u32::from_le_bytes(b.get(s + 4..s + 8)?.try_into().ok()?) as usize;
        sizes.push((k, v));
    }
    let mut p = 4 + n * 8;
    let mut out = Vec::new();
    for (k, v) in sizes {
        let key = b.get(p..p + k)?.to_vec();
        p += k + 1;
        let val = b.get(p..p + v)?.to_vec();
        p += v + 1;
        out.push((key, val));
    }
    Some(out)
}

/// Map types: 0 request headers, 1 request trailers, 2 response headers, 3 response trailers.
fn map_mut(s: &mut HostState, map_type: i32) -> Option<&mut Vec<(Vec<u8>, Vec<u8>)>> {
    match map_type {
        0 if s.stream.request_headers_live => Some(&mut s.stream.request_headers),
        2 if s.stream.response_headers_live => Some(&mut s.stream.response_headers),
        _ => None,
    }
}

fn bad(caller: &mut Caller<'_, HostState>, what: &str) -> i32 {
    caller.data_mut().bad_argument_calls.push(what.to_string());
    status::BAD_ARGUMENT
}

fn link(linker: &mut Linker<HostState>) -> Result<()> {
    wasmtime_wasi::p1::add_to_linker_sync(linker, |h: &mut HostState| &mut h.wasi)?;
    linker.func_wrap(
        "env",
        "proxy_log",
        |mut c: Caller<'_, HostState>, level: i32, ptr: i32, size: i32| -> Hr<i32> {
            let Some(msg) = read(&mut c, ptr, size)? else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            c.data_mut()
                .logs
                .push((level as u32, String::from_utf8_lossy(&msg).into_owned()));
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_current_time_nanoseconds",
        |mut c: Caller<'_, HostState>, ret: i32| -> Hr<i32> {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            let mem = memory(&mut c)?;
            Ok(
                if mem
                    .write(&mut c, ret as u32 as usize, &now.to_le_bytes())
                    .is_ok()
                {
                    status::OK
                } else {
                    status::INVALID_MEMORY_ACCESS
                },
            )
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_tick_period_milliseconds",
        |_c: Caller<'_, HostState>, _p: i32| -> i32 { status::OK },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_effective_context",
        |_c: Caller<'_, HostState>, _id: i32| -> i32 { status::OK },
    )?;
    linker.func_wrap("env", "proxy_done", |_c: Caller<'_, HostState>| -> i32 {
        status::OK
    })?;
    linker.func_wrap(
        "env",
        "proxy_get_buffer_bytes",
        |mut c: Caller<'_, HostState>,
         kind: i32,
         start: i32,
         max: i32,
         ret_ptr: i32,
         ret_size: i32|
         -> Hr<i32> {
            let s = c.data();
            let buf: Option<Vec<u8>> = match kind {
                0 if s.stream.request_body_live => Some(s.stream.request_body.clone()),
                1 if s.stream.response_body_live => Some(s.stream.response_body.clone()),
                6 => Some(s.options.vm_config.clone()),
                7 if s.in_configure => Some(s.options.plugin_config.clone()),
                _ => None,
            };
            let Some(buf) = buf else {
                return Ok(status::NOT_FOUND);
            };
            let (start, max) = (start as u32 as usize, max as u32 as usize);
            if start > buf.len() {
                return Ok(status::BAD_ARGUMENT);
            }
            let end = start.saturating_add(max).min(buf.len());
            let part = buf[start..end].to_vec();
            hand_back(&mut c, &part, ret_ptr, ret_size)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_buffer_bytes",
        |mut c: Caller<'_, HostState>,
         kind: i32,
         start: i32,
         size: i32,
         ptr: i32,
         len: i32|
         -> Hr<i32> {
            let Some(data) = read(&mut c, ptr, len)? else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let s = c.data_mut();
            let buf = match kind {
                0 if s.stream.request_body_live => &mut s.stream.request_body,
                1 if s.stream.response_body_live => &mut s.stream.response_body,
                _ => return Ok(status::NOT_FOUND),
            };
            let start = (start as u32 as usize).min(buf.len());
            let end = start.saturating_add(size as u32 as usize).min(buf.len());
            buf.splice(start..end, data);
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_header_map_pairs",
        |mut c: Caller<'_, HostState>, map_type: i32, ret_ptr: i32, ret_size: i32| -> Hr<i32> {
            let Some(map) = map_mut(c.data_mut(), map_type).map(|m| serialize_map(m)) else {
                return Ok(bad(&mut c, "proxy_get_header_map_pairs"));
            };
            hand_back(&mut c, &map, ret_ptr, ret_size)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_header_map_pairs",
        |mut c: Caller<'_, HostState>, map_type: i32, ptr: i32, len: i32| -> Hr<i32> {
            let Some(data) = read(&mut c, ptr, len)? else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let Some(pairs) = deserialize_map(&data) else {
                return Ok(status::BAD_ARGUMENT);
            };
            match map_mut(c.data_mut(), map_type) {
                Some(m) => {
                    // Envoy's setHeaderMapPairs adds each pair after removing the existing key.
                    for (k, v) in pairs {
                        m.retain(|(n, _)| *n != k);
                        m.push((k, v));
                    }
                    Ok(status::OK)
                }
                None => Ok(bad(&mut c, "proxy_set_header_map_pairs")),
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_header_map_value",
        |mut c: Caller<'_, HostState>,
         map_type: i32,
         kp: i32,
         ks: i32,
         ret_ptr: i32,
         ret_size: i32|
         -> Hr<i32> {
            let Some(key) = read(&mut c, kp, ks)? else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let key = key.to_ascii_lowercase();
            let value = match map_mut(c.data_mut(), map_type) {
                // Envoy answers the first value of a repeated header only.
                Some(m) => m.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()),
                None => return Ok(bad(&mut c, "proxy_get_header_map_value")),
            };
            match value {
                Some(v) => hand_back(&mut c, &v, ret_ptr, ret_size),
                None => Ok(status::NOT_FOUND),
            }
        },
    )?;
    for (name, op) in [
        ("proxy_replace_header_map_value", 0),
        ("proxy_add_header_map_value", 1),
    ] {
        linker.func_wrap(
            "env",
            name,
            move |mut c: Caller<'_, HostState>,
                  map_type: i32,
                  kp: i32,
                  ks: i32,
                  vp: i32,
                  vs: i32|
                  -> Hr<i32> {
                let (Some(key), Some(val)) = (read(&mut c, kp, ks)?, read(&mut c, vp, vs)?) else {
                    return Ok(status::INVALID_MEMORY_ACCESS);
                };
                let key = key.to_ascii_lowercase();
                match map_mut(c.data_mut(), map_type) {
                    Some(m) => {
                        if op == 0 {
                            m.retain(|(k, _)| *k != key);
                        }
                        m.push((key, val));
                        Ok(status::OK)
                    }
                    None => Ok(bad(&mut c, name)),
                }
            },
        )?;
    }
    linker.func_wrap(
        "env",
        "proxy_remove_header_map_value",
        |mut c: Caller<'_, HostState>, map_type: i32, kp: i32, ks: i32| -> Hr<i32> {
            let Some(key) = read(&mut c, kp, ks)? else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let key = key.to_ascii_lowercase();
            match map_mut(c.data_mut(), map_type) {
                Some(m) => {
                    m.retain(|(k, _)| *k != key);
                    Ok(status::OK)
                }
                None => Ok(bad(&mut c, "proxy_remove_header_map_value")),
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_get_property",
        |mut c: Caller<'_, HostState>, pp: i32, ps: i32, ret_ptr: i32, ret_size: i32| -> Hr<i32> {
            let Some(path) = read(&mut c, pp, ps)? else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let path: Vec<&[u8]> = path.split(|b| *b == 0).collect();
            let s = &c.data().stream;
            let value: Option<Vec<u8>> = match path.as_slice() {
                [b"source", b"address"] => Some(s.source_address.clone().into_bytes()),
                [b"destination", b"address"] => Some(b"10.0.0.1:6443".to_vec()),
                [b"request", b"id"] => Some(s.request_id.clone().into_bytes()),
                [b"request", b"time"] => Some(REQUEST_TIME_NS.to_le_bytes().to_vec()),
                [b"plugin_name"] => Some(b"cadet".to_vec()),
                _ => None,
            };
            match value {
                Some(v) => hand_back(&mut c, &v, ret_ptr, ret_size),
                None => Ok(status::NOT_FOUND),
            }
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_set_property",
        |_c: Caller<'_, HostState>, _a: i32, _b: i32, _d: i32, _e: i32| -> i32 { status::OK },
    )?;
    linker.func_wrap(
        "env",
        "proxy_send_local_response",
        |mut c: Caller<'_, HostState>,
         code: i32,
         _dp: i32,
         _ds: i32,
         bp: i32,
         bs: i32,
         hp: i32,
         hs: i32,
         _grpc: i32|
         -> Hr<i32> {
            let (Some(body), Some(headers)) = (read(&mut c, bp, bs)?, read(&mut c, hp, hs)?) else {
                return Ok(status::INVALID_MEMORY_ACCESS);
            };
            let headers = if headers.is_empty() {
                Some(Vec::new())
            } else {
                deserialize_map(&headers)
            };
            let Some(headers) = headers else {
                return Ok(status::BAD_ARGUMENT);
            };
            let s = c.data_mut();
            if s.stream.local_reply.is_some() {
                return Ok(status::BAD_ARGUMENT);
            }
            s.stream.local_reply = Some(Response {
                status: code as u32,
                headers: headers
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            String::from_utf8_lossy(&k).into_owned(),
                            String::from_utf8_lossy(&v).into_owned(),
                        )
                    })
                    .collect(),
                body,
            });
            Ok(status::OK)
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_continue_stream",
        |mut c: Caller<'_, HostState>, kind: i32| -> i32 {
            if kind == 0 {
                c.data_mut().stream.continue_requested = true;
            }
            status::OK
        },
    )?;
    linker.func_wrap(
        "env",
        "proxy_close_stream",
        |_c: Caller<'_, HostState>, _kind: i32| -> i32 { status::OK },
    )?;
    // Calls the filter has no reason to make: recorded, and answered as Envoy answers them
    // when nothing is set up (no shared data, no queues, no clusters, no foreign functions).
    macro_rules! unexpected {
        ($name:literal, $status:expr, ($($a:ident),*)) => {
            linker.func_wrap("env", $name, |mut c: Caller<'_, HostState>, $($a: i32),*| -> i32 {
                $(let _ = $a;)*
                c.data_mut().unexpected_calls.push($name.to_string());
                $status
            })?;
        };
    }
    unexpected!("proxy_get_status", status::NOT_FOUND, (a, b, d));
    unexpected!("proxy_get_shared_data", status::NOT_FOUND, (a, b, d, e, f));
    unexpected!("proxy_set_shared_data", status::OK, (a, b, d, e, f));
    unexpected!("proxy_register_shared_queue", status::OK, (a, b, d));
    unexpected!(
        "proxy_resolve_shared_queue",
        status::NOT_FOUND,
        (a, b, d, e, f)
    );
    unexpected!("proxy_dequeue_shared_queue", status::NOT_FOUND, (a, b, d));
    unexpected!("proxy_enqueue_shared_queue", status::NOT_FOUND, (a, b, d));
    unexpected!(
        "proxy_http_call",
        status::BAD_ARGUMENT,
        (a, b, d, e, f, g, h, i, j, k)
    );
    unexpected!(
        "proxy_grpc_call",
        status::BAD_ARGUMENT,
        (a, b, d, e, f, g, h, i, j, k, l, m)
    );
    unexpected!(
        "proxy_grpc_stream",
        status::BAD_ARGUMENT,
        (a, b, d, e, f, g, h, i, j)
    );
    unexpected!("proxy_grpc_send", status::NOT_FOUND, (a, b, d, e));
    unexpected!("proxy_grpc_cancel", status::NOT_FOUND, (a));
    unexpected!("proxy_grpc_close", status::NOT_FOUND, (a));
    unexpected!(
        "proxy_call_foreign_function",
        status::NOT_FOUND,
        (a, b, d, e, f, g)
    );
    Ok(())
}

/// The module's exports a host calls.
struct Exports {
    on_context_create: TypedFunc<(i32, i32), ()>,
    on_vm_start: TypedFunc<(i32, i32), i32>,
    on_configure: TypedFunc<(i32, i32), i32>,
    on_request_headers: TypedFunc<(i32, i32, i32), i32>,
    on_request_body: TypedFunc<(i32, i32, i32), i32>,
    on_response_headers: TypedFunc<(i32, i32, i32), i32>,
    on_response_body: TypedFunc<(i32, i32, i32), i32>,
    on_log: TypedFunc<i32, ()>,
    on_done: TypedFunc<i32, i32>,
    on_delete: TypedFunc<i32, ()>,
}

/// One VM with the plugin configured on its root context.
pub struct Vm {
    store: Store<HostState>,
    ex: Exports,
    root: i32,
    next_context: i32,
    /// A trap killed the VM.
    pub dead: Option<String>,
    /// What `proxy_on_configure` answered.
    pub configured: bool,
    /// Lines logged while starting and configuring.
    pub startup_logs: Vec<(u32, String)>,
}

const ROOT: i32 = 1;

impl Vm {
    /// Loads the module, starts the VM and configures the plugin.
    pub fn start(engine: &Engine, module: &Module, options: Options) -> Result<Vm> {
        let mut linker = Linker::new(engine);
        link(&mut linker)?;
        let wasi = WasiCtxBuilder::new()
            .stderr(MemoryOutputPipe::new(64 * 1024))
            .build_p1();
        let state = HostState {
            wasi,
            options,
            stream: StreamState::default(),
            in_configure: false,
            logs: Vec::new(),
            bad_argument_calls: Vec::new(),
            unexpected_calls: Vec::new(),
        };
        let mut store = Store::new(engine, state);
        let instance: Instance = linker.instantiate(&mut store, module)?;
        if instance
            .get_func(&mut store, "proxy_abi_version_0_2_1")
            .is_none()
        {
            return Err(wasmtime::Error::msg(
                "the module does not export proxy_abi_version_0_2_1",
            ));
        }
        if let Ok(init) = instance.get_typed_func::<(), ()>(&mut store, "_initialize") {
            init.call(&mut store, ())?;
        }
        let f = |store: &mut Store<HostState>, name: &str| {
            instance
                .get_func(&mut *store, name)
                .ok_or_else(|| wasmtime::Error::msg(format!("missing export {name}")))
        };
        let ex = Exports {
            on_context_create: f(&mut store, "proxy_on_context_create")?.typed(&store)?,
            on_vm_start: f(&mut store, "proxy_on_vm_start")?.typed(&store)?,
            on_configure: f(&mut store, "proxy_on_configure")?.typed(&store)?,
            on_request_headers: f(&mut store, "proxy_on_request_headers")?.typed(&store)?,
            on_request_body: f(&mut store, "proxy_on_request_body")?.typed(&store)?,
            on_response_headers: f(&mut store, "proxy_on_response_headers")?.typed(&store)?,
            on_response_body: f(&mut store, "proxy_on_response_body")?.typed(&store)?,
            on_log: f(&mut store, "proxy_on_log")?.typed(&store)?,
            on_done: f(&mut store, "proxy_on_done")?.typed(&store)?,
            on_delete: f(&mut store, "proxy_on_delete")?.typed(&store)?,
        };
        ex.on_context_create.call(&mut store, (ROOT, 0))?;
        let vm_len = store.data().options.vm_config.len() as i32;
        if ex.on_vm_start.call(&mut store, (ROOT, vm_len))? == 0 {
            return Err(wasmtime::Error::msg("proxy_on_vm_start returned false"));
        }
        let mut vm = Vm {
            store,
            ex,
            root: ROOT,
            next_context: ROOT + 1,
            dead: None,
            configured: false,
            startup_logs: Vec::new(),
        };
        vm.configured = vm.configure()?;
        vm.startup_logs = std::mem::take(&mut vm.store.data_mut().logs);
        Ok(vm)
    }

    /// Calls `proxy_on_configure` with the plugin configuration (again: Envoy re-configures a
    /// root context when the configuration changes).
    pub fn configure(&mut self) -> Result<bool> {
        self.store.data_mut().in_configure = true;
        let len = self.store.data().options.plugin_config.len() as i32;
        let ok = self.ex.on_configure.call(&mut self.store, (self.root, len));
        self.store.data_mut().in_configure = false;
        Ok(ok? != 0)
    }

    /// Replaces the plugin configuration and configures again.
    pub fn reconfigure(&mut self, plugin_config: &[u8]) -> Result<bool> {
        self.store.data_mut().options.plugin_config = plugin_config.to_vec();
        let ok = self.configure()?;
        self.startup_logs
            .extend(std::mem::take(&mut self.store.data_mut().logs));
        Ok(ok)
    }

    /// Host calls the filter made that it had no reason to make (shared data, http calls, ...).
    pub fn unexpected_calls(&self) -> &[String] {
        &self.store.data().unexpected_calls
    }

    /// Runs one request through the filter as Envoy does.
    pub fn request(&mut self, req: &Request) -> Outcome {
        let mut out = Outcome::default();
        if let Some(why) = &self.dead {
            out.local_reply = Some(Response {
                status: 503,
                headers: vec![],
                body: why.clone().into_bytes(),
            });
            out.local_reply_by = Some("envoy-failure-policy");
            return out;
        }
        if let Err(e) = self.run(req, &mut out) {
            let msg = format!("{e:?}");
            self.dead = Some(msg.clone());
            out.trap = Some(msg);
            if out.upstream.is_none() && out.local_reply.is_none() {
                out.local_reply = Some(Response {
                    status: 503,
                    headers: vec![],
                    body: b"wasm trap".to_vec(),
                });
                out.local_reply_by = Some("envoy-failure-policy");
            }
        }
        let s = self.store.data_mut();
        out.logs = std::mem::take(&mut s.logs);
        out.bad_argument_calls = std::mem::take(&mut s.bad_argument_calls);
        out
    }

    fn run(&mut self, req: &Request, out: &mut Outcome) -> Result<()> {
        let ctx = self.next_context;
        self.next_context += 1;
        let request_id = req
            .headers
            .iter()
            .find(|(k, _)| k == b"x-request-id")
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .unwrap_or_else(|| format!("envoy-{ctx}"));
        let mut headers = req.headers.clone();
        if !headers.iter().any(|(k, _)| k == b"x-request-id") {
            headers.push((b"x-request-id".to_vec(), request_id.clone().into_bytes()));
        }
        self.store.data_mut().stream = StreamState {
            request_headers: headers,
            request_headers_live: true,
            source_address: req.source_address.clone(),
            request_id,
            ..StreamState::default()
        };
        self.ex
            .on_context_create
            .call(&mut self.store, (ctx, self.root))?;
        let upgrade = req.is_upgrade();
        let eos = req.body.is_empty() && !upgrade;
        let n = self.store.data().stream.request_headers.len() as i32;
        let action = self
            .ex
            .on_request_headers
            .call(&mut self.store, (ctx, n, eos as i32))?;
        let allow = self.store.data().options.allow_on_headers_stop_iteration;
        let limit = self.store.data().options.buffer_limit;
        let mut headers_sent = false;
        let mut forwarded_body: Vec<u8> = Vec::new();
        if !self.local_reply_pending() {
            if action == 0 || self.take_continue() {
                headers_sent = true;
                self.store.data_mut().stream.request_headers_live = false;
            } else if !allow || upgrade {
                // StopAllIterationAndWatermark (or an upgrade that sends nothing before it is
                // answered): no body callback; nothing will resume the stream.
                out.hung = true;
            }
            if !out.hung {
                let mut buffered: Vec<u8> = Vec::new();
                let chunks = if upgrade { &[][..] } else { &req.body[..] };
                for (i, chunk) in chunks.iter().enumerate() {
                    let last = i + 1 == chunks.len();
                    buffered.extend_from_slice(chunk);
                    if buffered.len() > limit {
                        // Envoy's buffer overflow: a 413 local reply (the headers were not sent).
                        if !headers_sent {
                            self.store.data_mut().stream.local_reply = Some(Response {
                                status: 413,
                                headers: vec![("content-type".into(), "text/plain".into())],
                                body: b"Payload Too Large".to_vec(),
                            });
                            out.local_reply_by = Some("envoy-413");
                            break;
                        }
                    }
                    {
                        let s = &mut self.store.data_mut().stream;
                        s.request_body = buffered.clone();
                        s.request_body_live = true;
                    }
                    out.body_calls.push(buffered.len());
                    let action = self
                        .ex
                        .on_request_body
                        .call(&mut self.store, (ctx, buffered.len() as i32, last as i32))?;
                    self.store.data_mut().stream.request_body_live = false;
                    if self.local_reply_pending() {
                        break;
                    }
                    if action == 0 || self.take_continue() {
                        if !headers_sent {
                            headers_sent = true;
                            self.store.data_mut().stream.request_headers_live = false;
                        }
                        forwarded_body.extend_from_slice(&self.store.data().stream.request_body);
                        buffered.clear();
                    } else if last {
                        out.hung = true;
                    }
                }
            }
        }
        if !headers_sent && !out.hung && !self.local_reply_pending() {
            // Paused on the headers (or the last body chunk) and nothing resumes the stream.
            out.hung = true;
        }
        if let Some(reply) = self.store.data_mut().stream.local_reply.take() {
            if out.local_reply_by.is_none() {
                out.local_reply_by = Some("filter");
            }
            self.store.data_mut().stream.request_headers_live = false;
            out.local_reply = Some(reply.clone());
            self.respond(ctx, &reply, out)?;
        } else if !out.hung {
            out.upstream = Some((
                self.store.data().stream.request_headers.clone(),
                forwarded_body,
            ));
            let reply = Response {
                status: if upgrade { 101 } else { 200 },
                headers: vec![("content-type".into(), "application/json".into())],
                body: if upgrade {
                    Vec::new()
                } else {
                    b"{\"kind\":\"Status\"}".to_vec()
                },
            };
            self.respond(ctx, &reply, out)?;
        }
        self.ex.on_log.call(&mut self.store, ctx)?;
        self.ex.on_done.call(&mut self.store, ctx)?;
        self.ex.on_delete.call(&mut self.store, ctx)?;
        self.store.data_mut().stream = StreamState::default();
        Ok(())
    }

    fn local_reply_pending(&self) -> bool {
        self.store.data().stream.local_reply.is_some()
    }

    fn take_continue(&mut self) -> bool {
        std::mem::take(&mut self.store.data_mut().stream.continue_requested)
    }

    /// A response (upstream's or a local reply) through the filter's response callbacks.
    fn respond(&mut self, ctx: i32, reply: &Response, out: &mut Outcome) -> Result<()> {
        let mut headers = vec![(b":status".to_vec(), reply.status.to_string().into_bytes())];
        headers.extend(
            reply
                .headers
                .iter()
                .map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes())),
        );
        headers.push((
            b"content-length".to_vec(),
            reply.body.len().to_string().into_bytes(),
        ));
        {
            let s = &mut self.store.data_mut().stream;
            s.response_headers = headers;
            s.response_headers_live = true;
        }
        out.response_callbacks.push(reply.status);
        let n = self.store.data().stream.response_headers.len() as i32;
        let eos = reply.body.is_empty();
        self.ex
            .on_response_headers
            .call(&mut self.store, (ctx, n, eos as i32))?;
        self.store.data_mut().stream.response_headers_live = false;
        if !eos {
            {
                let s = &mut self.store.data_mut().stream;
                s.response_body = reply.body.clone();
                s.response_body_live = true;
            }
            self.ex
                .on_response_body
                .call(&mut self.store, (ctx, reply.body.len() as i32, 1))?;
            self.store.data_mut().stream.response_body_live = false;
        }
        Ok(())
    }
}

/// Envoy's way of loading a plugin: a validation VM configured once and dropped, then one VM
/// per worker thread.
pub struct Plugin {
    /// One VM per worker.
    pub workers: Vec<Vm>,
    /// Whether the validation VM accepted the configuration (Envoy rejects it otherwise).
    pub accepted: bool,
    /// What the validation VM logged.
    pub validation_logs: Vec<(u32, String)>,
}

impl Plugin {
    /// Validates the configuration on a fresh VM, then starts `workers` VMs.
    pub fn like_envoy(
        engine: &Engine,
        module: &Module,
        options: &Options,
        workers: usize,
    ) -> Result<Plugin> {
        let validation = Vm::start(engine, module, options.clone())?;
        let accepted = validation.configured;
        let validation_logs = validation.startup_logs.clone();
        drop(validation);
        let mut vms = Vec::new();
        if accepted {
            for _ in 0..workers {
                vms.push(Vm::start(engine, module, options.clone())?);
            }
        }
        Ok(Plugin {
            workers: vms,
            accepted,
            validation_logs,
        })
    }
}

/// The module's imports, `module::name`.
pub fn imports(module: &Module) -> Vec<String> {
    module
        .imports()
        .map(|i| format!("{}::{}", i.module(), i.name()))
        .collect()
}

/// The WASI functions Envoy (proxy-wasm-cpp-host) provides to a module.
pub const ENVOY_WASI: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "clock_time_get",
    "environ_get",
    "environ_sizes_get",
    "fd_close",
    "fd_fdstat_get",
    "fd_fdstat_set_flags",
    "fd_prestat_dir_name",
    "fd_prestat_get",
    "fd_read",
    "fd_seek",
    "fd_write",
    "path_open",
    "poll_oneoff",
    "proc_exit",
    "random_get",
    "sched_yield",
];

/// Header value lookup helper for logs: the JSON lines the filter logged at `level`.
pub fn json_logs(logs: &[(u32, String)], level: u32) -> Vec<serde_json::Value> {
    logs.iter()
        .filter(|(l, _)| *l == level)
        .filter_map(|(_, m)| serde_json::from_str(m).ok())
        .collect()
}

/// Log levels of the ABI.
pub mod level {
    /// info
    pub const INFO: u32 = 2;
    /// warn
    pub const WARN: u32 = 3;
    /// error
    pub const ERROR: u32 = 4;
}

/// `(name, value)` pairs of a header list as text, for assertions.
pub fn text_headers(h: &[(Vec<u8>, Vec<u8>)]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in h {
        out.entry(String::from_utf8_lossy(k).into_owned())
            .or_default()
            .push(String::from_utf8_lossy(v).into_owned());
    }
    out
}
