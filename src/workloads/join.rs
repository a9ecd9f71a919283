//! Forgetting `join()`: the main program starts its worker threads and
//! reads their results. Two halves of one task per worker each: in each,
//! the half's first task is the main program and the others are workers
//! that compute, then deliver a result. In the first half the main program
//! reads the results at once (no `join()`): it sees only those already
//! delivered, usually none, and declares "done" while the workers still
//! run. In the second it waits in `join()` until all are delivered.
//!
//! Threads only: `join()` waits for threads of one program.

use super::count_loop::{sum_loop, triangle, MAX_SIZE, PYTHON_LOOP};
use crate::claim::{Claim, Judging, Verdict};
use crate::text::ms;
use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::model::{Model, Shape};
use crate::text::group;
use crate::record::ModelRun;
use crate::shared::Moment;
use crate::trace::State;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Join {
    /// Loop iterations of each worker's task.
    pub size: u64,
}

impl Kind for Join {
    const LABEL: &'static str = "Join: forgetting join()";
    const FIELDS: &'static [Field] = &[Field {
        key: "size",
        label: "Iterations per worker task",
        hint: "What each worker computes before it delivers its result.",
        default: "100000000",
        input: Input::Whole { min: 1, max: MAX_SIZE },
    }];
    const TASKS_PER_WORKER: Option<u32> = Some(2);
    const MODELS: Option<&'static [Model]> = Some(&[Model::ThreadsGil, Model::Threads]);

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        Ok(Join { size: p.whole("size")? })
    }
    fn scaled(&self, factor: f64) -> Option<Self> {
        Some(Join { size: super::task::scaled(self.size, factor) })
    }
}

/// Task `index` of `tasks`: its half (0: no join, 1: join) and whether it
/// is that half's main program.
pub fn role(index: u32, tasks: u32) -> (usize, bool) {
    let per = (tasks / 2).max(1);
    ((index / per).min(1) as usize, index % per == 0)
}

/// What one half of a run showed: when main declared done, what it read,
/// and when the last worker of the half finished.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Half {
    pub declared_ms: f64,
    pub seen: u64,
    pub of: u64,
    pub last_worker_end_ms: f64,
    pub started_ms: f64,
}

impl Join {
    /// Each half of `run`, if its tasks are all there.
    pub fn halves(run_tasks: &[crate::record::TaskRecord], tasks: u32) -> Vec<Half> {
        (0..2)
            .filter_map(|h| {
                let mine: Vec<_> = run_tasks.iter().filter(|t| role(t.index, tasks).0 == h).collect();
                let main = mine.iter().find(|t| role(t.index, tasks).1)?;
                let workers: Vec<_> = mine.iter().filter(|t| !role(t.index, tasks).1).collect();
                Some(Half {
                    declared_ms: main.end_ms,
                    seen: main.value,
                    of: workers.len() as u64,
                    last_worker_end_ms: workers.iter().map(|t| t.end_ms).fold(main.end_ms, f64::max),
                    started_ms: main.start_ms,
                })
            })
            .collect()
    }
}

impl Task for Join {
    fn claim(&self, exp: &Shape) -> Option<Claim> {
        (exp.models.contains(&Model::Threads) || exp.models.contains(&Model::ThreadsGil)).then_some(Claim::ForgottenJoin)
    }
    fn judge(&self, cx: &Judging) -> Option<Verdict> {
        let Some(s) = cx.models.iter().find(|s| s.model.on_threads() && s.ran()) else { return cx.verdict(None, cx.missing(Model::ThreadsGil)) };
        let halves = Join::halves(&s.tasks, cx.exp.tasks);
        let (Some(no), Some(yes)) = (halves.first(), halves.get(1)) else { return cx.verdict(None, format!("Cannot tell: {} returned no main-thread result.", s.label)) };
        let held = no.seen < no.of && yes.seen == yes.of;
        let mut text = format!(
            "Without join(), the main thread declared done {} after it started and read {} of {} results; the last worker finished {} later. With join(), it waited {} and read all {}.",
            ms(no.declared_ms - no.started_ms),
            no.seen,
            no.of,
            ms((no.last_worker_end_ms - no.declared_ms).max(0.0)),
            ms(yes.declared_ms - yes.started_ms),
            yes.of
        );
        if no.seen == no.of {
            text.push_str(" This time the workers happened to finish first: without join() that is luck, not a guarantee.");
        }
        cx.verdict(Some(held), text)
    }
    fn cpu_bound(&self) -> bool {
        true
    }
    fn cost(&self) -> Cost {
        Cost::Iterations(self.size as f64)
    }
    fn python_ms(&self) -> Option<f64> {
        Some(self.cost().python_ms(super::count_loop::PYTHON_NS_PER_ITERATION))
    }
    fn not_hybrid(&self) -> Option<&'static str> {
        Some("waits for threads of one program")
    }
    fn validate(&self, exp: &Shape) -> Result<(), ExperimentError> {
        if exp.models.iter().any(|m| !m.on_threads() || m.static_split()) || exp.workers < 2 {
            return Err(ExperimentError::Workload {
                field: if exp.workers < 2 { "workers".into() } else { "models".into() },
                message: "The join workload needs a main thread and at least one worker thread of one program: models threads_gil or threads, and 2 or more workers".into(),
            });
        }
        Ok(())
    }
    fn run(&self, _: &Machine, index: u32, w: &mut Worker) -> Output {
        let shared = w.shared();
        let (half, main) = role(index, shared.tasks);
        let workers = shared.tasks / 2 - 1;
        let delivered = &shared.delivered[half];
        if !main {
            let v = sum_loop(self.size, &mut || w.tick());
            delivered.fetch_add(1, Ordering::SeqCst);
            return v.into();
        }
        if half == 1 {
            // for t in threads: t.join()
            w.wait_until(State::Joining, |_| delivered.load(Ordering::SeqCst) >= workers);
        }
        let seen = delivered.load(Ordering::SeqCst);
        shared.mark(w.now(), Moment::DeclaredDone { joined: half == 1, seen, of: workers });
        u64::from(seen).into()
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        (0..tasks)
            .map(|i| match role(i, tasks) {
                (0, true) => None,
                (_, true) => Some(u64::from(tasks / 2 - 1)),
                (_, false) => Some(triangle(self.size)),
            })
            .collect()
    }
    fn check_run(&self, exp: &Shape, run: &ModelRun) -> Vec<String> {
        Join::halves(&run.tasks, exp.tasks)
            .first()
            .filter(|h| h.seen < h.of)
            .map(|h| format!("without join() the main program read {} of {} results: it declared done {} before the last worker finished", h.seen, h.of, crate::text::ms(h.last_worker_end_ms - h.declared_ms)))
            .into_iter()
            .collect()
    }
    fn describe(&self) -> String {
        format!("join: workers count to {} while the main thread reads their results, without and then with join()", group(self.size))
    }
    fn python(&self, _: &Machine) -> PythonTask {
        let helpers = format!(
            "{PYTHON_LOOP}\nRESULTS = [[], []]  # what the workers of each half delivered\n\n\n\
def main_program(half):\n    \"\"\"The main program's part: read the results, with join() or not.\"\"\"\n    workers = TASKS // 2 - 1\n    if half == 1:\n        while len(RESULTS[1]) < workers:  # for t in threads: t.join()\n            time.sleep(0.001)\n    seen = len(RESULTS[half])\n    print(f\"done declared {{'after join()' if half else 'without join()'}}: {{seen}} of {{workers}} results\")\n    return seen\n"
        );
        let body = format!(
            "    per = TASKS // 2\n    half = i // per\n    if i % per == 0:\n        return main_program(half)\n    value = count_loop(scaled({}))\n    RESULTS[half].append(value)\n    return value\n",
            self.size
        );
        PythonTask { helpers, body, same_values: true, crashes: false, takes_input: false }
    }
}
