//! The execution models. Each one runs an experiment's tasks and returns a
//! [`ModelRun`]: wall time and one [`TaskRecord`] per task.
//!
//! - [`sequential`]: a plain loop in one worker;
//! - [`threads`]: a pool of workers sharing memory, pulling task indices from
//!   one shared atomic counter (like `ThreadPoolExecutor`'s work queue);
//! - [`processes`]: isolated workers that only exchange messages
//!   ([`crate::protocol`]), dispatched by [`crate::dispatch`]: from the page
//!   in the browser, and here natively over OS threads that share nothing
//!   but channels of message text.
//!
//! - [`hybrid`]: threads inside processes: each process worker runs the
//!   threads model (with its own GIL) on its part of the tasks.
//!
//! Threads + GIL is the threads model with a [`crate::gil::Gil`]: the same
//! pool, but one worker computes at a time.

pub mod hybrid;
#[cfg(not(target_arch = "wasm32"))]
#[cfg(not(target_family = "wasm"))]
pub mod processes;
pub mod sequential;
pub mod serve;
pub mod threads;

use crate::data;
use crate::experiment::{Experiment, Job};
use crate::record::TaskRecord;
use crate::trace::{self, State, Tracer};
use crate::worker::Worker;

/// Runs task `index` on `w` and records it on the worker's clock.
pub fn run_one(job: &Job, index: u32, w: &mut Worker) -> TaskRecord {
    w.set_task(Some(index));
    w.enter(State::Running);
    let start_ms = w.now();
    let out = job.experiment.workload.run(&job.machine, index, w);
    let end_ms = w.now();
    TaskRecord { index, worker: w.id, start_ms, end_ms, value: out.value, extra: out.extra, moved_bytes: out.moved_bytes, moving_ms: 0.0 }
}

/// The experiment's whole input, made before any clock starts, in the
/// memory of whoever runs the tasks (empty when its tasks read none).
pub fn input(job: &Job) -> Vec<u8> {
    data::make(job.experiment.workload.input_bytes())
}

/// Task `index`'s share of the whole `input`.
pub fn share<'a>(job: &Job, input: &'a [u8], index: u32) -> &'a [u8] {
    if input.is_empty() {
        return input;
    }
    let r = data::chunk(input.len() as u64, job.experiment.tasks, index);
    &input[r.start as usize..r.end as usize]
}

/// A worker's trace buffer, sized for the run: a few events per task plus
/// room for GIL hand-overs.
pub fn tracer(exp: &Experiment, worker: u32) -> Tracer {
    let capacity = (exp.tasks as usize).saturating_mul(8).saturating_add(16_384).min(trace::CAPACITY);
    Tracer::with_capacity(worker, exp.trace, capacity)
}
