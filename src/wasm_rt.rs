//! The `no_std` runtime of the shipped wasm: a panic handler that traps without formatting
//! anything, and a small size-class allocator in place of dlmalloc (about 5 KB smaller).
//!
//! A panic cannot be caused by page input (every input error is a `Result`); if one happens
//! anyway, the trap surfaces as a JS `RuntimeError` that the shim's guard reports.

use ::core::alloc::{GlobalAlloc, Layout};
use ::core::arch::wasm32;
use ::core::cell::UnsafeCell;

#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    wasm32::unreachable()
}

/// Blocks come in power-of-two sizes from 8 bytes (class 3) up; freed blocks go on the free list
/// of their class and are reused first. Blocks never merge: webexp's allocations are small and
/// repeat in the same sizes, so this wastes little and stays O(1).
struct SizeClassAlloc(UnsafeCell<State>);

struct State {
    free: [usize; 32],
    next: usize,
    end: usize,
}

// wasm32-unknown-unknown without atomics is single-threaded.
unsafe impl Sync for SizeClassAlloc {}

#[global_allocator]
static ALLOC: SizeClassAlloc = SizeClassAlloc(UnsafeCell::new(State {
    free: [0; 32],
    next: 0,
    end: 0,
}));

const PAGE: usize = 65536;

fn class_of(layout: &Layout) -> usize {
    let size = layout.size().max(layout.align()).max(8);
    size.next_power_of_two().trailing_zeros() as usize
}

impl SizeClassAlloc {
    unsafe fn bump(&self, size: usize, align: usize) -> *mut u8 {
        let s = &mut *self.0.get();
        let mut start = (s.next + align - 1) & !(align - 1);
        if s.next == 0 || start + size > s.end {
            let pages = size.div_ceil(PAGE) + 1;
            let old = wasm32::memory_grow(0, pages);
            if old == usize::MAX {
                return ::core::ptr::null_mut();
            }
            let base = old * PAGE;
            if base != s.end {
                // First use, or someone else grew memory: start from the new region.
                s.next = base;
            }
            s.end = base + pages * PAGE;
            start = (s.next + align - 1) & !(align - 1);
        }
        s.next = start + size;
        start as *mut u8
    }
}

unsafe impl GlobalAlloc for SizeClassAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let class = class_of(&layout);
        let s = &mut *self.0.get();
        let head = s.free[class];
        // Free blocks are 16-aligned at least; larger alignments always get a fresh block.
        if head != 0 && layout.align() <= 16 {
            s.free[class] = *(head as *const usize);
            return head as *mut u8;
        }
        self.bump(
            1 << class,
            layout.align().max(16).min(1 << class).max(layout.align()),
        )
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let class = class_of(&layout);
        let s = &mut *self.0.get();
        *(ptr as *mut usize) = s.free[class];
        s.free[class] = ptr as usize;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        if class_of(&new_layout) == class_of(&layout) {
            return ptr;
        }
        let new = self.alloc(new_layout);
        if !new.is_null() {
            ::core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}
