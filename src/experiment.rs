//! The experiment description: what runs, how often, on which models.
//!
//! It is parsed from loosely typed JSON (a hand-edited link, a course page's
//! script) and validated field by field, so a bad value gets a sentence a
//! learner can act on instead of a serde error or a frozen tab.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Version of the experiment and results JSON.
pub const FORMAT_VERSION: u32 = 1;

pub const MAX_TASKS: u64 = 512;
pub const MAX_WORKERS: u64 = 64;
pub const MAX_REPEATS: u64 = 20;
/// Iterations of the seeds' loop in one task (about 5 s in a browser).
pub const MAX_LOOP_SIZE: u64 = 5_000_000_000;
/// Upper bound of the prime-counting range in one task.
pub const MAX_PRIMES_SIZE: u64 = 20_000_000;
/// Longest single blocking wait.
pub const MAX_SLEEP_MS: u64 = 10_000;
/// Budget of one sequential run of all tasks, in "loop iterations" (about a
/// minute of work in a browser tab). Larger experiments are refused up front.
pub const MAX_RUN_COST: f64 = 6.0e10;
/// Budget of one sequential run of an I/O workload: total waiting time.
pub const MAX_RUN_SLEEP_MS: u64 = 120_000;

/// How an experiment's tasks are executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// One worker runs every task in a plain loop.
    Sequential,
    /// A pool of workers sharing one memory (no GIL: free-threaded).
    Threads,
    /// A pool of isolated workers that talk by message passing only.
    Processes,
}

impl Model {
    pub const ALL: [Model; 3] = [Model::Sequential, Model::Threads, Model::Processes];

    pub fn as_str(self) -> &'static str {
        match self {
            Model::Sequential => "sequential",
            Model::Threads => "threads",
            Model::Processes => "processes",
        }
    }

    /// The name a learner sees.
    pub fn label(self) -> &'static str {
        match self {
            Model::Sequential => "Sequential",
            Model::Threads => "Threads (no GIL)",
            Model::Processes => "Processes",
        }
    }

    pub fn parse(s: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The work each task does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Workload {
    /// CPU-bound: the seeds' `for i in range(size): total += i`.
    Loop { size: u64 },
    /// CPU-bound: count the primes below `size` by trial division.
    Primes { size: u64 },
    /// I/O-bound: a blocking wait of `ms` milliseconds, like `time.sleep`.
    Sleep { ms: u64 },
}

impl Workload {
    pub fn is_cpu_bound(&self) -> bool {
        !matches!(self, Workload::Sleep { .. })
    }

    /// A rough cost of one task, in loop iterations, used only to refuse
    /// experiments that would run for hours.
    pub fn cost(&self) -> f64 {
        match *self {
            Workload::Loop { size } => size as f64,
            Workload::Primes { size } => {
                let n = size.max(2) as f64;
                // trial division: about sqrt(n)/ln(n) divisions per prime
                n * n.sqrt() / n.ln().max(1.0) / 2.0 + n
            }
            Workload::Sleep { .. } => 0.0,
        }
    }

    /// One line a learner reads: "the seeds' loop, 10,000,000 iterations".
    pub fn describe(&self) -> String {
        match *self {
            Workload::Loop { size } => format!("CPU: total += i for i in range({})", group(size)),
            Workload::Primes { size } => format!("CPU: count primes below {}", group(size)),
            Workload::Sleep { ms } => format!("I/O: time.sleep({} ms)", ms),
        }
    }
}

/// `10000000` -> `10,000,000`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A validated experiment: `tasks` tasks of one workload mapped over a pool of
/// `workers`, like `executor.map(fn, range(tasks))`, on each model, `repeats`
/// times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    pub version: u32,
    pub workload: Workload,
    pub tasks: u32,
    pub workers: u32,
    pub models: Vec<Model>,
    pub repeats: u32,
}

impl Default for Experiment {
    fn default() -> Self {
        Experiment {
            version: FORMAT_VERSION,
            workload: Workload::Loop { size: 100_000_000 },
            tasks: 8,
            workers: 2,
            models: Model::ALL.to_vec(),
            repeats: 3,
        }
    }
}

/// Why an experiment was refused. `Display` is the sentence shown to people.
#[derive(Debug, Clone, PartialEq)]
pub enum ExperimentError {
    NotJson(String),
    NotAnObject,
    Missing(&'static str),
    NotANumber { field: &'static str, got: String },
    OutOfRange { field: &'static str, min: u64, max: u64, got: String },
    UnknownWorkload(String),
    UnknownModel(String),
    NoModels,
    UnsupportedVersion(u64),
    TooMuchWork { estimate: String, limit: String },
}

impl fmt::Display for ExperimentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ExperimentError::*;
        match self {
            NotJson(e) => write!(f, "The experiment is not valid JSON: {e}"),
            NotAnObject => write!(f, "The experiment must be a JSON object like {{\"workload\": {{\"kind\": \"loop\", \"size\": 10000000}}, \"tasks\": 8}}"),
            Missing(field) => write!(f, "The experiment needs a `{field}`"),
            NotANumber { field, got } => write!(f, "`{field}` must be a whole number (got {got})"),
            OutOfRange { field, min, max, got } => {
                write!(f, "`{field}` must be between {} and {} (got {got})", group(*min), group(*max))
            }
            UnknownWorkload(k) => write!(f, "Unknown workload kind {k}: use \"loop\", \"primes\" or \"sleep\""),
            UnknownModel(m) => write!(f, "Unknown model {m}: use \"sequential\", \"threads\" or \"processes\""),
            NoModels => write!(f, "Choose at least one model to run"),
            UnsupportedVersion(v) => write!(f, "Experiment format version {v} is not supported (this page reads version {FORMAT_VERSION})"),
            TooMuchWork { estimate, limit } => write!(
                f,
                "This experiment is too large for a browser tab: one sequential run would take {estimate}, the limit is {limit}. Use fewer tasks or a smaller size."
            ),
        }
    }
}

impl std::error::Error for ExperimentError {}

fn whole(obj: &serde_json::Map<String, Value>, field: &'static str, min: u64, max: u64, default: Option<u64>) -> Result<u64, ExperimentError> {
    let v = match obj.get(field) {
        None | Some(Value::Null) => return default.ok_or(ExperimentError::Missing(field)),
        Some(v) => v,
    };
    // Accept "8" as well as 8: links and form fields are strings.
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    // Show "-4" typed in a form field as -4, and "lots" as "lots".
    let got = match (v, n) {
        (Value::String(s), Some(_)) => s.trim().to_string(),
        _ => v.to_string(),
    };
    let n = n.filter(|n| n.is_finite() && n.fract() == 0.0).ok_or(ExperimentError::NotANumber { field, got: got.clone() })?;
    if n < min as f64 || n > max as f64 {
        return Err(ExperimentError::OutOfRange { field, min, max, got });
    }
    Ok(n as u64)
}

impl Experiment {
    /// Parses and validates experiment JSON. Missing optional fields get the
    /// defaults (`workers` defaults to `default_workers`, the visitor's cores).
    pub fn from_json(text: &str, default_workers: u32) -> Result<Experiment, ExperimentError> {
        let v: Value = serde_json::from_str(text).map_err(|e| ExperimentError::NotJson(e.to_string()))?;
        Experiment::from_value(&v, default_workers)
    }

    pub fn from_value(v: &Value, default_workers: u32) -> Result<Experiment, ExperimentError> {
        let obj = v.as_object().ok_or(ExperimentError::NotAnObject)?;
        let version = whole(obj, "version", 0, u64::MAX, Some(FORMAT_VERSION as u64))?;
        if version != FORMAT_VERSION as u64 {
            return Err(ExperimentError::UnsupportedVersion(version));
        }
        let w = obj.get("workload").ok_or(ExperimentError::Missing("workload"))?;
        let w = w.as_object().ok_or(ExperimentError::Missing("workload.kind"))?;
        let kind = w.get("kind").ok_or(ExperimentError::Missing("workload.kind"))?;
        let workload = match kind.as_str() {
            Some("loop") => Workload::Loop { size: whole(w, "size", 1, MAX_LOOP_SIZE, None).map_err(prefix)? },
            Some("primes") => Workload::Primes { size: whole(w, "size", 1, MAX_PRIMES_SIZE, None).map_err(prefix)? },
            Some("sleep") => Workload::Sleep { ms: whole(w, "ms", 0, MAX_SLEEP_MS, None).map_err(prefix)? },
            _ => return Err(ExperimentError::UnknownWorkload(kind.to_string())),
        };
        let default_workers = (default_workers as u64).clamp(1, MAX_WORKERS);
        let tasks = whole(obj, "tasks", 1, MAX_TASKS, Some(4 * default_workers))? as u32;
        let workers = whole(obj, "workers", 1, MAX_WORKERS, Some(default_workers))? as u32;
        let repeats = whole(obj, "repeats", 1, MAX_REPEATS, Some(3))? as u32;
        let models = match obj.get("models") {
            None | Some(Value::Null) => Model::ALL.to_vec(),
            Some(Value::Array(items)) => {
                let mut models = Vec::new();
                for item in items {
                    let m = item.as_str().and_then(Model::parse).ok_or_else(|| ExperimentError::UnknownModel(item.to_string()))?;
                    if !models.contains(&m) {
                        models.push(m);
                    }
                }
                models.sort();
                models
            }
            Some(other) => return Err(ExperimentError::UnknownModel(other.to_string())),
        };
        if models.is_empty() {
            return Err(ExperimentError::NoModels);
        }
        let exp = Experiment { version: FORMAT_VERSION, workload, tasks, workers, models, repeats };
        exp.check_budget()?;
        Ok(exp)
    }

    fn check_budget(&self) -> Result<(), ExperimentError> {
        match self.workload {
            Workload::Sleep { ms } => {
                let total = ms * self.tasks as u64;
                if total > MAX_RUN_SLEEP_MS {
                    return Err(ExperimentError::TooMuchWork {
                        estimate: format!("{} s of waiting", total / 1000),
                        limit: format!("{} s", MAX_RUN_SLEEP_MS / 1000),
                    });
                }
            }
            w => {
                let total = w.cost() * self.tasks as f64;
                if total > MAX_RUN_COST {
                    // ~1 ns per loop iteration in a browser
                    return Err(ExperimentError::TooMuchWork {
                        estimate: format!("about {:.0} s", total / 1.0e9),
                        limit: format!("about {:.0} s", MAX_RUN_COST / 1.0e9),
                    });
                }
            }
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an experiment always serialises")
    }
}

fn prefix(e: ExperimentError) -> ExperimentError {
    match e {
        ExperimentError::Missing("size") => ExperimentError::Missing("workload.size"),
        ExperimentError::Missing("ms") => ExperimentError::Missing("workload.ms"),
        ExperimentError::NotANumber { field, got } => ExperimentError::NotANumber { field: workload_field(field), got },
        ExperimentError::OutOfRange { field, min, max, got } => ExperimentError::OutOfRange { field: workload_field(field), min, max, got },
        e => e,
    }
}

fn workload_field(field: &'static str) -> &'static str {
    match field {
        "size" => "workload.size",
        "ms" => "workload.ms",
        f => f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Experiment, ExperimentError> {
        Experiment::from_json(s, 2)
    }

    #[test]
    fn defaults_fill_missing_fields() {
        let e = parse(r#"{"workload":{"kind":"loop","size":1000}}"#).unwrap();
        assert_eq!(e.workers, 2);
        assert_eq!(e.tasks, 8);
        assert_eq!(e.repeats, 3);
        assert_eq!(e.models, Model::ALL.to_vec());
    }

    #[test]
    fn round_trips_through_json() {
        let e = Experiment { workload: Workload::Sleep { ms: 20 }, models: vec![Model::Threads], ..Experiment::default() };
        assert_eq!(parse(&e.to_json()).unwrap(), e);
    }

    #[test]
    fn numbers_may_be_strings() {
        let e = parse(r#"{"workload":{"kind":"primes","size":"5000"},"tasks":"3"}"#).unwrap();
        assert_eq!(e.workload, Workload::Primes { size: 5000 });
        assert_eq!(e.tasks, 3);
    }

    #[test]
    fn bad_values_get_readable_messages() {
        let cases = [
            (r#"{"workload":{"kind":"loop","size":10},"workers":0}"#, "`workers` must be between 1 and 64 (got 0)"),
            (r#"{"workload":{"kind":"loop","size":10},"tasks":-3}"#, "`tasks` must be between 1 and 512 (got -3)"),
            (r#"{"workload":{"kind":"loop","size":-1}}"#, "`workload.size` must be between 1 and 5,000,000,000 (got -1)"),
            (r#"{"workload":{"kind":"loop","size":1e300}}"#, "`workload.size` must be between"),
            (r#"{"workload":{"kind":"loop","size":2.5}}"#, "`workload.size` must be a whole number"),
            (r#"{"workload":{"kind":"sleep","ms":"soon"}}"#, "`workload.ms` must be a whole number"),
            (r#"{"workload":{"kind":"fly"}}"#, "Unknown workload kind \"fly\""),
            (r#"{"workload":{"kind":"loop","size":10},"models":["fibers"]}"#, "Unknown model \"fibers\""),
            (r#"{"workload":{"kind":"loop","size":10},"models":[]}"#, "Choose at least one model"),
            (r#"{"workload":{"kind":"loop","size":10},"version":7}"#, "version 7 is not supported"),
            (r#"{"tasks":4}"#, "needs a `workload`"),
            (r#"[1,2]"#, "must be a JSON object"),
            (r#"{"#, "not valid JSON"),
            (r#"{"workload":{"kind":"loop","size":5000000000},"tasks":512}"#, "too large for a browser tab"),
            (r#"{"workload":{"kind":"sleep","ms":10000},"tasks":100}"#, "too large for a browser tab"),
        ];
        for (input, want) in cases {
            let err = parse(input).expect_err(input).to_string();
            assert!(err.contains(want), "{input}: {err:?} should contain {want:?}");
        }
    }

    #[test]
    fn duplicate_models_are_merged_and_ordered() {
        let e = parse(r#"{"workload":{"kind":"loop","size":10},"models":["processes","sequential","processes"]}"#).unwrap();
        assert_eq!(e.models, vec![Model::Sequential, Model::Processes]);
    }

    #[test]
    fn groups_digits() {
        assert_eq!(group(0), "0");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(10_000_000), "10,000,000");
    }
}
