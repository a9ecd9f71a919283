//! Deadlock: two locks, A and B. In the first phase (tasks `0..W`), task
//! `i` takes lock `i mod 2` first and, after holding it `hold_ms`, the
//! other one: two workers take them in opposite orders and each waits for
//! the lock the other holds, for ever. A watchdog in the lock's wait loop
//! (like `lock.acquire(timeout=…)`) sees that no worker made progress for
//! `watchdog_ms`, records who held which lock and who waited for which, and
//! makes the waiters give up. The second phase (tasks `W..2W`) is the fix:
//! every task takes A, then B (one lock order), and all complete.
//!
//! A process has its own two locks, which nobody else can hold: no deadlock.

use crate::claim::{Claim, Judging, Verdict};
use crate::model::Model;
use crate::summary::ModelSummary;
use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::extra::Extra;
use crate::model::Shape;
use crate::record::ModelRun;
use crate::shared::{Deadlock, Moment, Shared, WaitFor, FREE, LOCK_NAMES};
use crate::trace::State;
use crate::worker::Worker;
use std::sync::atomic::Ordering;
use serde::{Deserialize, Serialize};

pub const MAX_HOLD_MS: u64 = 1_000;
pub const MIN_WATCHDOG_MS: u64 = 100;
pub const MAX_WATCHDOG_MS: u64 = 10_000;

/// What a task that gave up returns (it never took both locks).
pub const GAVE_UP: u64 = 0;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlockTask {
    /// How long a task holds its first lock before it takes the second.
    pub hold_ms: u64,
    /// No progress for this long: the watchdog breaks the deadlock.
    pub watchdog_ms: u64,
}

impl Kind for DeadlockTask {
    const LABEL: &'static str = "Deadlock: two locks, two orders";
    const FIELDS: &'static [Field] = &[
        Field {
            key: "hold_ms",
            label: "Hold the first lock (ms)",
            hint: "Each task holds its first lock this long before taking the second: time for the other to take its own first.",
            default: "50",
            input: Input::Whole { min: 0, max: MAX_HOLD_MS },
        },
        Field {
            key: "watchdog_ms",
            label: "Watchdog (ms without progress)",
            hint: "When no worker took or released a lock for this long, the watchdog stops the waiting tasks.",
            default: "1000",
            input: Input::Whole { min: MIN_WATCHDOG_MS, max: MAX_WATCHDOG_MS },
        },
    ];
    const TASKS_PER_WORKER: Option<u32> = Some(2);

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        Ok(DeadlockTask { hold_ms: p.whole("hold_ms")?, watchdog_ms: p.whole("watchdog_ms")? })
    }
}

/// The deadlock the watchdog found and broke: a run's part (where the
/// workers shared the locks), and a model's part of its summary (the first
/// repeat's that had one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    pub deadlock: Deadlock,
}

/// The deadlock a run or a summary found, if any.
pub fn found(extra: &Extra) -> Option<Deadlock> {
    extra.get::<Found>().map(|f| f.deadlock)
}

/// Task `index` of `tasks`: the phase (0: opposite orders, 1: one order)
/// and its two locks, in the order it takes them.
pub fn locks_of(index: u32, tasks: u32) -> (usize, [usize; 2]) {
    let per = (tasks / 2).max(1);
    let phase = (index / per).min(1) as usize;
    let first = if phase == 0 { (index % 2) as usize } else { 0 };
    (phase, [first, 1 - first])
}

impl Task for DeadlockTask {
    fn claim(&self, exp: &Shape) -> Option<Claim> {
        (exp.models.contains(&Model::Threads) || exp.models.contains(&Model::ThreadsGil)).then_some(Claim::Deadlock)
    }
    fn judge(&self, cx: &Judging) -> Option<Verdict> {
        let threads: Vec<&ModelSummary> = cx.models.iter().filter(|s| s.model.on_threads() && s.ran()).collect();
        let Some(first) = threads.first() else { return cx.verdict(None, cx.missing(Model::ThreadsGil)) };
        if cx.parallel < 2 {
            return cx.verdict(None, format!("Cannot tell: with {} worker one task takes both locks at a time: nothing to deadlock.", cx.parallel));
        }
        let stuck: Vec<&&ModelSummary> = threads.iter().filter(|s| found(&s.extra).is_some()).collect();
        // Apart from the deadlock itself, every task's result was right:
        // the fixed half completed.
        let fixed = |s: &ModelSummary| s.problems.iter().all(|p| p.starts_with("deadlock:") || p.contains("deadlock: "));
        let processes_free = cx.models.iter().filter(|s| s.model == Model::Processes && s.ran()).all(|s| found(&s.extra).is_none() && s.correct);
        let held = !stuck.is_empty() && stuck.iter().all(|s| fixed(s)) && processes_free;
        let mut text = match stuck.first() {
            Some(s) => format!(
                "{} deadlocked: {}. The watchdog stopped the waiting tasks; then, taking the locks in one order (A before B), every task completed.",
                s.label,
                found(&s.extra).map(|d| d.describe()).unwrap_or_default()
            ),
            None => format!("{} did not deadlock this time: the tasks did not hold their first locks at the same moment. Hold the first lock longer.", first.label),
        };
        if cx.models.iter().any(|s| s.model == Model::Processes && s.ran()) {
            text.push_str(if processes_free { " Processes each had their own two locks, which no other process could hold: no deadlock." } else { " Processes did not complete." });
        }
        cx.verdict(Some(held), text)
    }
    fn cpu_bound(&self) -> bool {
        false
    }
    fn cost(&self) -> Cost {
        Cost::Ms(self.hold_ms * 2 + self.watchdog_ms)
    }
    fn not_hybrid(&self) -> Option<&'static str> {
        Some("is between threads sharing two locks")
    }
    fn run(&self, _: &Machine, index: u32, w: &mut Worker) -> Output {
        let shared = w.shared();
        let (_, [first, second]) = locks_of(index, shared.tasks);
        let watchdog = self.watchdog_ms as f64;
        if !shared.take(w, first, watchdog) {
            return GAVE_UP.into();
        }
        // Holding the first lock (sleeping, the GIL released), not I/O.
        w.sleep_in(State::HoldingLock, self.hold_ms as f64);
        let value = if shared.take(w, second, watchdog) {
            shared.release(w, second);
            u64::from(index) + 1
        } else {
            GAVE_UP
        };
        shared.release(w, first);
        value.into()
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        // The fixed phase always completes; the first may give up.
        (0..tasks).map(|i| (locks_of(i, tasks).0 == 1).then_some(u64::from(i) + 1)).collect()
    }
    fn check_run(&self, _: &Shape, run: &ModelRun) -> Vec<String> {
        // Said once in full by the verdict and the wait-for graph; here, short.
        found(&run.extra).iter().map(|d| format!("deadlock: the watchdog stopped {} waiting task{} (the wait-for graph shows who held what)", d.waits.len(), if d.waits.len() == 1 { "" } else { "s" })).collect()
    }
    fn after_run(&self, shared: &Shared) -> Extra {
        shared.deadlock().map_or_else(Extra::none, |deadlock| Extra::of(&Found { deadlock }))
    }
    fn summarise(&self, _: &Shape, runs: &[ModelRun], _: Option<&ModelRun>) -> Extra {
        runs.iter().find_map(|r| found(&r.extra)).map_or_else(Extra::none, |deadlock| Extra::of(&Found { deadlock }))
    }
    fn describe(&self) -> String {
        format!("deadlock: two locks taken in opposite orders (holding the first {} ms), then in one order", self.hold_ms)
    }
    fn python(&self, _: &Machine) -> PythonTask {
        let helpers = format!(
            "import threading\n\nHOLD_MS = {hold}\nWATCHDOG_MS = {watchdog}\nLOCKS = [threading.Lock(), threading.Lock()]  # A and B; each process has its own\n\n\n\
def take(lock):\n    \"\"\"Takes a lock, giving up after WATCHDOG_MS without it (the watchdog).\"\"\"\n    return LOCKS[lock].acquire(timeout=WATCHDOG_MS / 1000)\n",
            hold = self.hold_ms,
            watchdog = self.watchdog_ms
        );
        let body = "    per = TASKS // 2\n    first = i % 2 if i < per else 0  # opposite orders, then the fix: one order\n    if not take(first):\n        return 0\n    try:\n        time.sleep(HOLD_MS / 1000)\n        if not take(1 - first):\n            print(f\"task {i}: holds lock {'AB'[first]}, gave up waiting for lock {'AB'[1 - first]}: a deadlock\")\n            return 0\n        LOCKS[1 - first].release()\n        return i + 1\n    finally:\n        LOCKS[first].release()\n".to_string();
        PythonTask { helpers, body, same_values: false, crashes: false, takes_input: false }
    }
}

/// The deadlock's two tracked locks and their watchdog: what this workload
/// shares between its tasks.
impl Shared {
    fn progress(&self, now: f64) {
        self.last_progress.store(now.to_bits(), Ordering::SeqCst);
    }

    /// Takes deadlock lock `lock` for worker `w`, waiting (the GIL released)
    /// while another holds it. `false`: the watchdog found no worker had
    /// taken or released a lock for `watchdog_ms` while this one waited, and
    /// it gives up (as `lock.acquire(timeout=…)` does).
    pub fn take(&self, w: &mut Worker, lock: usize, watchdog_ms: f64) -> bool {
        let me = w.id;
        let _ = self.last_progress.compare_exchange(0, w.now().to_bits(), Ordering::SeqCst, Ordering::SeqCst);
        if self.holders[lock].compare_exchange(FREE, me, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            self.progress(w.now());
            return true;
        }
        self.waiting.lock().unwrap_or_else(|e| e.into_inner()).insert(me, lock);
        let declared_before = self.deadlock.get().is_some();
        let mut got = false;
        w.wait_until(State::LockWait, |now| {
            if self.holders[lock].compare_exchange(FREE, me, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                got = true;
                return true;
            }
            // A deadlock found while this worker waited includes it.
            if !declared_before && self.deadlock.get().is_some() {
                return true;
            }
            let stuck = now - f64::from_bits(self.last_progress.load(Ordering::SeqCst));
            if stuck >= watchdog_ms {
                self.declare(stuck);
                return true;
            }
            false
        });
        self.waiting.lock().unwrap_or_else(|e| e.into_inner()).remove(&me);
        if got {
            self.progress(w.now());
        }
        got
    }

    /// Releases lock `lock`, held by `w`.
    pub fn release(&self, w: &Worker, lock: usize) {
        let _ = self.holders[lock].compare_exchange(w.id, FREE, Ordering::SeqCst, Ordering::SeqCst);
        self.progress(w.now());
    }

    /// The watchdog: records the wait-for graph, once.
    fn declare(&self, stuck_ms: f64) {
        let waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let holder = |l: usize| Some(self.holders[l].load(Ordering::SeqCst)).filter(|&h| h != FREE);
        let waits = waiting
            .iter()
            .map(|(&worker, &lock)| WaitFor {
                worker,
                holds: (0..2).filter(|&l| holder(l) == Some(worker)).map(|l| LOCK_NAMES[l].to_string()).collect(),
                waits_for: LOCK_NAMES[lock].to_string(),
                held_by: holder(lock),
            })
            .collect();
        if self.deadlock.set(Deadlock { stuck_ms, waits }).is_ok() {
            self.mark(f64::from_bits(self.last_progress.load(Ordering::SeqCst)) + stuck_ms, Moment::Deadlock);
        }
    }
}
