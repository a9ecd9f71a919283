//! The page state and everything that changes it.

use std::collections::BTreeSet;
use std::rc::Rc;
use serde_json::{json, Value};
use threadlab::results::Environment;
use threadlab::{Experiment, Model, Results, Workload};
use yew::Reducible;

/// Which workload the form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Loop,
    Primes,
    Sleep,
    Mixed,
    Convoy,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Loop, Kind::Primes, Kind::Sleep, Kind::Mixed, Kind::Convoy];

    pub fn key(self) -> &'static str {
        match self {
            Kind::Loop => "loop",
            Kind::Primes => "primes",
            Kind::Sleep => "sleep",
            Kind::Mixed => "mixed",
            Kind::Convoy => "convoy",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Loop => "CPU: total += i loop",
            Kind::Primes => "CPU: count primes",
            Kind::Sleep => "I/O: time.sleep",
            Kind::Mixed => "Mixed: CPU and I/O steps",
            Kind::Convoy => "Convoy effect: I/O behind CPU",
        }
    }

    /// The label of the size field and its default.
    pub fn size_field(self) -> (&'static str, &'static str) {
        match self {
            Kind::Loop => ("Iterations per task", "300000000"),
            Kind::Primes => ("Count primes below", "1000000"),
            Kind::Sleep => ("Wait per task (ms)", "100"),
            Kind::Mixed => ("Recipe of each task", "cpu 20ms, io 50ms, x3"),
            Kind::Convoy => ("CPU time of the CPU-bound tasks (ms)", "400"),
        }
    }
}

/// The experiment builder's fields, as typed: kept as text so a bad value
/// stays on screen next to its message.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub kind: Kind,
    pub size: String,
    pub tasks: String,
    pub workers: String,
    pub repeats: String,
    pub switch_interval: String,
    /// Convoy only: the I/O task's wait.
    pub io_ms: String,
    pub models: BTreeSet<Model>,
}

impl Form {
    pub fn new(cores: u32) -> Form {
        Form {
            kind: Kind::Loop,
            size: Kind::Loop.size_field().1.into(),
            tasks: (4 * cores.max(1)).to_string(),
            workers: cores.max(1).to_string(),
            repeats: "3".into(),
            switch_interval: "5".into(),
            io_ms: "1".into(),
            models: Model::ALL.into_iter().collect(),
        }
    }

    /// The experiment JSON the form describes (validated by the core).
    pub fn to_json(&self) -> Value {
        let size = self.size.trim();
        let workload = match self.kind {
            Kind::Loop | Kind::Primes => json!({ "kind": self.kind.key(), "size": size }),
            Kind::Sleep => json!({ "kind": "sleep", "ms": size }),
            Kind::Mixed => json!({ "kind": "mixed", "recipe": size }),
            Kind::Convoy => json!({ "kind": "convoy", "cpu_ms": size, "io_ms": self.io_ms.trim() }),
        };
        json!({
            "version": threadlab::experiment::FORMAT_VERSION,
            "workload": workload,
            "tasks": self.tasks.trim(),
            "workers": self.workers.trim(),
            "repeats": self.repeats.trim(),
            "switch_interval_ms": self.switch_interval.trim(),
            "models": self.models.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        })
    }

    pub fn from_experiment(e: &Experiment) -> Form {
        let mut io_ms = "1".to_string();
        let (kind, size) = match &e.workload {
            Workload::Loop { size } => (Kind::Loop, size.to_string()),
            Workload::Primes { size } => (Kind::Primes, size.to_string()),
            Workload::Sleep { ms } => (Kind::Sleep, ms.to_string()),
            Workload::Mixed { recipe } => (Kind::Mixed, recipe.to_string()),
            Workload::Convoy { cpu_ms, io_ms: io } => {
                io_ms = io.to_string();
                (Kind::Convoy, cpu_ms.to_string())
            }
        };
        Form {
            kind,
            size,
            tasks: e.tasks.to_string(),
            workers: e.workers.to_string(),
            repeats: e.repeats.to_string(),
            switch_interval: e.switch_interval_ms.to_string(),
            io_ms,
            models: e.models.iter().copied().collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub done: u32,
    pub total: u32,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub form: Form,
    pub environment: Rc<Environment>,
    /// Set while a run is under way.
    pub running: Option<Progress>,
    /// The last results, kept while a new run goes on or fails.
    pub results: Option<Rc<Results>>,
    /// A message for the learner: bad input, a failed or cancelled run.
    pub message: Option<String>,
    /// Runs ended so far (finished or failed): lets a script or a test wait
    /// for the end of the run it started.
    pub ended: u32,
}

impl State {
    pub fn new(environment: Environment) -> State {
        State { form: Form::new(environment.cores), environment: Rc::new(environment), running: None, results: None, message: None, ended: 0 }
    }
}

pub enum Field {
    Size,
    Tasks,
    Workers,
    Repeats,
    SwitchInterval,
    IoMs,
}

pub enum Action {
    SetKind(Kind),
    Set(Field, String),
    ToggleModel(Model),
    /// Run was pressed: getting ready (measuring the machine if needed).
    Preparing,
    /// The experiment was refused; say why.
    Invalid(String),
    Started(Experiment),
    Progress(Progress),
    Finished(Rc<Results>),
    Failed(String),
    /// The machine's loop speed is known.
    Calibrated(f64),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::SetKind(kind) => {
                if kind != s.form.kind {
                    s.form.kind = kind;
                    s.form.size = kind.size_field().1.into();
                }
            }
            Action::Set(field, value) => {
                let f = &mut s.form;
                *match field {
                    Field::Size => &mut f.size,
                    Field::Tasks => &mut f.tasks,
                    Field::Workers => &mut f.workers,
                    Field::Repeats => &mut f.repeats,
                    Field::SwitchInterval => &mut f.switch_interval,
                    Field::IoMs => &mut f.io_ms,
                } = value;
            }
            Action::ToggleModel(m) => {
                if !s.form.models.remove(&m) {
                    s.form.models.insert(m);
                }
            }
            Action::Preparing => {
                s.message = None;
                s.running = Some(Progress { done: 0, total: 1, label: "Getting ready…".into() });
            }
            Action::Invalid(msg) => {
                if s.running.take().is_some() {
                    s.ended += 1;
                }
                s.message = Some(msg);
            }
            Action::Started(e) => {
                s.form = Form::from_experiment(&e);
                s.message = None;
                s.running = Some(Progress { done: 0, total: 1, label: "Starting…".into() });
            }
            Action::Progress(p) => s.running = Some(p),
            Action::Finished(r) => {
                s.running = None;
                s.results = Some(r);
                s.ended += 1;
            }
            Action::Failed(msg) => {
                s.running = None;
                s.message = Some(msg);
                s.ended += 1;
            }
            Action::Calibrated(rate) => {
                let mut env = (*s.environment).clone();
                env.cpu_iterations_per_ms = Some(rate);
                s.environment = Rc::new(env);
            }
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_round_trips_through_an_experiment() {
        let mut form = Form::new(2);
        for kind in Kind::ALL {
            form.kind = kind;
            form.size = kind.size_field().1.into();
            if kind == Kind::Convoy {
                form.tasks = form.workers.clone();
            }
            let mut json = form.to_json();
            json["cpu_iterations_per_ms"] = 1000.into();
            let e = Experiment::from_value(&json, 2).unwrap();
            assert_eq!(Form::from_experiment(&e), form, "{kind:?}");
        }
    }

    #[test]
    fn a_bad_field_is_refused_with_its_name() {
        let mut form = Form::new(2);
        form.workers = "0".into();
        let err = Experiment::from_value(&form.to_json(), 2).unwrap_err().to_string();
        assert!(err.contains("`workers` must be between 1 and 64"), "{err}");
    }
}
