//! Running a program: the [`Session`] holds its main interpreter (on the
//! worker that runs the program's threads), [`Child`] a child process's
//! (on a process worker). The page relays [`ToPage`] / [`FromChild`]
//! messages between them; natively [`run_native`] does the same with OS
//! threads, so every path is tested with `cargo test`.
//!
//! - Every Python thread (the main thread too) runs on a thread of its own
//!   ([`Env::spawn`]) as a [`Worker`], which drives the simulated GIL at the
//!   eval breaker exactly as the experiments' threads do, and records the
//!   thread's lane; the interpreter reaches the session only through
//!   [`pyvm::Host`] (`ThreadHost` here).
//! - A `Process` or a process pool's worker is a child: the session queues
//!   [`ToPage::Spawn`] with the parent's module globals as at `start()`,
//!   then [`ToChild::Call`]s; the page (or [`run_native`]) relays them to a
//!   [`Child`] and relays its [`FromChild`] answers to [`Session::deliver`].
//! - The program ends when its main thread and every non-daemon thread and
//!   child ended (as CPython's shutdown joins them); daemon threads are
//!   then stopped and marked unfinished. Past the budget, or on Cancel,
//!   every thread stops at its next breaker or wait.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{ChildJob, FromChild, Lane, Line, Mark, ProgramRun, ProgramSpec, Span, State, ToChild, ToPage, WaitEdge, Who};
use crate::error::ExperimentError;
use crate::gil::Gil;
use crate::pyvm::value::{FutureObj, PoolKind, PoolObj, TaskObj};
use crate::pyvm::{self, ExcKind, Program, PyError, Stop, Value};
use crate::trace::{self, Tracer};
use crate::worker::Worker;

/// At most this many child processes alive at once in one run.
pub const MAX_LIVE_CHILDREN: usize = 16;
/// At most this many child processes started in one run.
pub const MAX_CHILDREN_PER_RUN: usize = 64;
/// Python threads alive at once, the main thread included ([`Env::max_threads`]
/// natively and in the browser, where each is a program worker of its own:
/// one more raises `RuntimeError: can't start new thread`, as CPython does
/// when the OS refuses one).
pub const MAX_THREADS: usize = 256;
/// The file name tracebacks show.
pub const FILE: &str = "<program>";
/// Console lines kept per run (later ones are counted, not kept).
pub const MAX_CONSOLE_LINES: usize = 5_000;
/// Characters kept of one console line.
pub const MAX_LINE_CHARS: usize = 2_000;
/// Items one child process may put into its parent's queues (a put past
/// them raises `RuntimeError`).
pub const MAX_CHILD_PUTS: usize = 100_000;
/// Events one thread's lane keeps (later ones are dropped).
const LANE_EVENTS: usize = 1 << 14;

/// What a session needs from where it runs.
pub trait Env: Send + Sync + 'static {
    /// ms on a clock every worker of the page shares
    /// (`performance.timeOrigin + performance.now()` in the browser).
    fn now_ms(&self) -> f64;
    /// Run `f` on a worker thread of its own: natively `std::thread::spawn`,
    /// in the browser one of the program coordinator's program workers (an
    /// idle one, or one started for it: the wait shows on the thread's lane
    /// as [`State::Starting`]).
    fn spawn(&self, f: Box<dyn FnOnce() + Send>);
    /// Block the calling thread for `ms` (natively `std::thread::sleep`, in
    /// a pool thread `Atomics.wait`).
    fn sleep_ms(&self, ms: f64);
    /// The machine's cores (`os.cpu_count()`, the pools' default sizes).
    fn cores(&self) -> usize;
    /// At most this many Python threads alive at once, the main thread
    /// included.
    fn max_threads(&self) -> usize {
        MAX_THREADS
    }
    /// How long a run may take (ms): [`crate::workloads::python::RUN_BUDGET_MS`]
    /// unless changed (tests).
    fn budget_ms(&self) -> f64 {
        crate::workloads::python::run_budget_ms()
    }
}

/// The session's clock and wait as the [`Worker`]'s host.
struct EnvPlat(Arc<dyn Env>);

impl crate::platform::Clock for EnvPlat {
    fn now_ms(&self) -> f64 {
        self.0.now_ms()
    }
}

impl crate::platform::Blocking for EnvPlat {
    fn sleep_ms(&self, ms: f64) {
        self.0.sleep_ms(ms)
    }
}

/// What a call sent to a child is for.
enum CallFor {
    /// A `Process`'s target.
    Process,
    /// A pool's call.
    Future(Arc<FutureObj>),
}

struct ChildRec {
    name: String,
    task: Option<Arc<TaskObj>>,
    pool: Option<Arc<PoolObj>>,
    busy: bool,
    exiting: bool,
    alive: bool,
    spawned_ms: f64,
    started_ms: Option<f64>,
    failed: bool,
}

struct ThreadLane {
    who: Who,
    daemon: bool,
    /// Its Python code is over (set before a `join()` can return, so
    /// `active_count()` and `enumerate()` after it leave it out).
    ended: bool,
    lane: Option<Lane>,
}

#[derive(Default)]
struct St {
    out: Vec<ToPage>,
    console: Vec<Line>,
    /// Text printed without its newline yet, per thread and stream (stderr: true).
    partial: HashMap<(Who, bool), String>,
    threads: Vec<ThreadLane>,
    live_threads: usize,
    live_nondaemon: usize,
    children: Vec<ChildRec>,
    live_children: usize,
    calls: HashMap<u32, (u32, CallFor)>,
    next_call: u32,
    child_lanes: Vec<Lane>,
    pools: Vec<Arc<PoolObj>>,
    exit_code: Option<i32>,
    done: bool,
    /// What each thread (by lane) waits for now, for the deadlock watchdog.
    waits: Vec<Option<WaitRec>>,
    /// Since when (ms) every thread has been waiting.
    suspect: Option<f64>,
    deadlock: Option<String>,
    /// The deadlock's waits, for its wait-for graph.
    stuck: Vec<WaitEdge>,
    /// Lines printed past [`MAX_CONSOLE_LINES`].
    dropped: usize,
    /// `join` marks, by the name of the thread or process joined.
    joins: Vec<(String, Mark)>,
}

impl St {
    /// A line for the console and the page, within the limits.
    fn push_line(&mut self, mut line: Line) {
        if self.console.len() >= MAX_CONSOLE_LINES {
            self.dropped += 1;
            return;
        }
        if line.text.chars().count() > MAX_LINE_CHARS {
            line.text = format!("{}…", line.text.chars().take(MAX_LINE_CHARS).collect::<String>());
        }
        self.console.push(line.clone());
        self.out.push(ToPage::Line { line });
    }
}

/// A thread's wait that only another thread can end (a lock without a
/// timeout, a join, an event): for whom, where. Noted while it lasts.
#[derive(Clone)]
struct WaitRec {
    on: Option<String>,
    lock: bool,
    line: u32,
}

/// How often a thread blocked on a contended lock looks whether it was
/// released (ms), the GIL released meanwhile.
const LOCK_POLL_MS: f64 = 0.05;

/// A deadlock is declared after every thread waited this long (ms).
const DEADLOCK_MS: f64 = 500.0;

struct Inner {
    env: Arc<dyn Env>,
    plat: EnvPlat,
    spec: ProgramSpec,
    program: Arc<Program>,
    origin: f64,
    deadline: f64,
    gil: Option<Gil>,
    /// Every thread stops at its next check (budget, Cancel, the end).
    stopping: AtomicBool,
    /// Why, when the run did not end by itself.
    stopped: Mutex<Option<String>>,
    st: Mutex<St>,
    /// `sys.getswitchinterval()` in ms (an f64's bits), as
    /// `sys.setswitchinterval` left it (the GIL's, when there is one).
    switch_interval_ms: AtomicU64,
}

/// `threading.get_ident()` of the thread on lane `lane`: a number like
/// CPython's (an address, 8 MiB stacks apart), never 0.
fn thread_ident(lane: usize) -> u64 {
    140_000_000_000_000 + lane as u64 * 8_392_704
}

/// A running program's main process.
pub struct Session {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn main_who(thread: &str) -> Who {
    Who { process: None, thread: thread.to_string() }
}

impl Session {
    /// Check the program (a syntax error is refused here, with its line and
    /// column, before anything runs) and start its main thread.
    pub fn start(spec: ProgramSpec, env: Arc<dyn Env>) -> Result<Arc<Session>, ExperimentError> {
        let program = compile(&spec.program)?;
        let origin = env.now_ms();
        let deadline = origin + env.budget_ms();
        let gil = spec.gil.then(|| Gil::new(spec.switch_interval_ms));
        let spec_interval = spec.switch_interval_ms;
        let st = St { threads: vec![ThreadLane { who: main_who("MainThread"), daemon: false, ended: false, lane: None }], waits: vec![None], live_threads: 1, ..St::default() };
        let inner = Arc::new(Inner { plat: EnvPlat(env.clone()), env, spec, program: Arc::new(program), origin, deadline, gil, stopping: AtomicBool::new(false), stopped: Mutex::new(None), st: Mutex::new(st), switch_interval_ms: AtomicU64::new(spec_interval.to_bits()) });
        let main = inner.clone();
        inner.env.spawn(Box::new(move || main.run_main()));
        Ok(Arc::new(Session { inner }))
    }
    /// What the page must do or show since the last poll, in order.
    pub fn poll(&self) -> Vec<ToPage> {
        let found = self.inner.watchdog();
        if let Some(why) = found {
            self.inner.stop(why);
        }
        std::mem::take(&mut lock(&self.inner.st).out)
    }
    /// A child's message, relayed by the page.
    pub fn deliver(&self, m: FromChild) {
        self.inner.deliver(m);
    }
    /// Stop every thread (Cancel): the next poll ends with [`ToPage::Done`].
    pub fn cancel(&self) {
        self.inner.stop("The run was cancelled.".into());
    }
}

/// The program compiled, or its syntax error as the field's error.
fn compile(source: &str) -> Result<Program, ExperimentError> {
    let chars = source.chars().count();
    if chars > super::MAX_PROGRAM_CHARS {
        return Err(ExperimentError::Code { field: "program".into(), message: format!("`program`: the program is {chars} characters long; at most {} are accepted", super::MAX_PROGRAM_CHARS), line: 0, col: 0 });
    }
    Program::compile(source).map_err(|e| ExperimentError::Code {
        field: "program".into(),
        message: format!("`program` (line {}, column {}): SyntaxError: {}", e.line, e.col, crate::text::clip(&e.message, 160)),
        line: e.line,
        col: e.col,
    })
}

/// A child process's lane from the trace states, ms since the program started.
fn state_of(s: trace::State) -> Option<State> {
    Some(match s {
        trace::State::Running => State::Running,
        trace::State::GilWait => State::GilWait,
        trace::State::IoWait => State::Sleeping,
        trace::State::LockWait | trace::State::HoldingLock => State::LockWait,
        trace::State::Joining => State::Joining,
        trace::State::Spawning => State::Starting,
        trace::State::Sending => State::Sending,
        trace::State::Receiving => State::Receiving,
        trace::State::Idle => return None,
    })
}

/// A thread's [`Lane`] from its worker's events (the events' `task` field
/// carries the source line of a wait).
fn lane_of(tracer: Tracer, who: Who, daemon: bool, origin: f64, end: f64, marks: Vec<Mark>, unfinished: bool) -> Lane {
    let lane = tracer.into_lane();
    let spans = lane
        .spans(end)
        .filter(|s| s.end > s.start)
        .filter_map(|s| Some(Span { state: state_of(s.state)?, start_ms: s.start - origin, end_ms: s.end - origin, line: s.task.filter(|l| *l > 0) }))
        .collect();
    Lane { who, daemon, spans, marks, unfinished }
}

impl Inner {
    fn t(&self) -> f64 {
        self.env.now_ms() - self.origin
    }

    fn stop(&self, why: String) {
        let done = lock(&self.st).done;
        let mut s = lock(&self.stopped);
        if s.is_none() && !done {
            *s = Some(why);
        }
        self.stopping.store(true, SeqCst);
    }

    /// Every live thread waiting for a lock, a thread or an event that only
    /// another waiting thread could give, for [`DEADLOCK_MS`], with no
    /// child running: the sentence to stop with (the deadlock kept).
    fn watchdog(&self) -> Option<String> {
        let now = self.t();
        let mut st = lock(&self.st);
        let live: Vec<usize> = (0..st.threads.len()).filter(|&i| st.threads[i].lane.is_none()).collect();
        let all = !live.is_empty() && live.iter().all(|&i| st.waits.get(i).is_some_and(Option::is_some));
        if st.done || st.live_children > 0 || self.stopping.load(SeqCst) || !all {
            st.suspect = None;
            return None;
        }
        let since = *st.suspect.get_or_insert(now);
        if now - since < DEADLOCK_MS {
            return None;
        }
        let parts: Vec<String> = live
            .iter()
            .filter_map(|&i| {
                let w = st.waits[i].as_ref()?;
                let who = &st.threads[i].who.thread;
                let at = if w.line > 0 { format!(" at line {}", w.line) } else { String::new() };
                Some(match (&w.on, w.lock) {
                    (Some(on), true) => format!("{who}{at} waits for {on}, which holds the lock it wants"),
                    (None, true) => format!("{who}{at} waits for a lock"),
                    (Some(on), false) => format!("{who}{at} waits for {on} to end"),
                    (None, false) if i == 0 && w.line == 0 => format!("{who} waits for the other threads to end (the program's end)"),
                    (None, false) => format!("{who}{at} waits for an event, a queue or a result no running thread will give"),
                })
            })
            .collect();
        st.stuck = live
            .iter()
            .filter_map(|&i| {
                let w = st.waits[i].as_ref()?;
                Some(WaitEdge { who: st.threads[i].who.thread.clone(), on: w.on.clone(), lock: w.lock, line: w.line })
            })
            .collect();
        st.deadlock = Some(format!("{}.", parts.join("; ")));
        Some("Deadlock: every thread was waiting for another, so the program was stopped.".into())
    }

    /// Whether a thread may go on (the budget, Cancel, the program's end).
    fn check(&self) -> Result<(), Stop> {
        if !self.stopping.load(SeqCst) && self.env.now_ms() > self.deadline {
            self.stop(format!("The program ran for more than {}, ThreadLab's limit for one run: every thread was stopped.", crate::text::ms(self.env.budget_ms())));
        }
        if self.stopping.load(SeqCst) {
            return Err(Stop::Budget(lock(&self.stopped).clone().unwrap_or_else(|| "the program ended".into())));
        }
        Ok(())
    }

    /// `print` output of `who` (`stderr`: to `sys.stderr`): whole lines to
    /// the console, the rest kept.
    fn print(&self, who: &Who, text: &str, stderr: bool) {
        let t = self.t();
        let mut st = lock(&self.st);
        let key = (who.clone(), stderr);
        let mut buf = st.partial.remove(&key).unwrap_or_default();
        buf.push_str(text);
        while let Some(i) = buf.find('\n') {
            let line = Line { t_ms: t, who: who.clone(), text: buf[..i].to_string(), stderr };
            buf.drain(..=i);
            st.push_line(line);
        }
        while buf.chars().count() > MAX_LINE_CHARS {
            // A line without end (`end=""` in a loop): cut as it grows too long.
            let cut = buf.char_indices().nth(MAX_LINE_CHARS).map_or(buf.len(), |(i, _)| i);
            let rest = buf.split_off(cut);
            st.push_line(Line { t_ms: t, who: who.clone(), text: std::mem::replace(&mut buf, rest), stderr });
        }
        if !buf.is_empty() {
            st.partial.insert(key, buf);
        }
    }

    fn flush(&self, who: &Who) {
        for stderr in [false, true] {
            let rest = lock(&self.st).partial.remove(&(who.clone(), stderr));
            if let Some(rest) = rest {
                self.print(who, &format!("{rest}\n"), stderr);
            }
        }
    }

    fn host<'a>(self: &'a Arc<Self>, lane: usize, who: Who) -> ThreadHost<'a> {
        let w = Worker::new(lane as u32, &self.plat, self.gil.as_ref(), Tracer::with_capacity(lane as u32, true, LANE_EVENTS));
        ThreadHost { s: self, w, who, marks: Vec::new(), lane, joining: None }
    }

    /// The main thread: the module's top level, then (as CPython's
    /// shutdown) waiting for the non-daemon threads and the children.
    fn run_main(self: Arc<Self>) {
        let who = main_who("MainThread");
        let started = self.env.now_ms();
        let mut host = self.host(0, who.clone());
        host.w.start();
        host.mark("start", None);
        let r = guarded(|| self.program.run_module(&mut host));
        let mut unfinished = false;
        let code = match r {
            Ok(()) => Some(0),
            // `sys.exit(code)`: its code; a message is printed, and exits with 1.
            Err(PyError::Exception(x)) if x.kind == ExcKind::SystemExit => match x.message.parse::<i32>() {
                Ok(code) => Some(code),
                Err(_) if x.message.is_empty() => Some(0),
                Err(_) => {
                    self.print(&who, &format!("{}\n", x.message), true);
                    Some(1)
                }
            },
            Err(PyError::Exception(x)) => {
                self.print(&who, &format!("{}\n", x.traceback_text(FILE, &self.spec.program)), true);
                host.mark("exception", x.traceback.last().map(|t| t.1));
                Some(1)
            }
            Err(PyError::Stopped(_)) => {
                unfinished = true;
                None
            }
        };
        self.flush(&who);
        // Executors left open are shut down at exit (CPython's atexit hooks).
        let pools = lock(&self.st).pools.clone();
        for p in pools {
            if !p.shutdown.swap(true, SeqCst) && p.kind != PoolKind::Threads {
                self.pool_shutdown(&p, false);
            }
        }
        if code.is_some() {
            host.note_wait(Some(WaitRec { on: None, lock: false, line: 0 }));
            host.w.wait_until(trace::State::Joining, |_| {
                let st = lock(&self.st);
                // Daemon processes are not waited for (they are killed at the end).
                let children = st.children.iter().any(|c| c.alive && !c.task.as_ref().is_some_and(|t| t.is_daemon()));
                (st.live_nondaemon == 0 && !children) || self.check().is_err()
            });
        }
        host.mark("exit", None);
        host.w.finish();
        let end = self.env.now_ms();
        let ThreadHost { w, marks, .. } = host;
        let tracer = w.into_tracer();
        // Daemon threads (and, when stopped, every thread) stop now.
        self.stopping.store(true, SeqCst);
        let waited = self.env.now_ms();
        while lock(&self.st).live_threads > 1 && self.env.now_ms() - waited < 3000.0 {
            self.env.sleep_ms(1.0);
        }
        let stopped = lock(&self.stopped).clone();
        let mut st = lock(&self.st);
        st.threads[0].lane = Some(self.waited_for_worker(lane_of(tracer, who, false, self.origin, end, marks, unfinished), self.origin, started));
        for c in 0..st.children.len() {
            if st.children[c].alive {
                st.out.push(ToPage::Kill { child: c as u32 });
            }
        }
        st.exit_code = if stopped.is_some() { None } else { code };
        let run = self.finish(&mut st, end, stopped);
        st.done = true;
        st.out.push(ToPage::Done { run });
    }

    /// A thread's lane with the time from its `start()` (`queued`) until a
    /// worker thread ran it (`started`; both on the shared clock) as
    /// [`State::Starting`]: in the browser, a program worker started for it.
    fn waited_for_worker(&self, mut lane: Lane, queued: f64, started: f64) -> Lane {
        if started > queued {
            lane.spans.insert(0, Span { state: State::Starting, start_ms: queued - self.origin, end_ms: started - self.origin, line: None });
        }
        lane
    }

    fn finish(&self, st: &mut St, end: f64, stopped: Option<String>) -> ProgramRun {
        let wall_ms = end - self.origin;
        let mut lanes: Vec<Lane> = st
            .threads
            .iter_mut()
            .map(|t| t.lane.take().unwrap_or_else(|| Lane { who: t.who.clone(), daemon: t.daemon, spans: Vec::new(), marks: Vec::new(), unfinished: true }))
            .collect();
        lanes.append(&mut st.child_lanes);
        for c in st.children.iter().filter(|c| c.alive) {
            lanes.push(Lane { who: Who { process: Some(c.name.clone()), thread: "MainThread".into() }, daemon: false, spans: Vec::new(), marks: Vec::new(), unfinished: true });
        }
        // The main process's threads as they started, then the children in
        // the order they were started (they end in any order).
        let started = |l: &Lane| l.who.process.as_ref().map(|n| st.children.iter().position(|c| &c.name == n).unwrap_or(usize::MAX));
        lanes.sort_by_key(|l| started(l));
        for (name, mark) in std::mem::take(&mut st.joins) {
            if let Some(l) = lanes.iter_mut().find(|l| l.who.process.as_deref() == Some(&name) || (l.who.process.is_none() && l.who.thread == name)) {
                l.marks.push(mark);
            }
        }
        let verdict = verdict(&lanes, wall_ms, self.spec.gil, self.env.cores());
        if st.dropped > 0 {
            let text = format!("… {} more lines were printed (ThreadLab keeps a run's first {})", crate::text::group(st.dropped as u64), crate::text::group(MAX_CONSOLE_LINES as u64));
            st.console.push(Line { t_ms: wall_ms, who: main_who("MainThread"), text, stderr: false });
        }
        ProgramRun {
            gil: self.spec.gil,
            switch_interval_ms: self.spec.switch_interval_ms,
            wall_ms,
            console: std::mem::take(&mut st.console),
            lanes,
            gil_switches: self.gil.as_ref().map_or(0, |g| g.stats().switches),
            processes: st.children.len() as u32,
            // Each child's main thread counts too.
            threads: (st.threads.len() + st.children.len()) as u32,
            exit_code: st.exit_code,
            stopped,
            verdict,
            deadlock: st.deadlock.take(),
            waits: std::mem::take(&mut st.stuck),
        }
    }

    fn start_thread(self: &Arc<Self>, t: &Arc<TaskObj>) -> Result<(), String> {
        let mut st = lock(&self.st);
        let max = self.env.max_threads();
        if st.live_threads >= max {
            return Err(format!("can't start new thread (ThreadLab runs at most {max} threads of a program at once here)"));
        }
        if self.stopping.load(SeqCst) {
            return Err("can't start new thread (the program is stopping)".into());
        }
        if let Some(p) = &t.pool {
            if !st.pools.iter().any(|q| Arc::ptr_eq(q, p)) {
                st.pools.push(p.clone());
            }
        }
        let lane = st.threads.len();
        let daemon = t.is_daemon();
        st.threads.push(ThreadLane { who: main_who(&t.name), daemon, ended: false, lane: None });
        st.waits.resize(lane + 1, None);
        st.live_threads += 1;
        if !daemon {
            st.live_nondaemon += 1;
        }
        drop(st);
        let (me, t, queued) = (self.clone(), t.clone(), self.env.now_ms());
        self.env.spawn(Box::new(move || me.run_thread(lane, t, queued)));
        Ok(())
    }

    fn run_thread(self: &Arc<Self>, lane: usize, t: Arc<TaskObj>, queued: f64) {
        let who = main_who(&t.name);
        let started = self.env.now_ms();
        let mut host = self.host(lane, who.clone());
        host.w.start();
        host.mark("start", None);
        let r = guarded(|| self.program.run_thread(&t, &mut host));
        let mut unfinished = false;
        match r {
            // `sys.exit()` in a thread ends that thread, silently.
            Ok(()) | Err(PyError::Exception(pyvm::PyException { kind: ExcKind::SystemExit, .. })) => {}
            Err(PyError::Exception(x)) => {
                // threading.excepthook: the traceback, and the program goes on.
                self.print(&who, &format!("Exception in thread {}:\n{}\n", t.name, x.traceback_text(FILE, &self.spec.program)), true);
                host.mark("exception", x.traceback.last().map(|t| t.1));
            }
            Err(PyError::Stopped(_)) => unfinished = true,
        }
        self.flush(&who);
        lock(&self.st).threads[lane].ended = true;
        t.end(None);
        host.mark("exit", None);
        host.w.finish();
        let end = self.env.now_ms();
        let ThreadHost { w, marks, .. } = host;
        let tracer = w.into_tracer();
        let mut st = lock(&self.st);
        let daemon = st.threads[lane].daemon;
        st.threads[lane].lane = Some(self.waited_for_worker(lane_of(tracer, who, daemon, self.origin, end, marks, unfinished), queued, started));
        st.live_threads -= 1;
        if !daemon {
            st.live_nondaemon -= 1;
        }
    }

    /// A new child (`Spawn` queued), or why not.
    fn spawn_child(&self, st: &mut St, name: String, task: Option<Arc<TaskObj>>, pool: Option<Arc<PoolObj>>) -> Result<u32, String> {
        if self.stopping.load(SeqCst) {
            return Err(format!("can't start {name} (the program is stopping)"));
        }
        if st.live_children >= MAX_LIVE_CHILDREN {
            return Err(format!("can't start {name}: ThreadLab runs at most {MAX_LIVE_CHILDREN} processes of a program at once"));
        }
        if st.children.len() >= MAX_CHILDREN_PER_RUN {
            return Err(format!("can't start {name}: ThreadLab starts at most {MAX_CHILDREN_PER_RUN} processes in one run of a program"));
        }
        // As at fork: a multiprocessing queue crosses as its handle.
        // And logging's configuration, and the switch interval as they are now.
        let mut globals: Vec<(String, Vec<u8>)> = self.program.globals().into_iter().filter_map(|(n, v)| Some((n, v.pickle(true).ok()?))).collect();
        globals.extend(self.program.logging().pickle(false).ok().map(|b| (LOGGING.to_string(), b)));
        let child = st.children.len() as u32;
        let switch_interval_ms = f64::from_bits(self.switch_interval_ms.load(SeqCst));
        let job = ChildJob { program: self.spec.program.clone(), name: name.clone(), globals, gil: self.spec.gil, switch_interval_ms, origin_ms: self.origin };
        if let Some(p) = &pool {
            p.live.fetch_add(1, SeqCst);
        }
        st.children.push(ChildRec { name, task, pool, busy: false, exiting: false, alive: true, spawned_ms: self.t(), started_ms: None, failed: false });
        st.live_children += 1;
        st.out.push(ToPage::Spawn { child, job });
        Ok(child)
    }

    /// `function(*args)` as a message: the function by its top-level name,
    /// the arguments as bytes (`share`: a `Process`'s, where a
    /// multiprocessing queue crosses as its handle; not a pool's call's, as
    /// in CPython). `Err`: the exception to raise.
    fn call_msg(&self, st: &mut St, func: &Value, args: &[Value], share: bool) -> Result<(u32, ToChild), (ExcKind, String)> {
        // The function's name, and (a method's) the object it runs on.
        let (function, this) = match func {
            Value::Func(f) => {
                let name = f.code.name.to_string();
                match self.program.global(&name) {
                    Some(Value::Func(g)) if Arc::ptr_eq(f, &g) => (name, None),
                    _ => return Err((ExcKind::AttributeError, format!("Can't pickle local object '{name}': a process runs only functions defined at the top level of the program"))),
                }
            }
            // A built-in function crosses by its name (`pow`, `math.sqrt`).
            Value::Builtin(name) => (name.to_string(), None),
            // A method of an object of a top-level class (a `Process`
            // subclass's `run`): `Class.method`, the object (a copy, as
            // its attributes are at `start()`) its first argument.
            Value::BoundMethod(m) => {
                let (Some(obj), Value::Func(f)) = (m.0.user_instance(), &m.1) else {
                    return Err((ExcKind::TypeError, format!("cannot send this '{}' to a process: only functions defined at the top level of the program, and methods of its objects, run there", func.type_name())));
                };
                let class = obj.class.clone();
                match self.program.global(class.name) {
                    Some(Value::Class(c)) if Arc::ptr_eq(&c, &class) => {}
                    _ => return Err((ExcKind::AttributeError, format!("Can't pickle local object '{}': a process runs only methods of classes defined at the top level of the program", class.name))),
                }
                let method = f.code.name.clone();
                let this = m.0.pickle(share).map_err(|u| (u.kind, format!("{} (the object whose {method}() runs in a process)", u.message)))?;
                (format!("{}.{method}", class.name), Some(this))
            }
            _ => return Err((ExcKind::TypeError, format!("cannot send '{}' to a process: only functions defined at the top level of the program can run there", func.type_name()))),
        };
        // A `Process`'s start raises it (CPython's fork copies instead): say why.
        let why = |u: pyvm::wire::Unpicklable| (u.kind, if share { format!("{} (an argument sent to a process)", u.message) } else { u.message });
        let args = this.into_iter().map(Ok).chain(args.iter().map(|a| a.pickle(share).map_err(why))).collect::<Result<Vec<_>, _>>()?;
        let call = st.next_call;
        st.next_call += 1;
        Ok((call, ToChild::Call { call, function, args }))
    }

    fn start_process(&self, p: &Arc<TaskObj>) -> Result<(), String> {
        let mut st = lock(&self.st);
        let (call, msg) = self.call_msg(&mut st, &p.target, &p.args, true).map_err(|(_, why)| why)?;
        if !p.kwargs.is_empty() {
            return Err("ThreadLab's processes take their target's arguments as args=(...), not kwargs".into());
        }
        let child = self.spawn_child(&mut st, p.name.to_string(), Some(p.clone()), None)?;
        st.calls.insert(call, (child, CallFor::Process));
        st.children[child as usize].busy = true;
        st.children[child as usize].exiting = true;
        st.out.push(ToPage::ToChild { child, msg });
        st.out.push(ToPage::ToChild { child, msg: ToChild::Exit });
        Ok(())
    }

    /// `Process.terminate()`: its worker killed, its lane cut there.
    fn terminate(&self, p: &Arc<TaskObj>, code: i32) {
        let t = self.t();
        let mut st = lock(&self.st);
        let Some(c) = st.children.iter().position(|c| c.alive && c.task.as_ref().is_some_and(|x| Arc::ptr_eq(x, p))) else { return };
        let rec = &mut st.children[c];
        rec.alive = false;
        let (name, spawned, started) = (rec.name.clone(), rec.spawned_ms, rec.started_ms);
        st.live_children -= 1;
        st.out.push(ToPage::Kill { child: c as u32 });
        st.child_lanes.push(Lane {
            who: Who { process: Some(name), thread: "MainThread".into() },
            daemon: p.is_daemon(),
            spans: vec![Span { state: State::Starting, start_ms: spawned, end_ms: started.unwrap_or(t).max(spawned), line: None }],
            marks: vec![Mark { t_ms: t, what: "exit".into(), line: None }],
            unfinished: true,
        });
        p.end(Some(code));
    }

    fn pool_work(&self, pool: &Arc<PoolObj>) -> Result<(), String> {
        let mut st = lock(&self.st);
        if !st.pools.iter().any(|q| Arc::ptr_eq(q, pool)) {
            st.pools.push(pool.clone());
        }
        self.dispatch(&mut st, pool)
    }

    /// Hands a pool's queued calls to its idle children, starting children
    /// up to its size; once it is shut down and drained, ends them.
    fn dispatch(&self, st: &mut St, pool: &Arc<PoolObj>) -> Result<(), String> {
        let ours = |c: &ChildRec| c.alive && !c.exiting && c.pool.as_ref().is_some_and(|p| Arc::ptr_eq(p, pool));
        loop {
            if lock(&pool.queue).is_empty() {
                break;
            }
            let idle = st.children.iter().position(|c| ours(c) && !c.busy);
            let child = match idle {
                Some(c) => c as u32,
                None if st.children.iter().filter(|c| ours(c)).count() < pool.max_workers => {
                    let n = self.program.counters().processes.fetch_add(1, SeqCst) + 1;
                    match self.spawn_child(st, format!("{}-{n}", pool.prefix), None, Some(pool.clone())) {
                        Ok(c) => c,
                        Err(why) if !st.children.iter().any(|c| ours(c)) => {
                            // No worker at all: the calls fail, as a broken pool's do.
                            for w in lock(&pool.queue).drain(..) {
                                w.future.set(Err(pyvm::exc_obj(ExcKind::RuntimeError, &why)));
                            }
                            return Err(why);
                        }
                        Err(_) => break,
                    }
                }
                None => break,
            };
            let Some(w) = lock(&pool.queue).pop_front() else { break };
            match self.call_msg(st, &w.func, &w.args, false) {
                Ok((call, msg)) => {
                    st.calls.insert(call, (child, CallFor::Future(w.future)));
                    st.children[child as usize].busy = true;
                    st.out.push(ToPage::ToChild { child, msg });
                }
                Err((kind, why)) => w.future.set(Err(pyvm::exc_obj(kind, &why))),
            }
        }
        if pool.shutdown.load(SeqCst) && lock(&pool.queue).is_empty() {
            for c in 0..st.children.len() {
                if ours(&st.children[c]) && !st.children[c].busy {
                    st.children[c].exiting = true;
                    st.out.push(ToPage::ToChild { child: c as u32, msg: ToChild::Exit });
                }
            }
        }
        Ok(())
    }

    fn pool_shutdown(&self, pool: &Arc<PoolObj>, terminate: bool) {
        let _ = terminate;
        let mut st = lock(&self.st);
        let _ = self.dispatch(&mut st, pool);
    }

    fn deliver(&self, m: FromChild) {
        let child = match &m {
            FromChild::Started { child, .. } | FromChild::Line { child, .. } | FromChild::Returned { child, .. } | FromChild::Put { child, .. } | FromChild::Exited { child, .. } => *child as usize,
        };
        let mut st = lock(&self.st);
        if child >= st.children.len() || !st.children[child].alive || st.done {
            return; // a message from a child that is not (or no longer) there
        }
        let who = Who { process: Some(st.children[child].name.clone()), thread: "MainThread".into() };
        match m {
            FromChild::Started { t_ms, .. } => st.children[child].started_ms = Some(t_ms),
            FromChild::Line { line, .. } => {
                // The child says when; who is the session's to say.
                let line = Line { who, t_ms: line.t_ms, text: line.text, stderr: line.stderr };
                st.push_line(line);
            }
            FromChild::Returned { call, result, .. } => {
                let Some((c, what)) = st.calls.remove(&call) else { return };
                if c as usize != child {
                    return;
                }
                st.children[child].busy = false;
                match (what, result) {
                    (CallFor::Process, Ok(_)) => {}
                    (CallFor::Process, Err(tb)) => {
                        // As CPython's Process._bootstrap: the traceback, exit code 1.
                        st.children[child].failed = true;
                        let t = self.t();
                        for text in std::iter::once(format!("Process {}:", who.process.clone().unwrap_or_default())).chain(tb.lines().map(str::to_string)) {
                            let line = Line { t_ms: t, who: who.clone(), text, stderr: true };
                            st.push_line(line);
                        }
                    }
                    (CallFor::Future(f), Ok(bytes)) => f.set(self.program.value_from_bytes(&bytes).ok_or_else(|| pyvm::exc_obj(ExcKind::RuntimeError, "a process's result could not be read"))),
                    (CallFor::Future(f), Err(tb)) => f.set(Err(exception_of(&tb, &self.program))),
                }
                if let Some(p) = st.children[child].pool.clone() {
                    let _ = self.dispatch(&mut st, &p);
                }
            }
            FromChild::Put { queue, value, .. } => {
                // Into the parent's queue (waking a `get`); a handle or a
                // value that is not one of ours is dropped.
                if let (Some(q), Some(v)) = (self.program.counters().queue(queue), self.program.value_from_bytes(&value)) {
                    q.unfinished.fetch_add(1, SeqCst);
                    lock(&q.items).push_back(v);
                }
            }
            FromChild::Exited { code, lanes, .. } => {
                let rec = &mut st.children[child];
                rec.alive = false;
                let code = if rec.failed && code == 0 { 1 } else { code };
                if let Some(t) = &rec.task {
                    t.end(Some(code));
                }
                if let Some(p) = &rec.pool {
                    p.live.fetch_sub(1, SeqCst);
                }
                let (spawned, started) = (rec.spawned_ms, rec.started_ms);
                st.live_children -= 1;
                for mut lane in lanes {
                    lane.who = Who { process: who.process.clone(), thread: lane.who.thread };
                    let first = started.or(lane.spans.first().map(|s| s.start_ms)).unwrap_or(spawned);
                    if first > spawned {
                        lane.spans.insert(0, Span { state: State::Starting, start_ms: spawned, end_ms: first, line: None });
                    }
                    st.child_lanes.push(lane);
                }
            }
        }
    }
}

/// `f()`, with a panic of the interpreter (a bug) reported as a Python
/// `RuntimeError` rather than leaving the thread's end unknown.
fn guarded(f: impl FnOnce() -> Result<(), PyError>) -> Result<(), PyError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(PyError::Exception(pyvm::PyException { kind: ExcKind::RuntimeError, message: "internal error in ThreadLab's interpreter (please report it)".into(), traceback: Vec::new(), class: None }))
    })
}

/// The exception a child's traceback text names (its last line,
/// `Kind: message`), raised again in the parent as CPython does.
/// A class of the program's exceptions (`MyError`) is found again by
/// name, as CPython's unpickling finds it.
fn exception_of(tb: &str, program: &Program) -> Arc<pyvm::value::ExcObj> {
    let last = tb.lines().last().unwrap_or_default();
    let (kind, msg) = last.split_once(": ").unwrap_or((last, ""));
    if let Some(Value::Class(c)) = program.global(kind.trim()) {
        if let (pyvm::value::Native::Exc(k), Ok(user)) = (c.native, pyvm::value::Instance::new(c.clone())) {
            let args = if msg.is_empty() { Vec::new() } else { vec![Value::str(msg)] };
            return Arc::new(pyvm::value::ExcObj { user: Some(user), ..pyvm::value::ExcObj::new(k, args) });
        }
    }
    match ExcKind::from_name(kind.trim()) {
        Some(k) => pyvm::exc_obj(k, msg),
        None => pyvm::exc_obj(ExcKind::RuntimeError, last),
    }
}

/// A Python thread's effects: see the module.
struct ThreadHost<'a> {
    s: &'a Arc<Inner>,
    w: Worker<'a>,
    who: Who,
    marks: Vec<Mark>,
    lane: usize,
    /// The thread the next wait joins.
    joining: Option<String>,
}

impl ThreadHost<'_> {
    fn note_wait(&self, w: Option<WaitRec>) {
        let mut st = lock(&self.s.st);
        if let Some(slot) = st.waits.get_mut(self.lane) {
            *slot = w;
        }
    }
    fn mark(&mut self, what: &str, line: Option<u32>) {
        self.marks.push(Mark { t_ms: self.s.t(), what: what.into(), line });
    }
    /// Waits in `state` until `ready`, the deadline (ms), or a stop.
    fn wait(&mut self, state: trace::State, line: u32, until: Option<f64>, ready: &mut dyn FnMut() -> bool) -> Result<bool, Stop> {
        let s = self.s;
        let mut got = false;
        // A wait that only another thread can end (not a sleep, not a timeout).
        let joined = self.joining.take();
        let joined_name = joined.clone();
        if state != trace::State::IoWait && until.is_none() {
            self.note_wait(Some(WaitRec { on: joined, lock: false, line }));
        }
        self.w.set_task(Some(line));
        self.w.wait_until(state, |now| {
            got = ready();
            got || until.is_some_and(|e| now >= e) || s.check().is_err()
        });
        self.w.set_task(None);
        self.note_wait(None);
        if let (true, Some(name)) = (got, joined_name) {
            let mark = Mark { t_ms: s.t(), what: "join".into(), line: Some(line).filter(|l| *l > 0) };
            lock(&s.st).joins.push((name, mark));
        }
        s.check()?;
        Ok(got)
    }
}

impl pyvm::Host for ThreadHost<'_> {
    fn breaker(&mut self) -> Result<(), Stop> {
        self.w.tick();
        self.s.check()
    }
    fn sleep(&mut self, secs: f64) -> Result<(), Stop> {
        let end = self.s.env.now_ms() + secs * 1000.0;
        self.wait(trace::State::IoWait, 0, Some(end), &mut || false).map(|_| ())
    }
    fn time(&self) -> f64 {
        self.s.env.now_ms() / 1000.0
    }
    fn perf_counter(&self) -> f64 {
        self.s.env.now_ms() / 1000.0
    }
    fn print(&mut self, text: &str) {
        self.s.print(&self.who, text, false);
    }
    fn print_err(&mut self, text: &str) {
        self.s.print(&self.who, text, true);
    }
    fn ident(&self) -> u64 {
        thread_ident(self.lane)
    }
    fn native_id(&self) -> i64 {
        self.pid() + self.lane as i64
    }
    fn thread_ids(&self, name: &str) -> Option<(u64, i64)> {
        let lane = lock(&self.s.st).threads.iter().position(|t| t.who.thread == name)?;
        Some((thread_ident(lane), self.pid() + lane as i64))
    }
    fn threads(&self) -> Vec<String> {
        let st = lock(&self.s.st);
        st.threads.iter().filter(|t| !t.ended && t.lane.is_none()).map(|t| t.who.thread.clone()).collect()
    }
    fn switch_interval(&self) -> f64 {
        f64::from_bits(self.s.switch_interval_ms.load(SeqCst)) / 1000.0
    }
    fn set_switch_interval(&mut self, secs: f64) {
        let ms = secs * 1000.0;
        self.s.switch_interval_ms.store(ms.to_bits(), SeqCst);
        if let Some(g) = &self.s.gil {
            g.set_interval_ms(ms);
        }
    }
    fn has_gil(&self) -> bool {
        self.s.spec.gil
    }
    fn program_ms(&self) -> f64 {
        self.s.t()
    }
    fn traceback_text(&self, e: &pyvm::PyException) -> String {
        e.traceback_text(FILE, &self.s.spec.program)
    }
    fn wait_for_lock(&mut self) -> Result<(), Stop> {
        self.w.sleep_in(trace::State::LockWait, 0.05);
        self.s.check()
    }
    fn lock_wait(&mut self, holder: Option<&str>, line: u32, timed: bool, free: &mut dyn FnMut() -> bool) -> Result<(), Stop> {
        // Noted for the watchdog while it waits, unless the acquire has a
        // timeout: that ends by itself.
        if !timed {
            self.note_wait(Some(WaitRec { on: holder.map(str::to_string), lock: true, line }));
        }
        // As CPython's blocked acquire: the GIL released until the lock is
        // released (checked every 50 µs), not taken again to look; a timed
        // acquire comes back every 10 ms to check its timeout.
        let s = self.s;
        let start = s.env.now_ms();
        self.w.wait_every(trace::State::LockWait, LOCK_POLL_MS, |now| free() || (timed && now - start >= 10.0) || s.check().is_err());
        if !timed {
            self.note_wait(None);
        }
        s.check()
    }
    fn joining(&mut self, name: &str) {
        self.joining = Some(name.to_string());
    }
    fn thread_name(&self) -> String {
        self.who.thread.clone()
    }
    fn block(&mut self, why: pyvm::Wait, line: u32, timeout: Option<f64>, ready: &mut dyn FnMut() -> bool) -> Result<bool, Stop> {
        if ready() {
            if let Some(name) = self.joining.take() {
                let mark = Mark { t_ms: self.s.t(), what: "join".into(), line: Some(line).filter(|l| *l > 0) };
                lock(&self.s.st).joins.push((name, mark));
            }
            return Ok(true);
        }
        let until = timeout.map(|t| self.s.env.now_ms() + t * 1000.0);
        let state = match why {
            pyvm::Wait::Lock => trace::State::LockWait,
            pyvm::Wait::Join => trace::State::Joining,
            pyvm::Wait::Receive => trace::State::Receiving,
        };
        self.wait(state, line, until, ready)
    }
    fn start_thread(&mut self, t: &Arc<TaskObj>) -> Result<(), String> {
        self.s.start_thread(t)
    }
    fn start_process(&mut self, p: &Arc<TaskObj>) -> Result<(), String> {
        self.s.start_process(p)
    }
    fn pool_work(&mut self, pool: &Arc<PoolObj>) -> Result<(), String> {
        self.s.pool_work(pool)
    }
    fn terminate_process(&mut self, p: &Arc<TaskObj>, code: i32) {
        self.s.terminate(p, code)
    }
    fn pool_shutdown(&mut self, pool: &Arc<PoolObj>, terminate: bool) {
        self.s.pool_shutdown(pool, terminate)
    }
    fn cores(&self) -> usize {
        self.s.env.cores()
    }
    fn active_count(&self) -> usize {
        lock(&self.s.st).threads.iter().filter(|t| !t.ended && t.lane.is_none()).count()
    }
    fn pid(&self) -> i64 {
        4242
    }
}

/// Less computing than this (ms) shows nothing about parallelism.
const MIN_CLAIM_MS: f64 = 100.0;

/// A verdict where the run shows the claim its program is about.
fn verdict(lanes: &[Lane], wall_ms: f64, gil: bool, cores: usize) -> Option<String> {
    let secs = |ms: f64| format!("{:.1} s", ms / 1000.0);
    let total = |lane: &Lane, state: State| lane.spans.iter().filter(|s| s.state == state).map(|s| s.end_ms - s.start_ms).sum::<f64>();
    // Two lanes in `state` at once, for at least a tenth of the shorter.
    let overlapping = |ls: &[&Lane], state: State| {
        let spans: Vec<Vec<(f64, f64)>> = ls.iter().map(|l| l.spans.iter().filter(|s| s.state == state).map(|s| (s.start_ms, s.end_ms)).collect()).collect();
        let mut both = 0.0;
        for i in 0..spans.len() {
            for j in i + 1..spans.len() {
                for a in &spans[i] {
                    for b in &spans[j] {
                        both += (a.1.min(b.1) - a.0.max(b.0)).max(0.0);
                    }
                }
            }
        }
        both
    };
    let children: Vec<&Lane> = lanes.iter().filter(|l| l.who.process.is_some() && total(l, State::Running) > 0.0).collect();
    // On one core, spans at once are the OS taking turns, not parallelism.
    if children.len() >= 2 && cores >= 2 {
        let sum: f64 = children.iter().map(|l| total(l, State::Running)).sum();
        if sum >= MIN_CLAIM_MS && overlapping(&children, State::Running) > 0.1 * sum / children.len() as f64 {
            return Some(format!("The processes ran in parallel: the program took {}, not the {} their computing adds up to.", secs(wall_ms), secs(sum)));
        }
    }
    let threads: Vec<&Lane> = lanes.iter().filter(|l| l.who.process.is_none()).collect();
    let sleepers: Vec<&Lane> = threads.iter().copied().filter(|l| total(l, State::Sleeping) > 0.0).collect();
    if sleepers.len() >= 2 {
        let sum: f64 = sleepers.iter().map(|l| total(l, State::Sleeping)).sum();
        if overlapping(&sleepers, State::Sleeping) > 0.0 && sum > wall_ms {
            return Some(format!("The sleeping threads overlapped: the program took {}, not the {} their sleeps add up to.", secs(wall_ms), secs(sum)));
        }
    }
    let workers: Vec<&Lane> = threads.iter().copied().filter(|l| l.who.thread != "MainThread" && total(l, State::Running) > 0.05 * wall_ms).collect();
    if workers.len() >= 2 && workers.iter().map(|l| total(l, State::Running)).sum::<f64>() >= MIN_CLAIM_MS {
        let sum: f64 = workers.iter().map(|l| total(l, State::Running)).sum();
        if gil {
            return Some(format!("The threads took turns holding the GIL: they computed for {} in all, one at a time, and the program took {}.", secs(sum), secs(wall_ms)));
        }
        if cores >= 2 && overlapping(&workers, State::Running) > 0.1 * sum / workers.len() as f64 {
            return Some(format!("Without the GIL the threads computed at once: {} of computing in {}.", secs(sum), secs(wall_ms)));
        }
    }
    None
}

/// A child process's interpreter, on its own worker (no threads of the
/// page's pool: the process worker's engine is single-threaded).
pub struct Child {
    child: u32,
    name: String,
    origin: f64,
    program: Option<Program>,
    /// Its source, for the lines a traceback shows.
    source: String,
    lane: Vec<Span>,
    marks: Vec<Mark>,
    kill: Arc<AtomicBool>,
    sleep: Box<dyn Fn(f64) + Send>,
    deadline: f64,
    /// Lines sent (none past [`MAX_CONSOLE_LINES`]: the parent keeps no more).
    sent: usize,
    /// Items put into the parent's queues (at most [`MAX_CHILD_PUTS`]).
    puts: usize,
    /// The parent's GIL setting and switch interval (ms; `sys` reads them).
    gil: bool,
    switch_ms: f64,
}

/// The name `logging`'s configuration crosses to a child under, among the
/// globals (no Python name can be it).
const LOGGING: &str = "<logging>";

impl Child {
    pub fn start(job: ChildJob, child: u32, now_ms: &dyn Fn() -> f64, out: &mut dyn FnMut(FromChild)) -> Child {
        Child::start_with(job, child, now_ms, out, Arc::new(AtomicBool::new(false)), None)
    }

    /// [`Child::start`] with a kill switch (a thread's `Kill` natively; a
    /// worker's is terminated instead) and a blocking sleep (`None`: waits
    /// by reading the clock).
    pub fn start_with(job: ChildJob, child: u32, now_ms: &dyn Fn() -> f64, out: &mut dyn FnMut(FromChild), kill: Arc<AtomicBool>, sleep: Option<Box<dyn Fn(f64) + Send>>) -> Child {
        let sleep = sleep.unwrap_or_else(|| Box::new(|_| std::hint::spin_loop()));
        let program = Program::compile_defs(&job.program).ok();
        let t0 = now_ms() - job.origin_ms;
        let mut c = Child { child, name: job.name.clone(), origin: job.origin_ms, program: None, source: job.program.clone(), lane: Vec::new(), marks: vec![Mark { t_ms: t0, what: "start".into(), line: None }], kill, sleep, deadline: job.origin_ms + crate::workloads::python::run_budget_ms(), sent: 0, puts: 0, gil: job.gil, switch_ms: job.switch_interval_ms };
        if let Some(p) = &program {
            // Define the functions, classes and imports, then the parent's
            // data: set before too, for a class body that reads a global,
            // and after, its objects then of the classes just defined.
            let set_globals = |p: &Program| {
                for (name, bytes) in &job.globals {
                    match p.value_from_bytes(bytes) {
                        Some(v) if name == LOGGING => p.set_logging(&v),
                        Some(v) => {
                            p.set_global(name, v);
                        }
                        None => {}
                    }
                }
            };
            set_globals(p);
            let mut host = ChildHost { c: &mut c, now: now_ms, out, child, state: None };
            let _ = p.run_module(&mut host);
            set_globals(p);
        }
        c.program = program;
        out(FromChild::Started { child, t_ms: now_ms() - c.origin });
        c
    }

    /// Carry out a message from the parent, sending what it produces
    /// (printed lines as they are printed) through `out`.
    pub fn handle(&mut self, msg: ToChild, now_ms: &dyn Fn() -> f64, out: &mut dyn FnMut(FromChild)) {
        let child = self.child;
        match msg {
            ToChild::Call { call, function, args } => {
                let Some(program) = self.program.take() else {
                    out(FromChild::Returned { child, call, result: Err("RuntimeError: the program did not compile in the child".into()) });
                    return;
                };
                let args: Option<Vec<Value>> = args.iter().map(|b| program.value_from_bytes(b)).collect();
                let result = match args {
                    None => Err("RuntimeError: an argument could not be read".to_string()),
                    Some(args) => {
                        let mut host = ChildHost { c: self, now: now_ms, out, child, state: None };
                        host.enter(Some(State::Running));
                        let r = program.call(&function, &args, &mut host);
                        host.enter(None);
                        match r {
                            Ok(v) => v.pickle(false).map_err(|u| format!("{}: {}", u.kind.name(), u.message)),
                            Err(PyError::Exception(x)) => Err(x.traceback_text(FILE, &self.source)),
                            Err(PyError::Stopped(s)) => Err(format!("RuntimeError: {s}")),
                        }
                    }
                };
                self.program = Some(program);
                out(FromChild::Returned { child, call, result });
            }
            ToChild::Exit => {
                let t = now_ms() - self.origin;
                self.marks.push(Mark { t_ms: t, what: "exit".into(), line: None });
                let lane = Lane { who: Who { process: Some(self.name.clone()), thread: "MainThread".into() }, daemon: false, spans: std::mem::take(&mut self.lane), marks: std::mem::take(&mut self.marks), unfinished: false };
                out(FromChild::Exited { child, code: 0, lanes: vec![lane] });
            }
        }
    }
}

/// A child's interpreter effects: lines sent as printed, spans recorded.
struct ChildHost<'a, 'o> {
    c: &'a mut Child,
    now: &'a dyn Fn() -> f64,
    out: &'a mut (dyn FnMut(FromChild) + 'o),
    child: u32,
    /// The state entered and when (ms since the program started).
    state: Option<(State, f64)>,
}

impl ChildHost<'_, '_> {
    fn t(&self) -> f64 {
        (self.now)() - self.c.origin
    }
    /// What a print wrote: one or more lines; `end=""` text is sent as a line of its own.
    fn send_lines(&mut self, text: &str, stderr: bool) {
        let t = self.t();
        let text = text.strip_suffix('\n').unwrap_or(text);
        for l in text.split('\n') {
            if self.c.sent >= MAX_CONSOLE_LINES {
                return;
            }
            self.c.sent += 1;
            (self.out)(FromChild::Line { child: self.child, line: Line { t_ms: t, who: Who { process: Some(self.c.name.clone()), thread: "MainThread".into() }, text: l.to_string(), stderr } });
        }
    }
    fn enter(&mut self, state: Option<State>) {
        let t = self.t();
        if let Some((s, from)) = self.state.take() {
            if t > from {
                self.c.lane.push(Span { state: s, start_ms: from, end_ms: t, line: None });
            }
        }
        self.state = state.map(|s| (s, t));
    }
    fn check(&self) -> Result<(), Stop> {
        if self.c.kill.load(SeqCst) {
            return Err(Stop::Cancelled);
        }
        if (self.now)() > self.c.deadline {
            return Err(Stop::Budget("the program ran past ThreadLab's limit for one run".into()));
        }
        Ok(())
    }
}

impl pyvm::Host for ChildHost<'_, '_> {
    fn breaker(&mut self) -> Result<(), Stop> {
        self.check()
    }
    fn sleep(&mut self, secs: f64) -> Result<(), Stop> {
        self.enter(Some(State::Sleeping));
        let end = (self.now)() + secs * 1000.0;
        loop {
            let left = end - (self.now)();
            if left <= 0.0 || self.check().is_err() {
                break;
            }
            (self.c.sleep)(left.min(10.0));
        }
        self.enter(Some(State::Running));
        self.check()
    }
    fn time(&self) -> f64 {
        (self.now)() / 1000.0
    }
    fn perf_counter(&self) -> f64 {
        (self.now)() / 1000.0
    }
    fn print(&mut self, text: &str) {
        self.send_lines(text, false);
    }
    fn print_err(&mut self, text: &str) {
        self.send_lines(text, true);
    }
    fn has_gil(&self) -> bool {
        self.c.gil
    }
    fn switch_interval(&self) -> f64 {
        self.c.switch_ms / 1000.0
    }
    fn set_switch_interval(&mut self, secs: f64) {
        self.c.switch_ms = secs * 1000.0;
    }
    fn program_ms(&self) -> f64 {
        self.t()
    }
    fn traceback_text(&self, e: &pyvm::PyException) -> String {
        e.traceback_text(FILE, &self.c.source)
    }
    fn thread_name(&self) -> String {
        "MainThread".into()
    }
    fn process_name(&self) -> String {
        self.c.name.clone()
    }
    fn queue_put(&mut self, queue: u32, value: Vec<u8>) -> Result<(), String> {
        if self.c.puts >= MAX_CHILD_PUTS {
            return Err(format!("ThreadLab sends at most {} items from one child process to its parent", crate::text::group(MAX_CHILD_PUTS as u64)));
        }
        self.c.puts += 1;
        // The crossing, on the child's lane: sending, then back to what it did.
        let was = self.state.map(|(s, _)| s);
        self.enter(Some(State::Sending));
        (self.out)(FromChild::Put { child: self.child, queue, value });
        self.enter(was);
        Ok(())
    }
    fn start_thread(&mut self, _: &Arc<TaskObj>) -> Result<(), String> {
        Err("can't start new thread: ThreadLab runs no threads inside a child process yet".into())
    }
    fn start_process(&mut self, _: &Arc<TaskObj>) -> Result<(), String> {
        Err("can't start a process inside a child process in ThreadLab yet".into())
    }
    fn pool_work(&mut self, _: &Arc<PoolObj>) -> Result<(), String> {
        Err("can't start a process pool inside a child process in ThreadLab yet".into())
    }
    fn pid(&self) -> i64 {
        4243 + i64::from(self.child)
    }
}

/// Run a program natively, children on OS threads with their own
/// interpreters, relaying as the page does (tests, `examples/`).
#[cfg(not(target_family = "wasm"))]
pub fn run_native(spec: ProgramSpec) -> Result<ProgramRun, ExperimentError> {
    run_native_with(spec, Arc::new(NativeEnv { budget_ms: crate::workloads::python::run_budget_ms(), cancel_after_ms: None }))
}

/// [`run_native`] with another budget (ms), or cancelled after `cancel_after_ms`.
#[cfg(not(target_family = "wasm"))]
pub fn run_native_budget(spec: ProgramSpec, budget_ms: f64, cancel_after_ms: Option<f64>) -> Result<ProgramRun, ExperimentError> {
    run_native_with(spec, Arc::new(NativeEnv { budget_ms, cancel_after_ms }))
}

#[cfg(not(target_family = "wasm"))]
struct NativeEnv {
    budget_ms: f64,
    cancel_after_ms: Option<f64>,
}

#[cfg(not(target_family = "wasm"))]
impl Env for NativeEnv {
    fn now_ms(&self) -> f64 {
        crate::platform::Clock::now_ms(&crate::platform::NativeHost)
    }
    fn spawn(&self, f: Box<dyn FnOnce() + Send>) {
        // 8 MB: the interpreter's nested built-in calls recurse in Rust.
        let _ = std::thread::Builder::new().stack_size(8 << 20).spawn(f);
    }
    fn sleep_ms(&self, ms: f64) {
        crate::platform::Blocking::sleep_ms(&crate::platform::NativeHost, ms)
    }
    fn cores(&self) -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
    fn budget_ms(&self) -> f64 {
        self.budget_ms
    }
}

#[cfg(not(target_family = "wasm"))]
fn run_native_with(spec: ProgramSpec, env: Arc<NativeEnv>) -> Result<ProgramRun, ExperimentError> {
    use std::sync::mpsc;
    let cancel_at = env.cancel_after_ms.map(|ms| env.now_ms() + ms);
    let session = Session::start(spec, env.clone())?;
    let (tx, rx) = mpsc::channel::<FromChild>();
    let mut kids: HashMap<u32, (mpsc::Sender<ToChild>, Arc<AtomicBool>)> = HashMap::new();
    loop {
        if cancel_at.is_some_and(|t| env.now_ms() >= t) {
            session.cancel();
        }
        for m in session.poll() {
            match m {
                ToPage::Line { .. } => {}
                ToPage::Spawn { child, job } => {
                    let (ctx, crx) = mpsc::channel::<ToChild>();
                    let kill = Arc::new(AtomicBool::new(false));
                    kids.insert(child, (ctx, kill.clone()));
                    let tx = tx.clone();
                    let _ = std::thread::Builder::new().stack_size(8 << 20).spawn(move || {
                        let now = || crate::platform::Clock::now_ms(&crate::platform::NativeHost);
                        let mut out = |m: FromChild| {
                            let _ = tx.send(m);
                        };
                        let sleep: Box<dyn Fn(f64) + Send> = Box::new(|ms| crate::platform::Blocking::sleep_ms(&crate::platform::NativeHost, ms));
                        let mut c = Child::start_with(job, child, &now, &mut out, kill.clone(), Some(sleep));
                        for msg in crx {
                            if kill.load(SeqCst) {
                                break;
                            }
                            let exit = msg == ToChild::Exit;
                            c.handle(msg, &now, &mut out);
                            if exit {
                                break;
                            }
                        }
                    });
                }
                ToPage::ToChild { child, msg } => {
                    if let Some((ctx, _)) = kids.get(&child) {
                        let _ = ctx.send(msg);
                    }
                }
                ToPage::Kill { child } => {
                    if let Some((_, kill)) = kids.remove(&child) {
                        kill.store(true, SeqCst);
                    }
                }
                ToPage::Done { run } => {
                    for (_, kill) in kids.values() {
                        kill.store(true, SeqCst);
                    }
                    return Ok(run);
                }
            }
        }
        while let Ok(m) = rx.try_recv() {
            session.deliver(m);
        }
        if let Ok(m) = rx.recv_timeout(std::time::Duration::from_millis(2)) {
            session.deliver(m);
        }
    }
}
