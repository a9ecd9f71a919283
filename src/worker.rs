//! One worker's view of a run: its host (clock, blocking wait), the GIL it
//! competes for (threads + GIL only), and its trace buffer. Workloads call
//! [`Worker::tick`] while computing and [`Worker::io`] to block.

use crate::gil::Gil;
use crate::platform::Host;
use crate::shared::Shared;
use crate::trace::{State, Tracer};

pub struct Worker<'a> {
    pub id: u32,
    host: &'a dyn Host,
    gil: Option<&'a Gil>,
    tracer: Tracer,
    task: Option<u32>,
    holds_gil: bool,
    input: &'a [u8],
    shared: Option<&'a Shared>,
}

impl<'a> Worker<'a> {
    pub fn new(id: u32, host: &'a dyn Host, gil: Option<&'a Gil>, tracer: Tracer) -> Worker<'a> {
        Worker { id, host, gil, tracer, task: None, holds_gil: false, input: &[], shared: None }
    }

    pub fn now(&self) -> f64 {
        self.host.now_ms()
    }

    /// Records that this worker is now in `state`.
    #[inline]
    pub fn enter(&mut self, state: State) {
        if self.tracer.enabled() {
            let t = self.host.now_ms();
            self.tracer.record(t, state, self.task);
        }
    }

    /// Records `state` from time `t` (a moment measured elsewhere).
    pub fn enter_at(&mut self, t: f64, state: State) {
        self.tracer.record(t, state, self.task);
    }

    pub fn set_task(&mut self, task: Option<u32>) {
        self.task = task;
    }

    /// The input the current task reads ([`crate::data`]): its share, in
    /// this worker's memory (shared with the other threads, or its own).
    pub fn input(&self) -> &'a [u8] {
        self.input
    }

    pub fn set_input(&mut self, input: &'a [u8]) {
        self.input = input;
    }

    /// What this worker shares with the others in its memory (see
    /// [`crate::shared`]); set by every model before the tasks run.
    pub fn shared(&self) -> &'a Shared {
        self.shared.expect("the model sets what its workers share")
    }

    pub fn set_shared(&mut self, shared: &'a Shared) {
        self.shared = Some(shared);
    }

    /// Blocks in `wait` (taking a lock, joining), like a blocking call in
    /// CPython: the GIL is released while waiting and taken again after.
    pub fn block_on<T>(&mut self, wait: impl FnOnce() -> T) -> T {
        self.enter(State::LockWait);
        self.release_gil();
        let out = wait();
        self.acquire();
        out
    }

    /// Whether this worker competes for a GIL (threads + GIL).
    pub fn has_gil(&self) -> bool {
        self.gil.is_some()
    }

    /// Takes the GIL (if this model has one) and starts running.
    pub fn start(&mut self) {
        self.acquire();
    }

    /// Goes idle and drops the GIL (if held). Every state that gives the
    /// GIL up is recorded before it is given up, and running after it is
    /// taken, so two running spans of one GIL never overlap on the timeline.
    pub fn finish(&mut self) {
        self.task = None;
        self.enter(State::Idle);
        self.release_gil();
    }

    /// Gives the GIL up (if held) to block: another worker may take it.
    fn release_gil(&mut self) {
        if let (Some(gil), true) = (self.gil, self.holds_gil) {
            gil.drop_gil(self.id, false);
            self.holds_gil = false;
        }
    }

    fn acquire(&mut self) {
        if let Some(gil) = self.gil {
            let (host, tracer, task) = (self.host, &mut self.tracer, self.task);
            gil.take(self.id, || {
                if tracer.enabled() {
                    tracer.record(host.now_ms(), State::GilWait, task)
                }
            });
            self.holds_gil = true;
        }
        self.enter(State::Running);
    }

    /// The eval breaker, called every few microseconds of compute: if a
    /// waiting worker asked for the GIL, hand it over and queue for it again.
    #[inline]
    pub fn tick(&mut self) {
        if let Some(gil) = self.gil {
            if gil.drop_requested() {
                // From here until it runs again the worker waits: first for
                // another worker to take the GIL, then for its turn.
                self.enter(State::GilWait);
                gil.drop_gil(self.id, true);
                self.holds_gil = false;
                self.acquire();
            }
        }
    }

    /// Waits in `state` (the GIL released) until `ready(now)` says so,
    /// checking every millisecond: a lock's timed wait.
    pub fn wait_until(&mut self, state: State, ready: impl FnMut(f64) -> bool) {
        self.wait_in(state, ready, Some(1.0));
    }

    /// Like [`Worker::wait_until`], checking every `period_ms`.
    pub fn wait_every(&mut self, state: State, period_ms: f64, ready: impl FnMut(f64) -> bool) {
        self.wait_in(state, ready, Some(period_ms));
    }

    /// Like [`Worker::wait_until`], but checking without sleeping, for
    /// waits of microseconds that must end together (a barrier).
    pub fn spin_until(&mut self, state: State, ready: impl FnMut(f64) -> bool) {
        self.wait_in(state, ready, None);
    }

    /// Waits until `ready`, sleeping `period` ms between checks (`None`: spinning).
    fn wait_in(&mut self, state: State, mut ready: impl FnMut(f64) -> bool, period: Option<f64>) {
        self.enter(state);
        self.release_gil();
        while !ready(self.host.now_ms()) {
            match period {
                Some(ms) => self.host.sleep_ms(ms),
                None => std::hint::spin_loop(),
            }
        }
        self.acquire();
    }

    /// Blocking I/O, like `time.sleep`: the GIL is released while waiting and
    /// taken again after.
    pub fn io(&mut self, ms: f64) {
        self.sleep_in(State::IoWait, ms);
    }

    /// Sleeps `ms` in `state` (the GIL released), like `time.sleep` while
    /// holding a lock ([`State::HoldingLock`]).
    pub fn sleep_in(&mut self, state: State, ms: f64) {
        self.enter(state);
        self.release_gil();
        self.host.sleep_ms(ms);
        self.acquire();
    }

    pub fn into_tracer(mut self) -> Tracer {
        std::mem::replace(&mut self.tracer, Tracer::new(self.id, false))
    }
}

/// A worker that goes away holding the GIL gives it up: a task that
/// panicked (natively, where a panic unwinds) does not leave the other
/// threads waiting for ever.
impl Drop for Worker<'_> {
    fn drop(&mut self) {
        self.release_gil();
    }
}
