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

pub use self::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task, PYTHON_MEASURED_WITH, PYTHON_SCALED, PYTHON_SCALED_SIDE};
use crate::error::ExperimentError;
use crate::claim::{Claim, Judging, Verdict};
use crate::extra::Extra;
use crate::model::Shape;
use crate::record::{ModelRun, TaskRecord};
use crate::shared::Shared;
use crate::summary::ModelSummary;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    pub models: Option<&'static [crate::model::Model]>,
}

/// Declares the workloads: the [`Workload`] enum (serialised as
/// `{"kind": key, ...params}`), the list [`ALL`] and the dispatch to each
/// module's [`Kind`] implementation.
macro_rules! registry {
    ($($variant:ident = $key:literal => $module:ident :: $ty:ident,)*) => {
        $(pub mod $module;)*
        pub mod task;

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

            /// This workload with its size scaled by `factor`, as the
            /// Python program's `SCALE` scales it ([`Kind::scaled`]);
            /// `None`: its size is not scaled.
            pub fn scaled(&self, factor: f64) -> Option<Workload> {
                match self { $(Workload::$variant(k) => <$module::$ty as Kind>::scaled(k, factor).map(Workload::$variant),)* }
            }
        }

        /// `$call` with `$k` bound to the workload's own parameters (its
        /// [`Kind`]): each arm calls its type's method directly, so a build
        /// keeps only the [`Task`] methods it calls. (A `&dyn Task` would
        /// keep every method of every workload, its `run` too, in the
        /// page's first download: no trait object of it is ever made.)
        macro_rules! on_kind {
            ($w:expr, $k:ident => $call:expr) => {
                match $w { $(Workload::$variant($k) => $call,)* }
            };
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
    Python = "python" => python::Python,
}

impl Workload {
    /// The fields of the workload kind `v` names (`{"kind": ...}`).
    pub fn fields_of(v: &Value) -> Result<&'static [Field], ExperimentError> {
        let kind = v.as_object().and_then(|o| o.get("kind")).ok_or(ExperimentError::Missing("workload.kind".into()))?;
        let key = kind.as_str().unwrap_or_default();
        Workload::info_of(key).map(|i| i.fields).ok_or_else(|| ExperimentError::UnknownWorkload {
            kinds: ALL.iter().map(|i| i.key).collect(),
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
    // The workload's behaviour: its [`Task`] methods, called on its own
    // type (see `on_kind!`).
    pub fn cpu_bound(&self) -> bool {
        on_kind!(self, k => k.cpu_bound())
    }
    pub fn cost(&self) -> Cost {
        on_kind!(self, k => k.cost())
    }
    pub fn splits_one_job(&self) -> bool {
        on_kind!(self, k => k.splits_one_job())
    }
    pub fn input_bytes(&self) -> u64 {
        on_kind!(self, k => k.input_bytes())
    }
    pub fn transfers_input(&self) -> bool {
        on_kind!(self, k => k.transfers_input())
    }
    pub fn needs_calibration(&self) -> bool {
        on_kind!(self, k => k.needs_calibration())
    }
    pub fn not_hybrid(&self) -> Option<&'static str> {
        on_kind!(self, k => k.not_hybrid())
    }
    pub fn validate(&self, exp: &Shape) -> Result<(), ExperimentError> {
        on_kind!(self, k => k.validate(exp))
    }
    pub fn run(&self, machine: &Machine, index: u32, w: &mut Worker) -> Output {
        on_kind!(self, k => k.run(machine, index, w))
    }
    pub fn expected(&self, machine: &Machine, tasks: u32) -> Vec<Option<u64>> {
        on_kind!(self, k => k.expected(machine, tasks))
    }
    pub fn check(&self, record: &TaskRecord, expected: Option<u64>) -> Option<String> {
        on_kind!(self, k => k.check(record, expected))
    }
    pub fn check_run(&self, exp: &Shape, run: &ModelRun) -> Vec<String> {
        on_kind!(self, k => k.check_run(exp, run))
    }
    pub fn after_run(&self, shared: &Shared) -> Extra {
        on_kind!(self, k => k.after_run(shared))
    }
    pub fn summarise(&self, exp: &Shape, runs: &[ModelRun], shown: Option<&ModelRun>) -> Extra {
        on_kind!(self, k => k.summarise(exp, runs, shown))
    }
    pub fn crashes(&self, index: u32) -> bool {
        on_kind!(self, k => k.crashes(index))
    }
    pub fn compare_with_sequential(&self) -> bool {
        on_kind!(self, k => k.compare_with_sequential())
    }
    pub fn describe(&self) -> String {
        on_kind!(self, k => k.describe())
    }
    pub fn explain(&self, exp: &Shape, models: &[ModelSummary]) -> Vec<String> {
        on_kind!(self, k => k.explain(exp, models))
    }
    pub fn claim(&self, exp: &Shape) -> Option<Claim> {
        on_kind!(self, k => k.claim(exp))
    }
    pub fn judge(&self, cx: &Judging) -> Option<Verdict> {
        on_kind!(self, k => k.judge(cx))
    }
    pub fn python(&self, machine: &Machine) -> PythonTask {
        on_kind!(self, k => k.python(machine))
    }
    pub fn python_ms(&self) -> Option<f64> {
        on_kind!(self, k => k.python_ms())
    }
    pub fn python_note(&self) -> Option<&'static str> {
        on_kind!(self, k => k.python_note())
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
