//! Starting runs, from the page or a script, and `window.threadlab`, the
//! scripting API for course pages and tests.
//!
//! `window.threadlab.run(experiment)` takes an experiment (object or JSON
//! text), runs it exactly as the Run button does (the page shows it too), and
//! resolves to the results JSON; bad input rejects with a readable `Error`.
//! Every run takes the runner's slot synchronously, when it is asked for,
//! so two requests can never both start.

use crate::page;
use crate::runner::{self, ProgressFn, RunError, Slot};
use crate::state::{Action, State};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use threadlab::embed::FrameMessage;
use threadlab::link::{self, SharedRun, View};
use threadlab::plan::Plan;
use threadlab::results::Environment;
use threadlab::{Experiment, ExperimentError, Model, Results};
use wasm_bindgen::prelude::*;
use yew::UseReducerDispatcher;

/// Runs a run's future to its end for its effects: the page shows its outcome.
pub fn detach<T: 'static>(run: impl Future<Output = T> + 'static) {
    wasm_bindgen_futures::spawn_local(async move {
        let _ = run.await;
    });
}

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
    /// A cancelled run: what finished before (`error.partial`), marked partial.
    pub partial: Option<Rc<Results>>,
}

impl Refusal {
    fn invalid(message: String) -> Refusal {
        Refusal { name: "InvalidExperiment", message, field: None, partial: None }
    }

    /// An experiment refused by the core: its message and the field it names.
    fn refused(e: &threadlab::ExperimentError) -> Refusal {
        Refusal { field: e.field().map(str::to_string), ..Refusal::invalid(e.to_string()) }
    }

    /// As a JavaScript `Error` with this name (and `field`, where one is at fault).
    pub(crate) fn to_js(&self) -> JsValue {
        let e = js_sys::Error::new(&self.message);
        e.set_name(self.name);
        if let Some(field) = &self.field {
            let _ = js_sys::Reflect::set(&e, &"field".into(), &field.into());
        }
        if let Some(partial) = self.partial.as_deref().and_then(|r| serde_json::to_string(r).ok()).and_then(|json| js_sys::JSON::parse(&json).ok()) {
            let _ = js_sys::Reflect::set(&e, &"partial".into(), &partial);
        }
        e.into()
    }
}

impl From<RunError> for Refusal {
    fn from(e: RunError) -> Refusal {
        Refusal { name: e.name(), message: e.to_string(), field: None, partial: None }
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
    threadlab::sizing::check(json, cores).map(drop)
}

async fn run_in_slot(
    slot: Result<Slot, RunError>,
    json: serde_json::Value,
    dispatch: UseReducerDispatcher<State>,
    env: Rc<Environment>,
) -> Result<Rc<Results>, Refusal> {
    let slot = slot?;
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
            dispatch.dispatch(Action::Invalid(e.to_string()));
            return Err(Refusal::refused(&e));
        }
    };
    let exp = Experiment::from_value(&json, env.cores).map_err(|e| {
        dispatch.dispatch(Action::Invalid(e.to_string()));
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
    match outcome.and_then(one) {
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

/// Runs `base` on threads + GIL at several switch intervals (the convoy's
/// sweep), through the same slot, progress and Cancel as any run.
pub fn run_interval_sweep(base: Experiment, dispatch: UseReducerDispatcher<State>, env: Rc<Environment>) -> impl Future<Output = ()> {
    let slot = Slot::take();
    async move {
        let Ok(slot) = slot else { return };
        dispatch.dispatch(Action::Started(None));
        let plan = Plan::interval_sweep(base);
        match runner::run(&slot, &plan, &env, &progress(&dispatch)).await {
            Ok(results) => {
                let rows = results.iter().map(|r| (r.experiment.switch_interval_ms, r.model(Model::ThreadsGil).and_then(|m| m.latency_ms))).collect();
                dispatch.dispatch(Action::SweepFinished(rows));
            }
            Err(e) => dispatch.dispatch(Action::Failed(e.to_string())),
        }
    }
}

/// `threadlab.run(input)` in the lab: runs it as the Run button does and
/// resolves to the results JSON.
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
    // Takes the slot now, before this call returns.
    let run = run_experiment(json, dispatch.clone(), env.clone());
    wasm_bindgen_futures::future_to_promise(async move {
        let results = run.await.map_err(|e| e.to_js())?;
        let json = serde_json::to_string(&*results).map_err(|e| RunError::Failed(e.to_string())).map_err(|e| Refusal::from(e).to_js())?;
        js_sys::JSON::parse(&json)
    })
}

/// The experiment as JSON: an object, or JSON text.
fn experiment_json(v: &JsValue) -> Result<serde_json::Value, String> {
    let text = if let Some(s) = v.as_string() {
        s
    } else if v.is_undefined() || v.is_null() {
        return Err("threadlab.run needs an experiment, e.g. {workload: {kind: 'loop', size: 10000000}}".into());
    } else {
        js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string()).ok_or("The experiment cannot be read as JSON")?
    };
    serde_json::from_str(&text).map_err(|e| ExperimentError::NotJson(e.to_string()).to_string())
}

/// Installs `window.threadlab`: the shell creates it (and says
/// `threadlab-ready`); the lab, taking the page over, fills in the same
/// object, so a script holding it goes on working.
/// `form` always holds the form's experiment JSON (what `current()` reads).
pub fn install(dispatch: UseReducerDispatcher<State>, env: Rc<Environment>, form: Rc<RefCell<serde_json::Value>>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    // The shell's object, when the lab takes the page over: scripts may hold it.
    let existing = js_sys::Reflect::get(&window, &"threadlab".into()).ok().filter(|a| a.is_object());
    let api: js_sys::Object = existing.clone().map_or_else(js_sys::Object::new, JsCast::unchecked_into);
    let run = Closure::<dyn Fn(JsValue) -> js_sys::Promise>::new({
        let (dispatch, env) = (dispatch.clone(), env.clone());
        move |input: JsValue| crate::lab::api_run(input, &dispatch, &env)
    });
    let cancel = Closure::<dyn Fn()>::new(crate::lab::cancel);
    // threadlab.link(experiment, {results}): the share URL of an experiment,
    // with a run's results (the results JSON `run` resolved to) if given.
    let link = Closure::<dyn Fn(JsValue, JsValue) -> Result<String, JsValue>>::new({
        let env = env.clone();
        move |input: JsValue, options: JsValue| {
            let json = experiment_json(&input).map_err(|m| Refusal::invalid(m).to_js())?;
            let exp = Experiment::from_value(&json, env.cores).map_err(|e| Refusal::invalid(e.to_string()).to_js())?;
            let results = js_sys::Reflect::get(&options, &"results".into()).ok().filter(|r| !r.is_undefined() && !r.is_null());
            let shared = match results {
                Some(r) => {
                    let text = js_sys::JSON::stringify(&r).ok().and_then(|s| s.as_string()).unwrap_or_default();
                    let doc = serde_json::from_str(&text).unwrap_or_default();
                    let run = SharedRun::from_document(&doc)
                        .map_err(|e| Refusal::invalid(format!("`results` is not a results object from threadlab.run: {e}")).to_js())?;
                    Some(run)
                }
                None => None,
            };
            Ok(page::url_with(&link::encode(&exp, &View::default(), shared.as_ref())))
        }
    });
    // threadlab.current(): the experiment the page shows.
    let current = Closure::<dyn Fn() -> Result<JsValue, JsValue>>::new({
        let env = env.clone();
        move || {
            // A script that kept the shell's `current`: the lab's form now.
            if let Some(current) = crate::lab::lab_api("current") {
                return current.call0(&JsValue::NULL);
            }
            let exp = Experiment::from_value(&form.borrow(), env.cores).map_err(|e| Refusal::invalid(e.to_string()).to_js())?;
            js_sys::JSON::parse(&exp.to_json())
        }
    });
    // threadlab.lessons(): [{id, question, answer, claim, experiment, link}].
    let lessons = Closure::<dyn Fn() -> JsValue>::new({
        let env = env.clone();
        move || {
            let list: Vec<serde_json::Value> = threadlab::lessons::ALL
                .iter()
                .map(|l| {
                    let experiment = l.experiment(env.cores);
                    serde_json::json!({
                        "id": l.id,
                        "question": l.question,
                        "answer": l.answer,
                        "claim": l.claim(env.cores).map(|c| c.text()),
                        "link": page::url_with(&format!("lesson={}", l.id)),
                        "experiment": experiment,
                    })
                })
                .collect();
            js_sys::JSON::parse(&serde_json::Value::Array(list).to_string()).unwrap_or(JsValue::NULL)
        }
    });
    // threadlab.python(experiment): the same experiment as a Python program.
    let python = Closure::<dyn Fn(JsValue) -> Result<String, JsValue>>::new({
        let env = env.clone();
        move |input: JsValue| {
            let json = experiment_json(&input).map_err(|m| Refusal::invalid(m).to_js())?;
            let exp = Experiment::from_value(&json, env.cores).map_err(|e| Refusal::invalid(e.to_string()).to_js())?;
            Ok(threadlab::python::program(&exp, &runner::known_machine()))
        }
    });
    let _ = js_sys::Reflect::set(&api, &"lessons".into(), lessons.as_ref());
    let _ = js_sys::Reflect::set(&api, &"python".into(), python.as_ref());
    lessons.forget();
    python.forget();
    let _ = js_sys::Reflect::set(&api, &"link".into(), link.as_ref());
    let _ = js_sys::Reflect::set(&api, &"current".into(), current.as_ref());
    link.forget();
    current.forget();
    let _ = js_sys::Reflect::set(&api, &"run".into(), run.as_ref());
    let _ = js_sys::Reflect::set(&api, &"cancel".into(), cancel.as_ref());
    let _ = js_sys::Reflect::set(&api, &"version".into(), &threadlab::experiment::FORMAT_VERSION.into());
    // The API lives as long as the page.
    run.forget();
    cancel.forget();
    if existing.is_none() {
        let _ = js_sys::Reflect::set(&window, &"threadlab".into(), &api);
        let _ = window.dispatch_event(&web_sys::Event::new("threadlab-ready").expect("a plain event"));
    }
}
