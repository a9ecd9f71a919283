//! What a model's runs come to, as numbers (times, spread, speed-up,
//! what moved, what memory was held) and the environment they ran in: plain
//! data above the records, below the judgement that reads them.

use crate::extra::Extra;
use crate::model::Model;
use crate::record::{LostTask, TaskRecord};
use crate::stats::Spread;
use crate::trace::Timeline;
use serde::{Deserialize, Serialize};

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

/// What the page's JS reports of the browser: facts only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct BrowserFacts {
    pub cores: u32,
    pub browser: String,
    pub cross_origin_isolated: bool,
    pub shared_array_buffer: bool,
    pub timer_resolution_ms: f64,
    /// The page runs in a frame (an embed in a course page).
    #[serde(default)]
    pub framed: bool,
}

impl Environment {
    /// The environment the page reports, with what its facts mean for
    /// threads said in a sentence.
    pub fn of(facts: BrowserFacts) -> Environment {
        let threads_unavailable = if !facts.cross_origin_isolated && facts.framed {
            // This server sends the isolation headers; what is missing is
            // the page around the frame, and a browser that isolates a
            // frame on its own (Document-Isolation-Policy) — or, for the
            // static build on a host without headers, both.
            Some("this frame is not cross-origin isolated: the page around it is not, and neither this browser nor this server could isolate the frame on its own (Chromium 137+ can, when the server sends Document-Isolation-Policy), so shared memory, which threads need, is off. Open ThreadLab in its own tab to run threads. Sequential and processes still run.".to_string())
        } else if !facts.cross_origin_isolated {
            Some("this page is not cross-origin isolated (the server did not send Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy, and no service worker could add them), so the browser disables shared memory, which threads need. Sequential and processes still run.".to_string())
        } else if !facts.shared_array_buffer {
            Some("this browser has no SharedArrayBuffer, which threads need.".to_string())
        } else {
            None
        };
        Environment {
            cores: facts.cores.max(1),
            browser: facts.browser,
            cross_origin_isolated: facts.cross_origin_isolated,
            timer_resolution_ms: facts.timer_resolution_ms,
            threads_unavailable,
            cpu_iterations_per_ms: None,
        }
    }
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
    /// Tasks of the median repeat lost with a crashed process (the pool
    /// replaced it): not in `tasks`. A loss the workload did not mean is
    /// also in `problems`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub lost: Vec<LostTask>,
    /// The timeline of the median repeat.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timeline: Option<Timeline>,
    /// Tasks that read input: what moving it cost (median repeat).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub communication: Option<Communication>,
    /// The memory the model's workers held after its runs (in the browser).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub memory: Option<Footprint>,
    /// What the runs come to in the workload's own terms (the convoy's
    /// wake-up latency, the race's counters, the deadlock found), as its
    /// module summarises them: fields of the summary in JSON.
    #[serde(flatten, deserialize_with = "beside_status")]
    pub extra: Extra,
}

/// The summary's own fields from what it does not know: `status`'s
/// fields, flattened too, are not the workload's.
fn beside_status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Extra, D::Error> {
    Extra::beside(d, Status::FIELDS)
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
    /// Its fields in JSON.
    const FIELDS: &'static [&'static str] = &["status", "reason", "error"];

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
            lost: vec![],
            timeline: None,
            communication: None,
            memory: None,
            extra: Extra::none(),
        }
    }
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
    pub fn of(s: &ModelSummary) -> SweepModel {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(isolated: bool, framed: bool) -> BrowserFacts {
        BrowserFacts { cores: 2, browser: "Firefox 153".into(), cross_origin_isolated: isolated, shared_array_buffer: isolated, timer_resolution_ms: 0.02, framed }
    }

    #[test]
    fn a_frame_is_told_that_the_page_around_it_is_what_is_missing() {
        let framed = Environment::of(facts(false, true)).threads_unavailable.unwrap();
        assert!(framed.starts_with("this frame is not cross-origin isolated: the page around it is not"), "{framed}");
        assert!(!framed.contains("the server did not send"), "this server did send them: {framed}");
        let page = Environment::of(facts(false, false)).threads_unavailable.unwrap();
        assert!(page.contains("the server did not send Cross-Origin-Opener-Policy"), "{page}");
        assert_eq!(Environment::of(facts(true, true)).threads_unavailable, None);
    }
}
