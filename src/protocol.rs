//! The messages between the page and a process worker, and the worker's side
//! of the conversation.
//!
//! A process worker owns its own copy of everything: the page sends it the
//! experiment once, then task indices one at a time; the worker answers each
//! with a [`TaskRecord`]. Messages are JSON strings, so what crosses the
//! boundary is exactly what the structured clone of `postMessage` copies.

use crate::experiment::Experiment;
use crate::models::run_one;
use crate::platform::Host;
use crate::results::TaskRecord;
use serde::{Deserialize, Serialize};

/// Page -> process worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Use this experiment for the following tasks.
    Setup { experiment: Experiment },
    /// Run task `index`.
    Task { index: u32 },
}

/// Process worker -> page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    Ready { worker: u32 },
    Done { record: TaskRecord },
    Failed { message: String },
}

/// The state of one process worker: its id and its own copy of the experiment.
pub struct ProcessWorker {
    id: u32,
    experiment: Option<Experiment>,
}

impl ProcessWorker {
    pub fn new(id: u32) -> ProcessWorker {
        ProcessWorker { id, experiment: None }
    }

    pub fn handle(&mut self, request: Request, host: &dyn Host) -> Reply {
        match request {
            Request::Setup { experiment } => {
                self.experiment = Some(experiment);
                Reply::Ready { worker: self.id }
            }
            Request::Task { index } => match &self.experiment {
                None => Reply::Failed { message: "task received before setup".into() },
                Some(exp) if index >= exp.tasks => Reply::Failed { message: format!("no task {index}") },
                Some(exp) => Reply::Done { record: run_one(&exp.workload, index, self.id, host) },
            },
        }
    }

    /// `handle` on JSON text, as it arrives from `postMessage`.
    pub fn handle_json(&mut self, request: &str, host: &dyn Host) -> String {
        let reply = match serde_json::from_str::<Request>(request) {
            Ok(r) => self.handle(r, host),
            Err(e) => Reply::Failed { message: format!("unreadable request: {e}") },
        };
        serde_json::to_string(&reply).expect("replies always serialise")
    }
}
