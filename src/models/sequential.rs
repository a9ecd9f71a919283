//! Sequential: one worker runs every task, in order, in a plain loop.

use super::run_one;
use crate::experiment::{Experiment, Model};
use crate::platform::Host;
use crate::results::ModelRun;

pub fn run(exp: &Experiment, host: &dyn Host) -> ModelRun {
    let start = host.now_ms();
    let tasks = (0..exp.tasks).map(|i| run_one(&exp.workload, i, 0, host)).collect();
    let wall_ms = host.now_ms() - start;
    ModelRun { model: Model::Sequential, workers: 1, wall_ms, tasks }
}
