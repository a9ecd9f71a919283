//! The messages between the page and a process worker, and the worker's side
//! of the conversation.
//!
//! A process worker owns its own copy of everything: the page sends it the
//! experiment once, then task indices one at a time; the worker answers each
//! with a [`TaskRecord`]. Messages are JSON strings, so what crosses the
//! boundary is exactly what the structured clone of `postMessage` copies.

use crate::experiment::Experiment;
use crate::models::{run_one, tracer};
use crate::platform::Host;
use crate::results::TaskRecord;
use crate::trace::{Event, State};
use crate::worker::Worker;
use serde::{Deserialize, Serialize};

/// Page -> process worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Use this experiment for the following tasks.
    Setup { experiment: Experiment },
    /// Run task `index`; `sent_ms` is when the page posted it (shared clock).
    Task {
        index: u32,
        #[serde(default)]
        sent_ms: Option<f64>,
    },
}

/// Process worker -> page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    Ready { worker: u32 },
    /// The task's record and what the worker did for it (receiving,
    /// running, sending), for the timeline.
    Done { record: TaskRecord, trace: Vec<Event> },
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
            Request::Task { index, sent_ms } => match &self.experiment {
                None => Reply::Failed { message: "task received before setup".into() },
                Some(exp) if index >= exp.tasks => Reply::Failed { message: format!("no task {index}") },
                Some(exp) => {
                    // A process has its own interpreter and so its own GIL,
                    // which nobody else wants: no GIL to wait for.
                    let mut w = Worker::new(self.id, host, None, tracer(exp, self.id));
                    w.set_task(Some(index));
                    if let Some(t) = sent_ms {
                        w.enter_at(t, State::Receiving);
                    }
                    let record = run_one(exp, index, &mut w);
                    w.enter(State::Sending);
                    Reply::Done { record, trace: w.into_tracer().into_lane().events }
                }
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
