//! The paragraph that says what a run's numbers mean, in the learner's
//! words, from the measured numbers only.

use crate::experiment::{Experiment, Model};
use crate::results::{Environment, ModelSummary};

/// A paragraph explaining the outcome in the learner's words, from the
/// measured numbers only.
pub fn explain(exp: &Experiment, env: &Environment, models: &[ModelSummary]) -> String {
    let speed = |m: Model| models.iter().find(|s| s.model == m).and_then(|s| s.speedup);
    let mut out = Vec::new();
    let cpu = exp.workload.cpu_bound();
    out.push(format!(
        "{} tasks of {} on {} worker{}.",
        exp.tasks,
        exp.workload.describe(),
        exp.workers,
        if exp.workers == 1 { "" } else { "s" }
    ));
    let parallel = exp.workers.min(exp.tasks).min(if cpu { env.cores.max(1) } else { u32::MAX });
    if let Some(s) = speed(Model::ThreadsGil) {
        out.push(format!("Threads + GIL finished {:.2}× as fast as sequential.", s));
    }
    if let Some(s) = speed(Model::Threads) {
        out.push(format!("Threads finished {:.2}× as fast as sequential.", s));
    }
    if let Some(s) = speed(Model::Processes) {
        out.push(format!("Processes finished {:.2}× as fast as sequential.", s));
    }
    if speed(Model::ThreadsGil).is_some() {
        out.push(if cpu {
            "With the GIL only one thread computes at a time, so CPU-bound threads are no faster than a plain loop; processes each have their own GIL and are not held back.".into()
        } else {
            "Blocking I/O releases the GIL, so threads wait at the same time even with the GIL.".to_string()
        });
    }
    out.extend(exp.workload.task().explain(exp, models));
    if speed(Model::Threads).is_some() || speed(Model::Processes).is_some() {
        if cpu {
            out.push(format!(
                "CPU-bound work can only go as fast as the cores that run it: with {} core{} and {} worker{}, the best possible is about {}×.",
                env.cores,
                if env.cores == 1 { "" } else { "s" },
                exp.workers,
                if exp.workers == 1 { "" } else { "s" },
                parallel
            ));
            if env.cores <= 1 {
                out.push("This machine reports a single core, so no model can run tasks at the same time and no speed-up is expected.".into());
            }
        } else {
            out.push(format!(
                "I/O-bound tasks spend their time waiting, not computing, so {} workers can wait at the same time even on {} core{}: the best possible is about {}×.",
                exp.workers,
                env.cores,
                if env.cores == 1 { "" } else { "s" },
                parallel
            ));
        }
        if let Some(p) = models.iter().find(|m| m.model == Model::Processes).and_then(|m| m.startup_ms) {
            out.push(format!("Starting the process pool took {:.0} ms, not counted in its bars: processes cost more to start.", p));
        }
    }
    for m in models {
        if let Some(why) = m.status.why_not() {
            let stop = if why.ends_with('.') { "" } else { "." };
            out.push(format!("{} did not run: {why}{stop}", m.label));
        } else if !m.correct {
            out.push(format!("{} returned wrong results: {}", m.label, m.problems.join("; ")));
        }
    }
    out.join(" ")
}

