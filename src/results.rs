//! What a run produces: per-task records, per-model runs and the summary that
//! the page charts and the scripting API returns.

use crate::experiment::{Experiment, Model, FORMAT_VERSION};
use crate::stats::{Latency, Spread};
use crate::trace::Timeline;
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
    /// Bytes of input copied into the worker for this task (a process's
    /// share; 0 where the input was read in place, in shared memory).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub moved_bytes: u64,
    /// Processes: ms from the page sending the task to the worker starting
    /// it with its input in its own memory (message, copies).
    #[serde(skip_serializing_if = "is_zero_ms", default)]
    pub moving_ms: f64,
    /// Mandelbrot only: the tile as drawn, row by row, one hexadecimal
    /// digit a pixel (0: in the set; 1–f: escaped, slow to fast).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub picture: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_zero_ms(n: &f64) -> bool {
    *n == 0.0
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
    /// Tasks whose worker died while running them (processes only: the pool
    /// replaced the worker and went on).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub lost: Vec<LostTask>,
    /// The shared counters at the end (the race), where the workers shared
    /// them (threads, the loop); empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub counters: Vec<u64>,
    /// The deadlock the watchdog found and broke, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deadlock: Option<crate::shared::Deadlock>,
}

/// A task whose process crashed under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostTask {
    pub index: u32,
    pub worker: u32,
    pub error: String,
}

impl ModelRun {
    /// Problems with the results, as sentences; empty when all is correct.
    /// `expected` holds what each task must return ([`crate::experiment::Job::expected`]).
    pub fn check(&self, exp: &Experiment, expected: &[Option<u64>]) -> Vec<String> {
        let tasks = exp.tasks;
        let mut problems = Vec::new();
        let mut seen = vec![0u32; tasks as usize];
        for t in &self.tasks {
            match seen.get_mut(t.index as usize) {
                Some(n) => *n += 1,
                None => problems.push(format!("task {} does not exist", t.index)),
            }
        }
        for l in &self.lost {
            if !exp.workload.task().crashes(l.index) {
                problems.push(format!("task {} was lost: its process crashed ({}); the pool replaced it", l.index, l.error));
            }
            if let Some(n) = seen.get_mut(l.index as usize) {
                *n += 1;
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
        for t in &self.tasks {
            let want = expected.get(t.index as usize).copied().flatten();
            if let Some(p) = exp.workload.check(t, want) {
                problems.push(p);
            }
        }
        problems.extend(exp.workload.task().check_run(exp, self));
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
    /// Whether it ran, and if not, why: `"status": "ran"`, or
    /// `"unavailable"` with a `reason`, or `"failed"` with an `error`.
    #[serde(flatten)]
    pub status: Status,
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
    /// Tasks that read input: what moving it cost (median repeat).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub communication: Option<Communication>,
    /// The memory the model's workers held after its runs (in the browser).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub memory: Option<Footprint>,
    /// The race: what each phase's counter said at the end (median repeat).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub counters: Vec<u64>,
    /// The deadlock the watchdog found in any repeat (the first).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub deadlock: Option<crate::shared::Deadlock>,
}

/// What moving a task's input cost, over the tasks of one repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Communication {
    /// The input the tasks read, in all.
    pub input_bytes: u64,
    /// Bytes copied into workers' memories (0 where read in place).
    pub bytes_moved: u64,
    /// Summed over tasks: from sending a task to its worker starting it
    /// with its input in its own memory.
    pub moving_ms: f64,
    /// Summed over tasks: reading the input and computing.
    pub computing_ms: f64,
}

impl Communication {
    pub fn of(input_bytes: u64, tasks: &[TaskRecord]) -> Communication {
        Communication {
            input_bytes,
            bytes_moved: tasks.iter().map(|t| t.moved_bytes).sum(),
            moving_ms: tasks.iter().map(|t| t.moving_ms).sum(),
            computing_ms: tasks.iter().map(TaskRecord::duration_ms).sum(),
        }
    }
}

/// The memory a model's workers held, each figure with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Footprint {
    /// One entry per WebAssembly memory: its size in bytes, as its worker
    /// reported it (`WebAssembly.Memory`, grown to this; it never shrinks).
    pub memories: Vec<u64>,
    /// Threads that share each of those memories.
    pub threads_per_memory: u32,
    /// Input the page itself holds for this model (the parent's copy, which
    /// it sends from; 0 after a transfer or where workers make their own).
    pub page_input_bytes: u64,
}

impl Footprint {
    pub fn total(&self) -> u64 {
        self.memories.iter().sum::<u64>() + self.page_input_bytes
    }
}

/// Whether a model ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Ran,
    /// It cannot run here (threads on a page without cross-origin isolation).
    Unavailable {
        reason: String,
    },
    /// It started but could not finish (a worker crashed or refused).
    Failed {
        error: String,
    },
    /// The run was cancelled before any of its timed runs finished.
    Cancelled,
}

impl Status {
    /// Why it did not run, in a sentence; `None` when it ran.
    pub fn why_not(&self) -> Option<String> {
        match self {
            Status::Ran => None,
            Status::Unavailable { reason } => Some(reason.clone()),
            Status::Failed { error } => Some(format!("it stopped: {error}")),
            Status::Cancelled => Some("the run was cancelled before it finished a timed run".into()),
        }
    }
}

impl ModelSummary {
    pub fn ran(&self) -> bool {
        self.status == Status::Ran
    }

    /// Each worker's time computing tasks in the run shown (by worker id).
    pub fn busy_ms_by_worker(&self) -> Vec<(u32, f64)> {
        let mut busy: Vec<(u32, f64)> = Vec::new();
        for t in &self.tasks {
            match busy.iter_mut().find(|b| b.0 == t.worker) {
                Some(b) => b.1 += t.end_ms - t.start_ms,
                None => busy.push((t.worker, t.end_ms - t.start_ms)),
            }
        }
        busy.sort_by_key(|b| b.0);
        busy
    }

    /// A model that did not run, and why.
    pub fn not_run(model: Model, workers: u32, status: Status) -> ModelSummary {
        ModelSummary {
            model,
            label: model.label().to_string(),
            status,
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
            communication: None,
            memory: None,
            counters: Vec::new(),
            deadlock: None,
        }
    }

    /// Summarises the repeats of one model and checks every one of them.
    /// `expected` holds what each task must return.
    pub fn from_runs(exp: &Experiment, expected: &[Option<u64>], model: Model, runs: &[ModelRun], startup_ms: Option<f64>) -> ModelSummary {
        let runs_ms: Vec<f64> = runs.iter().map(|r| r.wall_ms).collect();
        let wall = Spread::of(&runs_ms);
        let mut problems: Vec<String> = Vec::new();
        for (i, run) in runs.iter().enumerate() {
            for p in run.check(exp, expected) {
                problems.push(if runs.len() > 1 { format!("repeat {}: {p}", i + 1) } else { p });
            }
        }
        problems.truncate(10);
        let median_run = wall.as_ref().and_then(|w| runs.iter().min_by(|a, b| (a.wall_ms - w.median).abs().total_cmp(&(b.wall_ms - w.median).abs())));
        let input = exp.workload.input_bytes();
        ModelSummary {
            model,
            label: model.label().to_string(),
            status: Status::Ran,
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
            communication: median_run.filter(|_| input > 0).map(|r| Communication::of(input, &r.tasks)),
            memory: None,
            counters: median_run.map(|r| exp.workload.task().counted(r, exp.tasks)).unwrap_or_default(),
            deadlock: runs.iter().find_map(|r| r.deadlock.clone()),
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
    /// Whether the claim this experiment tests held here (`None`: the
    /// experiment tests none of the seeds' claims, e.g. a single model).
    #[serde(default)]
    pub verdict: Option<crate::verdict::Verdict>,
    /// A worker-count sweep: every count's figures, per model (the
    /// summaries above are each model's best count).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub sweep: Vec<SweepPoint>,
    /// Set when the run was cancelled: what is here is what finished before
    /// (a model's repeats that ran; a sweep's counts that ran).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub partial: Option<Partial>,
}

/// How much of a cancelled run finished.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// Timed tasks that ran, of all the run's timed tasks.
    pub done_tasks: u32,
    pub total_tasks: u32,
}

/// One worker count of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    pub workers: u32,
    pub models: Vec<SweepModel>,
}

/// One model at one worker count: its time and what starting its workers
/// cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepModel {
    pub model: Model,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_ms: Option<Spread>,
    /// Wall time of each repeat, in ms.
    #[serde(default)]
    pub runs_ms: Vec<f64>,
    /// Starting the workers, in ms: a pool's start-up (before its run), or,
    /// for a process per task, the time its lanes spent spawning (inside
    /// the run), per worker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spawn_ms: Option<f64>,
    /// Starting's share of start + run (pools) or of the run (per task).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spawn_share: Option<f64>,
    pub correct: bool,
}

impl SweepModel {
    fn of(s: &ModelSummary) -> SweepModel {
        let wall = s.wall_ms.map(|w| w.median);
        let (spawn_ms, spawn_share) = match (s.model, wall) {
            (Model::ProcessPerTask, Some(wall)) => {
                let spawning = s.timeline.as_ref().map(|t| {
                    let total: f64 = t.lanes.iter().map(|l| l.time_in_states(t.end_ms).get(&crate::trace::State::Spawning).copied().unwrap_or(0.0)).sum();
                    total / t.lanes.len().max(1) as f64
                });
                (spawning, spawning.map(|sp| sp / wall.max(1e-9)))
            }
            (_, Some(wall)) => (s.startup_ms, s.startup_ms.map(|sp| sp / (sp + wall).max(1e-9))),
            _ => (None, None),
        };
        SweepModel { model: s.model, label: s.label.clone(), wall_ms: s.wall_ms, runs_ms: s.runs_ms.clone(), spawn_ms, spawn_share, correct: s.correct }
    }
}

impl Results {
    pub fn new(experiment: Experiment, environment: Environment, mut models: Vec<ModelSummary>) -> Results {
        let base = models.iter().find(|m| m.model == Model::Sequential && m.ran() && m.correct).and_then(|m| m.wall_ms.as_ref().map(|w| w.median));
        for m in &mut models {
            m.speedup = match (base, &m.wall_ms) {
                (Some(b), Some(w)) if w.median > 0.0 && m.correct => Some(b / w.median),
                _ => None,
            };
        }
        let explanation = crate::explain::explain(&experiment, &environment, &models);
        let verdict = crate::verdict::judge(&experiment, &environment, &models);
        Results { version: FORMAT_VERSION, experiment, environment, models, explanation, verdict, sweep: Vec::new(), partial: None }
    }

    /// The results of a worker-count sweep `exp` from one run per count:
    /// each model's summary at its best count, and every count's figures.
    pub fn of_sweep(exp: Experiment, runs: Vec<Results>) -> Results {
        let environment = runs.first().map(|r| r.environment.clone()).unwrap_or_default();
        let sweep: Vec<SweepPoint> = runs.iter().map(|r| SweepPoint { workers: r.experiment.workers, models: r.models.iter().map(SweepModel::of).collect() }).collect();
        let models: Vec<ModelSummary> = exp
            .models
            .iter()
            .filter_map(|&m| {
                let at = |r: &Results| r.model(m).filter(|s| s.correct).and_then(|s| s.wall_ms).map_or(f64::INFINITY, |w| w.median);
                let best = runs.iter().min_by(|a, b| at(a).total_cmp(&at(b)))?;
                best.model(m).cloned()
            })
            .collect();
        let explanation = crate::explain::explain(&exp, &environment, &models);
        let verdict = crate::verdict::judge_sweep(&exp, &environment, &sweep);
        let partial = runs.last().and_then(|r| r.partial);
        Results { version: FORMAT_VERSION, experiment: exp, environment, models, explanation, verdict, sweep, partial }
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
