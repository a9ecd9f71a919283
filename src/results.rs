//! What a run produces: per-task records, per-model runs and the summary that
//! the page charts and the scripting API returns.

use crate::experiment::{Experiment, Model, Workload, FORMAT_VERSION};
use crate::stats::Spread;
use crate::trace::Timeline;
use crate::workload;
use serde::{Deserialize, Serialize};

/// One task as it ran: who ran it, when (shared clock, ms), what it returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    pub index: u32,
    pub worker: u32,
    pub start_ms: f64,
    pub end_ms: f64,
    /// The task's result. Written as a decimal string in JSON: it can exceed
    /// 2^53, where JavaScript numbers (and any JSON.parse on the way from a
    /// worker) lose digits.
    #[serde(with = "decimal")]
    pub value: u64,
    /// Convoy only: how late each wake-up of the I/O task resumed, in ms.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub latencies_ms: Vec<f64>,
}

impl TaskRecord {
    pub fn duration_ms(&self) -> f64 {
        self.end_ms - self.start_ms
    }
}

/// One repeat of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRun {
    pub model: Model,
    pub workers: u32,
    /// Wall time from the first task handed out to the last result received.
    pub wall_ms: f64,
    pub tasks: Vec<TaskRecord>,
    /// What every worker did, when (if the experiment asked for a trace).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timeline: Option<Timeline>,
}

impl ModelRun {
    /// Problems with the results, as sentences; empty when all is correct.
    pub fn check(&self, exp: &Experiment) -> Vec<String> {
        let (workload, tasks) = (&exp.workload, exp.tasks);
        let mut problems = Vec::new();
        let mut seen = vec![0u32; tasks as usize];
        for t in &self.tasks {
            match seen.get_mut(t.index as usize) {
                Some(n) => *n += 1,
                None => problems.push(format!("task {} does not exist", t.index)),
            }
        }
        let missing = seen.iter().filter(|&&n| n == 0).count();
        if missing > 0 {
            problems.push(format!("{missing} of {tasks} tasks returned no result"));
        }
        let twice = seen.iter().filter(|&&n| n > 1).count();
        if twice > 0 {
            problems.push(format!("{twice} tasks ran more than once"));
        }
        // A prime count is the same for every task: sieve once.
        let primes = matches!(workload, Workload::Primes { .. }).then(|| workload::expected(exp, 0)).flatten();
        for t in &self.tasks {
            if let Some(p) = workload::verify(exp, t.index, t.value, &t.latencies_ms, primes) {
                problems.push(p);
            }
            if let Workload::Sleep { ms } = workload {
                // Timers may fire a little early on coarse clocks; 1 ms of slack.
                if t.duration_ms() + 1.0 < *ms as f64 {
                    problems.push(format!("task {} waited {:.1} ms instead of {} ms", t.index, t.duration_ms(), ms));
                }
            }
        }
        problems.truncate(10);
        problems
    }
}

/// The environment a run happened in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Environment {
    pub cores: u32,
    pub browser: String,
    pub cross_origin_isolated: bool,
    /// Smallest step of `performance.now()` observed, in ms.
    pub timer_resolution_ms: f64,
    /// `None` when threads can run; otherwise why not.
    pub threads_unavailable: Option<String>,
    /// Loop iterations per ms, measured once per page load in a worker.
    #[serde(default)]
    pub cpu_iterations_per_ms: Option<f64>,
}

/// The summary of one model over all repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub model: Model,
    pub label: String,
    pub available: bool,
    /// Why the model did not run (unavailable, or failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub workers: u32,
    /// Wall time of each repeat, in ms.
    pub runs_ms: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_ms: Option<Spread>,
    /// Median wall time of sequential over this model's median.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speedup: Option<f64>,
    /// Time to get the pool ready before the first run (spawn + instantiate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub startup_ms: Option<f64>,
    pub correct: bool,
    pub problems: Vec<String>,
    /// The tasks of the median repeat.
    pub tasks: Vec<TaskRecord>,
    /// The timeline of the median repeat.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timeline: Option<Timeline>,
    /// Convoy only: wake-up latency of the I/O task over all repeats.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub latency_ms: Option<Latency>,
}

/// A latency distribution, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub median: f64,
    pub p95: f64,
    pub max: f64,
    pub samples: usize,
}

impl Latency {
    pub fn of(samples: &[f64]) -> Option<Latency> {
        let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Some(Latency { median: at(0.5), p95: at(0.95), max: v[v.len() - 1], samples: v.len() })
    }
}

impl ModelSummary {
    pub fn unavailable(model: Model, workers: u32, reason: String) -> ModelSummary {
        ModelSummary {
            model,
            label: model.label().to_string(),
            available: false,
            reason: Some(reason),
            workers,
            runs_ms: vec![],
            wall_ms: None,
            speedup: None,
            startup_ms: None,
            correct: false,
            problems: vec![],
            tasks: vec![],
            timeline: None,
            latency_ms: None,
        }
    }

    /// Summarises the repeats of one model and checks every one of them.
    pub fn from_runs(exp: &Experiment, model: Model, runs: &[ModelRun], startup_ms: Option<f64>) -> ModelSummary {
        let runs_ms: Vec<f64> = runs.iter().map(|r| r.wall_ms).collect();
        let wall = Spread::of(&runs_ms);
        let mut problems: Vec<String> = Vec::new();
        for (i, run) in runs.iter().enumerate() {
            for p in run.check(exp) {
                problems.push(if runs.len() > 1 { format!("repeat {}: {p}", i + 1) } else { p });
            }
        }
        problems.truncate(10);
        let median_run = wall
            .as_ref()
            .and_then(|w| runs.iter().min_by(|a, b| (a.wall_ms - w.median).abs().total_cmp(&(b.wall_ms - w.median).abs())));
        ModelSummary {
            model,
            label: model.label().to_string(),
            available: true,
            reason: None,
            workers: runs.first().map(|r| r.workers).unwrap_or(exp.workers),
            correct: problems.is_empty() && !runs.is_empty(),
            problems,
            wall_ms: wall,
            runs_ms,
            speedup: None,
            startup_ms,
            tasks: median_run.map(|r| r.tasks.clone()).unwrap_or_default(),
            timeline: median_run.and_then(|r| r.timeline.clone()),
            latency_ms: Latency::of(&runs.iter().flat_map(|r| r.tasks.iter().flat_map(|t| t.latencies_ms.iter().copied())).collect::<Vec<_>>()),
        }
    }
}

/// Everything one experiment produced: what `window.threadlab.run` resolves to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub version: u32,
    pub experiment: Experiment,
    pub environment: Environment,
    pub models: Vec<ModelSummary>,
    pub explanation: String,
}

impl Results {
    pub fn new(experiment: Experiment, environment: Environment, mut models: Vec<ModelSummary>) -> Results {
        let base = models
            .iter()
            .find(|m| m.model == Model::Sequential && m.available && m.correct)
            .and_then(|m| m.wall_ms.as_ref().map(|w| w.median));
        for m in &mut models {
            m.speedup = match (base, &m.wall_ms) {
                (Some(b), Some(w)) if w.median > 0.0 && m.correct => Some(b / w.median),
                _ => None,
            };
        }
        let explanation = crate::stats::explain(&experiment, &environment, &models);
        Results { version: FORMAT_VERSION, experiment, environment, models, explanation }
    }

    pub fn model(&self, model: Model) -> Option<&ModelSummary> {
        self.models.iter().find(|m| m.model == model)
    }
}

/// `u64` as a JSON string, read from a string or a number.
mod decimal {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Number(u64),
        }
        match Either::deserialize(d)? {
            Either::Text(s) => s.parse().map_err(D::Error::custom),
            Either::Number(n) => Ok(n),
        }
    }
}
