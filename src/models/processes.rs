//! Processes, natively: the core's runner ([`crate::runner`]) on native
//! workers ([`crate::native::Threads`]): OS threads that each own a
//! `WorkerState` and exchange only message text and input shares, driven by
//! the same dispatch loop the browser runs.

use crate::experiment::Job;
use crate::model::Model;
use crate::native::{block_on, Threads};
use crate::record::ModelRun;
use crate::runner::Runner;

fn run(model: Model, job: &Job) -> Result<ModelRun, String> {
    let runner = Runner::new(Threads::new());
    let run = block_on(runner.run_model(model, job));
    runner.workers.terminate_all();
    run
}

/// A process pool of `workers` (a static split where the job says so).
pub fn run_native(job: &Job) -> Result<ModelRun, String> {
    run(if job.split { Model::ProcessesStatic } else { Model::Processes }, job)
}

/// A process for every task: each ends after its task, and a new one (a new
/// OS thread with a fresh `WorkerState`) takes the next.
pub fn run_native_per_task(job: &Job) -> Result<ModelRun, String> {
    run(Model::ProcessPerTask, job)
}
