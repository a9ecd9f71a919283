//! Spread of repeated measurements, and the sentence that says what they mean.

use crate::experiment::{Experiment, Model, Workload};
use crate::results::{Environment, ModelSummary};
use serde::{Deserialize, Serialize};

/// Median, minimum and maximum of repeated measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no samples. NaNs are ignored.
    pub fn of(samples: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        Some(Spread { median, min: v[0], max: v[n - 1] })
    }
}

/// A paragraph explaining the outcome in the learner's words, from the
/// measured numbers only.
pub fn explain(exp: &Experiment, env: &Environment, models: &[ModelSummary]) -> String {
    let speed = |m: Model| models.iter().find(|s| s.model == m).and_then(|s| s.speedup);
    let mut out = Vec::new();
    let cpu = exp.workload.is_cpu_bound();
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
    if let Workload::Convoy { io_ms, .. } = exp.workload {
        let lat = |m: Model| models.iter().find(|s| s.model == m).and_then(|s| s.latency_ms);
        if let Some(g) = lat(Model::ThreadsGil) {
            let others: Vec<String> = [Model::Threads, Model::Processes]
                .into_iter()
                .filter_map(|m| lat(m).map(|l| format!("{:.2} ms on {}", l.median, m.label().to_lowercase())))
                .collect();
            out.push(format!(
                "Convoy effect: after each {io_ms} ms wait the I/O task was back {:.2} ms late (median; 95th percentile {:.2} ms) with the GIL{}: it queues behind the CPU-bound thread until that one is asked to drop the GIL, up to one switch interval ({} ms).",
                g.median,
                g.p95,
                if others.is_empty() { String::new() } else { format!(", against {}", others.join(" and ")) },
                exp.switch_interval_ms
            ));
        }
    }
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
        if !m.available {
            out.push(format!("{} did not run: {}", m.label, m.reason.clone().unwrap_or_default()));
        } else if !m.correct {
            out.push(format!("{} returned wrong results: {}", m.label, m.problems.join("; ")));
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_odd_and_even_counts() {
        assert_eq!(Spread::of(&[3.0, 1.0, 2.0]), Some(Spread { median: 2.0, min: 1.0, max: 3.0 }));
        assert_eq!(Spread::of(&[4.0, 1.0, 2.0, 3.0]), Some(Spread { median: 2.5, min: 1.0, max: 4.0 }));
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[f64::NAN, 5.0]), Some(Spread { median: 5.0, min: 5.0, max: 5.0 }));
    }
}
