//! The page state and everything that changes it.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::cell::RefCell;
use threadlab::link::{self, ProgramLink, SharedRun, View};
use threadlab::program::{Line, ProgramRun};
use threadlab::results::Environment;
use threadlab::extra::Extra;
use threadlab::workloads::{self, Info};
use threadlab::{Experiment, Model, Results};
use yew::Reducible;

/// The experiment builder's fields, as typed: kept as text so a bad value
/// stays on screen next to its message. The workload's own fields come from
/// the core's registry ([`threadlab::workloads::ALL`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub kind: &'static Info,
    /// Each workload's fields as typed, by workload and field key: switching
    /// workloads and back keeps what was typed.
    pub params: BTreeMap<(&'static str, &'static str), String>,
    pub tasks: String,
    pub workers: String,
    pub repeats: String,
    pub switch_interval: String,
    pub threads_per_process: String,
    /// Worker counts of a sweep, as typed ("1, 2, 8, 32" or "1, 4x"); empty: none.
    pub sweep: String,
    pub models: BTreeSet<Model>,
    /// Record the per-worker timelines.
    pub trace: bool,
}

impl Form {
    /// The core's default experiment for this machine, every workload's
    /// fields at their defaults.
    pub fn new(cores: u32) -> Form {
        let params = workloads::ALL.iter().flat_map(|i| i.fields.iter().map(move |f| ((i.key, f.key), f.default.to_string()))).collect();
        let blank = Form {
            kind: &workloads::ALL[0],
            params,
            tasks: String::new(),
            workers: String::new(),
            repeats: String::new(),
            switch_interval: String::new(),
            threads_per_process: String::new(),
            sweep: String::new(),
            models: Default::default(),
            trace: true,
        };
        blank.show(&Experiment::defaults(cores))
    }

    /// Chooses workload `info`; one that runs on some models only starts
    /// with them ticked.
    pub fn choose(&mut self, info: &'static Info) {
        self.kind = info;
        if let Some(models) = info.models {
            self.models = models.iter().copied().collect();
        }
    }

    /// The text typed into a field of the chosen workload.
    pub fn param(&self, field: &str) -> &str {
        self.params.iter().find(|((k, f), _)| *k == self.kind.key && *f == field).map_or("", |(_, v)| v.as_str())
    }

    /// The experiment JSON the form describes (validated by the core).
    pub fn to_json(&self) -> Value {
        let mut workload = serde_json::Map::new();
        workload.insert("kind".into(), self.kind.key.into());
        for f in self.kind.fields {
            workload.insert(f.key.into(), self.param(f.key).trim().into());
        }
        let mut exp = json!({
            "version": threadlab::experiment::FORMAT_VERSION,
            "workload": workload,
            "workers": self.workers.trim(),
            "repeats": self.repeats.trim(),
            "switch_interval_ms": self.switch_interval.trim(),
            "threads_per_process": self.threads_per_process.trim(),
            "models": self.models.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            "trace": self.trace,
        });
        if self.kind.tasks_per_worker.is_none() {
            exp["tasks"] = self.tasks.trim().into();
        }
        let counts: Vec<&str> = self.sweep.split([',', ' ']).map(str::trim).filter(|c| !c.is_empty()).collect();
        if !counts.is_empty() {
            exp["sweep"] = json!({ "workers": counts });
        }
        exp
    }

    /// The form showing `e` (what a run or a script asked for); fields of
    /// other workloads keep what was typed.
    pub fn show(&self, e: &Experiment) -> Form {
        let mut form = self.clone();
        form.kind = e.workload.info();
        for (field, value) in e.workload.field_values() {
            form.params.insert((form.kind.key, field), value);
        }
        if form.kind.tasks_per_worker.is_none() {
            form.tasks = e.tasks.to_string();
        }
        form.workers = e.workers.to_string();
        form.repeats = e.repeats.to_string();
        form.switch_interval = e.switch_interval_ms.to_string();
        form.threads_per_process = e.threads_per_process.to_string();
        form.sweep = e.sweep.as_ref().map(|s| s.workers.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")).unwrap_or_default();
        form.models = e.models.iter().copied().collect();
        form.trace = e.trace;
        form
    }
}

pub use threadlab::runner::Progress;

/// What the page shows: the experiment builder, or a whole program
/// (`mode=program` in links).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Experiment,
    Program,
}

/// The lines a program printed so far, as they arrive (shared with the
/// run that appends them, so a line costs no copy of the others); two are
/// the same when they are the same list at the same length.
#[derive(Debug, Clone, Default)]
pub struct Console(pub Rc<RefCell<Vec<Line>>>, pub usize);

impl PartialEq for Console {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0) && self.1 == o.1
    }
}

/// The Program mode: the program as typed, the GIL switch, and what its
/// last run printed and did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    pub link: ProgramLink,
    /// The run under way's lines so far (or the last run's).
    pub console: Console,
    /// The last run, once it ended (compared by identity: never changed).
    pub run: Option<Rc<ProgramRun>>,
}

/// One row of the switch-interval sweep: the interval and what threads +
/// GIL's runs came to at it in the workload's own terms (the convoy's
/// wake-up latency), which its view reads.
pub type SweepRow = (f64, Extra);

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub form: Form,
    pub environment: Rc<Environment>,
    /// Set while a run is under way (mirrors the runner's slot, for display).
    pub running: Option<Progress>,
    /// The last results, kept while a new run goes on or fails.
    pub results: Option<Rc<Results>>,
    /// The switch-interval sweep of the last results, if one ran.
    pub sweep: Option<Rc<Vec<SweepRow>>>,
    /// A message for the learner: bad input, a failed or cancelled run.
    pub message: Option<String>,
    /// What the page's link asked for (embed, theme, autorun).
    pub view: View,
    /// The sharer's run a link carried, and the experiment it belongs to.
    pub shared: Option<Rc<(Experiment, SharedRun)>>,
    /// What of the page's link was ignored, in sentences.
    pub link_notes: Vec<String>,
    /// Runs ended so far (finished or failed): lets a script or a test wait
    /// for the end of the run it started.
    pub ended: u32,
    /// The lesson gallery opens on the landing page; a link that names an
    /// experiment or a lesson opens on it, the gallery folded.
    pub gallery: bool,
    /// The learner's prediction so far (before the run; it travels with
    /// the run and comes back judged in the results).
    pub prediction: threadlab::predict::Prediction,
    /// The experiment builder or the Program mode.
    pub mode: Mode,
    pub program: Program,
}

impl State {
    pub fn new(environment: Environment) -> State {
        let form = Form::new(environment.cores);
        State {
            form,
            environment: Rc::new(environment),
            running: None,
            results: None,
            sweep: None,
            message: None,
            view: View::default(),
            shared: None,
            link_notes: Vec::new(),
            ended: 0,
            gallery: true,
            prediction: Default::default(),
            mode: Mode::Experiment,
            program: Program::default(),
        }
    }

    /// The page as a link's query (`?…`, without the `?`) says to show it.
    pub fn from_link(environment: Environment, query: &str) -> State {
        let mut s = State::new(environment);
        let decoded = link::decode(query, s.environment.cores);
        if decoded.has_experiment {
            s.form = s.form.show(&decoded.link.experiment);
        }
        // A program that does not compile: in the editor, marked there.
        if let Some((key, code)) = &decoded.program {
            s.form.params.insert((s.form.kind.key, key), code.clone());
        }
        s.view = decoded.link.view;
        s.gallery = !(decoded.has_experiment || s.view.lesson.is_some());
        s.shared = decoded.link.shared.map(|run| Rc::new((decoded.link.experiment, run)));
        s.link_notes = decoded.ignored;
        if let Some(p) = decoded.whole.clone() {
            s.mode = Mode::Program;
            s.program.link = p;
            s.gallery = false;
        }
        // Run at once only what the link really says, and never before
        // the prediction it asks for.
        if s.view.autorun && s.view.predict {
            s.view.autorun = false;
        }
        let runnable = match s.mode {
            Mode::Program => s.link_notes.is_empty(),
            Mode::Experiment => decoded.has_experiment && s.link_notes.is_empty() && decoded.program.is_none(),
        };
        if s.view.autorun && !runnable {
            s.view.autorun = false;
            if !s.link_notes.is_empty() {
                let what = if s.mode == Mode::Program { "program" } else { "experiment" };
                s.link_notes.push(format!("So the {what} was not run automatically: check it and press Run."));
            }
        }
        s
    }

    /// The experiment the form describes, if it is valid.
    pub fn experiment(&self) -> Option<Experiment> {
        Experiment::from_value(&self.form.to_json(), self.environment.cores).ok()
    }

    /// The lesson the page shows: the one picked or linked, while the
    /// experiment still tests that lesson's claim on the same kind of work
    /// (sizes, workers and repeats may be adjusted).
    /// `shown` is [`State::experiment`].
    pub fn lesson(&self, shown: Option<&Experiment>) -> Option<&'static threadlab::lessons::Lesson> {
        let l = threadlab::lessons::find(self.view.lesson?)?;
        let (now, lesson) = (shown?, l.experiment(self.environment.cores));
        let same = now.workload.key() == lesson.workload.key() && now.models == lesson.models;
        same.then_some(l)
    }

    /// The experiment JSON Run hands over: the form's, with the learner's
    /// prediction for it beside its fields (`prediction`), if one was made.
    pub fn run_json(&self) -> Value {
        let mut json = self.form.to_json();
        if let Some(e) = self.experiment() {
            let p = self.prediction.for_experiment(&e);
            if !p.guesses.is_empty() {
                json["prediction"] = p.text().into();
            }
        }
        json
    }

    /// The questions `exp` asks that the prediction has not answered yet.
    pub fn unanswered(&self, exp: &Experiment) -> Vec<threadlab::predict::Question> {
        threadlab::predict::questions(exp).into_iter().filter(|q| self.prediction.answer(q.key()).is_none()).collect()
    }

    /// The sharer's run, if it belongs to `exp`.
    pub fn shared_for(&self, exp: &Experiment) -> Option<&SharedRun> {
        self.shared.as_deref().filter(|(e, _)| e == exp).map(|(_, run)| run)
    }
}

/// A field of the builder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field {
    /// A field of the chosen workload, by key.
    Param(&'static str),
    Tasks,
    Workers,
    Repeats,
    SwitchInterval,
    ThreadsPerProcess,
    Sweep,
}

pub enum Action {
    SetKind(&'static str),
    Set(Field, String),
    ToggleModel(Model),
    ToggleTrace,
    /// The experiment was refused; say why.
    Invalid(String),
    /// A run started; the form shows its experiment (if it is one).
    Started(Option<Experiment>),
    Progress(Progress),
    Finished(Rc<Results>),
    SweepFinished(Vec<SweepRow>),
    /// The run was cancelled after some runs finished: they are shown,
    /// marked partial, with the message.
    Cancelled(Rc<Results>, String),
    Failed(String),
    DismissLinkNotes,
    /// A lesson was picked: the page shows its question and experiment.
    PickLesson(&'static threadlab::lessons::Lesson),
    /// The learner answered a question before the run (`about`: a model's key or `outcome`).
    Predict(&'static str, threadlab::predict::Answer),
    /// Ask for a prediction before every run, or stop asking.
    TogglePredict,
    /// A program that was refused (run by a script): the form shows it, in
    /// its workload's field.
    ShowProgram(&'static threadlab::workloads::Info, &'static str, String),
    /// The experiment builder or the Program mode.
    SetMode(Mode),
    /// The whole program as typed (or picked from the gallery).
    SetCode(String),
    SetGil(bool),
    /// A program's run started (the page shows that program, in the
    /// Program mode): its lines go to this console.
    ProgramStarted(Console, ProgramLink),
    /// More lines arrived (the console's length now).
    ProgramPrinted(usize),
    ProgramFinished(Rc<ProgramRun>),
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::SetKind(key) => {
                if let Some(info) = threadlab::Workload::info_of(key) {
                    s.form.choose(info);
                }
            }
            Action::Set(field, value) => {
                let f = &mut s.form;
                match field {
                    Field::Param(key) => {
                        f.params.insert((f.kind.key, key), value);
                    }
                    Field::Tasks => f.tasks = value,
                    Field::Workers => f.workers = value,
                    Field::Repeats => f.repeats = value,
                    Field::SwitchInterval => f.switch_interval = value,
                    Field::ThreadsPerProcess => f.threads_per_process = value,
                    Field::Sweep => f.sweep = value,
                }
            }
            Action::ToggleTrace => s.form.trace = !s.form.trace,
            Action::ToggleModel(m) => {
                if !s.form.models.remove(&m) {
                    s.form.models.insert(m);
                }
            }
            Action::Invalid(msg) => s.message = Some(msg),
            Action::Started(e) => {
                // An experiment runs: the page shows it (in the builder's mode).
                if let Some(e) = e {
                    s.form = s.form.show(&e);
                    s.mode = Mode::Experiment;
                }
                s.message = None;
                s.running = Some(Progress { done: 0, total: 1, label: "Starting…".into(), eta_s: None });
            }
            Action::Progress(p) => {
                if s.running.is_some() {
                    s.running = Some(p);
                }
            }
            Action::Finished(r) => {
                s.running = None;
                s.results = Some(r);
                s.sweep = None;
                s.ended += 1;
            }
            Action::SweepFinished(rows) => {
                s.running = None;
                s.sweep = Some(Rc::new(rows));
                s.ended += 1;
            }
            Action::Cancelled(r, msg) => {
                s.running = None;
                s.results = Some(r);
                s.sweep = None;
                s.message = Some(msg);
                s.ended += 1;
            }
            Action::Failed(msg) => {
                s.running = None;
                s.message = Some(msg);
                s.ended += 1;
            }
            Action::DismissLinkNotes => s.link_notes.clear(),
            Action::ShowProgram(info, key, code) => {
                s.form.choose(info);
                s.form.params.insert((info.key, key), code);
            }
            Action::PickLesson(l) => {
                if s.view.lesson != Some(l.id) {
                    s.prediction = Default::default();
                }
                s.view.lesson = Some(l.id);
                s.form = s.form.show(&l.experiment(s.environment.cores));
                s.mode = Mode::Experiment;
                s.gallery = false;
            }
            Action::Predict(about, answer) => s.prediction.set(about, answer),
            Action::SetMode(m) => {
                s.mode = m;
                s.gallery &= m == Mode::Experiment;
            }
            Action::SetCode(code) => s.program.link.code = code,
            Action::SetGil(on) => s.program.link.gil = on,
            Action::ProgramStarted(console, program) => {
                s.mode = Mode::Program;
                s.gallery = false;
                s.program.link = program;
                s.message = None;
                s.program.console = console;
                s.program.run = None;
                s.running = Some(Progress { done: 0, total: 1, label: "Running the program…".into(), eta_s: None });
            }
            Action::ProgramPrinted(n) => s.program.console.1 = n,
            Action::ProgramFinished(run) => {
                s.running = None;
                s.program.console.1 = s.program.console.0.borrow().len();
                s.program.run = Some(run);
                s.ended += 1;
            }
            Action::TogglePredict => s.view.predict = !s.view.predict,
        }
        Rc::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_round_trips_through_an_experiment_for_every_workload() {
        let form = Form::new(2);
        for info in workloads::ALL {
            let mut f = form.clone();
            f.choose(info);
            let e = Experiment::from_value(&f.to_json(), 2).unwrap_or_else(|err| panic!("{}: {err}", info.key));
            assert_eq!(e.workload.key(), info.key);
            assert_eq!(f.show(&e).to_json(), f.to_json(), "{}", info.key);
        }
    }

    #[test]
    fn a_bad_field_is_refused_with_its_name() {
        let mut form = Form::new(2);
        form.workers = "0".into();
        let err = Experiment::from_value(&form.to_json(), 2).unwrap_err().to_string();
        assert!(err.contains("`workers` must be between 1 and 64"), "{err}");
        form.workers = "2".into();
        form.params.insert(("loop", "size"), "lots".into());
        let err = Experiment::from_value(&form.to_json(), 2).unwrap_err().to_string();
        assert_eq!(err, "`workload.size` must be a whole number (got \"lots\")");
    }

    #[test]
    fn switching_workloads_keeps_what_was_typed() {
        let s = Rc::new(State::new(Environment { cores: 2, ..Environment::default() }));
        let s = s.reduce(Action::Set(Field::Param("size"), "123".into()));
        let s = s.reduce(Action::SetKind("sleep"));
        assert_eq!(s.form.param("ms"), "100");
        let s = s.reduce(Action::SetKind("loop"));
        assert_eq!(s.form.param("size"), "123");
    }

    #[test]
    fn a_program_link_opens_the_program_mode_and_autoruns_only_a_clean_one() {
        let env = Environment { cores: 2, ..Environment::default() };
        let s = State::from_link(env.clone(), "?mode=program&example=threads_io_sleep&gil=0&autorun=1");
        assert_eq!(s.mode, Mode::Program);
        assert_eq!((s.program.link.example().map(|e| e.id), s.program.link.gil), (Some("threads_io_sleep"), false));
        assert!(s.view.autorun && !s.gallery);
        let s = State::from_link(env.clone(), "?mode=program&example=nope&autorun=1");
        assert!(!s.view.autorun, "a link with an ignored part is not run");
        assert_eq!(s.link_notes[1], "So the program was not run automatically: check it and press Run.");
        // Running a lesson (or any experiment) shows the builder again.
        let s = Rc::new(s).reduce(Action::PickLesson(&threadlab::lessons::ALL[0]));
        assert_eq!(s.mode, Mode::Experiment);
        let s = s.reduce(Action::ProgramStarted(Console::default(), ProgramLink::default()));
        assert_eq!((s.mode, s.running.is_some()), (Mode::Program, true));
        let s = s.reduce(Action::Started(Some(Experiment::defaults(2))));
        assert_eq!(s.mode, Mode::Experiment);
    }

    #[test]
    fn a_link_restores_the_form_and_keeps_what_it_ignored() {
        let env = Environment { cores: 2, ..Environment::default() };
        let s = State::from_link(env.clone(), "?v=1&workload=sleep&ms=20&tasks=3&wokers=9&embed=1&theme=dark");
        assert_eq!(s.form.kind.key, "sleep");
        assert_eq!((s.form.param("ms"), s.form.tasks.as_str()), ("20", "3"));
        assert!(s.view.embed);
        assert_eq!(s.link_notes.len(), 1, "{:?}", s.link_notes);
        let e = s.experiment().unwrap();
        let again = State::from_link(env, &link::encode(&e, &View::default(), None));
        assert_eq!(again.experiment(), Some(e));
    }

    #[test]
    fn progress_after_the_end_of_a_run_is_ignored() {
        let s = Rc::new(State::new(Environment::default()));
        let s = s.reduce(Action::Started(None)).reduce(Action::Failed("cancelled".into()));
        let s = s.reduce(Action::Progress(Progress { done: 1, total: 2, label: "late".into(), eta_s: None }));
        assert_eq!((s.running.clone(), s.ended), (None, 1));
    }
}
