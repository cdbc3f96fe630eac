//! Two pieces of the C library the component links (wasi-libc) that cost the engine time,
//! replaced for speed:
//!
//! - the allocator: the engine allocates and frees many small strings and vectors per record;
//!   [`SmallPool`] serves blocks up to 512 bytes from per-size free lists (carved from 64 KiB
//!   chunks) and hands larger ones to wasi-libc's dlmalloc;
//! - `memcmp`/`bcmp` (every slice and string comparison): wasi-libc's compares byte by byte;
//!   this one compares 8 bytes at a time.
//!
//! A component instance runs on one thread (wasm32-wasip2 has no threads), which is what
//! makes the unsynchronised pool sound.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;
use std::alloc::System;

/// Size classes are multiples of this (and their alignment).
const GRAIN: usize = 16;
/// Number of classes: blocks up to `GRAIN * CLASSES` bytes come from the pool.
const CLASSES: usize = 32;
/// Bytes asked of dlmalloc at a time for small blocks.
const CHUNK: usize = 64 << 10;

/// Small blocks from free lists, the rest from the system allocator. Freed small blocks go
/// back to their list (memory is kept for reuse, as a wasm memory never shrinks anyway).
pub struct SmallPool {
    free: UnsafeCell<[*mut u8; CLASSES]>,
    /// The unused end of the current chunk.
    bump: UnsafeCell<(*mut u8, *mut u8)>,
}

// SAFETY: a component instance is single-threaded (wasm32 without the threads proposal).
unsafe impl Sync for SmallPool {}

impl SmallPool {
    pub const fn new() -> SmallPool {
        SmallPool {
            free: UnsafeCell::new([ptr::null_mut(); CLASSES]),
            bump: UnsafeCell::new((ptr::null_mut(), ptr::null_mut())),
        }
    }
}

/// The class of a layout, or `None` when it is served by the system allocator.
fn class(layout: Layout) -> Option<usize> {
    (layout.size() <= GRAIN * CLASSES && layout.align() <= GRAIN)
        .then(|| layout.size().max(1).div_ceil(GRAIN) - 1)
}

unsafe impl GlobalAlloc for SmallPool {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(c) = class(layout) else {
            return unsafe { System.alloc(layout) };
        };
        // SAFETY: single-threaded, and no reference into the pool outlives this call.
        let free = unsafe { &mut *self.free.get() };
        let head = free[c];
        if !head.is_null() {
            // SAFETY: a free block stores the next free block of its class in its first word.
            free[c] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        let size = (c + 1) * GRAIN;
        let (cur, end) = unsafe { &mut *self.bump.get() };
        if (*end as usize) - (*cur as usize) < size {
            // SAFETY: CHUNK and GRAIN make a valid layout.
            let chunk = unsafe { System.alloc(Layout::from_size_align_unchecked(CHUNK, GRAIN)) };
            if chunk.is_null() {
                return chunk;
            }
            *cur = chunk;
            // SAFETY: within the chunk just allocated.
            *end = unsafe { chunk.add(CHUNK) };
        }
        let block = *cur;
        // SAFETY: `size` bytes are left in the chunk.
        *cur = unsafe { cur.add(size) };
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(c) = class(layout) else {
            return unsafe { System.dealloc(block, layout) };
        };
        let free = unsafe { &mut *self.free.get() };
        // SAFETY: the block is at least GRAIN bytes, aligned to GRAIN, and no longer in use.
        unsafe { block.cast::<*mut u8>().write(free[c]) };
        free[c] = block;
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees a valid layout for `new_size`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class(layout), class(new_layout)) {
            (Some(a), Some(b)) if a == b => block,
            (None, None) => unsafe { System.realloc(block, layout, new_size) },
            _ => {
                let new = unsafe { self.alloc(new_layout) };
                if !new.is_null() {
                    // SAFETY: both blocks hold at least the smaller size and do not overlap.
                    unsafe {
                        ptr::copy_nonoverlapping(block, new, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                }
                new
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: SmallPool = SmallPool::new();

/// `memcmp`, 8 bytes at a time (wasm loads need no alignment).
///
/// # Safety
/// `a` and `b` must be valid for reads of `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n.
        let (x, y) = unsafe {
            (
                a.add(i).cast::<u64>().read_unaligned(),
                b.add(i).cast::<u64>().read_unaligned(),
            )
        };
        if x != y {
            // Little-endian: the lowest differing byte is the first.
            let at = i + ((x ^ y).trailing_zeros() / 8) as usize;
            return unsafe { i32::from(*a.add(at)) - i32::from(*b.add(at)) };
        }
        i += 8;
    }
    while i < n {
        // SAFETY: i < n.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// `bcmp`: zero when equal (LLVM may call it for equality tests).
///
/// # Safety
/// As [`memcmp`].
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    unsafe { memcmp(a, b, n) }
}
