//! The experiment description: what runs, how often, on which models.
//!
//! It is parsed from loosely typed JSON (a hand-edited link, a course page's
//! script) and validated field by field, so a bad value gets a sentence a
//! learner can act on instead of a serde error or a frozen tab.

pub use crate::error::{whole_in, ExperimentError};
use crate::error::{number, present, whole, ECHO};
pub use crate::limits::*;
pub use crate::model::{Model, Shape};
use crate::text::{clip, suggest};
use crate::workloads::{self, Cost, Machine, Workload};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};


/// A validated experiment: `tasks` tasks of one workload mapped over a pool of
/// `workers`, like `executor.map(fn, range(tasks))`, on each model, `repeats`
/// times. It says what the learner asked for and nothing about the machine
/// (that travels beside it, in a [`Job`]). Deserialising one validates it
/// (a worker never runs an experiment the page would have refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value")]
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
    /// The hybrid model's threads in each of its `workers` processes.
    pub threads_per_process: u32,
    /// Run the experiment once per worker count (a sweep); `None`: once.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sweep: Option<Sweep>,
}

/// The worker counts of a sweep, ascending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub workers: Vec<u32>,
}


/// Reads a sweep's worker counts: numbers, `"4x"` for 4 × `cores`, or a
/// range `"1..2x"` (every count from 1 to 2 × `cores`, at most 32); each
/// 1–64 (a multiple of the cores is capped at 64), sorted, once each, at
/// most 32 counts.
pub fn sweep_counts(items: &[Value], cores: u32) -> Result<Vec<u32>, ExperimentError> {
    let field = "sweep.workers";
    let one = |item: &Value| -> Result<u64, ExperimentError> {
        let times = item.as_str().and_then(|s| s.trim().strip_suffix(['x', '×'])).map(str::trim);
        Ok(match times {
            Some(t) => (whole_in(&Value::String(t.to_string()), field, 1, 64)? * u64::from(cores.max(1))).min(MAX_WORKERS),
            None => whole_in(item, field, 1, MAX_WORKERS)?,
        })
    };
    let mut counts = Vec::new();
    for item in items.iter().take(MAX_SWEEP + 1) {
        match item.as_str().and_then(|s| s.split_once("..")) {
            Some((from, to)) => {
                let (from, to) = (one(&Value::String(from.trim().into()))?, one(&Value::String(to.trim().into()))?.min(MAX_SWEEP_RANGE));
                counts.extend((from..=to.max(from)).map(|n| n as u32));
            }
            None => counts.push(one(item)? as u32),
        }
    }
    counts.sort_unstable();
    counts.dedup();
    if counts.is_empty() || counts.len() > MAX_SWEEP || items.len() > MAX_SWEEP {
        return Err(ExperimentError::Workload {
            field: field.into(),
            message: format!("`{field}` must give 1 to {MAX_SWEEP} worker counts (got {}), e.g. [1, 2, 4, 8], [\"1x\", \"4x\"] or [\"1..2x\"]", counts.len().max(items.len())),
        });
    }
    Ok(counts)
}


impl Default for Experiment {
    fn default() -> Self {
        Experiment {
            version: FORMAT_VERSION,
            workload: Workload::Loop(workloads::count_loop::CountLoop { size: 100_000_000 }),
            tasks: 8,
            workers: 2,
            models: Model::DEFAULT.to_vec(),
            repeats: DEFAULT_REPEATS as u32,
            switch_interval_ms: crate::gil::DEFAULT_SWITCH_INTERVAL_MS,
            trace: true,
            threads_per_process: DEFAULT_THREADS_PER_PROCESS as u32,
            sweep: None,
        }
    }
}

impl TryFrom<Value> for Experiment {
    type Error = ExperimentError;
    fn try_from(v: Value) -> Result<Experiment, ExperimentError> {
        Experiment::from_value(&v, 1)
    }
}

/// What a worker needs to run an experiment: the experiment, and the facts
/// about this machine its workload needs (measured on the page, never part
/// of an experiment or a link). Deserialising one validates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "JobFields")]
pub struct Job {
    pub experiment: Experiment,
    #[serde(default)]
    pub machine: Machine,
    /// Only some of the tasks (one process of the hybrid model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
    /// Each worker runs one equal block of the tasks, fixed in advance (the
    /// static-split models), instead of taking the next task when free.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub split: bool,
}

/// Part `index` of `of`: the tasks `index`, `index + of`, `index + 2·of`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub index: u32,
    pub of: u32,
}

#[derive(Deserialize)]
struct JobFields {
    experiment: Experiment,
    #[serde(default)]
    machine: Machine,
    #[serde(default)]
    part: Option<Part>,
    #[serde(default)]
    split: bool,
}

impl TryFrom<JobFields> for Job {
    type Error = ExperimentError;
    fn try_from(j: JobFields) -> Result<Job, ExperimentError> {
        let job = Job { split: j.split, ..Job::new(j.experiment, j.machine)? };
        match j.part {
            None => Ok(job),
            Some(p) => job.part(p.index, p.of),
        }
    }
}

impl Job {
    pub fn new(experiment: Experiment, machine: Machine) -> Result<Job, ExperimentError> {
        if experiment.workload.needs_calibration() && machine.cpu_iterations_per_ms.is_none() {
            return Err(ExperimentError::NotCalibrated);
        }
        Ok(Job { experiment, machine, part: None, split: false })
    }

    /// A job for a workload that needs no machine facts.
    pub fn plain(experiment: Experiment) -> Job {
        Job { experiment, machine: Machine::default(), part: None, split: false }
    }

    /// The job as `model` runs it (a static split for the static models).
    pub fn for_model(self, model: Model) -> Job {
        Job { split: model.static_split(), ..self }
    }

    /// Under a static split, the positions in [`Job::task_indices`] that
    /// worker `worker` of `workers` runs: one equal contiguous block each
    /// (with 2 workers, the first and the second half).
    pub fn block(tasks: usize, worker: u32, workers: u32) -> std::ops::Range<usize> {
        let r = crate::data::chunk(tasks as u64, workers, worker);
        r.start as usize..r.end as usize
    }

    /// The same job restricted to part `index` of `of` of its tasks.
    pub fn part(self, index: u32, of: u32) -> Result<Job, ExperimentError> {
        if of == 0 || index >= of || u64::from(of) > MAX_WORKERS {
            return Err(ExperimentError::OutOfRange { field: "part.index".into(), min: 0, max: u64::from(of.max(1)) - 1, got: index.to_string() });
        }
        Ok(Job { part: Some(Part { index, of }), ..self })
    }

    /// The indices of the tasks this job runs, in order.
    pub fn task_indices(&self) -> Vec<u32> {
        let Part { index, of } = self.part.unwrap_or(Part { index: 0, of: 1 });
        (index..self.experiment.tasks).step_by(of.max(1) as usize).collect()
    }

    /// The value every task must return (see [`workloads::Task::expected`]).
    pub fn expected(&self) -> Vec<Option<u64>> {
        self.experiment.workload.expected(&self.machine, self.experiment.tasks)
    }
}






/// An unknown key, with the known key it probably meant: a key at the wrong
/// level (`size` for `workload.size`, `workload.workers` for `workers`), or
/// a typo of a known key.
fn unknown_key(key: String, fields: &[workloads::Field]) -> ExperimentError {
    // Known keys, qualified, and their bare names (compared with the bare
    // name given, so `workload.wrkers` can mean `workers`).
    let known: Vec<(String, &str)> = KEYS.iter().map(|k| (k.to_string(), *k)).chain(fields.iter().map(|f| (format!("workload.{}", f.key), f.key))).collect();
    let bare = key.strip_prefix("workload.").unwrap_or(&key);
    let moved = known.iter().find(|(q, b)| *b == bare && *q != key).map(|(q, _)| q.clone());
    let typo = || {
        let best = suggest(bare, known.iter().map(|(_, b)| *b))?;
        known.iter().find(|(_, b)| *b == best).map(|(q, _)| q.clone())
    };
    let suggestion = moved.or_else(typo);
    ExperimentError::UnknownKey { key: clip(&key, ECHO), suggestion, of: "an experiment", keys: &KEYS }
}

impl Experiment {
    /// Parses and validates experiment JSON. Missing optional fields get the
    /// defaults (`workers` defaults to `default_workers`, the visitor's
    /// cores); an unknown key is an error (see [`Experiment::from_value_lenient`]).
    pub fn from_json(text: &str, default_workers: u32) -> Result<Experiment, ExperimentError> {
        let v: Value = serde_json::from_str(text).map_err(|e| ExperimentError::NotJson(e.to_string()))?;
        Experiment::from_value(&v, default_workers)
    }

    /// Like [`Experiment::from_json`] on a parsed value: an unknown key is
    /// refused, before any other check, with the known key it probably meant
    /// (`wokers` → `workers`).
    pub fn from_value(v: &Value, default_workers: u32) -> Result<Experiment, ExperimentError> {
        Experiment::parse(v, default_workers, true).map(|(e, _)| e)
    }

    /// Parses and validates, ignoring unknown keys: they are returned as
    /// [`ExperimentError::UnknownKey`] warnings (for links, which show them).
    pub fn from_value_lenient(v: &Value, default_workers: u32) -> Result<(Experiment, Vec<ExperimentError>), ExperimentError> {
        Experiment::parse(v, default_workers, false)
    }

    /// The experiment the page starts with on a machine of `cores` cores:
    /// every default (the first workload, 4 tasks a worker, all models).
    pub fn defaults(cores: u32) -> Experiment {
        Experiment::from_value(&serde_json::json!({ "workload": { "kind": workloads::ALL[0].key } }), cores).expect("the defaults are valid")
    }

    fn parse(v: &Value, default_workers: u32, strict: bool) -> Result<(Experiment, Vec<ExperimentError>), ExperimentError> {
        let obj = v.as_object().ok_or(ExperimentError::NotAnObject)?;
        let version = whole(obj, "version", 0, u64::MAX, FORMAT_VERSION as u64)?;
        if version != FORMAT_VERSION as u64 {
            return Err(ExperimentError::UnsupportedVersion(version));
        }
        let w = present(obj, "workload").ok_or(ExperimentError::Missing("workload".into()))?;
        let fields = Workload::fields_of(w)?;
        let mut unknown: Vec<String> = obj.keys().filter(|k| !KEYS.contains(&k.as_str())).cloned().collect();
        if let Some(w) = w.as_object() {
            unknown.extend(w.keys().filter(|k| *k != "kind" && !fields.iter().any(|f| f.key == k.as_str())).map(|k| format!("workload.{k}")));
        }
        let warnings: Vec<ExperimentError> = unknown.into_iter().map(|k| unknown_key(k, fields)).collect();
        if strict {
            if let Some(first) = warnings.into_iter().next() {
                return Err(first);
            }
            return Experiment::validate(obj, w, default_workers).map(|e| (e, Vec::new()));
        }
        Experiment::validate(obj, w, default_workers).map(|e| (e, warnings))
    }

    /// Reads and checks every known field of `obj` (`w` is its workload).
    fn validate(obj: &Map<String, Value>, w: &Value, default_workers: u32) -> Result<Experiment, ExperimentError> {
        let workload = Workload::from_value(w)?;
        let default_workers = (default_workers as u64).clamp(1, MAX_WORKERS);
        let workers = whole(obj, "workers", 1, MAX_WORKERS, default_workers)? as u32;
        let tasks = match workload.info().tasks_per_worker {
            // At most MAX_WORKERS × 3: within what a tab runs.
            Some(k) => workers * k,
            None => whole(obj, "tasks", 1, MAX_TASKS, 4 * default_workers)? as u32,
        };
        let repeats = whole(obj, "repeats", 1, MAX_REPEATS, DEFAULT_REPEATS)? as u32;
        let switch_interval_ms = number(obj, "switch_interval_ms", MIN_SWITCH_INTERVAL_MS, MAX_SWITCH_INTERVAL_MS, crate::gil::DEFAULT_SWITCH_INTERVAL_MS)?;
        let threads_per_process = whole(obj, "threads_per_process", 1, MAX_THREADS_PER_PROCESS, DEFAULT_THREADS_PER_PROCESS)? as u32;
        let trace = match present(obj, "trace") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(ExperimentError::NotABool { field: "trace".into(), got: clip(&other.to_string(), ECHO) }),
        };
        let models = match present(obj, "models") {
            None => workload.info().models.unwrap_or(&Model::DEFAULT).to_vec(),
            Some(Value::Array(items)) => {
                let mut models = Vec::new();
                for item in items {
                    let m = item.as_str().and_then(Model::parse).ok_or_else(|| ExperimentError::UnknownModel(clip(&item.to_string(), ECHO)))?;
                    if !models.contains(&m) {
                        models.push(m);
                    }
                }
                models.sort();
                models
            }
            Some(other) => return Err(ExperimentError::UnknownModel(clip(&other.to_string(), ECHO))),
        };
        if models.is_empty() {
            return Err(ExperimentError::NoModels);
        }
        if models.contains(&Model::Hybrid) && u64::from(workers) * u64::from(threads_per_process) > MAX_WORKERS {
            return Err(ExperimentError::Workload {
                field: "threads_per_process".into(),
                message: format!(
                    "Processes × threads starts {workers} processes of {threads_per_process} threads: {} workers, more than the {MAX_WORKERS} a tab can run. Use fewer workers or threads per process",
                    workers * threads_per_process
                ),
            });
        }
        let sweep = match present(obj, "sweep") {
            None => None,
            Some(v) => {
                let items = v.get("workers").and_then(Value::as_array).ok_or_else(|| ExperimentError::Workload {
                    field: "sweep".into(),
                    message: "`sweep` must be like {\"workers\": [1, 2, 4, 8]} (counts, or \"4x\" for 4 × the cores)".into(),
                })?;
                Some(Sweep { workers: sweep_counts(items, default_workers as u32)? })
            }
        };
        let mut exp = Experiment { version: FORMAT_VERSION, workload, tasks, workers, models, repeats, switch_interval_ms, trace, threads_per_process, sweep };
        if let (Some(why), true) = (exp.workload.not_hybrid(), exp.models.contains(&Model::Hybrid)) {
            return Err(ExperimentError::Workload {
                field: "models".into(),
                message: format!("The {} workload {why}: leave out processes × threads", exp.workload.key()),
            });
        }
        exp.workload.validate(&exp.shape())?;
        if let Some(s) = &exp.sweep {
            if exp.workload.info().tasks_per_worker.is_some() {
                return Err(ExperimentError::Workload {
                    field: "sweep".into(),
                    message: format!("A sweep keeps the tasks and changes the workers; the {} workload's tasks follow its workers: run it without `sweep`", exp.workload.key()),
                });
            }
            let most = s.workers.iter().copied().max().unwrap_or(1);
            if exp.models.contains(&Model::Hybrid) && u64::from(most) * u64::from(exp.threads_per_process) > MAX_WORKERS {
                return Err(ExperimentError::Workload {
                    field: "sweep.workers".into(),
                    message: format!("Processes × threads with {most} processes of {} threads is more than the {MAX_WORKERS} workers a tab can run", exp.threads_per_process),
                });
            }
        }
        if present(obj, "tasks").is_none() && exp.workload.info().tasks_per_worker.is_none() {
            // The default task count (4 per worker) must fit the budget on
            // any machine: on a many-core one, take as many as fit.
            exp.tasks = exp.tasks.min(exp.tasks_within_budget());
        }
        exp.check_budget()?;
        Ok(exp)
    }

    /// The most tasks of this workload the budget allows (at least 1).
    fn tasks_within_budget(&self) -> u32 {
        let most = match self.workload.cost() {
            Cost::Ms(ms) => MAX_RUN_SLEEP_MS as f64 / ms.max(1) as f64,
            Cost::Iterations(n) if self.workload.splits_one_job() => (MAX_RUN_COST / n.max(1.0)) * MAX_TASKS as f64,
            Cost::Iterations(n) => MAX_RUN_COST / n.max(1.0),
        };
        most.floor().clamp(1.0, MAX_TASKS as f64) as u32
    }

    fn check_budget(&self) -> Result<(), ExperimentError> {
        // A sweep runs the tasks once per worker count.
        let runs = self.sweep.as_ref().map_or(1, |s| s.workers.len()) as u64;
        match self.workload.cost() {
            Cost::Ms(ms) => {
                let total = ms.saturating_mul(self.tasks as u64).saturating_mul(runs);
                if total > MAX_RUN_SLEEP_MS {
                    return Err(ExperimentError::TooMuchWork { estimate: format!("{} s", total / 1000), limit: format!("{} s", MAX_RUN_SLEEP_MS / 1000) });
                }
            }
            Cost::Iterations(n) => {
                let tasks = if self.workload.splits_one_job() { 1.0 } else { self.tasks as f64 };
                let total = n * tasks * runs as f64;
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

    /// What its workload may know of it (see [`Shape`]).
    pub fn shape(&self) -> Shape<'_> {
        Shape { tasks: self.tasks, workers: self.workers, models: &self.models, switch_interval_ms: self.switch_interval_ms }
    }

    /// This experiment with some fields changed (`edit` gets its JSON),
    /// validated again as a new one: how the plan derives the experiments it
    /// runs (a warm-up, a sweep's points), so none exists unchecked.
    pub fn revised(&self, edit: impl FnOnce(&mut Map<String, Value>)) -> Result<Experiment, ExperimentError> {
        let mut v = serde_json::to_value(self).expect("an experiment always serialises");
        if let Some(obj) = v.as_object_mut() {
            edit(obj);
        }
        Experiment::from_value(&v, self.workers)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an experiment always serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::group;
    use crate::workloads::{convoy::Convoy, primes::Primes, sleep::Sleep};

    fn parse(s: &str) -> Result<Experiment, ExperimentError> {
        Experiment::from_json(s, 2)
    }

    #[test]
    fn defaults_fill_missing_fields() {
        let e = parse(r#"{"workload":{"kind":"loop","size":1000}}"#).unwrap();
        assert_eq!(e.workers, 2);
        assert_eq!(e.tasks, 8);
        assert_eq!(e.repeats, 5);
        assert_eq!(e.models, Model::DEFAULT.to_vec());
    }

    #[test]
    fn round_trips_through_json() {
        let e = Experiment { workload: Workload::Sleep(Sleep { ms: 20 }), models: vec![Model::Threads], ..Experiment::default() };
        assert_eq!(parse(&e.to_json()).unwrap(), e);
        let mixed = parse(r#"{"workload":{"kind":"mixed","recipe":"cpu 20ms, io 50ms, x3"}}"#).unwrap();
        assert_eq!(parse(&mixed.to_json()).unwrap(), mixed);
    }

    #[test]
    fn numbers_may_be_strings() {
        let e = parse(r#"{"workload":{"kind":"primes","size":"5000"},"tasks":"3"}"#).unwrap();
        assert_eq!(e.workload, Workload::Primes(Primes { size: 5000 }));
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
            (r#"{"workload":{"kind":"fly"}}"#, "Unknown workload kind \"fly\": use \"loop\", \"primes\""),
            (r#"{"workload":{"kind":"loop","size":10},"models":["fibers"]}"#, "Unknown model \"fibers\""),
            (r#"{"workload":{"kind":"loop","size":10},"models":[]}"#, "Choose at least one model"),
            (r#"{"workload":{"kind":"loop","size":10},"version":7}"#, "version 7 is not supported"),
            (r#"{"workload":{"kind":"loop","size":10},"trace":"yes"}"#, "`trace` must be true or false"),
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
    fn unknown_keys_are_named_with_a_suggestion() {
        let err = parse(r#"{"workload":{"kind":"loop","size":10},"wokers":64}"#).unwrap_err();
        assert_eq!(err.to_string(), "Unknown key `wokers`: did you mean `workers`?");
        let err = parse(r#"{"workload":{"kind":"primes","sise":10}}"#).unwrap_err();
        assert_eq!(err.to_string(), "Unknown key `workload.sise`: did you mean `workload.size`?");
        let err = parse(r#"{"workload":{"kind":"loop"},"colour":"red"}"#).unwrap_err().to_string();
        assert!(err.starts_with("Unknown key `colour` (an experiment has `version`, `workload`"), "{err}");
        // Keys at the wrong level, short keys, and typos hidden by later checks.
        let err = parse(r#"{"workload":{"kind":"loop"},"size":5}"#).unwrap_err().to_string();
        assert_eq!(err, "Unknown key `size`: did you mean `workload.size`?");
        let err = parse(r#"{"workload":{"kind":"loop","workers":5}}"#).unwrap_err().to_string();
        assert_eq!(err, "Unknown key `workload.workers`: did you mean `workers`?");
        let err = parse(r#"{"workload":{"kind":"sleep","x":5}}"#).unwrap_err();
        assert_eq!(err, ExperimentError::UnknownKey { key: "workload.x".into(), suggestion: None, of: "an experiment", keys: &KEYS });
        let err = parse(r#"{"workload":{"kind":"loop","size":5000000000},"taks":1}"#).unwrap_err().to_string();
        assert_eq!(err, "Unknown key `taks`: did you mean `tasks`?", "not 'too large': the typo comes first");
        let err = parse(r#"{"workload":{"kind":"prime"}}"#).unwrap_err().to_string();
        assert_eq!(err, "Unknown workload kind \"prime\": did you mean \"primes\"?");

        // The machine's speed is not part of an experiment.
        assert!(parse(r#"{"workload":{"kind":"loop"},"cpu_iterations_per_ms":5}"#).is_err());
        // Lenient parsing (links) keeps going and reports them.
        let v: Value = serde_json::from_str(r#"{"workload":{"kind":"loop","size":10},"wokers":64,"tasks":3}"#).unwrap();
        let (e, warnings) = Experiment::from_value_lenient(&v, 2).unwrap();
        assert_eq!((e.workers, e.tasks), (2, 3));
        assert_eq!(warnings, vec![ExperimentError::UnknownKey { key: "wokers".into(), suggestion: Some("workers".into()), of: "an experiment", keys: &KEYS }]);
    }

    #[test]
    fn deserialising_validates() {
        let bad = r#"{"version":1,"workload":{"kind":"primes","size":99999999999},"tasks":4,"workers":2,"models":["sequential"],"repeats":1,"switch_interval_ms":5,"trace":true}"#;
        let err = serde_json::from_str::<Experiment>(bad).unwrap_err().to_string();
        assert!(err.contains("`workload.size` must be between 1 and 20,000,000"), "{err}");
        let mixed = parse(r#"{"workload":{"kind":"mixed"}}"#).unwrap();
        let job = format!(r#"{{"experiment":{}}}"#, mixed.to_json());
        assert!(serde_json::from_str::<Job>(&job).unwrap_err().to_string().contains("measured loop speed"));
        assert_eq!(Experiment::defaults(3).workers, 3);
        assert_eq!(Experiment::defaults(3).tasks, 12);
        // On a 64-core machine, 4 loop tasks a worker would exceed the budget:
        // the default takes as many as fit (found by the link fuzzer).
        let many = Experiment::defaults(64);
        assert_eq!((many.workers, many.tasks), (64, 200));
        let sleepy = Experiment::from_json(r#"{"workload":{"kind":"sleep","ms":10000}}"#, 8).unwrap();
        assert_eq!(sleepy.tasks, 12, "120 s of waiting at most");
        assert!(Experiment::from_json(r#"{"workload":{"kind":"sleep","ms":10000},"tasks":32}"#, 8).is_err(), "a given count is never cut");
    }

    #[test]
    fn a_job_needs_the_machine_only_for_workloads_sized_in_ms() {
        let mixed = parse(r#"{"workload":{"kind":"mixed","recipe":"cpu 20ms, io 50ms, x3"}}"#).unwrap();
        assert_eq!(Job::new(mixed.clone(), Machine::default()).unwrap_err(), ExperimentError::NotCalibrated);
        assert!(Job::new(mixed, Machine { cpu_iterations_per_ms: Some(1e5) }).is_ok());
        let err = parse(r#"{"workload":{"kind":"mixed","recipe":"cook 5"}}"#).unwrap_err().to_string();
        assert!(err.contains("a step is `cpu <ms>` or `io <ms>`"), "{err}");
    }

    #[test]
    fn convoy_runs_one_task_per_worker() {
        let e = parse(r#"{"workload":{"kind":"convoy"},"workers":3,"tasks":50}"#).unwrap();
        assert_eq!((e.tasks, e.workers), (3, 3));
        assert_eq!(e.workload, Workload::Convoy(Convoy { cpu_ms: 400, io_ms: 1 }));
        let err = parse(r#"{"workload":{"kind":"convoy"},"workers":1}"#).unwrap_err().to_string();
        assert!(err.starts_with("The convoy experiment needs at least 2 workers"), "{err}");
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

    #[test]
    fn sweeps_read_counts_multiples_of_the_cores_and_ranges() {
        let read = |v: serde_json::Value, cores: u32| sweep_counts(v.as_array().unwrap(), cores);
        assert_eq!(read(serde_json::json!([8, "1", "1x", "4x", 2]), 2).unwrap(), vec![1, 2, 8]);
        assert_eq!(read(serde_json::json!(["1..2x"]), 2).unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(read(serde_json::json!(["1..2x"]), 64).unwrap().len(), 32, "a range stops at 32");
        assert_eq!(read(serde_json::json!(["16x"]), 8).unwrap(), vec![64]);
        let err = read(serde_json::json!([0]), 2).unwrap_err();
        assert_eq!(err.field(), Some("sweep.workers"));
        assert!(read(serde_json::json!([]), 2).is_err());
        assert!(read(serde_json::json!(["lots"]), 2).unwrap_err().to_string().contains("`sweep.workers` must be a whole number"));
        let e = Experiment::from_json(r#"{"workload":{"kind":"race"},"sweep":{"workers":[1,2]}}"#, 2).unwrap_err();
        assert_eq!(e.field(), Some("sweep"));
    }
}
