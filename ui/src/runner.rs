//! Runs an experiment: gets each model's pool ready (`www/runner.js` spawns
//! the workers), runs the repeats side by side, and summarises them with the
//! core. The page's thread only waits here; all work runs in workers.

use crate::state::Progress;
use std::cell::Cell;
use std::collections::BTreeMap;
use threadlab::results::{Environment, ModelSummary};
use std::rc::Rc;
use threadlab::{Experiment, Model, ModelRun, Results};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = environment)]
    fn js_environment() -> JsValue;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = prepare, catch)]
    fn js_prepare(model: &str, workers: u32) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = run, catch)]
    fn js_run(model: &str, experiment: &str, on_task: &js_sys::Function) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = cancel)]
    fn js_cancel();
    #[wasm_bindgen(js_namespace = threadlabRunner, js_name = calibrate, catch)]
    fn js_calibrate() -> Result<js_sys::Promise, JsValue>;
}

/// Loop iterations per ms on this machine (measured once, in a worker).
pub async fn calibrate() -> Result<f64, String> {
    let v = JsFuture::from(js_calibrate().map_err(message)?).await.map_err(message)?;
    v.as_f64().filter(|r| r.is_finite() && *r > 0.0).ok_or_else(|| "the calibration returned no number".into())
}

/// Where progress goes (the page state).
pub type ProgressFn = Rc<dyn Fn(Progress)>;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static CANCELLED: Cell<bool> = const { Cell::new(false) };
}

/// The one place JS errors become messages for people.
pub fn message(e: JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string().unwrap_or_else(|| format!("{e:?}"))
}

pub fn environment() -> Environment {
    let v = js_environment();
    js_sys::JSON::stringify(&v)
        .ok()
        .and_then(|s| s.as_string())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

pub fn is_running() -> bool {
    RUNNING.with(Cell::get)
}

/// Stops the run under way: its workers are terminated and it fails with
/// "cancelled"; the next run starts fresh pools.
pub fn cancel() {
    if is_running() {
        CANCELLED.with(|c| c.set(true));
        js_cancel();
    }
}

async fn prepare(model: Model, workers: u32) -> Result<f64, String> {
    let v = JsFuture::from(js_prepare(model.as_str(), workers).map_err(message)?).await.map_err(message)?;
    Ok(v.as_f64().unwrap_or(0.0))
}

async fn run_once(model: Model, experiment: &str, on_task: &js_sys::Function) -> Result<ModelRun, String> {
    let v = JsFuture::from(js_run(model.as_str(), experiment, on_task).map_err(message)?).await.map_err(message)?;
    let text = v.as_string().ok_or("a worker sent no result")?;
    serde_json::from_str(&text).map_err(|e| format!("a worker sent an unreadable result: {e}"))
}

/// Runs `exp` and reports progress; `Err` only when the run as a whole
/// cannot go on (cancelled, another run under way). A model that fails is
/// reported in its summary and the others still run.
pub async fn run(exp: &Experiment, env: &Environment, progress: &ProgressFn) -> Result<Results, String> {
    if RUNNING.with(|r| r.replace(true)) {
        return Err("A run is already in progress: wait for it or cancel it.".into());
    }
    CANCELLED.with(|c| c.set(false));
    let result = run_inner(exp, env, progress).await;
    RUNNING.with(|r| r.set(false));
    if CANCELLED.with(Cell::get) {
        return Err("Run cancelled. Press Run to start again.".into());
    }
    result
}

async fn run_inner(exp: &Experiment, env: &Environment, progress: &ProgressFn) -> Result<Results, String> {
    let json = exp.to_json();
    let mut failed: BTreeMap<Model, String> = BTreeMap::new();
    let mut startup: BTreeMap<Model, f64> = BTreeMap::new();
    let mut runs: BTreeMap<Model, Vec<ModelRun>> = BTreeMap::new();
    let total = exp.models.len() as u32 * exp.repeats * exp.tasks;
    let mut done = 0;

    for &model in &exp.models {
        if model.is_threads() {
            if let Some(why) = &env.threads_unavailable {
                failed.insert(model, format!("threads are unavailable: {why}"));
                continue;
            }
        }
        progress(Progress { done, total, label: format!("Starting {} workers…", model.label()) });
        let workers = if model == Model::Sequential { 1 } else { exp.workers };
        match prepare(model, workers).await {
            Ok(ms) => {
                startup.insert(model, ms);
            }
            Err(e) => {
                failed.insert(model, format!("its workers could not start: {e}"));
                continue;
            }
        }
        // One untimed warm-up on the real workload, so the browser has
        // optimised the code before the timed repeats (its first calls run
        // in a baseline compiler).
        if exp.workload.is_cpu_bound() {
            let warm = Experiment { tasks: exp.tasks.min(exp.workers), repeats: 1, ..exp.clone() }.to_json();
            progress(Progress { done, total, label: format!("Warming up {}…", model.label()) });
            if let Err(e) = run_once(model, &warm, &js_sys::Function::new_no_args("")).await {
                failed.insert(model, e);
            }
        }
        if CANCELLED.with(Cell::get) {
            return Err("cancelled".into());
        }
    }

    // Repeats interleave the models, so a slow moment of the machine
    // touches all of them alike.
    for repeat in 1..=exp.repeats {
        for &model in &exp.models {
            if failed.contains_key(&model) {
                done += exp.tasks;
                continue;
            }
            let label = format!("{} — repeat {repeat} of {}", model.label(), exp.repeats);
            progress(Progress { done, total, label: label.clone() });
            let base = done;
            // At most ~10 progress updates a second: every update re-renders
            // the page, and the page's thread also dispatches process tasks.
            let last = Cell::new(0.0);
            let on_task = Closure::<dyn Fn(u32)>::new({
                let (progress, label) = (progress.clone(), label.clone());
                move |n: u32| {
                    let t = js_sys::Date::now();
                    if t - last.get() >= 100.0 {
                        last.set(t);
                        progress(Progress { done: base + n, total, label: label.clone() });
                    }
                }
            });
            let result = run_once(model, &json, on_task.as_ref().unchecked_ref()).await;
            if CANCELLED.with(Cell::get) {
                return Err("cancelled".into());
            }
            match result {
                Ok(run) => runs.entry(model).or_default().push(run),
                Err(e) => {
                    failed.insert(model, format!("it stopped: {e}"));
                }
            }
            done = base + exp.tasks;
        }
    }
    progress(Progress { done: total, total, label: "Summarising…".into() });

    let summaries = exp
        .models
        .iter()
        .map(|&m| match failed.get(&m) {
            Some(why) => ModelSummary::unavailable(m, exp.workers, why.clone()),
            None => ModelSummary::from_runs(exp, m, runs.get(&m).map(Vec::as_slice).unwrap_or(&[]), startup.get(&m).copied()),
        })
        .collect();
    Ok(Results::new(exp.clone(), env.clone(), summaries))
}
