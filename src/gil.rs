//! A simulated GIL that behaves like CPython's "new GIL" (3.2+,
//! `Python/ceval_gil.c`), not like a plain mutex:
//!
//! - a worker must hold the GIL to compute; compute calls
//!   [`Gil::drop_requested`] (the *eval breaker*) every few microseconds;
//! - a worker that finds the GIL taken waits up to the *switch interval*; if
//!   no switch happened meanwhile it sets the drop request;
//! - the holder sees the request at its next check, drops the GIL and, with
//!   *forced switching*, waits until another worker has taken it before it
//!   tries again, so it cannot immediately retake it;
//! - blocking I/O drops the GIL before waiting and takes it again after,
//!   which lets I/O overlap and causes the *convoy effect*: a worker back
//!   from I/O waits up to one interval behind a CPU-bound holder.
//!
//! Built on `std::sync::{Mutex, Condvar}`, which block without spinning both
//! natively and in wasm threads (`memory.atomic.wait32`), and on a
//! caller-supplied clock; it never reads `Instant` (absent in the browser).

use crate::trace::GilStats;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

pub const DEFAULT_SWITCH_INTERVAL_MS: f64 = 5.0;

#[derive(Debug, Default)]
struct Inner {
    locked: bool,
    /// Who took it last (still set after a drop, like `gil->last_holder`).
    last_holder: Option<u32>,
    /// Incremented at every take: a waiter that sees it unchanged after a
    /// full interval knows no switch happened.
    switch_number: u64,
    waiters: u32,
}

#[derive(Debug)]
pub struct Gil {
    /// The switch interval, in ns (`sys.setswitchinterval` changes it).
    interval_ns: AtomicU64,
    inner: Mutex<Inner>,
    /// Signalled when the GIL is dropped.
    dropped: Condvar,
    /// Signalled when the GIL is taken (for forced switching).
    taken: Condvar,
    /// The eval breaker: a waiter asks the holder to drop.
    drop_request: AtomicBool,
    switches: AtomicU64,
    failed_acquisitions: AtomicU64,
    drop_requests: AtomicU64,
}

impl Gil {
    /// A GIL with the given switch interval (`sys.setswitchinterval`), in ms.
    pub fn new(switch_interval_ms: f64) -> Gil {
        Gil {
            interval_ns: AtomicU64::new(Self::ns(switch_interval_ms)),
            inner: Mutex::new(Inner::default()),
            dropped: Condvar::new(),
            taken: Condvar::new(),
            drop_request: AtomicBool::new(false),
            switches: AtomicU64::new(0),
            failed_acquisitions: AtomicU64::new(0),
            drop_requests: AtomicU64::new(0),
        }
    }

    fn ns(interval_ms: f64) -> u64 {
        (interval_ms.max(0.001) * 1e6) as u64
    }

    fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval_ns.load(Ordering::Relaxed))
    }

    /// The switch interval, in ms.
    pub fn interval_ms(&self) -> f64 {
        self.interval_ns.load(Ordering::Relaxed) as f64 / 1e6
    }

    /// A new switch interval (ms), from the next wait on (`sys.setswitchinterval`).
    pub fn set_interval_ms(&self, interval_ms: f64) {
        self.interval_ns.store(Self::ns(interval_ms), Ordering::Relaxed);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave Inner inconsistent
        // (every update is a plain store), so poisoning is ignored.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The eval breaker: should the holder drop the GIL now? One relaxed
    /// atomic load, cheap enough to call every few microseconds.
    #[inline]
    pub fn drop_requested(&self) -> bool {
        self.drop_request.load(Ordering::Relaxed)
    }

    /// Takes the GIL for `worker`, waiting as CPython's `take_gil` does.
    /// `on_wait` runs once, before the first wait, if the GIL is taken.
    pub fn take(&self, worker: u32, on_wait: impl FnOnce()) {
        let mut g = self.lock();
        if g.locked {
            on_wait();
            g.waiters += 1;
            while g.locked {
                let saved = g.switch_number;
                let (next, timeout) = self.dropped.wait_timeout(g, self.interval()).unwrap_or_else(|e| e.into_inner());
                g = next;
                if g.locked {
                    self.failed_acquisitions.fetch_add(1, Ordering::Relaxed);
                    if timeout.timed_out() && g.switch_number == saved {
                        // A whole interval without a switch: ask the holder to drop.
                        self.drop_request.store(true, Ordering::Relaxed);
                        self.drop_requests.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            g.waiters -= 1;
        }
        g.locked = true;
        if g.last_holder.is_some_and(|w| w != worker) {
            self.switches.fetch_add(1, Ordering::Relaxed);
        }
        g.last_holder = Some(worker);
        g.switch_number += 1;
        // The request (if any) is served: whoever asked, someone switched in.
        self.drop_request.store(false, Ordering::Relaxed);
        self.taken.notify_all();
    }

    /// Drops the GIL. `forced` is the eval-breaker path: then, like
    /// CPython's FORCE_SWITCHING, wait until another worker has taken it,
    /// so the dropper cannot retake it at once.
    pub fn drop_gil(&self, worker: u32, forced: bool) {
        let mut g = self.lock();
        g.locked = false;
        self.dropped.notify_one();
        if forced {
            while g.last_holder == Some(worker) && g.waiters > 0 {
                g = self.taken.wait_timeout(g, self.interval()).unwrap_or_else(|e| e.into_inner()).0;
            }
        }
    }

    pub fn stats(&self) -> GilStats {
        GilStats {
            switches: self.switches.load(Ordering::Relaxed),
            failed_acquisitions: self.failed_acquisitions.load(Ordering::Relaxed),
            drop_requests: self.drop_requests.load(Ordering::Relaxed),
            switch_interval_ms: self.interval_ms(),
        }
    }
}
