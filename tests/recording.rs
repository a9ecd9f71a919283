//! "Recording never allocates or locks": a trace event or a timeline mark
//! written during a run only stores into memory made before the clock
//! started. A counting allocator around the calls shows it (natively and on
//! wasm32 alike: no threads needed).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use threadlab::shared::{Moment, Shared, MAX_MARKS};
use threadlab::trace::{State, Tracer};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made while `f` runs.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    f();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

// One test in this binary: the counter is global, and another test running
// at the same time would count its own allocations.
#[test]
fn recording_during_a_run_allocates_nothing() {
    let shared = Shared::new(8);
    let mut tracer = Tracer::with_capacity(0, true, 64);
    let made = allocations(|| {
        for i in 0..(MAX_MARKS as u32 + 3) {
            shared.mark(f64::from(i), Moment::DeclaredDone { joined: i % 2 == 0, seen: i, of: 7 });
        }
        shared.mark(99.0, Moment::Deadlock);
        for i in 0..100 {
            tracer.record(f64::from(i), if i % 2 == 0 { State::Running } else { State::GilWait }, Some(i));
        }
    });
    assert_eq!(made, 0, "recording allocated {made} times");
    // What was recorded is all there (the marks beyond the slots dropped).
    let marks = shared.marks();
    assert_eq!(marks.len(), MAX_MARKS);
    assert_eq!(marks[0].label, "done declared after join(): 0 of 7 results");
    assert_eq!(marks[1].label, "done declared without join(): 1 of 7 results");
    let (events, truncated) = tracer.take_events();
    assert_eq!(events.len(), 64);
    assert!(truncated, "a full buffer says so");
}
