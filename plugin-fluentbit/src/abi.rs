//! The Wasm exports Fluent Bit's `filter_wasm` calls (only compiled for wasm32).
//!
//! Per record Fluent Bit (src/wasm/flb_wasm.c, `flb_wasm_call_function_format_json`) copies the tag
//! and the record into this module's memory with the module's exported `malloc`, each followed by a
//! NUL the lengths do not count, calls the filter function with six i32 arguments, copies the
//! NUL-terminated string the returned pointer points at, then `free`s the two copies. It never frees
//! the returned pointer: it points into [`Filter`]'s output buffer, reused by the next call.

use core::cell::UnsafeCell;
use std::io;
use std::string::String;

use crate::bounded;
use crate::filter::{Filter, Forced, Status};
use crate::settings::Mode;

struct Loaded {
    forced: Forced,
    filter: Filter,
    status: String,
}

/// The module's one filter. Wasm modules run single-threaded: Fluent Bit calls one instance at a time.
struct Slot(UnsafeCell<Option<Loaded>>);
// SAFETY: wasm32 without threads; every access is through `with_filter`, which is not re-entrant.
unsafe impl Sync for Slot {}
static SLOT: Slot = Slot(UnsafeCell::new(None));

/// A settings file or rule pack, read through [`bounded::read_file`]: never more than the
/// core's pack limit (an oversize file is an [`io::ErrorKind::FileTooLarge`] error).
fn read_file(path: &str) -> io::Result<Option<String>> {
    match bounded::read_file(path) {
        Ok(text) => Ok(Some(text)),
        // No file, or no file system at all (wasm32-unknown-unknown, or a path outside Accessible_Paths).
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(None)
        }
        // WASI without a preopen covering the path reports "not capable" (an `Other`-kind error): treat it as absent.
        Err(e) if e.raw_os_error() == Some(76) => Ok(None),
        Err(e) => Err(e),
    }
}

fn with_filter<R>(forced: Forced, f: impl FnOnce(&mut Filter) -> R) -> R {
    // SAFETY: see `Slot`.
    let slot = unsafe { &mut *SLOT.0.get() };
    if slot.as_ref().map(|l| l.forced) != Some(forced) {
        let (filter, status) = Filter::load(forced, &mut read_file);
        report_once(&status);
        *slot = Some(Loaded {
            forced,
            filter,
            status: nul_terminated(status.to_json()),
        });
    }
    f(&mut slot.as_mut().expect("just loaded").filter)
}

fn report_once(status: &Status) {
    if let Some(line) = status.report() {
        // On wasm32-wasip1 this is Fluent Bit's stderr; on wasm32-unknown-unknown it goes nowhere,
        // but there no settings file can be read, so there is nothing to report.
        eprintln!("{line}");
    }
}

fn nul_terminated(mut s: String) -> String {
    s.push('\0');
    s
}

/// # Safety
/// `record` must point at `record_len` readable bytes (or be null).
unsafe fn call(forced: Forced, time_ms: i64, record: *const u8, record_len: u32) -> *const u8 {
    with_filter(forced, |filter| {
        if record.is_null() && record_len > 0 {
            return filter.undelivered(record_len as usize).as_ptr();
        }
        let record = if record_len == 0 {
            &[][..]
        } else {
            unsafe { core::slice::from_raw_parts(record, record_len as usize) }
        };
        filter.process_at(record, time_ms).as_ptr()
    })
}

macro_rules! entry_points {
    ($($(#[$doc:meta])* $name:ident => $profile:expr, $mode:expr;)*) => {$(
        $(#[$doc])*
        ///
        /// # Safety
        /// Called by Fluent Bit as `(tag_ptr, tag_len, time_sec, time_nsec, record_ptr, record_len) -> ptr`.
        #[no_mangle]
        pub unsafe extern "C" fn $name(
            _tag: *const u8,
            _tag_len: u32,
            time_sec: u32,
            time_nsec: u32,
            record: *const u8,
            record_len: u32,
        ) -> *const u8 {
            let time_ms = i64::from(time_sec) * 1000 + i64::from(time_nsec / 1_000_000);
            unsafe { call(Forced { profile: $profile, mode: $mode }, time_ms, record, record_len) }
        }
    )*};
}

entry_points! {
    /// Profile and mode from the settings file, else profile `cadet`, every record passed on.
    cadet_filter => None, None;
    /// As `cadet_filter`, but only matching records are passed on.
    cadet_filter_matches_only => None, Some(Mode::MatchesOnly);
    /// Profile `cadet`, every record.
    cadet_filter_cadet => Some("cadet"), Some(Mode::All);
    /// Profile `qradar-t1609`, every record.
    cadet_filter_qradar_t1609 => Some("qradar-t1609"), Some(Mode::All);
    /// Profile `elastic-t1609`, every record.
    cadet_filter_elastic_t1609 => Some("elastic-t1609"), Some(Mode::All);
    /// Profile `qradar-t1059-013`, every record.
    cadet_filter_qradar_t1059_013 => Some("qradar-t1059-013"), Some(Mode::All);
    /// Profile `cadet`, matching records only.
    cadet_filter_cadet_matches_only => Some("cadet"), Some(Mode::MatchesOnly);
    /// Profile `qradar-t1609`, matching records only.
    cadet_filter_qradar_t1609_matches_only => Some("qradar-t1609"), Some(Mode::MatchesOnly);
    /// Profile `elastic-t1609`, matching records only.
    cadet_filter_elastic_t1609_matches_only => Some("elastic-t1609"), Some(Mode::MatchesOnly);
    /// Profile `qradar-t1059-013`, matching records only.
    cadet_filter_qradar_t1059_013_matches_only => Some("qradar-t1059-013"), Some(Mode::MatchesOnly);
}

/// How the last-used entry point was set up, as a NUL-terminated JSON object
/// (`{"settings":..,"error":..,"profile":..,"mode":..}`); loads `cadet_filter`'s setup if nothing ran yet.
#[no_mangle]
pub extern "C" fn cadet_status() -> *const u8 {
    // SAFETY: see `Slot`.
    if unsafe { (*SLOT.0.get()).is_none() } {
        with_filter(Forced::default(), |_| ());
    }
    let slot = unsafe { &*SLOT.0.get() };
    slot.as_ref().expect("loaded").status.as_ptr()
}

/// WASI reactor entry: WAMR calls `_initialize` once after instantiating a module that imports WASI
/// (interpreter/wasm_runtime.c lines 1656-1664) and warns "should be either a command or a reactor"
/// when there is none. It runs the C library's and Rust's static constructors.
#[cfg(target_os = "wasi")]
#[no_mangle]
pub extern "C" fn _initialize() {
    extern "C" {
        fn __wasm_call_ctors();
    }
    // SAFETY: called once by the host before any other export, as the WASI reactor ABI requires.
    unsafe { __wasm_call_ctors() }
}

/// `malloc`/`free` for Fluent Bit's copies of the tag and record (wasm32-unknown-unknown has no C
/// library). Without them WAMR carves the copies out of its app heap (`Wasm_Heap_Size`, 8 KiB by
/// default) and a record over ~8 KB arrives as pointer 0. On wasm32-wasip1, wasi-libc's own
/// `malloc`/`free` are exported instead (see build.rs).
#[cfg(target_os = "unknown")]
mod allocator {
    use std::alloc::{alloc, dealloc, Layout};

    /// Bytes before each block holding its size; keeps blocks 16-byte aligned like C's malloc.
    const HEADER: usize = 16;

    /// C `malloc`: null when `size` cannot be allocated.
    #[no_mangle]
    pub extern "C" fn malloc(size: usize) -> *mut u8 {
        let Some(total) = size.checked_add(HEADER) else {
            return core::ptr::null_mut();
        };
        let Ok(layout) = Layout::from_size_align(total, HEADER) else {
            return core::ptr::null_mut();
        };
        // SAFETY: `layout` has a non-zero size.
        let base = unsafe { alloc(layout) };
        if base.is_null() {
            return base;
        }
        // SAFETY: `base` is valid for `total >= HEADER` bytes and 16-aligned.
        unsafe {
            (base as *mut usize).write(total);
            base.add(HEADER)
        }
    }

    /// C `free`: accepts null and pointers from [`malloc`].
    ///
    /// # Safety
    /// `ptr` must be null or come from this module's `malloc` and not be freed yet.
    #[no_mangle]
    pub unsafe extern "C" fn free(ptr: *mut u8) {
        if ptr.is_null() {
            return;
        }
        // SAFETY: `ptr` came from `malloc`, so its header holds the block's total size.
        unsafe {
            let base = ptr.sub(HEADER);
            let total = (base as *const usize).read();
            dealloc(base, Layout::from_size_align_unchecked(total, HEADER));
        }
    }
}
