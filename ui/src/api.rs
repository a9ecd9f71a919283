//! `window.threadlab`: the scripting API for course pages and tests.
//!
//! `window.threadlab.run(experiment)` takes an experiment (object or JSON
//! text), runs it exactly as the Run button does (the page shows it too), and
//! resolves to the results JSON; bad input rejects with a readable `Error`.

use crate::runner::{self, ProgressFn};
use crate::state::{Action, State};
use std::rc::Rc;
use threadlab::results::Environment;
use threadlab::{Experiment, ExperimentError, Results};
use wasm_bindgen::prelude::*;
use yew::UseReducerDispatcher;

/// Validates experiment JSON and runs it, from the page or the API; the page
/// state follows along. Refusals are shown and returned.
pub async fn submit(mut input: serde_json::Value, dispatch: UseReducerDispatcher<State>, env: Rc<Environment>) -> Result<Rc<Results>, String> {
    let refuse = |msg: String| {
        dispatch.dispatch(Action::Invalid(msg.clone()));
        Err(msg)
    };
    if runner::is_running() {
        return Err("A run is already in progress: wait for it or cancel it.".into());
    }
    // CPU work sized in ms needs this machine's loop speed, measured once.
    let needs_rate = input.pointer("/workload/kind").and_then(|k| k.as_str()).is_some_and(|k| k == "mixed");
    let mut env = (*env).clone();
    if needs_rate {
        dispatch.dispatch(Action::Preparing);
        let rate = match env.cpu_iterations_per_ms {
            Some(rate) => rate,
            None => match runner::calibrate().await {
                Ok(rate) => rate,
                Err(e) => return refuse(format!("Could not measure this machine's speed: {e}")),
            },
        };
        env.cpu_iterations_per_ms = Some(rate);
        if let Some(obj) = input.as_object_mut() {
            obj.insert("cpu_iterations_per_ms".into(), rate.into());
        }
    }
    match Experiment::from_value(&input, env.cores) {
        Ok(exp) => start(exp, dispatch, Rc::new(env)).await,
        Err(e) => refuse(e.to_string()),
    }
}

async fn start(exp: Experiment, dispatch: UseReducerDispatcher<State>, env: Rc<Environment>) -> Result<Rc<Results>, String> {
    dispatch.dispatch(Action::Started(exp.clone()));
    let progress: ProgressFn = Rc::new({
        let dispatch = dispatch.clone();
        move |p| dispatch.dispatch(Action::Progress(p))
    });
    match runner::run(&exp, &env, &progress).await {
        Ok(results) => {
            let results = Rc::new(results);
            dispatch.dispatch(Action::Finished(results.clone()));
            Ok(results)
        }
        Err(e) => {
            dispatch.dispatch(Action::Failed(e.clone()));
            Err(e)
        }
    }
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

/// Installs `window.threadlab` (once; the page has one App).
pub fn install(dispatch: UseReducerDispatcher<State>, env: Rc<Environment>) {
    let Some(window) = web_sys::window() else { return };
    let api = js_sys::Object::new();
    let run = Closure::<dyn Fn(JsValue) -> js_sys::Promise>::new(move |input: JsValue| {
        let (dispatch, env) = (dispatch.clone(), env.clone());
        wasm_bindgen_futures::future_to_promise(async move {
            let error = |msg: &str| JsValue::from(js_sys::Error::new(msg));
            let json = experiment_json(&input).map_err(|msg| {
                dispatch.dispatch(Action::Invalid(msg.clone()));
                error(&msg)
            })?;
            let results = submit(json, dispatch, env).await.map_err(|e| error(&e))?;
            let json = serde_json::to_string(&*results).map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
            js_sys::JSON::parse(&json)
        })
    });
    let cancel = Closure::<dyn Fn()>::new(runner::cancel);
    let _ = js_sys::Reflect::set(&api, &"run".into(), run.as_ref());
    let _ = js_sys::Reflect::set(&api, &"cancel".into(), cancel.as_ref());
    let _ = js_sys::Reflect::set(&api, &"version".into(), &threadlab::experiment::FORMAT_VERSION.into());
    // The API lives as long as the page.
    run.forget();
    cancel.forget();
    let _ = js_sys::Reflect::set(&window, &"threadlab".into(), &api);
    let _ = window.dispatch_event(&web_sys::Event::new("threadlab-ready").expect("a plain event"));
}
