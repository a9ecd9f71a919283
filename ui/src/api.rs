//! `window.threadlab`: the scripting API for course pages and tests.
//!
//! `window.threadlab.run(experiment)` takes an experiment (object or JSON
//! text), runs it exactly as the Run button does (the page shows it too), and
//! resolves to the results JSON; bad input rejects with a readable `Error`.

use crate::runner::{self, ProgressFn};
use crate::state::{Action, State};
use std::rc::Rc;
use threadlab::results::Environment;
use threadlab::{Experiment, Results};
use wasm_bindgen::prelude::*;
use yew::UseReducerDispatcher;

/// Starts a run from the page or the API; the state follows along.
pub async fn start(exp: Experiment, dispatch: UseReducerDispatcher<State>, env: Rc<Environment>) -> Result<Rc<Results>, String> {
    if runner::is_running() {
        return Err("A run is already in progress: wait for it or cancel it.".into());
    }
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

fn experiment_text(v: &JsValue) -> Option<String> {
    if let Some(s) = v.as_string() {
        return Some(s);
    }
    if v.is_undefined() || v.is_null() {
        return None;
    }
    js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string())
}

/// Installs `window.threadlab` (once; the page has one App).
pub fn install(dispatch: UseReducerDispatcher<State>, env: Rc<Environment>) {
    let Some(window) = web_sys::window() else { return };
    let api = js_sys::Object::new();
    let run = Closure::<dyn Fn(JsValue) -> js_sys::Promise>::new(move |input: JsValue| {
        let (dispatch, env) = (dispatch.clone(), env.clone());
        wasm_bindgen_futures::future_to_promise(async move {
            let refuse = |msg: String| {
                dispatch.dispatch(Action::Invalid(msg.clone()));
                JsValue::from(js_sys::Error::new(&msg))
            };
            let text = experiment_text(&input)
                .ok_or_else(|| refuse("threadlab.run needs an experiment, e.g. {workload: {kind: 'loop', size: 10000000}}".into()))?;
            let exp = Experiment::from_json(&text, env.cores).map_err(|e| refuse(e.to_string()))?;
            let results = start(exp, dispatch, env).await.map_err(|e| JsValue::from(js_sys::Error::new(&e)))?;
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
