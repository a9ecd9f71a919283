//! What a run records, plain: one record per task, one run per repeat of a
//! model. The bottom of the results: workloads and models write these, and
//! everything that interprets them sits above.

use crate::extra::Extra;
use crate::model::Model;
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
    /// Bytes of input copied into the worker for this task (a process's
    /// share; 0 where the input was read in place, in shared memory).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub moved_bytes: u64,
    /// Processes: ms from the page sending the task to the worker starting
    /// it with its input in its own memory (message, copies).
    #[serde(skip_serializing_if = "is_zero_ms", default)]
    pub moving_ms: f64,
    /// What the task returned beyond its value, its workload's own (the
    /// convoy's wake-up latencies, a Mandelbrot tile's picture): fields of
    /// the record in JSON.
    #[serde(flatten)]
    pub extra: Extra,
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
    /// What the workers left in what they shared, their workload's own
    /// (the race's counters, the deadlock's wait-for graph): fields of the
    /// run in JSON.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A task whose process crashed under it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostTask {
    pub index: u32,
    pub worker: u32,
    pub error: String,
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
