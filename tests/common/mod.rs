//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::OnceLock;
use threadlab::platform::{Clock, NativeHost};
use threadlab::workloads::count_loop::calibrate;
use threadlab::{Experiment, Job, Machine, ModelRun};

/// This machine, measured once (debug or release build alike).
pub fn machine() -> Machine {
    static RATE: OnceLock<f64> = OnceLock::new();
    Machine { cpu_iterations_per_ms: Some(*RATE.get_or_init(|| calibrate(&|| NativeHost.now_ms(), 30.0))) }
}

/// The job a worker receives for `e` on this machine.
pub fn job(e: &Experiment) -> Job {
    Job::new(e.clone(), machine()).expect("a valid job")
}

/// What is wrong with `run`, checked against values computed another way.
pub fn check(run: &ModelRun, e: &Experiment) -> Vec<String> {
    run.check(e, &job(e).expected())
}
