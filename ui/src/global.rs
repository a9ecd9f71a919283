//! `window.threadlab`, the scripting API for course pages and tests: one
//! module installs it, above what it calls ([`crate::api`] to run, the
//! [`crate::lab`] seam for what the shell hands over, the core for the
//! rest). The shell creates the object; the lab fills in the same object.

use crate::api::{experiment_json, Refusal};
use crate::page;
use crate::runner;
use crate::state::State;
use std::cell::RefCell;
use std::rc::Rc;
use threadlab::link::{self, SharedRun, View};
use threadlab::results::Environment;
use threadlab::Experiment;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

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
            Ok(threadlab::python::program(&exp, &runner::known_machine(), env.cores))
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
