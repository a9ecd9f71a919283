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
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Loop, Kind::Primes, Kind::Sleep];

    pub fn key(self) -> &'static str {
        match self {
            Kind::Loop => "loop",
            Kind::Primes => "primes",
            Kind::Sleep => "sleep",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Loop => "CPU: total += i loop",
            Kind::Primes => "CPU: count primes",
            Kind::Sleep => "I/O: time.sleep",
        }
    }

    /// The label of the size field and its default.
    pub fn size_field(self) -> (&'static str, &'static str) {
        match self {
            Kind::Loop => ("Iterations per task", "300000000"),
            Kind::Primes => ("Count primes below", "1000000"),
            Kind::Sleep => ("Wait per task (ms)", "100"),
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
            models: Model::ALL.into_iter().collect(),
        }
    }

    pub fn to_json(&self) -> Value {
        let size_key = if self.kind == Kind::Sleep { "ms" } else { "size" };
        json!({
            "version": threadlab::experiment::FORMAT_VERSION,
            "workload": { "kind": self.kind.key(), size_key: self.size.trim() },
            "tasks": self.tasks.trim(),
            "workers": self.workers.trim(),
            "repeats": self.repeats.trim(),
            "models": self.models.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        })
    }

    pub fn from_experiment(e: &Experiment) -> Form {
        let (kind, size) = match e.workload {
            Workload::Loop { size } => (Kind::Loop, size),
            Workload::Primes { size } => (Kind::Primes, size),
            Workload::Sleep { ms } => (Kind::Sleep, ms),
        };
        Form {
            kind,
            size: size.to_string(),
            tasks: e.tasks.to_string(),
            workers: e.workers.to_string(),
            repeats: e.repeats.to_string(),
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
}

impl State {
    pub fn new(environment: Environment) -> State {
        State { form: Form::new(environment.cores), environment: Rc::new(environment), running: None, results: None, message: None }
    }
}

pub enum Field {
    Size,
    Tasks,
    Workers,
    Repeats,
}

pub enum Action {
    SetKind(Kind),
    Set(Field, String),
    ToggleModel(Model),
    /// The experiment was refused; say why.
    Invalid(String),
    Started(Experiment),
    Progress(Progress),
    Finished(Rc<Results>),
    Failed(String),
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
                } = value;
            }
            Action::ToggleModel(m) => {
                if !s.form.models.remove(&m) {
                    s.form.models.insert(m);
                }
            }
            Action::Invalid(msg) => s.message = Some(msg),
            Action::Started(e) => {
                s.form = Form::from_experiment(&e);
                s.message = None;
                s.running = Some(Progress { done: 0, total: 1, label: "Starting…".into() });
            }
            Action::Progress(p) => s.running = Some(p),
            Action::Finished(r) => {
                s.running = None;
                s.results = Some(r);
            }
            Action::Failed(msg) => {
                s.running = None;
                s.message = Some(msg);
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
        let form = Form::new(2);
        let e = Experiment::from_value(&form.to_json(), 2).unwrap();
        assert_eq!(Form::from_experiment(&e), form);
    }

    #[test]
    fn a_bad_field_is_refused_with_its_name() {
        let mut form = Form::new(2);
        form.workers = "0".into();
        let err = Experiment::from_value(&form.to_json(), 2).unwrap_err().to_string();
        assert!(err.contains("`workers` must be between 1 and 64"), "{err}");
    }
}
