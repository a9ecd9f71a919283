//! Every message between the page and its workers, defined once.
//!
//! Messages are JSON text in a versioned envelope (`{"v": 1, "type": ...}`):
//! the page's Rust encodes [`Request`]s, the JS only posts the text, the
//! worker's engine decodes it and answers with a [`Reply`]. What crosses the
//! boundary is exactly what the structured clone of `postMessage` copies.
//! The only message that is not text is the first one a worker receives (the
//! compiled `WebAssembly.Module` it instantiates); its answer is
//! [`Reply::Hello`].
//!
//! The worker's side of the conversation, which runs the models, is
//! [`crate::models::serve`]: these are only the messages.

use crate::experiment::Job;
use crate::record::{ModelRun, TaskRecord};
use crate::trace::Event;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version of the message format; a message of another version is refused.
pub const PROTOCOL_VERSION: u32 = 1;

/// Page -> worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Process worker: keep this job for the tasks that follow.
    Setup { job: Job },
    /// Process worker: run task `index` of the job; `sent_ms` is when the
    /// page posted this message (shared clock). A task that reads input
    /// ([`crate::data`]) comes with its share, beside the text (see
    /// [`WorkerState::handle_with_input`]).
    Task { index: u32, sent_ms: f64 },
    /// Run every task of the job in a plain loop (the sequential model).
    Sequential { job: Job },
    /// Coordinator: run the threads model on its pool, with or without GIL
    /// (also each process of the hybrid model, on its part of the job).
    Threads { job: Job, gil: bool },
    /// How much memory this worker's engine has: the size its WebAssembly
    /// memory has grown to (shared by all threads of a pool).
    Footprint,
    /// Measure this machine's loop speed (about 50 ms of work).
    Calibrate,
    /// Compute what every task of the job must return.
    Expected { job: Job },
    /// Abort the worker, as a crashing task does (a wasm trap): the page
    /// sees it die. Carried out by the host, not by [`WorkerState`].
    Abort,
}

/// Worker -> page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reply {
    /// The worker has instantiated its engine and takes requests.
    Hello,
    /// The job of a [`Request::Setup`] is kept.
    Ready,
    /// A task's record and what the worker did for it (receiving, running,
    /// sending), for the timeline; `truncated`: its buffer filled up and
    /// later events were dropped.
    Done {
        record: TaskRecord,
        trace: Vec<Event>,
        #[serde(default)]
        truncated: bool,
    },
    /// A whole model's run (sequential, threads).
    Ran {
        run: ModelRun,
    },
    Calibrated {
        cpu_iterations_per_ms: f64,
    },
    /// Per task, the value it must return (`None`: depends on timing).
    Expected {
        values: Vec<Option<u64>>,
    },
    /// Bytes of this worker's WebAssembly memory (`None` natively).
    Footprint {
        memory_bytes: Option<u64>,
    },
    /// The request could not be carried out; says why.
    Failed {
        error: String,
    },
}

#[derive(Serialize)]
struct Out<'a, T> {
    v: u32,
    #[serde(flatten)]
    message: &'a T,
}

/// A message as JSON text, in its envelope.
pub fn encode<T: Serialize>(message: &T) -> String {
    serde_json::to_string(&Out { v: PROTOCOL_VERSION, message }).expect("messages always serialise")
}

/// Why a message could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum ProtocolError {
    NotJson(String),
    Version { got: Option<u64> },
    Unreadable(String),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::NotJson(e) => write!(f, "a message is not JSON: {e}"),
            ProtocolError::Version { got: Some(v) } => write!(f, "a message has version {v}; this page speaks version {PROTOCOL_VERSION}"),
            ProtocolError::Version { got: None } => write!(f, "a message has no version"),
            ProtocolError::Unreadable(e) => write!(f, "a message is unreadable: {e}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Reads a message from its envelope, checking the version.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ProtocolError> {
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(|e| ProtocolError::NotJson(e.to_string()))?;
    let version = v.get("v").and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(PROTOCOL_VERSION)) {
        return Err(ProtocolError::Version { got: version });
    }
    if let Some(obj) = v.as_object_mut() {
        obj.remove("v");
    }
    serde_json::from_value(v).map_err(|e| ProtocolError::Unreadable(e.to_string()))
}

/// Why a worker is gone, or why the browser could not do what was asked,
/// as the page's JS reports it: a code, and the browser's own words where
/// it has some (`"crashed: <message>"`). `Display` is the sentence a
/// learner reads; the JS writes none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// A worker's WebAssembly trapped (a task that panics, by design or not).
    Trapped,
    /// A worker failed otherwise; the browser's words.
    Crashed(String),
    /// A thread of a coordinator's pool set the crash cell.
    PoolCrashed,
    /// A message could not be read on arrival.
    Unreadable,
    /// The worker was stopped (Cancel, or a pool thrown away).
    Stopped,
    /// An engine's `.wasm` could not be fetched: which, and the HTTP status.
    EngineUnavailable(String),
    /// No memory measurement: the page is not cross-origin isolated.
    MemoryNotIsolated,
    /// No memory measurement in this browser.
    MemoryUnsupported,
    /// The browser's memory measurement did not answer in time.
    MemoryLate,
    /// The lab's build did not arrive in time.
    LabLate,
}

impl Fault {
    /// Reads a fault from the JS error message (`code` or `code: detail`).
    pub fn parse(message: &str) -> Option<Fault> {
        let (code, detail) = message.split_once(": ").unwrap_or((message, ""));
        Some(match code {
            "trapped" => Fault::Trapped,
            "crashed" => Fault::Crashed(crate::text::clip(detail, 200)),
            "pool_crashed" => Fault::PoolCrashed,
            "unreadable" => Fault::Unreadable,
            "stopped" => Fault::Stopped,
            "engine_unavailable" => Fault::EngineUnavailable(crate::text::clip(detail, 60)),
            "memory_not_isolated" => Fault::MemoryNotIsolated,
            "memory_unsupported" => Fault::MemoryUnsupported,
            "memory_late" => Fault::MemoryLate,
            "lab_late" => Fault::LabLate,
            _ => return None,
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Trapped => f.write_str("a worker crashed (its WebAssembly trapped, as a crashing task does)"),
            Fault::Crashed(why) if why.is_empty() => f.write_str("a worker crashed (it stopped)"),
            Fault::Crashed(why) => write!(f, "a worker crashed ({why})"),
            Fault::PoolCrashed => f.write_str("a thread of the pool crashed (a panic in one of its tasks); the threads share one memory, so the whole pool is lost"),
            Fault::Unreadable => f.write_str("a worker sent a message that could not be read"),
            Fault::Stopped => f.write_str("cancelled: that worker was stopped"),
            Fault::EngineUnavailable(what) => {
                let (engine, status) = what.split_once(' ').unwrap_or((what, "?"));
                write!(f, "the {engine} engine could not be loaded (HTTP {status})")
            }
            Fault::MemoryNotIsolated => f.write_str("the browser measures memory only for a cross-origin isolated page"),
            Fault::MemoryUnsupported => f.write_str("this browser has no performance.measureUserAgentSpecificMemory() (Chromium-based browsers have it)"),
            Fault::LabLate => f.write_str("it did not arrive within 30 s"),
            Fault::MemoryLate => f.write_str(
                "the browser did not answer within 10 s: it waits for every worker to report, and the threads of a pool, asleep in Atomics.wait between runs, cannot. Run processes alone to measure them",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_in_their_envelope() {
        let text = encode(&Request::Task { index: 3, sent_ms: 1.5 });
        assert_eq!(text, r#"{"v":1,"type":"task","index":3,"sent_ms":1.5}"#);
        assert_eq!(decode::<Request>(&text).unwrap(), Request::Task { index: 3, sent_ms: 1.5 });
        assert_eq!(decode::<Reply>(&encode(&Reply::Ready)).unwrap(), Reply::Ready);
        assert_eq!(encode(&Reply::Hello), r#"{"v":1,"type":"hello"}"#);
    }

    #[test]
    fn other_versions_and_garbage_are_refused() {
        assert_eq!(decode::<Request>(r#"{"v":2,"type":"calibrate"}"#), Err(ProtocolError::Version { got: Some(2) }));
        assert_eq!(decode::<Request>(r#"{"type":"calibrate"}"#), Err(ProtocolError::Version { got: None }));
        assert!(matches!(decode::<Request>("{not json"), Err(ProtocolError::NotJson(_))));
        assert!(matches!(decode::<Request>(r#"{"v":1,"type":"launch"}"#), Err(ProtocolError::Unreadable(_))));
        assert_eq!(decode::<Request>(r#"{"v":1,"type":"calibrate"}"#), Ok(Request::Calibrate));
    }

    #[test]
    fn the_page_reports_faults_as_codes_and_the_core_says_them() {
        assert_eq!(Fault::parse("trapped"), Some(Fault::Trapped));
        assert_eq!(Fault::parse("crashed: Uncaught Error: boom").unwrap().to_string(), "a worker crashed (Uncaught Error: boom)");
        assert!(Fault::parse("pool_crashed").unwrap().to_string().contains("the whole pool is lost"));
        assert_eq!(Fault::parse("engine_unavailable: single 404").unwrap().to_string(), "the single engine could not be loaded (HTTP 404)");
        assert!(Fault::parse("stopped").unwrap().to_string().starts_with("cancelled"));
        assert_eq!(Fault::parse("something else"), None);
    }
}
