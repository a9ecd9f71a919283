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
    /// The threads pool, governed by a simulated GIL (CPython's threads).
    #[serde(rename = "threads_gil")]
    ThreadsGil,
    /// A pool of workers sharing one memory (no GIL: free-threaded).
    Threads,
    /// A pool of isolated workers that talk by message passing only.
    Processes,
}

impl Model {
    pub const ALL: [Model; 4] = [Model::Sequential, Model::ThreadsGil, Model::Threads, Model::Processes];

    pub fn as_str(self) -> &'static str {
        match self {
            Model::Sequential => "sequential",
            Model::ThreadsGil => "threads_gil",
            Model::Threads => "threads",
            Model::Processes => "processes",
        }
    }

    /// The name a learner sees.
    pub fn label(self) -> &'static str {
        match self {
            Model::Sequential => "Sequential",
            Model::ThreadsGil => "Threads + GIL",
            Model::Threads => "Threads (no GIL)",
            Model::Processes => "Processes",
        }
    }

    /// Whether the model runs on the shared-memory thread pool.
    pub fn is_threads(self) -> bool {
        matches!(self, Model::Threads | Model::ThreadsGil)
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Workload {
    /// CPU-bound: the seeds' `for i in range(size): total += i`.
    Loop { size: u64 },
    /// CPU-bound: count the primes below `size` by trial division.
    Primes { size: u64 },
    /// I/O-bound: a blocking wait of `ms` milliseconds, like `time.sleep`.
    Sleep { ms: u64 },
    /// A recipe of CPU and I/O steps, e.g. `cpu 20ms, io 50ms, x3`.
    Mixed { recipe: Recipe },
    /// The convoy effect: task 0 repeatedly blocks for `io_ms` and measures
    /// how late it resumes, while the other tasks compute for `cpu_ms`.
    Convoy { cpu_ms: u64, io_ms: u64 },
}

/// One step of a mixed recipe, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    Cpu(u64),
    Io(u64),
}

/// A mixed workload: `steps`, run `times` times. Written and read as text,
/// `cpu 20ms, io 50ms, x3`, so links and the form can carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Recipe {
    pub steps: Vec<Step>,
    pub times: u32,
}

pub const MAX_RECIPE_STEPS: usize = 20;
pub const MAX_RECIPE_TIMES: u32 = 100;
pub const MAX_STEP_MS: u64 = 10_000;

impl Recipe {
    pub fn parse(text: &str) -> Result<Recipe, String> {
        let mut steps = Vec::new();
        let mut times = 1;
        for part in text.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            let lower = part.to_lowercase();
            if let Some(n) = lower.strip_prefix(['x', '×', '*']) {
                times = n.trim().parse::<u32>().ok().filter(|t| (1..=MAX_RECIPE_TIMES).contains(t)).ok_or_else(|| {
                    format!("`{part}`: the repeat count must be x1 to x{MAX_RECIPE_TIMES}")
                })?;
                continue;
            }
            let (kind, amount) = lower.split_at(lower.find(|c: char| c.is_ascii_digit() || c == '-').unwrap_or(lower.len()));
            let ms = amount.trim().trim_end_matches("ms").trim().parse::<u64>().ok().filter(|ms| *ms <= MAX_STEP_MS);
            let ms = ms.ok_or_else(|| format!("`{part}`: give a time of 0 to {MAX_STEP_MS} ms, like `cpu 20ms`"))?;
            steps.push(match kind.trim() {
                "cpu" => Step::Cpu(ms),
                "io" | "i/o" | "sleep" => Step::Io(ms),
                _ => return Err(format!("`{part}`: a step is `cpu <ms>` or `io <ms>`")),
            });
        }
        if steps.is_empty() {
            return Err("the recipe has no steps: write e.g. `cpu 20ms, io 50ms, x3`".into());
        }
        if steps.len() > MAX_RECIPE_STEPS {
            return Err(format!("the recipe has {} steps; at most {MAX_RECIPE_STEPS}", steps.len()));
        }
        Ok(Recipe { steps, times })
    }

    /// CPU and I/O milliseconds of one task.
    pub fn totals_ms(&self) -> (u64, u64) {
        let (mut cpu, mut io) = (0, 0);
        for s in &self.steps {
            match s {
                Step::Cpu(ms) => cpu += ms,
                Step::Io(ms) => io += ms,
            }
        }
        (cpu * self.times as u64, io * self.times as u64)
    }
}

impl fmt::Display for Recipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.steps.iter().enumerate() {
            let sep = if i > 0 { ", " } else { "" };
            match s {
                Step::Cpu(ms) => write!(f, "{sep}cpu {ms}ms")?,
                Step::Io(ms) => write!(f, "{sep}io {ms}ms")?,
            }
        }
        if self.times != 1 {
            write!(f, ", x{}", self.times)?;
        }
        Ok(())
    }
}

impl TryFrom<String> for Recipe {
    type Error = String;
    fn try_from(s: String) -> Result<Recipe, String> {
        Recipe::parse(&s)
    }
}

impl From<Recipe> for String {
    fn from(r: Recipe) -> String {
        r.to_string()
    }
}

impl Workload {
    /// Mostly computing (as opposed to mostly waiting).
    pub fn is_cpu_bound(&self) -> bool {
        match self {
            Workload::Loop { .. } | Workload::Primes { .. } => true,
            Workload::Sleep { .. } | Workload::Convoy { .. } => false,
            Workload::Mixed { recipe } => {
                let (cpu, io) = recipe.totals_ms();
                cpu >= io
            }
        }
    }

    /// Whether CPU work is sized in milliseconds, so it needs the
    /// machine's calibration (`cpu_iterations_per_ms`).
    pub fn needs_calibration(&self) -> bool {
        matches!(self, Workload::Mixed { .. })
    }

    /// Milliseconds one task takes by design (time-sized workloads only).
    pub fn task_ms(&self) -> Option<u64> {
        match self {
            Workload::Sleep { ms } => Some(*ms),
            Workload::Mixed { recipe } => {
                let (cpu, io) = recipe.totals_ms();
                Some(cpu + io)
            }
            Workload::Convoy { cpu_ms, .. } => Some(*cpu_ms),
            _ => None,
        }
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
            _ => 0.0,
        }
    }

    /// One line a learner reads: "the seeds' loop, 10,000,000 iterations".
    pub fn describe(&self) -> String {
        match *self {
            Workload::Loop { size } => format!("CPU: total += i for i in range({})", group(size)),
            Workload::Primes { size } => format!("CPU: count primes below {}", group(size)),
            Workload::Sleep { ms } => format!("I/O: time.sleep({} ms)", ms),
            Workload::Mixed { ref recipe } => format!("mixed: {recipe}"),
            Workload::Convoy { cpu_ms, io_ms } => {
                format!("convoy: one worker sleeps {io_ms} ms again and again while the others compute for {cpu_ms} ms")
            }
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
    /// The GIL's switch interval (`sys.setswitchinterval`), in ms.
    pub switch_interval_ms: f64,
    /// Record a per-worker timeline.
    pub trace: bool,
    /// Loop iterations per millisecond on this machine, measured once per
    /// page load; sizes the CPU steps given in ms (mixed).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cpu_iterations_per_ms: Option<f64>,
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
            switch_interval_ms: crate::gil::DEFAULT_SWITCH_INTERVAL_MS,
            trace: true,
            cpu_iterations_per_ms: None,
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
    BadRecipe(String),
    NotAFraction { field: &'static str, got: String },
    OutOfRangeFraction { field: &'static str, min: f64, max: f64, got: String },
    ConvoyNeedsTwoWorkers,
    NotCalibrated,
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
            UnknownWorkload(k) => write!(f, "Unknown workload kind {k}: use \"loop\", \"primes\", \"sleep\", \"mixed\" or \"convoy\""),
            UnknownModel(m) => write!(f, "Unknown model {m}: use \"sequential\", \"threads_gil\", \"threads\" or \"processes\""),
            NotAFraction { field, got } => write!(f, "`{field}` must be a number (got {got})"),
            OutOfRangeFraction { field, min, max, got } => write!(f, "`{field}` must be between {min} and {max} (got {got})"),
            BadRecipe(e) => write!(f, "The mixed recipe is not readable: {e}"),
            ConvoyNeedsTwoWorkers => write!(f, "The convoy experiment needs at least 2 workers: one waits for I/O, the others compute"),
            NotCalibrated => write!(f, "This workload sizes CPU work in milliseconds and needs `cpu_iterations_per_ms` (the page measures it)"),
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

/// A field read as a number: `None` when absent, else the number (if it is
/// one) and how to show what was given in a message.
fn read_number(obj: &serde_json::Map<String, Value>, field: &str) -> Option<(Option<f64>, String)> {
    let v = match obj.get(field) {
        None | Some(Value::Null) => return None,
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
    Some((n.filter(|n| n.is_finite()), got))
}

/// A whole number in `min..=max`.
fn whole(obj: &serde_json::Map<String, Value>, field: &'static str, min: u64, max: u64, default: Option<u64>) -> Result<u64, ExperimentError> {
    let Some((n, got)) = read_number(obj, field) else {
        return default.ok_or(ExperimentError::Missing(field));
    };
    let n = n.filter(|n| n.fract() == 0.0).ok_or(ExperimentError::NotANumber { field, got: got.clone() })?;
    if n < min as f64 || n > max as f64 {
        return Err(ExperimentError::OutOfRange { field, min, max, got });
    }
    Ok(n as u64)
}

/// A number that may have a fraction (a switch interval of 0.5 ms).
fn number(obj: &serde_json::Map<String, Value>, field: &'static str, min: f64, max: f64, default: f64) -> Result<f64, ExperimentError> {
    let Some((n, got)) = read_number(obj, field) else { return Ok(default) };
    let n = n.ok_or(ExperimentError::NotAFraction { field, got: got.clone() })?;
    if n < min || n > max {
        return Err(ExperimentError::OutOfRangeFraction { field, min, max, got });
    }
    Ok(n)
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
            Some("mixed") => {
                let text = match w.get("recipe") {
                    Some(Value::String(s)) => s.clone(),
                    None | Some(Value::Null) => return Err(ExperimentError::Missing("workload.recipe")),
                    Some(other) => other.to_string(),
                };
                Workload::Mixed { recipe: Recipe::parse(&text).map_err(ExperimentError::BadRecipe)? }
            }
            Some("convoy") => Workload::Convoy {
                cpu_ms: whole(w, "cpu_ms", 10, MAX_STEP_MS, Some(400)).map_err(prefix)?,
                io_ms: whole(w, "io_ms", 0, 100, Some(1)).map_err(prefix)?,
            },
            _ => return Err(ExperimentError::UnknownWorkload(kind.to_string())),
        };
        let default_workers = (default_workers as u64).clamp(1, MAX_WORKERS);
        let workers = whole(obj, "workers", 1, MAX_WORKERS, Some(default_workers))? as u32;
        let tasks = if let Workload::Convoy { .. } = workload {
            // One task a worker: task 0 is the I/O-bound one.
            if workers < 2 {
                return Err(ExperimentError::ConvoyNeedsTwoWorkers);
            }
            workers
        } else {
            whole(obj, "tasks", 1, MAX_TASKS, Some(4 * default_workers))? as u32
        };
        let repeats = whole(obj, "repeats", 1, MAX_REPEATS, Some(3))? as u32;
        let switch_interval_ms = number(obj, "switch_interval_ms", 0.1, 100.0, crate::gil::DEFAULT_SWITCH_INTERVAL_MS)?;
        let trace = match obj.get("trace") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(ExperimentError::NotANumber { field: "trace", got: format!("{other} (use true or false)") }),
        };
        let cpu_iterations_per_ms = match obj.get("cpu_iterations_per_ms") {
            None | Some(Value::Null) => None,
            Some(_) => Some(number(obj, "cpu_iterations_per_ms", 1.0, 1.0e9, 0.0)?),
        };
        if workload.needs_calibration() && cpu_iterations_per_ms.is_none() {
            return Err(ExperimentError::NotCalibrated);
        }
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
        let exp = Experiment { version: FORMAT_VERSION, workload, tasks, workers, models, repeats, switch_interval_ms, trace, cpu_iterations_per_ms };
        exp.check_budget()?;
        Ok(exp)
    }

    fn check_budget(&self) -> Result<(), ExperimentError> {
        match &self.workload {
            w if w.task_ms().is_some() => {
                let total = w.task_ms().unwrap_or(0) * self.tasks as u64;
                if total > MAX_RUN_SLEEP_MS {
                    return Err(ExperimentError::TooMuchWork {
                        estimate: format!("{} s", total / 1000),
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
        "cpu_ms" => "workload.cpu_ms",
        "io_ms" => "workload.io_ms",
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
    fn recipes_read_and_write_as_text() {
        let r = Recipe::parse("cpu 20ms, io 50ms, x3").unwrap();
        assert_eq!(r, Recipe { steps: vec![Step::Cpu(20), Step::Io(50)], times: 3 });
        assert_eq!(r.to_string(), "cpu 20ms, io 50ms, x3");
        assert_eq!(Recipe::parse("CPU 5; sleep 10 ms; ×2").unwrap(), Recipe { steps: vec![Step::Cpu(5), Step::Io(10)], times: 2 });
        assert_eq!(r.totals_ms(), (60, 150));
        for bad in ["", "x3", "gpu 5ms", "cpu fast", "cpu 5ms, x0", "cpu 99999ms"] {
            assert!(Recipe::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let e = parse(r#"{"workload":{"kind":"mixed","recipe":"cpu 20ms, io 50ms, x3"},"cpu_iterations_per_ms":1000}"#).unwrap();
        assert_eq!(parse(&e.to_json()).unwrap(), e);
        let err = parse(r#"{"workload":{"kind":"mixed","recipe":"cpu 20ms, io 50ms, x3"}}"#).unwrap_err();
        assert_eq!(err, ExperimentError::NotCalibrated);
        let err = parse(r#"{"workload":{"kind":"mixed","recipe":"cook 5"},"cpu_iterations_per_ms":1}"#).unwrap_err().to_string();
        assert!(err.contains("a step is `cpu <ms>` or `io <ms>`"), "{err}");
    }

    #[test]
    fn convoy_runs_one_task_per_worker() {
        let e = parse(r#"{"workload":{"kind":"convoy"},"workers":3,"tasks":50}"#).unwrap();
        assert_eq!((e.tasks, e.workers), (3, 3));
        assert_eq!(e.workload, Workload::Convoy { cpu_ms: 400, io_ms: 1 });
        let err = parse(r#"{"workload":{"kind":"convoy"},"workers":1,"cpu_iterations_per_ms":1000}"#).unwrap_err();
        assert_eq!(err, ExperimentError::ConvoyNeedsTwoWorkers);
    }

    #[test]
    fn switch_interval_is_checked() {
        let e = parse(r#"{"workload":{"kind":"loop","size":10},"switch_interval_ms":0.5}"#).unwrap();
        assert_eq!(e.switch_interval_ms, 0.5);
        let err = parse(r#"{"workload":{"kind":"loop","size":10},"switch_interval_ms":0}"#).unwrap_err().to_string();
        assert_eq!(err, "`switch_interval_ms` must be between 0.1 and 100 (got 0)");
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
