//! What every workload module implements and works with: the [`Kind`] and
//! [`Task`] traits, the form [`Field`]s and their [`Params`] reader, a
//! task's [`Output`] and [`Cost`], the [`Machine`] facts. The registry in
//! `mod.rs` lists the modules; they use this, never the registry.

use crate::claim::{Claim, Judging, Verdict};
use crate::error::ExperimentError;
use crate::extra::Extra;
use crate::model::Shape;
use crate::record::{ModelRun, TaskRecord};
use crate::shared::Shared;
use crate::summary::ModelSummary;
use crate::worker::Worker;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt::Debug;

/// One kind of task: what the registry needs to list and parse it.
/// Implemented by the parameter struct of a workload, with [`Task`].
pub trait Kind: Task + Debug + Clone + PartialEq + Serialize + DeserializeOwned + Sized {
    /// The name a learner sees in the workload menu.
    const LABEL: &'static str;
    /// The parameters, in form order: labels, hints, defaults and limits.
    const FIELDS: &'static [Field];
    /// The experiment runs this many tasks per worker (the `tasks` field is
    /// ignored): one for the convoy, three for the race.
    const TASKS_PER_WORKER: Option<u32> = None;
    /// The models an experiment of this workload runs when it names none
    /// (`None`: [`Model::DEFAULT`](crate::model::Model::DEFAULT)).
    const MODELS: Option<&'static [crate::model::Model]> = None;

    /// Reads and validates the parameters (see [`Params`]).
    fn parse(p: &Params) -> Result<Self, ExperimentError>;

    /// This workload with its size scaled by `factor` (0 < `factor` ≤ 1)
    /// with [`scaled`] or [`scaled_side`], exactly as its Python writes its
    /// size (`scaled(…)`, `scaled_side(…)`, read with the program's
    /// `SCALE`): what the Python program sized to seconds computes
    /// ([`crate::python::sizing`]). `None` (the default): its size is not
    /// scaled (work sized in time takes as long in Python).
    fn scaled(&self, _factor: f64) -> Option<Self> {
        None
    }
}

/// What a workload does and knows, once parsed.
pub trait Task {
    /// Mostly computing (as opposed to mostly waiting).
    fn cpu_bound(&self) -> bool;
    /// What one task costs, to refuse experiments too large for a tab
    /// (the whole experiment's cost, when [`Task::splits_one_job`]).
    fn cost(&self) -> Cost;
    /// The tasks share out one piece of work (an image's tiles): more tasks
    /// make each smaller, and [`Task::cost`] is the whole's.
    fn splits_one_job(&self) -> bool {
        false
    }
    /// Bytes of input the experiment's tasks share out ([`crate::data`]);
    /// 0 when its tasks read no input.
    fn input_bytes(&self) -> u64 {
        0
    }
    /// Processes receive their share of the input by transfer (no copy;
    /// the sender's buffer is emptied) rather than by structured clone.
    fn transfers_input(&self) -> bool {
        false
    }
    /// CPU work is sized in milliseconds: it needs [`Machine::cpu_iterations_per_ms`].
    fn needs_calibration(&self) -> bool {
        false
    }
    /// Why this workload cannot run on processes × threads, if it cannot
    /// (it compares what threads share with what processes cannot).
    fn not_hybrid(&self) -> Option<&'static str> {
        None
    }
    /// Checks that need the whole experiment (e.g. at least two workers).
    fn validate(&self, _exp: &Shape) -> Result<(), ExperimentError> {
        Ok(())
    }
    /// Runs task `index` on `w`, as in `executor.map(fn, range(tasks))`.
    fn run(&self, machine: &Machine, index: u32, w: &mut Worker) -> Output;
    /// What every task of an experiment of `tasks` tasks must return,
    /// computed another way (closed form, sieve). `None` for a task whose
    /// value depends on timing. Called once per experiment, in a worker.
    fn expected(&self, machine: &Machine, tasks: u32) -> Vec<Option<u64>>;
    /// Its values are not known beforehand ([`Task::expected`] has none)
    /// but must equal the sequential model's, task by task (the python
    /// workload): the results compare them ([`crate::results`]).
    fn compare_with_sequential(&self) -> bool {
        false
    }
    /// Checks one task's record; `None` when it is right.
    fn check(&self, record: &TaskRecord, expected: Option<u64>) -> Option<String> {
        match expected {
            Some(want) if record.value != want => Some(format!("task {} returned {} instead of {want}", record.index, record.value)),
            _ => None,
        }
    }
    /// Checks a whole run, beyond each task's value (the race: what the
    /// shared counters say); sentences, empty when all is right.
    fn check_run(&self, _exp: &Shape, _run: &ModelRun) -> Vec<String> {
        Vec::new()
    }
    /// What its tasks left in what they share, read once a run of the loop
    /// or a threads pool ends (the race's counters, the deadlock's wait-for
    /// graph): the workload's own part of the [`ModelRun`] ([`Extra`]; a
    /// process pool's run has none: each process shared only with itself).
    fn after_run(&self, _shared: &Shared) -> Extra {
        Extra::none()
    }
    /// What a model's repeats come to in this workload's own terms (the
    /// convoy's wake-up latency over every repeat, the race's counters in
    /// the repeat shown, the first deadlock found): its part of the
    /// [`ModelSummary`]. `shown`: the repeat the summary shows (the median).
    fn summarise(&self, _exp: &Shape, _runs: &[ModelRun], _shown: Option<&ModelRun>) -> Extra {
        Extra::none()
    }
    /// Task `index` crashes its worker by design (the crash lesson): its
    /// loss is the expected outcome, not a problem.
    fn crashes(&self, _index: u32) -> bool {
        false
    }
    /// One line a learner reads: "CPU: count primes below 1,000,000".
    fn describe(&self) -> String;
    /// Sentences of the explanation only this workload can say.
    fn explain(&self, _exp: &Shape, _models: &[ModelSummary]) -> Vec<String> {
        Vec::new()
    }
    /// The claim of the seeds this workload's experiments test, if it has
    /// one of its own (the convoy, the crash, the mistakes); `None`: the
    /// generic claims ([`crate::verdict`]) apply.
    fn claim(&self, _exp: &Shape) -> Option<Claim> {
        None
    }
    /// Judges its own claim (see [`Task::claim`]) from the run's numbers.
    fn judge(&self, _cx: &Judging) -> Option<Verdict> {
        None
    }
    /// The same task in Python (see [`crate::python`]): returning the same
    /// value as [`Task::run`] wherever [`Task::expected`] has one.
    fn python(&self, machine: &Machine) -> PythonTask;
    /// About how long its Python takes under CPython (ms; the whole job's
    /// when [`Task::splits_one_job`]), for [`crate::python::estimate_ms`]:
    /// [`Cost::python_ms`] at the CPython speed measured for it (its
    /// module's `PYTHON_NS_PER_ITERATION`, see [`PYTHON_MEASURED_WITH`]), or
    /// its milliseconds when sized in time. `None`: not known (no estimate).
    fn python_ms(&self) -> Option<f64> {
        None
    }
    /// What a learner should know before running its Python under CPython,
    /// if anything (the race: CPython's GIL rarely switches mid-`+=`).
    fn python_note(&self) -> Option<&'static str> {
        None
    }
}

/// What the workloads' `PYTHON_NS_PER_ITERATION` figures were measured
/// with: each workload's Python task (as the program has it) run one task
/// after another, best of three, by `measure_cpython_time_per_iteration`
/// in `tests/python.rs` (`cargo test --test python -- --ignored
/// --nocapture`). Another CPython or machine runs faster or slower: an
/// estimate, said as one.
pub const PYTHON_MEASURED_WITH: &str = "CPython 3.11.7 on a 2-core x86-64 Linux virtual machine";

/// The Python program's size knob: `SCALE` (set by [`crate::python`])
/// scales a workload's size as [`scaled`] does, to the same integers
/// (Python's `round` is [`f64::round_ties_even`], and `*` the same IEEE
/// operation).
pub const PYTHON_SCALED: &str = "def scaled(n):\n    \"\"\"A size scaled by SCALE (1: the page's size).\"\"\"\n    return max(1, round(n * SCALE))\n";

/// An image's side scaled as [`scaled_side`] does (`math.sqrt` is IEEE's
/// square root, as [`f64::sqrt`]; the program imports `math` for it).
pub const PYTHON_SCALED_SIDE: &str = "def scaled_side(n):\n    \"\"\"An image's side scaled so that its area scales by SCALE.\"\"\"\n    return max(1, round(n * math.sqrt(SCALE)))\n";

/// `n` scaled by `factor`, as the Python program's `scaled(n)` does.
pub fn scaled(n: u64, factor: f64) -> u64 {
    (n as f64 * factor).round_ties_even().max(1.0) as u64
}

/// An image's side `n` scaled so that its area scales by `factor`, as the
/// Python program's `scaled_side(n)` does.
pub fn scaled_side(n: u64, factor: f64) -> u64 {
    (n as f64 * factor.sqrt()).round_ties_even().max(1.0) as u64
}

/// A task in Python: module-level `helpers` (may be empty) and the `body`
/// of `def task(i):`, each line indented by four spaces.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonTask {
    pub helpers: String,
    pub body: String,
    /// The program returns the page's values (else it is sized in time).
    pub same_values: bool,
    /// A task crashes its process: each model runs in a child process.
    pub crashes: bool,
    /// `task(i, data)` receives its share of an input (`inputs(shared)`
    /// in the helpers makes the shares).
    pub takes_input: bool,
}

/// A form field of a workload: what the UI shows, and what the core accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    /// The key in the experiment JSON (`workload.<key>`) and in links.
    pub key: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// The value the form starts with, and the value used when it is absent.
    pub default: &'static str,
    pub input: Input,
}

/// What a field accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Input {
    /// A whole number in `min..=max`.
    Whole { min: u64, max: u64 },
    /// Text the workload parses itself (a mixed recipe).
    Text,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// Program text of several lines (the python workload's code), at most
    /// `max_chars` characters: an editor, in a monospace font.
    Code { max_chars: u64 },
}

/// What one task costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cost {
    /// About this many loop iterations of computing (~1 ns each in a tab).
    Iterations(f64),
    /// About this many milliseconds, by design (waits, timed work).
    Ms(u64),
}

impl Cost {
    /// What it takes under CPython (ms): `ns_per_iteration` for each of its
    /// iterations, or its milliseconds (work sized in time takes as long in
    /// Python).
    pub fn python_ms(self, ns_per_iteration: f64) -> f64 {
        match self {
            Cost::Iterations(n) => n * ns_per_iteration / 1e6,
            Cost::Ms(ms) => ms as f64,
        }
    }
}

/// What one task returns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Output {
    pub value: u64,
    /// Beyond the value, the workload's own (the convoy's wake-up
    /// latencies, a Mandelbrot tile's picture): becomes the record's.
    pub extra: Extra,
    /// Bytes the result crossed to the page as (a process's Python value,
    /// serialised): added to the record's moved bytes. 0 for most.
    pub moved_bytes: u64,
}

impl Output {
    /// `value`, and `extra`: a typed value of the workload's (see [`Extra::of`]).
    pub fn with<T: Serialize>(value: u64, extra: &T) -> Output {
        Output { value, extra: Extra::of(extra), moved_bytes: 0 }
    }
}

impl From<u64> for Output {
    fn from(value: u64) -> Output {
        Output { value, extra: Extra::none(), moved_bytes: 0 }
    }
}

/// Facts about the machine a run needs: measured on the visitor's machine,
/// never carried by an experiment or a link.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Machine {
    /// Loop iterations per millisecond (sizes CPU work given in ms).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cpu_iterations_per_ms: Option<f64>,
}

impl Machine {
    /// Loop iterations that take about `ms` on this machine.
    pub fn iterations(&self, ms: u64) -> u64 {
        (ms as f64 * self.cpu_iterations_per_ms.unwrap_or(0.0)).round() as u64
    }
}

/// A workload's parameters as given (JSON object), read field by field
/// against its [`Field`]s, so messages name the field and its range.
pub struct Params<'a> {
    obj: &'a Map<String, Value>,
    fields: &'static [Field],
}

impl<'a> Params<'a> {
    pub fn new(obj: &'a Map<String, Value>, fields: &'static [Field]) -> Params<'a> {
        Params { obj, fields }
    }

    fn field(&self, key: &str) -> &'static Field {
        self.fields.iter().find(|f| f.key == key).unwrap_or_else(|| panic!("workload field `{key}` is not declared in FIELDS"))
    }

    /// The raw value, or the declared default when absent.
    fn value(&self, key: &str) -> Value {
        match self.obj.get(key) {
            None | Some(Value::Null) => Value::String(self.field(key).default.to_string()),
            Some(v) => v.clone(),
        }
    }

    /// A whole number within the field's declared range.
    pub fn whole(&self, key: &str) -> Result<u64, ExperimentError> {
        let Input::Whole { min, max } = self.field(key).input else { panic!("`{key}` is not a whole-number field") };
        crate::error::whole_in(&self.value(key), &format!("workload.{key}"), min, max)
    }

    /// Text, for the workload to parse.
    pub fn text(&self, key: &str) -> String {
        match self.value(key) {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }
}

