//! Race condition: every task adds 1 to a counter `increments` times, in
//! three phases of one task per worker each (tasks `0..W`, `W..2W`,
//! `2W..3W`), each phase on its own counter:
//!
//! 1. unsynchronised, `counter += 1` as CPython runs it: read, (a switch
//!    may land here: the eval breaker), write. Two threads that read the
//!    same value both write it plus one: an update is lost;
//! 2. an atomic add (`fetch_add`): nothing is lost;
//! 3. under a lock (`with lock: counter += 1`): nothing is lost.
//!
//! Threads share the counters (one memory); each process has its own and
//! returns its partial sum, which the page adds up: always right.

use crate::claim::{Claim, Judging, Verdict};
use crate::model::Model;
use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::extra::Extra;
use crate::model::Shape;
use crate::text::group;
use crate::record::ModelRun;
use crate::summary::ModelSummary;
use crate::shared::{Shared, PHASES};
use crate::trace::State;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;

pub const MAX_INCREMENTS: u64 = 10_000_000;

/// What each phase does to its counter, for people.
pub const PHASE_NAMES: [&str; PHASES] = ["no synchronisation", "an atomic add", "a lock"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Race {
    /// Increments by each task.
    pub increments: u64,
}

impl Kind for Race {
    const LABEL: &'static str = "Race: one shared counter";
    const FIELDS: &'static [Field] = &[Field {
        key: "increments",
        label: "Increments per task",
        hint: "Each worker adds 1 this many times to a shared counter, three times: unsynchronised, with an atomic add, under a lock.",
        default: "1000000",
        input: Input::Whole { min: 1, max: MAX_INCREMENTS },
    }];
    const TASKS_PER_WORKER: Option<u32> = Some(PHASES as u32);

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        Ok(Race { increments: p.whole("increments")? })
    }
    fn scaled(&self, factor: f64) -> Option<Self> {
        Some(Race { increments: super::task::scaled(self.increments, factor) })
    }
}

/// What each phase's counter said at the end: a run's part where its
/// workers shared the counters (the loop, a threads pool), and every
/// model's part of its summary (for processes, their partial sums added
/// up).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    pub counters: Vec<u64>,
}

/// The counters of a run or a summary (empty where it has none).
pub fn counters(extra: &Extra) -> Vec<u64> {
    extra.get::<Counters>().map(|c| c.counters).unwrap_or_default()
}

/// The phase of task `index` of `tasks` (three equal runs of tasks).
pub fn phase(index: u32, tasks: u32) -> usize {
    (index as usize * PHASES / tasks.max(1) as usize).min(PHASES - 1)
}

impl Race {
    /// Updates each phase's counter should have received.
    pub fn expected_total(&self, tasks: u32) -> u64 {
        self.increments * u64::from(tasks / PHASES as u32)
    }

    /// What each phase's counter says at the end of `run`. Threads and the
    /// loop share one set of counters, read after the run; processes each
    /// counted in their own memory and sent their partial sums (the task
    /// values), which add up here.
    pub fn counted(&self, run: &ModelRun, tasks: u32) -> Vec<u64> {
        let shared = counters(&run.extra);
        if !shared.is_empty() {
            return shared;
        }
        let mut sums = vec![0u64; PHASES];
        for t in &run.tasks {
            sums[phase(t.index, tasks)] += t.value;
        }
        sums
    }
}

/// CPython's time per iteration of this task's [`Task::cost`] in its
/// Python (ns): 17.6 measured ([`super::task::PYTHON_MEASURED_WITH`];
/// three tasks of 1,000,000 increments, one per phase: 422 ms for 24 million iterations of its cost). The basis of the Python panel's estimate.
pub const PYTHON_NS_PER_ITERATION: f64 = 17.6;

impl Task for Race {
    fn claim(&self, exp: &Shape) -> Option<Claim> {
        (exp.models.contains(&Model::Threads) || exp.models.contains(&Model::ThreadsGil)).then_some(Claim::RaceCondition)
    }
    fn judge(&self, cx: &Judging) -> Option<Verdict> {
        let race = self;
        let want = race.expected_total(cx.exp.tasks);
        let lost = |s: &ModelSummary, p: usize| counters(&s.extra).get(p).map(|&c| want.saturating_sub(c));
        let ran: Vec<&ModelSummary> = cx.models.iter().filter(|s| s.ran() && counters(&s.extra).len() == PHASES).collect();
        let threads: Vec<&&ModelSummary> = ran.iter().filter(|s| s.model.on_threads()).collect();
        if threads.is_empty() {
            return cx.verdict(None, cx.missing(Model::Threads));
        }
        if cx.parallel < 2 {
            return cx.verdict(None, format!("Cannot tell: with {} worker nothing runs at the same time, so nothing can race.", cx.parallel));
        }
        let raced = threads.iter().any(|s| lost(s, 0).unwrap_or(0) > 0);
        let synced = ran.iter().all(|s| lost(s, 1) == Some(0) && lost(s, 2) == Some(0));
        let processes_right = ran.iter().filter(|s| s.model == Model::Processes).all(|s| (0..3).all(|p| lost(s, p) == Some(0)));
        let held = raced && synced && processes_right;
        let mut parts: Vec<String> = threads
            .iter()
            .map(|s| format!("{} {} without synchronisation", s.label, lost_words(want, counters(&s.extra)[0])))
            .collect();
        parts.push(if synced { "with an atomic add or a lock, every model counted all of them".into() } else { "even synchronised updates were lost".into() });
        let mut text = format!("Of {} updates per counter: {}.", crate::text::group(want), parts.join("; "));
        if ran.iter().any(|s| s.model == Model::Processes) {
            text.push_str(if processes_right {
                " Processes could not share the counter: each counted its own and sent its partial sum, which added up right."
            } else {
                " Processes' partial sums did not add up: a message was lost."
            });
        }
        if !raced {
            text.push_str(" No update was lost this time: a race needs two threads to read the same value at the same moment; run it again or with more increments.");
        }
        if threads.iter().any(|s| s.model == Model::ThreadsGil && lost(s, 0).unwrap_or(0) > 0) {
            text.push_str(" Even with the GIL: a switch landed between a read and its write.");
        }
        cx.verdict(Some(held), text)
    }
    fn cpu_bound(&self) -> bool {
        true
    }
    fn cost(&self) -> Cost {
        // A locked increment costs a few loop iterations.
        Cost::Iterations(self.increments as f64 * 8.0)
    }
    fn python_ms(&self) -> Option<f64> {
        Some(self.cost().python_ms(PYTHON_NS_PER_ITERATION))
    }
    fn python_note(&self) -> Option<&'static str> {
        Some("Under CPython 3.10 and later, with the GIL, this program rarely loses an update at counter += 1: the interpreter hands the GIL over only at a few points (a loop's jump back, a call), hardly ever between the read and the write of +=. ThreadLab's simulated GIL may hand over between any two steps, as older CPython could, so the race shows here; without a GIL (free-threaded Python 3.13t, and ThreadLab's threads without the GIL) it shows on any machine with two cores.")
    }
    fn not_hybrid(&self) -> Option<&'static str> {
        Some("compares threads sharing a counter with processes that cannot")
    }
    fn run(&self, _: &Machine, index: u32, w: &mut Worker) -> Output {
        let shared = w.shared();
        let p = phase(index, shared.tasks);
        let counter = &shared.counters[p];
        // The workers of a pool start each phase together.
        shared.meet(w, p);
        let before = counter.load(Ordering::SeqCst);
        for _ in 0..self.increments {
            match p {
                0 => {
                    // CPython's `counter += 1`: a read and a write, with the
                    // eval breaker (a possible GIL switch) in between.
                    let v = counter.load(Ordering::Relaxed);
                    w.tick();
                    counter.store(v.wrapping_add(1), Ordering::Relaxed);
                }
                1 => {
                    counter.fetch_add(1, Ordering::Relaxed);
                    w.tick();
                }
                _ => {
                    let guard = match shared.lock.try_lock() {
                        Ok(g) => g,
                        // Contended, with a GIL: wait for the lock with the
                        // GIL released (as CPython does), and show it.
                        Err(_) if w.has_gil() => w.block_on(|| shared.lock.lock().unwrap_or_else(|e| e.into_inner())),
                        // Without one: a short wait, too frequent to draw.
                        Err(_) => shared.lock.lock().unwrap_or_else(|e| e.into_inner()),
                    };
                    let v = counter.load(Ordering::Relaxed);
                    w.tick();
                    counter.store(v + 1, Ordering::Relaxed);
                    drop(guard);
                }
            }
        }
        // What this task added, as the worker sees it: in a process (alone
        // with its counter) exactly its increments; in a pool, whatever the
        // others did meanwhile too, so it is not checked.
        counter.load(Ordering::SeqCst).wrapping_sub(before).into()
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        vec![None; tasks as usize]
    }
    fn check_run(&self, exp: &Shape, run: &ModelRun) -> Vec<String> {
        let want = self.expected_total(exp.tasks);
        self.counted(run, exp.tasks)
            .iter()
            .enumerate()
            .filter(|(_, &got)| got != want)
            .map(|(p, &got)| {
                let lost = want.saturating_sub(got);
                format!("with {} the counter says {} instead of {}: {} updates lost", PHASE_NAMES[p], group(got), group(want), group(lost))
            })
            .collect()
    }
    fn after_run(&self, shared: &Shared) -> Extra {
        let counters = shared.counters();
        // Nothing counted: the loop or pool ran no task of this run.
        if counters.iter().all(|&n| n == 0) {
            return Extra::none();
        }
        Extra::of(&Counters { counters })
    }
    fn summarise(&self, exp: &Shape, _: &[ModelRun], shown: Option<&ModelRun>) -> Extra {
        shown.map_or_else(Extra::none, |r| Extra::of(&Counters { counters: self.counted(r, exp.tasks) }))
    }
    fn describe(&self) -> String {
        format!("race: each task adds 1 to a shared counter {} times", group(self.increments))
    }
    fn explain(&self, exp: &Shape, models: &[ModelSummary]) -> Vec<String> {
        let want = self.expected_total(exp.tasks);
        models
            .iter()
            .filter(|m| counters(&m.extra).len() == PHASES)
            .map(|m| {
                let lost: Vec<String> = counters(&m.extra).iter().enumerate().map(|(p, &c)| format!("{} {}", PHASE_NAMES[p], lost_words(want, c))).collect();
                format!("{}: {}.", m.label, lost.join("; "))
            })
            .collect()
    }
    fn python(&self, _: &Machine) -> PythonTask {
        let helpers = "\
import threading

COUNTERS = [0, 0, 0]  # one per phase; each process has its own
LOCK = threading.Lock()


def add(phase, n):
    \"\"\"Adds 1 to COUNTERS[phase] n times: unsynchronised, as `x += 1`
    with an explicit read and write (a thread switch can land between
    them), or under LOCK (CPython has no atomic add; in CPython the GIL
    makes `itertools.count()` atomic, so phase 1 uses the lock too).\"\"\"
    before = COUNTERS[phase]
    for _ in range(n):
        if phase == 0:
            value = COUNTERS[0]
            COUNTERS[0] = value + 1
        else:
            with LOCK:
                COUNTERS[phase] += 1
    return COUNTERS[phase] - before


def after_run(name, values):
    \"\"\"Threads share COUNTERS, which every run (the warm-up and the
    repeats) added to; processes each had their own, so the partial sums of
    the last run (its values) are added up here.\"\"\"
    per = TASKS // 3
    if name == \"processes\":
        runs, counted = 1, [sum(values[p * per:(p + 1) * per]) for p in range(3)]
    else:
        runs, counted = REPEATS + 1, list(COUNTERS)
    want = runs * per * INCREMENTS
    lost = [want - c for c in counted]
    print(f\"{name:12} lost updates over {runs} run(s), unsynchronised / atomic / lock: {lost} of {want} each\")
    COUNTERS[:] = [0, 0, 0]
"
        .to_string();
        PythonTask {
            helpers: format!("INCREMENTS = scaled({})\n{helpers}", self.increments),
            body: "    return add(i * 3 // TASKS, INCREMENTS)\n".into(),
            same_values: false,
            crashes: false,
            takes_input: false,
        }
    }
}

/// "lost 1,234 of 400,000 (0.3 %)" or "lost none".
pub fn lost_words(want: u64, got: u64) -> String {
    match want.saturating_sub(got) {
        0 => "lost none".into(),
        lost => format!("lost {} of {} ({:.1} %)", group(lost), group(want), 100.0 * lost as f64 / want.max(1) as f64),
    }
}

/// The race's phases start together, as a demo's `threading.Barrier` makes
/// them: what this workload shares between its tasks.
impl Shared {
    /// Waits (the GIL released) until every worker sharing this memory
    /// reached the start of race phase `phase`, so that they run it at the
    /// same time (as a demo's `threading.Barrier` does); at most 2 s.
    pub fn meet(&self, w: &mut Worker, phase: usize) {
        let n = self.arrived[phase].fetch_add(1, Ordering::SeqCst) + 1;
        if n >= self.sharers {
            return;
        }
        let give_up = w.now() + 2_000.0;
        w.spin_until(State::LockWait, |now| self.arrived[phase].load(Ordering::SeqCst) >= self.sharers || now > give_up);
    }
}
