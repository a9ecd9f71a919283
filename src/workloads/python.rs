//! The learner's own Python: `def task(i):` in ThreadLab's Python
//! ([`crate::pyvm`], docs/python.md), mapped over `range(tasks)` as
//! `executor.map(task, range(tasks))` would.
//!
//! By model, as CPython behaves: every memory has one interpreter
//! ([`crate::pyvm::Program`], kept in the memory's [`Shared`], its module
//! top level run once). The sequential worker runs every task on its one
//! program; the threads of a pool (GIL or not, static split too) share one
//! program, so module globals are one; each process has its own (a fresh
//! heap: a global counts only that process's tasks), and a task's return
//! value crosses to the page as serialised bytes ([`crate::pyvm::wire`]),
//! counted as moved bytes.
//!
//! The seam with the interpreter is [`Host`], implemented here over the
//! [`Worker`]: the eval breaker is [`Worker::tick`] (so the simulated GIL
//! switches at the switch interval) and the run's time budget; `time.sleep`
//! is [`Worker::io`]; a contended `threading.Lock` waits with the GIL
//! released; the clocks are the worker's; `print` is collected into the
//! record.
//!
//! A task's value is any Python value: the record keeps its `repr`
//! (clipped) and, as [`TaskRecord::value`], a number derived from it
//! ([`value_of_repr`]); with no value known beforehand, every model's
//! values are checked against the sequential model's
//! ([`Task::compare_with_sequential`]). A task that raises fails alone, with
//! its traceback in the record and the model's problems.
//!
//! Without the `pyvm` feature (the page's first download) the code is kept
//! as text, its length checked; the lab and the engines compile it.

use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::record::TaskRecord;
#[cfg(feature = "pyvm")]
use crate::shared::PythonMemory;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};

/// The longest task code accepted (characters).
pub const MAX_CODE_CHARS: usize = 20_000;

/// The form's code: the tutorials' CPU task.
pub const DEFAULT_CODE: &str = "def task(i):\n    total = 0\n    for n in range(10_000_000):\n        total += n\n    return total\n";

/// How long the tasks of one memory (the sequential worker, a pool's
/// threads, one process) may run Python in one run (ms): a task still
/// running then is stopped at its next eval-breaker check, and the later
/// tasks of that memory fail at once, with a sentence saying so. (A Python
/// task's cost is unknown beforehand, so the budget is enforced while it
/// runs rather than refused before.)
pub const RUN_BUDGET_MS: f64 = 60_000.0;

/// The budget in force (ms as `f64` bits): [`RUN_BUDGET_MS`] unless
/// [`set_run_budget_ms`] changed it.
static BUDGET: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(RUN_BUDGET_MS.to_bits());

/// Changes the run budget of every later run in this memory (tests make it
/// short to see a task that never ends stopped).
pub fn set_run_budget_ms(ms: f64) {
    BUDGET.store(ms.to_bits(), std::sync::atomic::Ordering::Relaxed);
}

#[cfg_attr(not(feature = "pyvm"), allow(dead_code))]
pub fn run_budget_ms() -> f64 {
    f64::from_bits(BUDGET.load(std::sync::atomic::Ordering::Relaxed))
}

/// Printed text kept per task (bytes); the rest is counted.
pub const MAX_PRINTED: usize = 4_096;
/// Characters of a return value's repr kept per task.
pub const MAX_REPR: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Python {
    /// The module: at least `def task(i):`.
    pub code: String,
}

impl Kind for Python {
    const LABEL: &'static str = "Python: your own task";
    const FIELDS: &'static [Field] = &[Field {
        key: "code",
        label: "Task (Python)",
        hint: "def task(i) runs once per task, as executor.map(task, range(tasks)) would; what it returns is its value. ThreadLab's Python: see docs/python.md.",
        default: DEFAULT_CODE,
        input: Input::Code { max_chars: MAX_CODE_CHARS as u64 },
    }];

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        let code = p.text("code");
        check_code(&code).map_err(CodeError::into_experiment_error)?;
        Ok(Python { code })
    }
}

/// Why the code cannot run: a syntax error (with its place), no
/// `def task(i)`, or too long. `line` and `col` (1-based; 0 when the error
/// has no place) let an editor mark it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeError {
    /// The sentence, naming `workload.code` (and the line and column).
    pub message: String,
    pub line: u32,
    pub col: u32,
}

impl CodeError {
    fn at(line: u32, col: u32, what: String) -> CodeError {
        CodeError { message: ExperimentError::code("workload.code", line, col, &what).to_string(), line, col }
    }

    fn into_experiment_error(self) -> ExperimentError {
        ExperimentError::Code { field: "workload.code".into(), message: self.message, line: self.line, col: self.col }
    }
}

/// Checks task code as validation does: its length and, with the
/// interpreter built in, that it compiles and defines `task` with one
/// parameter. The error carries the place for an editor.
pub fn check_code(code: &str) -> Result<(), CodeError> {
    let chars = code.chars().count();
    if chars > MAX_CODE_CHARS {
        return Err(CodeError::at(0, 0, format!("the code is {} characters long; at most {} are accepted", crate::text::group(chars as u64), crate::text::group(MAX_CODE_CHARS as u64))));
    }
    #[cfg(feature = "pyvm")]
    {
        let program = crate::pyvm::Program::compile(code).map_err(|e| CodeError::at(e.line, e.col, format!("SyntaxError: {}", e.message)))?;
        match program.signature("task") {
            None => return Err(CodeError::at(0, 0, "the code must define `def task(i):` at its top level (ThreadLab calls task(0), task(1), … once per task)".into())),
            Some(s) if s.accepts(1) => {}
            Some(s) => {
                let takes = match s.most {
                    Some(m) if m == s.required => format!("{m}"),
                    Some(m) => format!("{} to {m}", s.required),
                    None => format!("at least {}", s.required),
                };
                return Err(CodeError::at(s.line, 1, format!("`task` must take one parameter, the task's index, as in `def task(i):` (it takes {takes})")));
            }
        }
    }
    Ok(())
}

/// A task's outputs beside its value (the record's fields `repr`,
/// `printed`, `error`, `traceback`; absent ones are skipped).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Outcome {
    /// `repr()` of what `task(i)` returned (clipped to [`MAX_REPR`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub repr: Option<String>,
    /// What the task printed (its first [`MAX_PRINTED`] bytes).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub printed: String,
    /// Why the task failed: the traceback's last line, e.g.
    /// "ZeroDivisionError: division by zero (line 3)", or why it was stopped.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// The Python-style traceback of a failed task.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub traceback: Option<String>,
}

/// A task's [`TaskRecord::value`] from the repr of what it returned: an
/// int that fits in a u64 is itself (`True`/`False` are 1 and 0); anything
/// else is a stable 64-bit hash of the repr (FNV-1a), so equal values give
/// equal numbers on every model and machine.
pub fn value_of_repr(repr: &str) -> u64 {
    match repr {
        "True" => 1,
        "False" => 0,
        _ => repr.parse::<u64>().unwrap_or_else(|_| repr.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))),
    }
}

#[cfg_attr(not(feature = "pyvm"), allow(dead_code))]
fn clip_bytes(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl Python {
    /// Whether the task updates a module global (`global` in the code).
    fn updates_globals(&self) -> bool {
        self.code.lines().any(|l| l.trim_start().starts_with("global "))
    }

    /// Whether the code takes a lock around something (`with lock:`, or
    /// `acquire()`).
    fn takes_a_lock(&self) -> bool {
        self.code.lines().any(|l| {
            let l = l.trim_start();
            (l.starts_with("with ") && l.contains("lock")) || l.contains(".acquire(")
        })
    }
}

/// The module globals holding an int a model's run left, by name.
fn int_globals(s: &crate::summary::ModelSummary) -> std::collections::BTreeMap<String, i128> {
    s.extra.get::<Globals>().map_or_else(Default::default, |g| g.globals.into_iter().filter_map(|(n, v)| Some((n, v.parse().ok()?))).collect())
}

impl Task for Python {
    /// A heuristic: code that sleeps waits; other code computes.
    fn cpu_bound(&self) -> bool {
        !self.code.contains("sleep(")
    }
    /// A task that updates a global, run sequentially and on threads: does
    /// it lose updates (and does a lock keep them)?
    fn claim(&self, exp: &crate::model::Shape) -> Option<crate::claim::Claim> {
        let threads = exp.models.iter().any(|m| m.on_threads());
        (self.updates_globals() && threads && exp.models.contains(&crate::model::Model::Sequential)).then_some(crate::claim::Claim::LockGuardsUpdates)
    }
    /// Each threads pool's int globals against the sequential run's (which
    /// counted every update): the updates lost, with or without a lock.
    fn judge(&self, cx: &crate::claim::Judging) -> Option<crate::claim::Verdict> {
        use crate::model::Model;
        let Some(seq) = cx.models.iter().find(|s| s.model == Model::Sequential && s.ran()) else { return cx.verdict(None, cx.missing(Model::Sequential)) };
        let want = int_globals(seq);
        if want.is_empty() {
            return cx.verdict(None, "Cannot tell: the sequential run left no global number (a shared counter) to compare the threads' with.".into());
        }
        let pools: Vec<_> = cx.models.iter().filter(|s| s.model.on_threads() && s.ran()).collect();
        if pools.is_empty() {
            return cx.verdict(None, cx.missing(Model::Threads));
        }
        if cx.parallel < 2 {
            return cx.verdict(None, format!("Cannot tell: with {} worker nothing runs at the same time, so nothing can race.", cx.parallel));
        }
        // Per pool and global: what it lost against the sequential run.
        let losses: Vec<String> = pools
            .iter()
            .flat_map(|s| {
                let got = int_globals(s);
                want.iter().filter_map(move |(name, &w)| {
                    let g = *got.get(name)?;
                    (g != w).then(|| format!("{} left {name} = {} where the sequential run counted {} ({} lost)", s.label, g, w, w - g))
                })
            })
            .collect();
        let names = want.iter().map(|(n, v)| format!("{n} = {v}")).collect::<Vec<_>>().join(", ");
        let labels = pools.iter().map(|s| s.label.as_str()).collect::<Vec<_>>().join(" and ");
        let (held, text) = match (self.takes_a_lock(), losses.is_empty()) {
            (true, true) => (Some(true), format!("With the lock, no update was lost: {labels} left {names}, as the sequential run did.")),
            (true, false) => (Some(false), format!("Even with a lock, updates were lost: {}. Is every update of the global inside `with lock:`?", losses.join("; "))),
            (false, false) => (Some(true), format!("Without a lock, updates were lost: {}. Put `with lock:` around the update and run again.", losses.join("; "))),
            (false, true) => (None, format!("Cannot tell: no update was lost this time ({labels} left {names}): the threads did not interleave their updates. Run again, or give each task more updates.")),
        };
        cx.verdict(held, format!("{text}{}", cx.noise_note))
    }
    /// Unknown beforehand: nothing is refused for its size; the tasks are
    /// stopped while they run past [`RUN_BUDGET_MS`] instead.
    fn cost(&self) -> Cost {
        Cost::Ms(0)
    }
    fn run(&self, _: &Machine, index: u32, w: &mut Worker) -> Output {
        run_task(&self.code, index, w)
    }
    /// Not known beforehand: the sequential model's values are the reference.
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        vec![None; tasks as usize]
    }
    fn compare_with_sequential(&self) -> bool {
        true
    }
    fn check(&self, record: &TaskRecord, _: Option<u64>) -> Option<String> {
        let outcome: Outcome = record.extra.get()?;
        outcome.error.map(|e| format!("task {} failed: {e}", record.index))
    }
    #[cfg(feature = "pyvm")]
    fn after_run(&self, shared: &crate::shared::Shared) -> crate::extra::Extra {
        shared.python.get().map_or_else(crate::extra::Extra::none, globals_of)
    }
    /// The shown repeat's globals (what the run's `after_run` read).
    fn summarise(&self, _: &crate::model::Shape, _: &[crate::record::ModelRun], shown: Option<&crate::record::ModelRun>) -> crate::extra::Extra {
        shown.map_or_else(crate::extra::Extra::none, |r| r.extra.clone())
    }
    fn describe(&self) -> String {
        let lines = self.code.lines().filter(|l| !l.trim().is_empty()).count();
        format!("Python: your task ({lines} lines)")
    }
    fn python(&self, _: &Machine) -> PythonTask {
        // The learner's module, with `task` renamed so the harness's own
        // `def task(i):` calls it.
        PythonTask { helpers: format!("{}\n\n_own_task = task\n", self.code.trim_end()), body: "    return _own_task(i)\n".into(), same_values: true, crashes: false, takes_input: false }
    }
}

/// What a run left in its module globals (a loop's or a pool's one heap;
/// processes each had their own, so their runs have none): the `repr` of
/// each global holding plain data (not functions, modules or locks), by
/// name, clipped; the run's `globals` field.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Globals {
    pub globals: std::collections::BTreeMap<String, String>,
}

/// At most this many globals are reported.
pub const MAX_GLOBALS: usize = 20;

/// The run's `globals` (see [`Globals`]).
#[cfg(feature = "pyvm")]
fn globals_of(memory: &PythonMemory) -> crate::extra::Extra {
    let globals: std::collections::BTreeMap<String, String> =
        memory.program.globals().into_iter().filter(|(_, v)| v.to_data().is_some_and(|d| !d.holds_object())).take(MAX_GLOBALS).map(|(n, v)| (n, clip_bytes(&v.repr(), 200))).collect();
    if globals.is_empty() {
        return crate::extra::Extra::none();
    }
    crate::extra::Extra::of(&Globals { globals })
}

#[cfg(not(feature = "pyvm"))]
fn run_task(_: &str, _: u32, _: &mut Worker) -> Output {
    let outcome = Outcome { error: Some("this build has no Python interpreter (built without the `pyvm` feature)".into()), ..Outcome::default() };
    Output::with(0, &outcome)
}

#[cfg(feature = "pyvm")]
fn run_task(code: &str, index: u32, w: &mut Worker) -> Output {
    use crate::pyvm::{PyError, Value};
    use std::sync::atomic::Ordering;
    let shared: &crate::shared::Shared = w.shared();
    let memory = shared.python.get_or_init(|| {
        // Validation compiled it already; a failure here is a bug, said as one.
        PythonMemory::new(crate::pyvm::Program::compile(code).unwrap_or_else(|_| crate::pyvm::Program::compile("def task(i):\n    raise RuntimeError('the code did not compile')\n").expect("compiles")))
    });
    let start = *memory.started.get_or_init(|| w.now());
    let name = if shared.pool { format!("ThreadPoolExecutor-0_{}", w.id) } else { "MainThread".to_string() };
    let mut host = WorkerHost { w, printed: String::new(), printed_bytes: 0, deadline: start + run_budget_ms(), name, index };
    let mut outcome = Outcome::default();
    let mut moved = 0u64;
    let result = if memory.stopped.load(Ordering::Relaxed) {
        Err(PyError::Stopped(crate::pyvm::Stop::Budget(budget_words())))
    } else {
        memory.program.call("task", &[Value::int(i64::from(index))], &mut host)
    };
    // A process sends its result to the page as bytes (pickled, in
    // CPython): what arrives is what those bytes say, and what cannot be
    // sent (a function, a lock) fails the task, as pickling does.
    let result = match result {
        Ok(v) if shared.process => match v.to_bytes() {
            Some(bytes) => {
                moved = bytes.len() as u64;
                Ok(Value::from_bytes(&bytes).unwrap_or(v))
            }
            None => Err(PyError::Exception(crate::pyvm::PyException {
                kind: crate::pyvm::ExcKind::TypeError,
                message: format!("cannot send a '{}' object from a process (CPython: cannot pickle it)", v.type_name()),
                traceback: Vec::new(),
                class: None,
            })),
        },
        other => other,
    };
    let value = match result {
        Ok(v) => {
            let repr = v.repr();
            let value = value_of_repr(&repr);
            outcome.repr = Some(clip_bytes(&repr, MAX_REPR));
            value
        }
        Err(e) => {
            if matches!(e, PyError::Stopped(crate::pyvm::Stop::Budget(_))) {
                memory.stopped.store(true, Ordering::Relaxed);
            }
            outcome.error = Some(match &e {
                PyError::Stopped(crate::pyvm::Stop::Budget(why)) => why.clone(),
                other => other.to_string(),
            });
            if let PyError::Exception(x) = &e {
                outcome.traceback = Some(traceback(x));
            }
            0
        }
    };
    outcome.printed = std::mem::take(&mut host.printed);
    if host.printed_bytes > outcome.printed.len() {
        outcome.printed.push_str(&format!("\n… ({} more bytes printed)", host.printed_bytes - outcome.printed.len()));
    }
    let mut out = Output::with(value, &outcome);
    out.moved_bytes = moved;
    out
}

#[cfg(feature = "pyvm")]
fn budget_words() -> String {
    format!("stopped: the tasks of this run took more than {}, ThreadLab's limit for one run of Python; make the task do less work", crate::text::ms(run_budget_ms()))
}

#[cfg(feature = "pyvm")]
fn traceback(x: &crate::pyvm::PyException) -> String {
    x.traceback_text("<task>", "")
}

/// The interpreter's effects, on a worker: see the module.
#[cfg(feature = "pyvm")]
struct WorkerHost<'w, 'a> {
    w: &'w mut Worker<'a>,
    printed: String,
    printed_bytes: usize,
    /// When the memory's budget runs out (worker clock, ms).
    deadline: f64,
    name: String,
    /// The task's index: `random` starts as `random.seed(index)`.
    index: u32,
}

#[cfg(feature = "pyvm")]
impl WorkerHost<'_, '_> {
    fn within_budget(&self) -> Result<(), crate::pyvm::Stop> {
        if self.w.now() > self.deadline {
            return Err(crate::pyvm::Stop::Budget(budget_words()));
        }
        Ok(())
    }
}

#[cfg(feature = "pyvm")]
impl crate::pyvm::Host for WorkerHost<'_, '_> {
    fn breaker(&mut self) -> Result<(), crate::pyvm::Stop> {
        self.w.tick();
        self.within_budget()
    }
    fn sleep(&mut self, secs: f64) -> Result<(), crate::pyvm::Stop> {
        // Never past the budget: a sleep that would end after it ends there.
        let ms = (secs * 1000.0).max(0.0).min((self.deadline - self.w.now()).max(0.0) + 1.0);
        self.w.io(ms);
        self.within_budget()
    }
    fn time(&self) -> f64 {
        // The worker's clock is milliseconds since the page (or process)
        // started; time.time() differences are what programs use.
        self.w.now() / 1000.0
    }
    fn perf_counter(&self) -> f64 {
        self.w.now() / 1000.0
    }
    fn print(&mut self, text: &str) {
        self.printed_bytes += text.len();
        let room = MAX_PRINTED.saturating_sub(self.printed.len());
        if room > 0 {
            let keep = clip_bytes(text, room);
            let keep = keep.strip_suffix('…').unwrap_or(&keep);
            self.printed.push_str(keep);
        }
    }
    fn wait_for_lock(&mut self) -> Result<(), crate::pyvm::Stop> {
        // A contended threading.Lock: wait a little with the GIL released,
        // drawn as a lock wait; the VM then tries again.
        self.w.sleep_in(crate::trace::State::LockWait, 0.05);
        self.within_budget()
    }
    fn thread_name(&self) -> String {
        self.name.clone()
    }
    fn random_seed(&self) -> u64 {
        self.index.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_ints_or_stable_hashes() {
        assert_eq!(value_of_repr("49999995000000"), 49_999_995_000_000);
        assert_eq!(value_of_repr("True"), 1);
        assert_eq!(value_of_repr("-1"), value_of_repr("-1"));
        assert_ne!(value_of_repr("-1"), value_of_repr("'-1'"));
        assert_ne!(value_of_repr("[1, 2]"), value_of_repr("[2, 1]"));
    }

    #[test]
    fn clipping_keeps_whole_characters() {
        assert_eq!(clip_bytes("héllo", 2), "h…");
        assert_eq!(clip_bytes("abc", 3), "abc");
    }
}
