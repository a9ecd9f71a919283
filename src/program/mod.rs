//! Whole programs (issue 19): a learner's Python program as the tutorials
//! write it — `threading.Thread`, `multiprocessing.Process`,
//! `concurrent.futures` — run as written, with what each of its threads and
//! processes printed and did.
//!
//! Where it runs:
//! - the program's **threads** are threads of one interpreter (one
//!   [`crate::pyvm::Program`], one heap), each on its own worker thread
//!   (as CPython's threads are OS threads), with the simulated GIL
//!   ([`crate::gil::Gil`]) switching at the eval breaker, or none (3.13t);
//! - its **processes** are children with their own interpreter and heap,
//!   started with the parent's module state as at `start()` (Linux's
//!   `fork`), on process workers in the browser; what crosses between them
//!   (arguments, return values, printed lines, what a child puts into a
//!   `multiprocessing.Queue`) crosses as messages.
//!
//! The types here are the contract between the core (which runs a program:
//! [`Session`] on the worker that holds the program's main interpreter,
//! [`child`] on a process worker), the page (which relays between them) and
//! the UI (which shows a [`ProgramRun`]).

use crate::error::{number, present, ExperimentError, ECHO};
use crate::limits::{MAX_SWITCH_INTERVAL_MS, MIN_SWITCH_INTERVAL_MS};
use crate::text::{clip, group, suggest};
use serde::{Deserialize, Serialize};

pub mod gallery;
pub mod relay;
#[cfg(feature = "pyvm")]
pub mod session;

/// A program to run, as the page, a link or `threadlab.run({program})`
/// gives it (validated by [`ProgramSpec::from_value`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramSpec {
    /// The program's source, at most [`MAX_PROGRAM_CHARS`] characters.
    pub program: String,
    /// The simulated GIL on (CPython 3.13 and earlier) or off (3.13t).
    #[serde(default = "yes")]
    pub gil: bool,
    /// `sys.getswitchinterval()`, in ms.
    #[serde(default = "default_switch")]
    pub switch_interval_ms: f64,
}

fn yes() -> bool {
    true
}

fn default_switch() -> f64 {
    crate::gil::DEFAULT_SWITCH_INTERVAL_MS
}

/// The longest program accepted (characters), as for the python workload.
pub const MAX_PROGRAM_CHARS: usize = crate::workloads::python::MAX_CODE_CHARS;

/// The keys a program run may have (`threadlab.run({program, gil})`).
pub const PROGRAM_KEYS: [&str; 3] = ["program", "gil", "switch_interval_ms"];

impl ProgramSpec {
    /// Reads and checks a program run as a script, a link or the page
    /// gives it: an unknown key is refused first, with the known key it
    /// probably meant; `program` is text of at most [`MAX_PROGRAM_CHARS`]
    /// characters that compiles (with the interpreter built in: a syntax
    /// error is refused with its line and column); `gil` is true or false;
    /// `switch_interval_ms` is in the experiments' range.
    pub fn from_value(v: &serde_json::Value) -> Result<ProgramSpec, ExperimentError> {
        use serde_json::Value;
        let obj = v.as_object().ok_or_else(|| ExperimentError::Workload {
            field: "program".into(),
            message: "A program run must be an object like {\"program\": \"print('hi')\", \"gil\": true}".into(),
        })?;
        if let Some(key) = obj.keys().find(|k| !PROGRAM_KEYS.contains(&k.as_str())) {
            let suggestion = suggest(key, PROGRAM_KEYS);
            return Err(ExperimentError::UnknownKey { key: clip(key, ECHO), suggestion, of: "a program run", keys: &PROGRAM_KEYS });
        }
        let program = match present(obj, "program") {
            None => return Err(ExperimentError::code("program", 0, 0, "a program run needs its Python source text, e.g. {\"program\": \"print('hi')\"}")),
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(ExperimentError::code("program", 0, 0, &format!("the program must be Python source text (got {})", clip(&other.to_string(), ECHO)))),
        };
        let chars = program.chars().count();
        if chars > MAX_PROGRAM_CHARS {
            let what = format!("the program is {} characters long; at most {} are accepted", group(chars as u64), group(MAX_PROGRAM_CHARS as u64));
            return Err(ExperimentError::code("program", 0, 0, &what));
        }
        #[cfg(feature = "pyvm")]
        crate::pyvm::Program::compile(&program).map_err(|e| ExperimentError::code("program", e.line, e.col, &format!("SyntaxError: {}", e.message)))?;
        let gil = match present(obj, "gil") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(ExperimentError::NotABool { field: "gil".into(), got: clip(&other.to_string(), ECHO) }),
        };
        let switch_interval_ms = number(obj, "switch_interval_ms", MIN_SWITCH_INTERVAL_MS, MAX_SWITCH_INTERVAL_MS, default_switch())?;
        Ok(ProgramSpec { program, gil, switch_interval_ms })
    }
}

/// A program the page runs, unseen and untimed, on a fresh program
/// coordinator before the learner's first program (as the experiments run
/// an untimed warm-up): a short loop in a thread and in a child process,
/// twice. A browser runs new WebAssembly code in its baseline tier first
/// and optimises hot functions in the background, but a call already
/// running stays in the code it started in, and the interpreter's loop is
/// one long call: without this, the first program's loops (and its first
/// child's) would run up to twice as slowly as every later one's.
pub const WARM_UP: &str = "import time\nfrom multiprocessing import Process\n\ndef loop():\n    total = 0\n    for i in range(100000):\n        total += i\n\nfor _ in range(2):\n    loop()\n    p = Process(target=loop)\n    p.start()\n    p.join()\n    time.sleep(0.1)\n";

/// Who printed a line or owns a lane: a thread of the main process, or a
/// thread of a child process.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Who {
    /// `None`: the main process; `Some(name)`: a child, e.g. `Process-1`
    /// (`ForkProcess-1` for a `ProcessPoolExecutor`'s worker, as CPython names them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// The thread's name in its process: `MainThread`, `Thread-1 (task)`,
    /// `ThreadPoolExecutor-0_0`.
    pub thread: String,
}

/// One line of the console, in the order the `print` calls happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// When it was printed: ms since the program started.
    pub t_ms: f64,
    pub who: Who,
    /// What was printed, without its final newline (one `print` call may
    /// give several lines; `end=""` output is joined with the next print of
    /// the same thread).
    pub text: String,
    /// Written to `sys.stderr` (a traceback, `logging`, `print(…,
    /// file=sys.stderr)`), not stdout.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stderr: bool,
}

/// What a thread was doing, for its lane on the timeline (the same states
/// as the experiments' timelines, [`crate::trace::State`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Running Python (holding the GIL, when there is one).
    Running,
    /// Waiting to take the GIL.
    GilWait,
    /// In `time.sleep` (I/O: the GIL released).
    Sleeping,
    /// Waiting for a `Lock`, an `Event`, a `Queue`.
    LockWait,
    /// In `join()`, `Future.result()`, an executor's `with` block end or `map`.
    Joining,
    /// Starting a process (the worker starting, the module state copied),
    /// or a thread from its `start()` until a worker thread runs it (in the
    /// browser: a program worker started for it, when none was idle).
    Starting,
    /// Sending or receiving between processes.
    Sending,
    Receiving,
}

impl State {
    /// The experiments' state it is drawn as (their colours, labels and
    /// legend: one definition, [`crate::trace::State`]).
    pub fn trace(self) -> crate::trace::State {
        use crate::trace::State as T;
        match self {
            State::Running => T::Running,
            State::GilWait => T::GilWait,
            State::Sleeping => T::IoWait,
            State::LockWait => T::LockWait,
            State::Joining => T::Joining,
            State::Starting => T::Spawning,
            State::Sending => T::Sending,
            State::Receiving => T::Receiving,
        }
    }
}

/// A stretch of time a thread spent in one state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub state: State,
    pub start_ms: f64,
    pub end_ms: f64,
    /// The source line it happened at, when one applies (a `sleep`, a `join`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// One of the program's own events, marked on its lane.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub t_ms: f64,
    /// `start` (the thread or process began), `exit`, `join` (it was joined),
    /// `exception` (it ended with an uncaught exception).
    pub what: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// One lane of the timeline: a thread of the main process or of a child.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub who: Who,
    /// Whether the thread is a daemon (not waited for at exit).
    #[serde(default)]
    pub daemon: bool,
    pub spans: Vec<Span>,
    pub marks: Vec<Mark>,
    /// Still running when the program ended (never joined, or cut by the budget).
    #[serde(default)]
    pub unfinished: bool,
}

/// A whole program's run: what the page shows and
/// `threadlab.run({program})` resolves to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramRun {
    pub gil: bool,
    pub switch_interval_ms: f64,
    /// From the program's start to its end (all non-daemon threads done).
    pub wall_ms: f64,
    pub console: Vec<Line>,
    pub lanes: Vec<Lane>,
    /// The GIL's switches in the main process (0 without a GIL).
    pub gil_switches: u64,
    /// Processes started (children).
    pub processes: u32,
    /// Threads started, the main thread included, in every process.
    pub threads: u32,
    /// The program's exit: 0, 1 after an uncaught exception in the main
    /// thread; `None` when it was stopped (budget, Cancel, a deadlock).
    pub exit_code: Option<i32>,
    /// Why it stopped, when it did not end by itself, as a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// The claim's verdict where one applies, e.g. "The two sleeping
    /// threads overlapped: 2.0 s, not 4.0 s."
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// A deadlock the watchdog found: who waits for whom, with source lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadlock: Option<String>,
    /// The same deadlock as a wait-for graph: each stuck thread's wait.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waits: Vec<WaitEdge>,
}

/// One stuck thread's wait in a deadlock (an edge of the wait-for graph).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitEdge {
    /// The waiting thread, by name.
    pub who: String,
    /// Whom it waits for: the holder of the lock it wants, or the thread it
    /// joins (`None`: an event, a queue, a lock whose holder is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// It wants a lock (else it joins, or waits for an event or a queue).
    pub lock: bool,
    /// The source line it waits at (0: unknown).
    pub line: u32,
}

/// A child process's start, sent by the page to a process worker it
/// started for a [`ToPage::Spawn`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChildJob {
    /// The program's source (the child compiles it again; its top level
    /// does not run again: the module state comes from `globals`).
    pub program: String,
    /// `Process-1`, `ForkProcess-2` (a pool's worker).
    pub name: String,
    /// The parent's module globals at `start()`, those that can be copied:
    /// each name with its value as [`crate::pyvm::Value::to_bytes`] gives it
    /// (functions defined at the top level are found again by name), and
    /// `logging`'s configuration under the name `<logging>`.
    pub globals: Vec<(String, Vec<u8>)>,
    pub gil: bool,
    /// The parent's switch interval at `start()` (`sys.setswitchinterval` may have changed it).
    pub switch_interval_ms: f64,
    /// When the parent program started, on the clock every worker shares
    /// (`performance.timeOrigin + performance.now()` in the browser), so the
    /// child's lines and spans are placed on the parent's timeline.
    pub origin_ms: f64,
}

/// Page → a child's worker, from the parent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToChild {
    /// Call the top-level function `function` with `args` (each as bytes);
    /// answered by [`FromChild::Returned`] with the same `call`.
    Call { call: u32, function: String, args: Vec<Vec<u8>> },
    /// End (after its last call): the child answers [`FromChild::Exited`].
    Exit,
}

/// A child's worker → the page → the parent's session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromChild {
    /// The child's interpreter is ready (its start cost ends here).
    Started { child: u32, t_ms: f64 },
    /// A line it printed (sent as it is printed).
    Line { child: u32, line: Line },
    /// A call's result: the value as bytes, or the exception's traceback text.
    Returned { child: u32, call: u32, result: Result<Vec<u8>, String> },
    /// It put `value` (as [`crate::pyvm::Value::to_bytes`] gives it) into
    /// the parent's `multiprocessing` queue `queue` (the handle the queue
    /// crossed as): the parent's session puts it there (a child cannot
    /// receive while it runs, so it only puts).
    Put { child: u32, queue: u32, value: Vec<u8> },
    /// It ended (exit code as CPython's `Process.exitcode`), with its lanes.
    Exited { child: u32, code: i32, lanes: Vec<Lane> },
}

/// The program's session (on the worker that holds its main interpreter)
/// → the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPage {
    /// A line printed in the main process (show it live).
    Line { line: Line },
    /// Start a process worker for child `child` and send it `job`.
    Spawn { child: u32, job: ChildJob },
    /// Post `msg` to child `child`'s worker.
    ToChild { child: u32, msg: ToChild },
    /// Terminate child `child`'s worker (`Process.terminate()`, or the end).
    Kill { child: u32 },
    /// The program ended (or was stopped): nothing more follows.
    Done { run: ProgramRun },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused(v: serde_json::Value) -> ExperimentError {
        ProgramSpec::from_value(&v).unwrap_err()
    }

    #[test]
    fn a_program_run_reads_its_keys_with_defaults() {
        let spec = ProgramSpec::from_value(&json!({ "program": "print('hi')\n" })).unwrap();
        assert_eq!(spec, ProgramSpec { program: "print('hi')\n".into(), gil: true, switch_interval_ms: crate::gil::DEFAULT_SWITCH_INTERVAL_MS });
        let spec = ProgramSpec::from_value(&json!({ "program": "x = 1", "gil": false, "switch_interval_ms": 0.5 })).unwrap();
        assert_eq!((spec.gil, spec.switch_interval_ms), (false, 0.5));
        // What it writes, it reads back.
        assert_eq!(ProgramSpec::from_value(&serde_json::to_value(&spec).unwrap()).unwrap(), spec);
    }

    #[test]
    fn unknown_keys_are_refused_with_a_suggestion() {
        assert_eq!(refused(json!({ "program": "x = 1", "gill": true })).to_string(), "Unknown key `gill`: did you mean `gil`?");
        assert_eq!(refused(json!({ "progam": "x = 1" })).to_string(), "Unknown key `progam`: did you mean `program`?");
        let e = refused(json!({ "program": "x = 1", "workload": {} }));
        assert_eq!(e.to_string(), "Unknown key `workload` (a program run has `program`, `gil`, `switch_interval_ms`)");
        assert_eq!(e.field(), Some("workload"));
    }

    #[test]
    fn each_field_is_checked_with_its_name_and_range() {
        assert_eq!(refused(json!({})).to_string(), "`program`: a program run needs its Python source text, e.g. {\"program\": \"print('hi')\"}");
        assert_eq!(refused(json!({ "program": null })).field(), Some("program"));
        let e = refused(json!({ "program": 12 }));
        assert_eq!((e.field(), e.to_string().as_str()), (Some("program"), "`program`: the program must be Python source text (got 12)"));
        let long = "#".repeat(MAX_PROGRAM_CHARS + 1);
        let e = refused(json!({ "program": long }));
        assert_eq!(e.field(), Some("program"));
        assert_eq!(e.to_string(), "`program`: the program is 20,001 characters long; at most 20,000 are accepted");
        assert!(ProgramSpec::from_value(&json!({ "program": "#".repeat(MAX_PROGRAM_CHARS) })).is_ok());
        assert_eq!(refused(json!({ "program": "x = 1", "gil": "yes" })).to_string(), "`gil` must be true or false (got \"yes\")");
        assert_eq!(refused(json!({ "program": "x = 1", "switch_interval_ms": 0 })).to_string(), "`switch_interval_ms` must be between 0.1 and 100 (got 0)");
        assert_eq!(refused(json!({ "program": "x = 1", "switch_interval_ms": 1000 })).field(), Some("switch_interval_ms"));
        assert_eq!(refused(json!("print(1)")).field(), Some("program"));
    }

    #[cfg(feature = "pyvm")]
    #[test]
    fn a_syntax_error_is_refused_with_its_place() {
        let e = refused(json!({ "program": "import threading\n\ndef f(:\n    pass\n" }));
        let ExperimentError::Code { field, line, col, message } = &e else { panic!("{e:?}") };
        assert_eq!((field.as_str(), *line), ("program", 3));
        assert!(*col > 0);
        assert!(message.starts_with(&format!("`program` (line 3, column {col}): SyntaxError:")), "{message}");
        assert_eq!(e.position(), Some((3, *col)));
        // Control characters quoted from the program are not echoed.
        let e = refused(json!({ "program": "x = (\u{1b}[31m" })).to_string();
        assert!(!e.contains('\u{1b}'), "{e}");
    }
}
