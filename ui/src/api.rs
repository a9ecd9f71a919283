//! Starting runs, from the page or a script (`crate::global` installs the
//! `window.threadlab` that calls these), and telling a host page about them.
//!
//! `window.threadlab.run(experiment)` takes an experiment (object or JSON
//! text), runs it exactly as the Run button does (the page shows it too), and
//! resolves to the results JSON; bad input rejects with a readable `Error`.
//! Every run takes the runner's slot synchronously, when it is asked for,
//! so two requests can never both start.

use crate::page;
use crate::runner::{self, ProgressFn, RunError, Slot};
use crate::state::{Action, State};
use std::future::Future;
use std::rc::Rc;
use threadlab::embed::FrameMessage;

use threadlab::plan::Plan;
use threadlab::predict::Prediction;
use threadlab::program::ProgramSpec;
use threadlab::results::Environment;
use threadlab::{Experiment, ExperimentError, Model, Results};
use wasm_bindgen::prelude::*;
use yew::UseReducerDispatcher;


fn progress(dispatch: &UseReducerDispatcher<State>) -> ProgressFn {
    let dispatch = dispatch.clone();
    Rc::new(move |p| dispatch.dispatch(Action::Progress(p)))
}

/// Why a run asked for did not produce results: a sentence for people and
/// a name scripts can tell apart (`error.name` in JavaScript).
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// `InvalidExperiment`, `BusyError`, `CancelledError` or `RunError`.
    pub name: &'static str,
    pub message: String,
    /// The experiment field at fault (`workload.size`), if one.
    pub field: Option<String>,
    /// Where in the field's text (line, column; 1-based): a syntax error
    /// in the python workload's code (`error.line`, `error.column`).
    pub position: Option<(u32, u32)>,
    /// A cancelled run: what finished before (`error.partial`), marked partial.
    pub partial: Option<Rc<Results>>,
}

impl Refusal {
    pub(crate) fn invalid(message: String) -> Refusal {
        Refusal { name: "InvalidExperiment", message, field: None, position: None, partial: None }
    }

    /// An experiment refused by the core: its message and the field it names.
    fn refused(e: &threadlab::ExperimentError) -> Refusal {
        Refusal { field: e.field().map(str::to_string), position: e.position(), ..Refusal::invalid(e.to_string()) }
    }

    /// As a JavaScript `Error` with this name (and `field`, where one is at fault).
    pub(crate) fn to_js(&self) -> JsValue {
        let e = js_sys::Error::new(&self.message);
        e.set_name(self.name);
        if let Some(field) = &self.field {
            let _ = js_sys::Reflect::set(&e, &"field".into(), &field.into());
        }
        if let Some((line, column)) = self.position {
            let _ = js_sys::Reflect::set(&e, &"line".into(), &line.into());
            let _ = js_sys::Reflect::set(&e, &"column".into(), &column.into());
        }
        // Only the lab runs anything: the shell (`--features shell`, where
        // `lab::HERE` is false) keeps no results writer.
        let partial = self.partial.as_deref().filter(|_| cfg!(not(feature = "shell")));
        if let Some(partial) = partial.and_then(|r| serde_json::to_string(r).ok()).and_then(|json| js_sys::JSON::parse(&json).ok()) {
            let _ = js_sys::Reflect::set(&e, &"partial".into(), &partial);
        }
        e.into()
    }
}

impl From<RunError> for Refusal {
    fn from(e: RunError) -> Refusal {
        Refusal { name: e.name(), message: e.to_string(), field: None, position: None, partial: None }
    }
}

/// Validates experiment JSON and runs it; the page follows along. A refusal
/// is shown and returned; a request while a run is under way is refused
/// without disturbing it.
pub fn run_experiment(
    json: serde_json::Value,
    dispatch: UseReducerDispatcher<State>,
    env: Rc<Environment>,
) -> impl Future<Output = Result<Rc<Results>, Refusal>> {
    let slot = Slot::take();
    async move {
        let outcome = run_in_slot(slot, json, dispatch, env).await;
        if let Err(refusal) = &outcome {
            tell_host(FrameMessage::Error { message: &refusal.message });
        }
        outcome
    }
}

/// What [`run_experiment`] refuses before anything runs: the experiment as
/// the core validates it, or a size given as time (resolved when it runs).
pub fn check(json: &serde_json::Value, cores: u32) -> Result<(), ExperimentError> {
    // A prediction beside it is passed on: the run reads it (the lab's).
    let mut json = json.clone();
    Prediction::take(&mut json);
    threadlab::sizing::check(&json, cores).map(drop)
}

/// Says on the page why `json` was refused; a refused program (a
/// script's, a host page's) is shown in the form, marked where it is wrong.
fn refuse(json: &serde_json::Value, e: &ExperimentError, dispatch: &UseReducerDispatcher<State>) {
    if let ExperimentError::Code { field, .. } = e {
        let info = json.pointer("/workload/kind").and_then(serde_json::Value::as_str).and_then(threadlab::Workload::info_of);
        let key = field.strip_prefix("workload.").and_then(|k| info?.fields.iter().find(|f| f.key == k)).map(|f| f.key);
        let code = key.and_then(|k| json.pointer(&format!("/workload/{k}"))).and_then(serde_json::Value::as_str);
        if let (Some(info), Some(key), Some(code)) = (info, key, code) {
            dispatch.dispatch(Action::ShowProgram(info, key, code.to_string()));
        }
    }
    dispatch.dispatch(Action::Invalid(e.to_string()));
}

async fn run_in_slot(
    slot: Result<Slot, RunError>,
    json: serde_json::Value,
    dispatch: UseReducerDispatcher<State>,
    env: Rc<Environment>,
) -> Result<Rc<Results>, Refusal> {
    let slot = slot?;
    // A prediction beside the experiment's fields: read once it is known.
    let mut json = json;
    let prediction = Prediction::take(&mut json);
    // A size given as time ("about 50 ms"): measured here, then a number.
    let json = match threadlab::sizing::check(&json, env.cores) {
        Ok(None) => json,
        Ok(Some((field, ms))) => {
            dispatch.dispatch(Action::Started(None));
            dispatch.dispatch(Action::Progress(crate::state::Progress { done: 0, total: 1, label: format!("Timing one task to size it at about {ms} ms…"), eta_s: None }));
            runner::size_in_time(&slot, &json, field, ms, env.cores).await.map_err(|e| {
                dispatch.dispatch(Action::Failed(e.to_string()));
                Refusal::from(e)
            })?
        }
        Err(e) => {
            refuse(&json, &e, &dispatch);
            return Err(Refusal::refused(&e));
        }
    };
    let read = |json: &serde_json::Value| {
        let exp = Experiment::from_value(json, env.cores)?;
        let p = prediction.as_ref().map(|p| Prediction::read(p, &exp)).transpose()?;
        Ok((exp, p))
    };
    let (exp, prediction) = read(&json).map_err(|e: ExperimentError| {
        refuse(&json, &e, &dispatch);
        Refusal::refused(&e)
    })?;
    dispatch.dispatch(Action::Started(Some(exp.clone())));
    tell_host(FrameMessage::Started { experiment: &serde_json::to_value(&exp).unwrap_or_default() });
    let plan = Plan::of(&exp);
    let outcome = runner::run(&slot, &plan, &env, &progress(&dispatch)).await;
    let one = |mut r: Vec<Results>| match plan {
        // A sweep's runs, one per worker count, as one result.
        Plan::WorkerSweep { .. } => Ok(Results::of_sweep(exp.clone(), r)),
        _ => r.pop().ok_or(RunError::Failed("the run produced no results".into())),
    };
    let judged = |r: Results| match &prediction {
        Some(p) => r.predicted(p),
        None => r,
    };
    match outcome.and_then(one).map(judged) {
        Ok(results) if results.partial.is_some() => {
            // Cancelled after some runs finished: the page shows them, marked
            // partial, unless another run has started since; the caller is
            // told it was cancelled, with what finished.
            let results = Rc::new(results);
            let refusal = Refusal { partial: Some(results.clone()), ..RunError::Cancelled.into() };
            if !runner::is_running() {
                dispatch.dispatch(Action::Cancelled(results, format!("{} The results below are what finished before.", refusal.message)));
            }
            Err(refusal)
        }
        Ok(results) => {
            let results = Rc::new(results);
            dispatch.dispatch(Action::Finished(results.clone()));
            tell_host(FrameMessage::Results { results: &serde_json::to_value(&*results).unwrap_or_default() });
            Ok(results)
        }
        Err(e) => {
            dispatch.dispatch(Action::Failed(e.to_string()));
            Err(e.into())
        }
    }
}

/// In a frame, tells the host page about the run (see `threadlab::embed`).
pub fn tell_host(message: FrameMessage) {
    if page::framed() {
        page::post_to_parent(&message.to_value());
    }
}

/// Runs `base` on threads + GIL at several switch intervals (the convoy
/// view offers it), through the same slot, progress and Cancel as any run.
pub fn run_interval_sweep(base: Experiment, dispatch: UseReducerDispatcher<State>, env: Rc<Environment>) -> impl Future<Output = ()> {
    let slot = Slot::take();
    async move {
        let Ok(slot) = slot else { return };
        dispatch.dispatch(Action::Started(None));
        let plan = Plan::interval_sweep(base);
        match runner::run(&slot, &plan, &env, &progress(&dispatch)).await {
            Ok(results) => {
                let rows = results.iter().map(|r| (r.experiment.switch_interval_ms, r.model(Model::ThreadsGil).map(|m| m.extra.clone()).unwrap_or_default())).collect();
                dispatch.dispatch(Action::SweepFinished(rows));
            }
            Err(e) => dispatch.dispatch(Action::Failed(e.to_string())),
        }
    }
}

/// `threadlab.run(input)` in the lab: runs it as the Run button does and
/// resolves to the results JSON; with a `program` key, runs that whole
/// Python program ([`run_program_from_script`]).
pub fn run_from_script(input: JsValue, dispatch: &UseReducerDispatcher<State>, env: &Rc<Environment>) -> js_sys::Promise {
    let json = match experiment_json(&input) {
        Ok(json) => json,
        Err(msg) => {
            if !runner::is_running() {
                dispatch.dispatch(Action::Invalid(msg.clone()));
            }
            return js_sys::Promise::reject(&Refusal::invalid(msg).to_js());
        }
    };
    if json.get("program").is_some() {
        return run_program_from_script(&json, dispatch);
    }
    // Takes the slot now, before this call returns.
    let run = run_experiment(json, dispatch.clone(), env.clone());
    wasm_bindgen_futures::future_to_promise(async move {
        let results = run.await.map_err(|e| e.to_js())?;
        let json = serde_json::to_string(&*results).map_err(|e| RunError::Failed(e.to_string())).map_err(|e| Refusal::from(e).to_js())?;
        js_sys::JSON::parse(&json)
    })
}

/// `threadlab.run({program, gil, switch_interval_ms})`: the program checked
/// (a refusal rejects at once, naming `program` and, for a syntax error,
/// its `line` and `column`), run in the page's slot, resolving to the
/// `ProgramRun` JSON (Cancel resolves it too, stopped).
fn run_program_from_script(json: &serde_json::Value, dispatch: &UseReducerDispatcher<State>) -> js_sys::Promise {
    let spec = match ProgramSpec::from_value(json) {
        Ok(spec) => spec,
        Err(e) => return js_sys::Promise::reject(&Refusal::refused(&e).to_js()),
    };
    if runner::is_running() {
        return js_sys::Promise::reject(&Refusal::from(RunError::Busy).to_js());
    }
    // Takes the slot now, before this call returns; the page shows the
    // program and its run, as the Run button's.
    let run = crate::program_page::run(spec, dispatch.clone());
    wasm_bindgen_futures::future_to_promise(async move {
        let run = run.await.map_err(|e| Refusal::from(RunError::Failed(e)).to_js())?;
        let json = serde_json::to_string(&*run).map_err(|e| Refusal::from(RunError::Failed(e.to_string())).to_js())?;
        js_sys::JSON::parse(&json)
    })
}

/// The experiment as JSON: an object, or JSON text.
pub(crate) fn experiment_json(v: &JsValue) -> Result<serde_json::Value, String> {
    let text = if let Some(s) = v.as_string() {
        s
    } else if v.is_undefined() || v.is_null() {
        return Err("threadlab.run needs an experiment, e.g. {workload: {kind: 'loop', size: 10000000}}".into());
    } else {
        js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string()).ok_or("The experiment cannot be read as JSON")?
    };
    serde_json::from_str(&text).map_err(|e| ExperimentError::NotJson(e.to_string()).to_string())
}
