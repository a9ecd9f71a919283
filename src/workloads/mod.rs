//! The workloads: what one task does, each in one module of its own.
//!
//! A workload module owns everything about its kind of task: its parameters
//! and their limits (the form fields the UI builds from them), the cost
//! estimate that refuses hour-long runs, the work itself, the value a correct
//! task returns (computed another way) and the check, the sentence that
//! describes it and, where it has one, its part of the explanation.
//!
//! Adding a workload is one module implementing [`Kind`] and one line in the
//! `registry!` call below (see ARCHITECTURE.md, "How to add a workload").

use crate::experiment::{Experiment, ExperimentError};
use crate::results::{ModelRun, ModelSummary, TaskRecord};
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
    /// (`None`: [`Model::DEFAULT`](crate::experiment::Model::DEFAULT)).
    const MODELS: Option<&'static [crate::experiment::Model]> = None;

    /// Reads and validates the parameters (see [`Params`]).
    fn parse(p: &Params) -> Result<Self, ExperimentError>;
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
    fn validate(&self, _exp: &Experiment) -> Result<(), ExperimentError> {
        Ok(())
    }
    /// Runs task `index` on `w`, as in `executor.map(fn, range(tasks))`.
    fn run(&self, machine: &Machine, index: u32, w: &mut Worker) -> Output;
    /// What every task of an experiment of `tasks` tasks must return,
    /// computed another way (closed form, sieve). `None` for a task whose
    /// value depends on timing. Called once per experiment, in a worker.
    fn expected(&self, machine: &Machine, tasks: u32) -> Vec<Option<u64>>;
    /// Checks one task's record; `None` when it is right.
    fn check(&self, record: &TaskRecord, expected: Option<u64>) -> Option<String> {
        match expected {
            Some(want) if record.value != want => Some(format!("task {} returned {} instead of {want}", record.index, record.value)),
            _ => None,
        }
    }
    /// Checks a whole run, beyond each task's value (the race: what the
    /// shared counters say); sentences, empty when all is right.
    fn check_run(&self, _exp: &Experiment, _run: &ModelRun) -> Vec<String> {
        Vec::new()
    }
    /// What the run's counters say (the race), for the summary; empty for
    /// workloads that count nothing together.
    fn counted(&self, _run: &ModelRun, _tasks: u32) -> Vec<u64> {
        Vec::new()
    }
    /// Task `index` crashes its worker by design (the crash lesson): its
    /// loss is the expected outcome, not a problem.
    fn crashes(&self, _index: u32) -> bool {
        false
    }
    /// One line a learner reads: "CPU: count primes below 1,000,000".
    fn describe(&self) -> String;
    /// Sentences of the explanation only this workload can say.
    fn explain(&self, _exp: &Experiment, _models: &[ModelSummary]) -> Vec<String> {
        Vec::new()
    }
    /// The same task in Python (see [`crate::python`]): returning the same
    /// value as [`Task::run`] wherever [`Task::expected`] has one.
    fn python(&self, machine: &Machine) -> PythonTask;
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
}

/// What one task costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cost {
    /// About this many loop iterations of computing (~1 ns each in a tab).
    Iterations(f64),
    /// About this many milliseconds, by design (waits, timed work).
    Ms(u64),
}

/// What one task returns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Output {
    pub value: u64,
    /// Convoy only: how late each wake-up resumed, in ms.
    pub latencies_ms: Vec<f64>,
    /// Mandelbrot only: the tile's picture, one hexadecimal shade a pixel.
    pub picture: String,
}

impl From<u64> for Output {
    fn from(value: u64) -> Output {
        Output { value, ..Output::default() }
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
        crate::experiment::whole_in(&self.value(key), &format!("workload.{key}"), min, max)
    }

    /// Text, for the workload to parse.
    pub fn text(&self, key: &str) -> String {
        match self.value(key) {
            Value::String(s) => s,
            other => other.to_string(),
        }
    }
}

/// What the UI and the docs need to know about a registered workload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Info {
    /// `workload.kind` in the experiment JSON.
    pub key: &'static str,
    pub label: &'static str,
    pub fields: &'static [Field],
    /// Set: the experiment runs this many tasks per worker (no `tasks` field).
    pub tasks_per_worker: Option<u32>,
    /// The models it runs when none are named (`None`: the usual four).
    pub models: Option<&'static [crate::experiment::Model]>,
}

/// Declares the workloads: the [`Workload`] enum (serialised as
/// `{"kind": key, ...params}`), the list [`ALL`] and the dispatch to each
/// module's [`Kind`] implementation.
macro_rules! registry {
    ($($variant:ident = $key:literal => $module:ident :: $ty:ident,)*) => {
        $(pub mod $module;)*

        /// The work each task of an experiment does.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind")]
        pub enum Workload {
            $(#[serde(rename = $key)] $variant($module::$ty),)*
        }

        /// Every workload, in menu order.
        pub const ALL: &[Info] = &[
            $(Info { key: $key, label: <$module::$ty as Kind>::LABEL, fields: <$module::$ty as Kind>::FIELDS, tasks_per_worker: <$module::$ty as Kind>::TASKS_PER_WORKER, models: <$module::$ty as Kind>::MODELS },)*
        ];

        impl Workload {
            /// Reads `workload.kind` and the parameters of that kind.
            fn parse_kind(kind: &str, p: &Map<String, Value>) -> Option<Result<Workload, ExperimentError>> {
                match kind {
                    $($key => Some(<$module::$ty as Kind>::parse(&Params::new(p, <$module::$ty as Kind>::FIELDS)).map(Workload::$variant)),)*
                    _ => None,
                }
            }

            pub fn info(&self) -> &'static Info {
                let key = match self { $(Workload::$variant(_) => $key,)* };
                ALL.iter().find(|i| i.key == key).expect("every variant is registered")
            }

            /// The workload's behaviour ([`Task`]).
            pub fn task(&self) -> &dyn Task {
                match self { $(Workload::$variant(k) => k,)* }
            }
        }
    };
}

registry! {
    Loop = "loop" => count_loop::CountLoop,
    Primes = "primes" => primes::Primes,
    Sleep = "sleep" => sleep::Sleep,
    Mixed = "mixed" => mixed::Mixed,
    Convoy = "convoy" => convoy::Convoy,
    Crash = "crash" => crash::Crash,
    Data = "data" => data::Data,
    Race = "race" => race::Race,
    Deadlock = "deadlock" => deadlock::DeadlockTask,
    Join = "join" => join::Join,
    Mandelbrot = "mandelbrot" => mandelbrot::Mandelbrot,
}

impl Workload {
    /// The fields of the workload kind `v` names (`{"kind": ...}`).
    pub fn fields_of(v: &Value) -> Result<&'static [Field], ExperimentError> {
        let kind = v.as_object().and_then(|o| o.get("kind")).ok_or(ExperimentError::Missing("workload.kind".into()))?;
        let key = kind.as_str().unwrap_or_default();
        Workload::info_of(key).map(|i| i.fields).ok_or_else(|| ExperimentError::UnknownWorkload {
            got: crate::text::clip(&kind.to_string(), 40),
            suggestion: crate::text::suggest(key, ALL.iter().map(|i| i.key)),
        })
    }

    /// Parses `{"kind": ..., ...params}` (parameters of other names are the
    /// caller's business: see [`Experiment::from_value`]).
    pub fn from_value(v: &Value) -> Result<Workload, ExperimentError> {
        Workload::fields_of(v)?;
        let obj = v.as_object().ok_or(ExperimentError::Missing("workload.kind".into()))?;
        let key = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
        Workload::parse_kind(key, obj).expect("fields_of checked the kind")
    }

    pub fn key(&self) -> &'static str {
        self.info().key
    }
    pub fn cpu_bound(&self) -> bool {
        self.task().cpu_bound()
    }
    pub fn cost(&self) -> Cost {
        self.task().cost()
    }
    pub fn needs_calibration(&self) -> bool {
        self.task().needs_calibration()
    }
    pub fn input_bytes(&self) -> u64 {
        self.task().input_bytes()
    }
    pub fn run(&self, machine: &Machine, index: u32, w: &mut Worker) -> Output {
        self.task().run(machine, index, w)
    }
    pub fn expected(&self, machine: &Machine, tasks: u32) -> Vec<Option<u64>> {
        self.task().expected(machine, tasks)
    }
    pub fn check(&self, record: &TaskRecord, expected: Option<u64>) -> Option<String> {
        self.task().check(record, expected)
    }
    pub fn describe(&self) -> String {
        self.task().describe()
    }
    pub fn python(&self, machine: &Machine) -> PythonTask {
        self.task().python(machine)
    }

    /// The parameters as form text, keyed by field (the form's fields).
    pub fn field_values(&self) -> Vec<(&'static str, String)> {
        let v = serde_json::to_value(self).unwrap_or_default();
        self.info()
            .fields
            .iter()
            .map(|f| {
                let text = match v.get(f.key) {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => f.default.to_string(),
                };
                (f.key, text)
            })
            .collect()
    }

    /// The registered workload with this key.
    pub fn info_of(key: &str) -> Option<&'static Info> {
        ALL.iter().find(|i| i.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_registered_workload_parses_its_own_defaults_and_round_trips() {
        for info in ALL {
            let w = Workload::from_value(&json!({ "kind": info.key })).unwrap_or_else(|e| panic!("{}: {e}", info.key));
            assert_eq!(w.key(), info.key);
            let back: Workload = serde_json::from_value(serde_json::to_value(&w).unwrap()).unwrap();
            assert_eq!(back, w);
            let fields: Vec<_> = w.field_values().into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
            let mut obj: Map<String, Value> = fields.into_iter().collect();
            obj.insert("kind".into(), json!(info.key));
            assert_eq!(Workload::from_value(&Value::Object(obj)).unwrap(), w, "{}: form text round trip", info.key);
            assert!(!w.describe().is_empty());
        }
    }
}
