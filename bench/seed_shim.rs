//! The seed's SegmentHeader::validate(), callable from the C bench.
//!
//! The Makefile copies the seed header (segment.rs) beside this file in the
//! build directory and compiles both with `rustc -O`: the seed's code is
//! measured as it is, and never kept in this repository.
#![no_std]
#![allow(dead_code)]

/// What the seed imports as `crate::sync`.
mod sync {
    pub use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
}

mod segment;

/// NULL when the header at `h` is valid; else the seed's message, whose
/// length goes to `*msg_len`.
///
/// # Safety
///
/// `h` points to 128 readable bytes, 8-byte aligned; `msg_len` is writable.
#[no_mangle]
pub unsafe extern "C" fn roam_seed_validate(
    h: *const segment::SegmentHeader,
    msg_len: *mut usize,
) -> *const u8 {
    match (*h).validate() {
        Ok(()) => core::ptr::null(),
        Err(m) => {
            *msg_len = m.len();
            m.as_ptr()
        }
    }
}

/// The same call with no rules: what calling the seed costs by itself.
///
/// # Safety
///
/// As roam_seed_validate; neither pointer is read.
#[no_mangle]
pub unsafe extern "C" fn roam_seed_call_only(
    h: *const segment::SegmentHeader,
    msg_len: *mut usize,
) -> *const u8 {
    core::hint::black_box((h, msg_len));
    core::ptr::null()
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
