//! The page's relay between a program's session (on the *program
//! coordinator*, the worker that holds its main interpreter) and its child
//! processes (each on a process worker of its own), as a state machine
//! without I/O: the page hands it what the coordinator and the children
//! post, and carries out the [`Action`]s it returns, in order (start or
//! terminate a worker, post text, show a line, finish).
//!
//! The coordinator speaks [`FromCoordinator`] (its first message says it
//! is up; then what the session polled, [`ToPage`] batches) and takes
//! [`ToCoordinator`]; a child's worker posts [`FromChild`] and takes
//! [`ToChild`]. Every message is JSON text; the JS passes it on unread.
//!
//! What the relay adds to the session's own messages:
//! - a child whose worker dies (its error event, a message that cannot be
//!   read, a message claiming to be another child) is reported to the
//!   session as [`FromChild::Exited`] with [`CRASHED_EXIT_CODE`], and one
//!   terminated by [`ToPage::Kill`] before it exited with
//!   [`TERMINATED_EXIT_CODE`], so nothing in the program waits forever;
//! - a child's printed lines go to the session as they arrive, which
//!   hands them back in its console's order ([`ToPage::Line`], shown then);
//! - when the run cannot end by itself (Cancel, the coordinator gone), the
//!   run as far as the page saw it ([`Relay::stopped`]).

use super::{ChildJob, FromChild, Lane, Line, ProgramRun, ProgramSpec, ToChild, ToPage, Who};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The exit code a child whose worker died gets (its error event: a trap,
/// the browser stopping it), as a crashed process's non-zero code.
pub const CRASHED_EXIT_CODE: i32 = 1;
/// The exit code of a child terminated before it exited
/// (`Process.terminate()`: CPython's `-SIGTERM`).
pub const TERMINATED_EXIT_CODE: i32 = -15;

/// The program workers a program coordinator starts before it says it is
/// ready, on a machine of `cores` cores: one for the main thread and one
/// for each worker of `ThreadPoolExecutor()`'s default pool
/// (`min(32, cores + 4)`), so the common programs start their threads
/// without waiting. A program that has more threads alive at once gets a
/// worker started for each (up to `session::MAX_THREADS`), kept for the
/// next program; the wait shows on the thread's lane as starting.
/// Measured start-up in Chromium on a busy 2-core machine: see
/// docs/program.md.
pub fn prestarted_workers(cores: u32) -> u32 {
    cores.saturating_add(5).min(33)
}

/// Why no program can run in a page whose threads cannot run
/// (`threads_unavailable`: the environment's reason, as
/// `summary::Environment` says it): a program's main interpreter is the
/// threaded engine on one shared memory, whatever the program starts. `None`
/// when they can.
pub fn unavailable(threads_unavailable: Option<&str>) -> Option<String> {
    threads_unavailable.map(|why| format!("Whole programs cannot run here: their interpreter needs threads, and {why}"))
}

/// The page → the program coordinator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToCoordinator {
    /// Run this program (answered by `[]` when it started, or
    /// [`Said::Refused`]).
    Start { spec: ProgramSpec },
    /// A child's message, for the session.
    Deliver { msg: FromChild },
    /// Stop every thread: the next batch ends with [`ToPage::Done`].
    Cancel,
}

/// The program coordinator → the page: a batch of the session's messages
/// (what `Session::poll` returned: a JSON array), or what the coordinator
/// itself says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FromCoordinator {
    Batch(Vec<ToPage>),
    Said(Said),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Said {
    /// It is up, with its first program workers: at most `threads`
    /// Python threads at once (`session::MAX_THREADS`).
    Ready { threads: u32 },
    /// The program was refused before anything ran (the message names
    /// the field, and the place when there is one: `line` > 0).
    Refused { message: String, line: u32, col: u32 },
}

/// What the page must do, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Post `text` (a [`ToCoordinator`]) to the program coordinator.
    ToCoordinator { text: String },
    /// Start a process worker for child `child`; its first message is `job`
    /// (a [`ChildJob`] as JSON text).
    Start { child: u32, job: String },
    /// Post `text` (a [`ToChild`]) to child `child`'s worker.
    Post { child: u32, text: String },
    /// Terminate child `child`'s worker.
    Terminate { child: u32 },
    /// Show a printed line now.
    Show { line: Line },
    /// The program was refused: nothing ran (see [`Said::Refused`]).
    Refused { message: String, line: u32, col: u32 },
    /// The run is over: every child's worker is already terminated (the
    /// [`Action::Terminate`]s came first). `keep`: the coordinator may run
    /// the next program (none of its threads is still running).
    Finish { run: ProgramRun, keep: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the coordinator to be up.
    Starting,
    /// The spec is posted: the session runs.
    Running,
    /// Done, refused or stopped: nothing more is relayed.
    Over,
}

/// One program run's relay.
pub struct Relay {
    spec: ProgramSpec,
    /// When the page started the run, on the clock every worker shares.
    started_ms: f64,
    phase: Phase,
    /// The children whose workers are alive (started, not terminated), with
    /// their names.
    live: BTreeMap<u32, String>,
    /// Children started so far.
    spawned: u32,
    /// What the page has seen, for a run stopped before its `Done`.
    console: Vec<Line>,
    lanes: Vec<Lane>,
}

impl Relay {
    /// A run of `spec` starting at `now_ms`, on a coordinator that is not
    /// ready yet (its [`Said::Ready`] posts the spec).
    pub fn new(spec: ProgramSpec, now_ms: f64) -> Relay {
        Relay { spec, started_ms: now_ms, phase: Phase::Starting, live: BTreeMap::new(), spawned: 0, console: Vec::new(), lanes: Vec::new() }
    }

    /// A run on a coordinator that already ran a program (ready): the
    /// actions that start it.
    pub fn on_ready_coordinator(spec: ProgramSpec, now_ms: f64) -> (Relay, Vec<Action>) {
        let mut relay = Relay::new(spec, now_ms);
        let start = relay.start();
        (relay, start)
    }

    fn start(&mut self) -> Vec<Action> {
        self.phase = Phase::Running;
        vec![coordinator(&ToCoordinator::Start { spec: self.spec.clone() })]
    }

    /// Whether the coordinator took the program (it was up).
    pub fn started(&self) -> bool {
        self.phase != Phase::Starting
    }

    /// Whether the run is over (nothing more to relay).
    pub fn over(&self) -> bool {
        self.phase == Phase::Over
    }

    /// The children whose workers are alive.
    pub fn live_children(&self) -> impl Iterator<Item = u32> + '_ {
        self.live.keys().copied()
    }

    /// What the coordinator posted. A message that cannot be read ends the
    /// run (stopped), as the coordinator is not to be trusted any more.
    pub fn from_coordinator(&mut self, text: &str, now_ms: f64) -> Vec<Action> {
        if self.over() {
            return Vec::new();
        }
        let msg = match serde_json::from_str::<FromCoordinator>(text) {
            Ok(m) => m,
            Err(e) => return self.stopped(&format!("The program's interpreter sent a message the page cannot read ({e})."), now_ms, false),
        };
        match (msg, self.phase) {
            (FromCoordinator::Said(Said::Ready { .. }), Phase::Starting) => self.start(),
            (FromCoordinator::Said(Said::Refused { message, line, col }), _) => {
                self.phase = Phase::Over;
                let mut out = self.terminate_all();
                out.push(Action::Refused { message, line, col });
                out
            }
            (FromCoordinator::Batch(batch), Phase::Running) => {
                let mut out = Vec::new();
                for m in batch {
                    out.extend(self.to_page(m));
                    if self.over() {
                        break;
                    }
                }
                out
            }
            (other, phase) => self.stopped(&format!("The program's interpreter sent {other:?} while {phase:?}."), now_ms, false),
        }
    }

    fn to_page(&mut self, m: ToPage) -> Vec<Action> {
        match m {
            ToPage::Line { line } => {
                self.console.push(line.clone());
                vec![Action::Show { line }]
            }
            ToPage::Spawn { child, job } => {
                if self.live.contains_key(&child) {
                    // A child number used twice: the first one goes on.
                    return Vec::new();
                }
                self.spawned += 1;
                self.live.insert(child, job.name.clone());
                vec![Action::Start { child, job: json(&job) }]
            }
            ToPage::ToChild { child, msg } => match self.live.contains_key(&child) {
                true => vec![Action::Post { child, text: json(&msg) }],
                // Gone: the session has its Exited (or will).
                false => Vec::new(),
            },
            ToPage::Kill { child } => match self.live.remove(&child) {
                Some(_) => vec![Action::Terminate { child }, deliver(FromChild::Exited { child, code: TERMINATED_EXIT_CODE, lanes: Vec::new() })],
                None => Vec::new(),
            },
            ToPage::Done { run } => {
                self.phase = Phase::Over;
                let keep = !run.lanes.iter().any(|l| l.who.process.is_none() && l.unfinished);
                let mut out = self.terminate_all();
                out.push(Action::Finish { run, keep });
                out
            }
        }
    }

    /// What child `child`'s worker posted.
    pub fn from_child(&mut self, child: u32, text: &str) -> Vec<Action> {
        if self.over() || !self.live.contains_key(&child) {
            return Vec::new();
        }
        let msg = match serde_json::from_str::<FromChild>(text) {
            Ok(m) if sender(&m) == child => m,
            // Unreadable, or claiming to be another child: that worker is
            // not to be trusted any more.
            _ => return self.child_died(child),
        };
        // A child's printed line goes to the session, which puts it in the
        // console and hands it back as a `ToPage::Line` (shown then, once,
        // in the console's order).
        let mut out = Vec::new();
        if let FromChild::Exited { lanes, .. } = &msg {
            self.lanes.extend(lanes.iter().cloned());
            self.live.remove(&child);
            out.push(Action::Terminate { child });
        }
        out.push(deliver(msg));
        out
    }

    /// Child `child`'s worker died (its error event), or could not be
    /// started: the session is told it exited, crashed.
    pub fn child_died(&mut self, child: u32) -> Vec<Action> {
        if self.over() || self.live.remove(&child).is_none() {
            return Vec::new();
        }
        vec![Action::Terminate { child }, deliver(FromChild::Exited { child, code: CRASHED_EXIT_CODE, lanes: Vec::new() })]
    }

    /// The run ends without the session's `Done` (Cancel, the coordinator
    /// gone): every child is terminated, and the run is what the page saw,
    /// `stopped` saying `why`. `keep`: whether the coordinator may be reused.
    pub fn stopped(&mut self, why: &str, now_ms: f64, keep: bool) -> Vec<Action> {
        if self.over() {
            return Vec::new();
        }
        self.phase = Phase::Over;
        let mut out = self.terminate_all();
        out.push(Action::Finish { run: self.run_so_far(why, now_ms), keep });
        out
    }

    fn run_so_far(&self, why: &str, now_ms: f64) -> ProgramRun {
        let mut threads: Vec<&Who> = self.console.iter().map(|l| &l.who).chain(self.lanes.iter().map(|l| &l.who)).collect();
        threads.sort_by(|a, b| (&a.process, &a.thread).cmp(&(&b.process, &b.thread)));
        threads.dedup();
        let main = Who { process: None, thread: "MainThread".into() };
        let threads = threads.len() as u32 + u32::from(!threads.contains(&&main));
        ProgramRun {
            gil: self.spec.gil,
            switch_interval_ms: self.spec.switch_interval_ms,
            wall_ms: (now_ms - self.started_ms).max(0.0),
            console: self.console.clone(),
            lanes: self.lanes.clone(),
            gil_switches: 0,
            processes: self.spawned,
            threads,
            exit_code: None,
            stopped: Some(why.to_string()),
            verdict: None,
            deadlock: None,
            waits: Vec::new(),
        }
    }

    fn terminate_all(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.live).into_keys().map(|child| Action::Terminate { child }).collect()
    }
}

fn sender(m: &FromChild) -> u32 {
    match m {
        FromChild::Started { child, .. } | FromChild::Line { child, .. } | FromChild::Returned { child, .. } | FromChild::Put { child, .. } | FromChild::Exited { child, .. } => *child,
    }
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("the program's messages are plain data")
}

fn coordinator(m: &ToCoordinator) -> Action {
    Action::ToCoordinator { text: json(m) }
}

fn deliver(msg: FromChild) -> Action {
    coordinator(&ToCoordinator::Deliver { msg })
}

/// Only the types a child's worker is started with and posted: a
/// [`ChildJob`] as [`Action::Start`] carries it, a [`ToChild`] as
/// [`Action::Post`] carries it (read on the process worker).
pub fn read_job(text: &str) -> Result<ChildJob, String> {
    serde_json::from_str(text).map_err(|e| format!("a child process's job cannot be read: {e}"))
}

/// See [`read_job`].
pub fn read_to_child(text: &str) -> Result<ToChild, String> {
    serde_json::from_str(text).map_err(|e| format!("a message to a child process cannot be read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_program_runs_where_threads_cannot() {
        assert_eq!(unavailable(None), None);
        assert_eq!(
            unavailable(Some("this browser has no SharedArrayBuffer, which threads need.")).as_deref(),
            Some("Whole programs cannot run here: their interpreter needs threads, and this browser has no SharedArrayBuffer, which threads need.")
        );
    }

    fn spec() -> ProgramSpec {
        ProgramSpec { program: "print(1)".into(), gil: true, switch_interval_ms: 5.0 }
    }

    fn who(process: Option<&str>, thread: &str) -> Who {
        Who { process: process.map(str::to_string), thread: thread.into() }
    }

    fn line(t_ms: f64, process: Option<&str>, text: &str) -> Line {
        Line { t_ms, who: who(process, "MainThread"), text: text.into(), stderr: false }
    }

    fn job(name: &str) -> ChildJob {
        ChildJob { program: "def f():\n    pass\n".into(), name: name.into(), globals: vec![("n".into(), vec![1, 2])], gil: true, switch_interval_ms: 5.0, origin_ms: 1000.0 }
    }

    fn batch(msgs: Vec<ToPage>) -> String {
        serde_json::to_string(&FromCoordinator::Batch(msgs)).unwrap()
    }

    fn said(s: Said) -> String {
        serde_json::to_string(&FromCoordinator::Said(s)).unwrap()
    }

    fn child_text(m: &FromChild) -> String {
        serde_json::to_string(m).unwrap()
    }

    /// The FromChild messages delivered to the session by `actions`.
    fn delivered(actions: &[Action]) -> Vec<FromChild> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::ToCoordinator { text } => match serde_json::from_str(text).unwrap() {
                    ToCoordinator::Deliver { msg } => Some(msg),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    fn run_of(actions: &[Action]) -> (&ProgramRun, bool) {
        match actions.last() {
            Some(Action::Finish { run, keep }) => (run, *keep),
            other => panic!("not finished: {other:?}"),
        }
    }

    fn done(lanes: Vec<Lane>) -> ProgramRun {
        ProgramRun {
            gil: true,
            switch_interval_ms: 5.0,
            wall_ms: 12.0,
            console: vec![line(1.0, None, "Done")],
            lanes,
            gil_switches: 3,
            processes: 1,
            threads: 2,
            exit_code: Some(0),
            stopped: None,
            verdict: None,
            deadlock: None,
            waits: Vec::new(),
        }
    }

    #[test]
    fn the_spec_goes_to_the_coordinator_once_it_is_up() {
        let mut r = Relay::new(spec(), 0.0);
        assert!(!r.started());
        assert_eq!(r.from_coordinator(&said(Said::Ready { threads: 7 }), 1.0), vec![Action::ToCoordinator { text: r#"{"type":"start","spec":{"program":"print(1)","gil":true,"switch_interval_ms":5.0}}"#.into() }]);
        // A reused coordinator: at once.
        assert!(r.started());
        let (r2, start) = Relay::on_ready_coordinator(spec(), 0.0);
        assert!(r2.started());
        assert_eq!(start.len(), 1);
        assert!(!r2.over());
        // The start's answer, an empty batch, does nothing.
        assert_eq!(r.from_coordinator("[]", 2.0), vec![]);
    }

    #[test]
    fn lines_children_and_the_end_in_order() {
        let (mut r, _) = Relay::on_ready_coordinator(spec(), 0.0);
        let call = ToChild::Call { call: 0, function: "f".into(), args: vec![vec![7]] };
        let a = r.from_coordinator(&batch(vec![ToPage::Line { line: line(0.5, None, "hi") }, ToPage::Spawn { child: 1, job: job("Process-1") }, ToPage::ToChild { child: 1, msg: call.clone() }]), 1.0);
        assert_eq!(a.len(), 3);
        assert_eq!(a[0], Action::Show { line: line(0.5, None, "hi") });
        let Action::Start { child: 1, job: text } = &a[1] else { panic!("{a:?}") };
        assert_eq!(read_job(text).unwrap(), job("Process-1"));
        let Action::Post { child: 1, text } = &a[2] else { panic!("{a:?}") };
        assert_eq!(read_to_child(text).unwrap(), call);
        assert_eq!(r.live_children().collect::<Vec<_>>(), vec![1]);
        // The child's messages: delivered, in order; its lines are shown
        // when the session hands them back, once.
        let started = FromChild::Started { child: 1, t_ms: 40.0 };
        assert_eq!(delivered(&r.from_child(1, &child_text(&started))), vec![started]);
        let printed = FromChild::Line { child: 1, line: line(41.0, Some("Process-1"), "Process starting") };
        let a = r.from_child(1, &child_text(&printed));
        assert_eq!(a.len(), 1);
        assert_eq!(delivered(&a), vec![printed]);
        let echoed = r.from_coordinator(&batch(vec![ToPage::Line { line: line(41.0, Some("Process-1"), "Process starting") }]), 42.0);
        assert_eq!(echoed, vec![Action::Show { line: line(41.0, Some("Process-1"), "Process starting") }]);
        // What it puts into the parent's queue: to the session, in order.
        let put = FromChild::Put { child: 1, queue: 0, value: vec![3, 1, 0, 0, 0, 0, 0, 0, 0, 7] };
        let a = r.from_child(1, &child_text(&put));
        assert_eq!((a.len(), delivered(&a)), (1, vec![put]));
        let returned = FromChild::Returned { child: 1, call: 0, result: Ok(vec![1]) };
        assert_eq!(delivered(&r.from_child(1, &child_text(&returned))), vec![returned]);
        // Its exit: delivered, and its worker terminated.
        let lane = Lane { who: who(Some("Process-1"), "MainThread"), daemon: false, spans: vec![], marks: vec![], unfinished: false };
        let exited = FromChild::Exited { child: 1, code: 0, lanes: vec![lane.clone()] };
        let a = r.from_child(1, &child_text(&exited));
        assert_eq!(a[0], Action::Terminate { child: 1 });
        assert_eq!(delivered(&a), vec![exited]);
        assert_eq!(r.live_children().count(), 0);
        // Anything after its exit is not relayed.
        assert_eq!(r.from_child(1, &child_text(&FromChild::Started { child: 1, t_ms: 1.0 })), vec![]);
        let a = r.from_coordinator(&batch(vec![ToPage::Done { run: done(vec![]) }, ToPage::Line { line: line(99.0, None, "late") }]), 50.0);
        assert_eq!(a, vec![Action::Finish { run: done(vec![]), keep: true }]);
        assert!(r.over());
        assert_eq!(r.from_coordinator(&batch(vec![ToPage::Line { line: line(99.0, None, "later") }]), 51.0), vec![]);
    }

    #[test]
    fn the_end_terminates_every_child_still_alive_first() {
        let (mut r, _) = Relay::on_ready_coordinator(spec(), 0.0);
        r.from_coordinator(&batch(vec![ToPage::Spawn { child: 1, job: job("Process-1") }, ToPage::Spawn { child: 2, job: job("Process-2") }]), 1.0);
        // A main-process thread still running at the end: the coordinator is not reused.
        let lane = Lane { who: who(None, "Thread-1 (spin)"), daemon: true, spans: vec![], marks: vec![], unfinished: true };
        let a = r.from_coordinator(&batch(vec![ToPage::Done { run: done(vec![lane.clone()]) }]), 2.0);
        assert_eq!(a, vec![Action::Terminate { child: 1 }, Action::Terminate { child: 2 }, Action::Finish { run: done(vec![lane]), keep: false }]);
    }

    #[test]
    fn a_child_that_dies_or_is_killed_is_an_exit_for_the_session() {
        let (mut r, _) = Relay::on_ready_coordinator(spec(), 0.0);
        r.from_coordinator(&batch(vec![ToPage::Spawn { child: 1, job: job("Process-1") }, ToPage::Spawn { child: 2, job: job("Process-2") }, ToPage::Spawn { child: 3, job: job("Process-3") }]), 1.0);
        // Its error event.
        let a = r.child_died(1);
        assert_eq!(a[0], Action::Terminate { child: 1 });
        assert_eq!(delivered(&a), vec![FromChild::Exited { child: 1, code: CRASHED_EXIT_CODE, lanes: vec![] }]);
        assert_ne!(CRASHED_EXIT_CODE, 0);
        // Only once.
        assert_eq!(r.child_died(1), vec![]);
        // Terminated by the program before it exited.
        let a = r.from_coordinator(&batch(vec![ToPage::Kill { child: 2 }]), 2.0);
        assert_eq!(a[0], Action::Terminate { child: 2 });
        assert_eq!(delivered(&a), vec![FromChild::Exited { child: 2, code: TERMINATED_EXIT_CODE, lanes: vec![] }]);
        // A message to a child that is gone goes nowhere.
        assert_eq!(r.from_coordinator(&batch(vec![ToPage::ToChild { child: 2, msg: ToChild::Exit }, ToPage::Kill { child: 2 }]), 3.0), vec![]);
        // A hostile child: garbage, or speaking for another child.
        for text in ["<script>", r#"{"type":"started","child":2,"t_ms":1}"#, r#"{"type":"put","child":2,"queue":0,"value":[0]}"#, r#"{"type":"put","child":3,"queue":0,"value":"x"}"#] {
            let (mut r, _) = Relay::on_ready_coordinator(spec(), 0.0);
            r.from_coordinator(&batch(vec![ToPage::Spawn { child: 3, job: job("Process-3") }]), 1.0);
            assert_eq!(delivered(&r.from_child(3, text)), vec![FromChild::Exited { child: 3, code: CRASHED_EXIT_CODE, lanes: vec![] }], "{text}");
        }
        // Messages from a child never started are ignored.
        assert_eq!(r.from_child(9, &child_text(&FromChild::Started { child: 9, t_ms: 1.0 })), vec![]);
    }

    #[test]
    fn a_refused_program_ends_the_run_with_its_place() {
        let (mut r, _) = Relay::on_ready_coordinator(spec(), 0.0);
        let a = r.from_coordinator(&said(Said::Refused { message: "`program` (line 2, column 3): SyntaxError: x".into(), line: 2, col: 3 }), 1.0);
        assert_eq!(a, vec![Action::Refused { message: "`program` (line 2, column 3): SyntaxError: x".into(), line: 2, col: 3 }]);
        assert!(r.over());
    }

    #[test]
    fn a_stopped_run_is_what_the_page_saw() {
        let (mut r, _) = Relay::on_ready_coordinator(spec(), 100.0);
        r.from_coordinator(&batch(vec![ToPage::Line { line: line(1.0, None, "a") }, ToPage::Spawn { child: 4, job: job("Process-1") }]), 101.0);
        r.from_child(4, &child_text(&FromChild::Line { child: 4, line: line(2.0, Some("Process-1"), "b") }));
        r.from_coordinator(&batch(vec![ToPage::Line { line: line(2.0, Some("Process-1"), "b") }]), 102.0);
        let a = r.stopped("Cancelled.", 350.0, false);
        assert_eq!(a[0], Action::Terminate { child: 4 });
        let (run, keep) = run_of(&a);
        assert!(!keep);
        assert_eq!(run.console.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), vec!["a", "b"]);
        assert_eq!((run.wall_ms, run.processes, run.threads, run.exit_code, run.stopped.as_deref()), (250.0, 1, 2, None, Some("Cancelled.")));
        // Once.
        assert_eq!(r.stopped("again", 400.0, false), vec![]);
        assert_eq!(r.from_coordinator(&batch(vec![ToPage::Done { run: done(vec![]) }]), 401.0), vec![]);
    }

    #[test]
    fn an_unreadable_coordinator_stops_the_run() {
        for text in ["not json", r#"{"type":"ready","threads":2}"#] {
            let (mut r, _) = Relay::on_ready_coordinator(spec(), 0.0);
            let a = r.from_coordinator(text, 5.0);
            let (run, keep) = run_of(&a);
            assert!(!keep);
            assert!(run.stopped.as_deref().unwrap().starts_with("The program's interpreter sent"), "{text}: {run:?}");
        }
    }

    #[test]
    fn the_prestarted_workers_hold_a_default_thread_pool_and_the_main_thread() {
        assert_eq!(prestarted_workers(2), 7);
        assert_eq!(prestarted_workers(16), 21);
        assert_eq!(prestarted_workers(28), 33);
        assert_eq!(prestarted_workers(256), 33);
        assert_eq!(prestarted_workers(u32::MAX), 33);
    }

    #[test]
    fn messages_keep_their_wire_names() {
        assert_eq!(serde_json::to_string(&ToCoordinator::Cancel).unwrap(), r#"{"type":"cancel"}"#);
        assert_eq!(said(Said::Ready { threads: 7 }), r#"{"type":"ready","threads":7}"#);
        assert_eq!(serde_json::from_str::<FromCoordinator>("[]").unwrap(), FromCoordinator::Batch(vec![]));
        assert_eq!(child_text(&FromChild::Put { child: 2, queue: 1, value: vec![0] }), r#"{"type":"put","child":2,"queue":1,"value":[0]}"#);
    }
}
