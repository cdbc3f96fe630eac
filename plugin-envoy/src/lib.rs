//! # cadet-plugin-envoy
//!
//! cadet as an Envoy HTTP filter (proxy-wasm ABI 0.2.1, Rust SDK `proxy-wasm` 0.2.5). In front
//! of the Kubernetes API server or the kubelet it scores every request with the same rules as
//! the audit-log readers (the core's `http_request` source), then tags it (`x-cadet-*` request
//! headers), blocks it (a 403 local reply) or, in `log` mode, only logs it from `on_log`.
//!
//! This file is the SDK glue; the logic is in [`filter`], tested natively and under the
//! wasmtime proxy-wasm host in `host-tests`.

extern crate alloc;

pub mod filter;

#[cfg(target_arch = "wasm32")]
mod glue {
    use alloc::rc::Rc;
    use core::cell::{Cell, RefCell};

    use proxy_wasm::hostcalls;
    use proxy_wasm::traits::{Context, HttpContext, RootContext};
    use proxy_wasm::types::{Action, BufferType, ContextType, LogLevel, MapType};

    use crate::filter::{Host, Next, Settings, Stream};

    type Shared = Rc<RefCell<Option<Settings>>>;

    proxy_wasm::main! {{
        proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> {
            Box::new(Root { settings: Rc::new(RefCell::new(None)), streams: Cell::new(0) })
        });
    }}

    struct Root {
        settings: Shared,
        streams: Cell<u64>,
    }

    impl Context for Root {}

    impl RootContext for Root {
        fn on_configure(&mut self, _size: usize) -> bool {
            let bytes = hostcalls::get_buffer(BufferType::PluginConfiguration, 0, usize::MAX)
                .ok()
                .flatten()
                .unwrap_or_default();
            match Settings::parse(&bytes) {
                Ok(s) => {
                    *self.settings.borrow_mut() = Some(s);
                    true
                }
                Err(e) => {
                    let _ = hostcalls::log(LogLevel::Error, &alloc::format!("cadet: {e}"));
                    false
                }
            }
        }

        fn create_http_context(&self, _id: u32) -> Option<Box<dyn HttpContext>> {
            self.streams.set(self.streams.get() + 1);
            Some(Box::new(Http {
                settings: self.settings.clone(),
                stream: Stream::new(self.streams.get()),
            }))
        }

        fn get_type(&self) -> Option<ContextType> {
            Some(ContextType::HttpContext)
        }
    }

    struct Http {
        settings: Shared,
        stream: Stream,
    }

    /// The SDK's host calls; the filter calls them only when Envoy allows them.
    struct Envoy;

    impl Host for Envoy {
        fn request_headers(&mut self) -> Vec<(String, Vec<u8>)> {
            hostcalls::get_map_bytes(MapType::HttpRequestHeaders).unwrap_or_default()
        }
        fn set_request_header(&mut self, name: &str, value: Option<&str>) {
            let _ = hostcalls::set_map_value(MapType::HttpRequestHeaders, name, value);
        }
        fn request_body(&mut self, max: usize) -> Vec<u8> {
            hostcalls::get_buffer(BufferType::HttpRequestBody, 0, max)
                .ok()
                .flatten()
                .unwrap_or_default()
        }
        fn source_address(&mut self) -> Option<Vec<u8>> {
            hostcalls::get_property(vec!["source", "address"])
                .ok()
                .flatten()
        }
        fn local_reply(&mut self, status: u32, headers: &[(&str, &str)], body: &[u8]) {
            let _ = hostcalls::send_http_response(status, headers.to_vec(), Some(body));
        }
        fn log(&mut self, warn: bool, line: &str) {
            let _ = hostcalls::log(if warn { LogLevel::Warn } else { LogLevel::Info }, line);
        }
        fn request_time_ms(&mut self) -> Option<i64> {
            // Envoy serialises a timestamp property as its nanoseconds since the epoch, an
            // int64 in little-endian byte order.
            let bytes = hostcalls::get_property(vec!["request", "time"])
                .ok()
                .flatten()?;
            let ns = i64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
            Some(ns.div_euclid(1_000_000))
        }
    }

    fn action(next: Next) -> Action {
        match next {
            Next::Continue => Action::Continue,
            Next::Pause => Action::Pause,
        }
    }

    impl Context for Http {}

    impl HttpContext for Http {
        fn on_http_request_headers(&mut self, _n: usize, end_of_stream: bool) -> Action {
            match self.settings.borrow_mut().as_mut() {
                Some(s) => action(self.stream.on_request_headers(s, &mut Envoy, end_of_stream)),
                None => Action::Continue,
            }
        }

        fn on_http_request_body(&mut self, size: usize, end_of_stream: bool) -> Action {
            match self.settings.borrow_mut().as_mut() {
                Some(s) => action(
                    self.stream
                        .on_request_body(s, &mut Envoy, size, end_of_stream),
                ),
                None => Action::Continue,
            }
        }

        fn on_log(&mut self) {
            if let Some(s) = self.settings.borrow_mut().as_mut() {
                self.stream.on_log(s, &mut Envoy);
            }
        }
    }
}
