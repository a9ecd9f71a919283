//! Convoy only: how the I/O task's wake-up latency moves with the GIL's
//! switch interval. Runs the same convoy on threads + GIL at several
//! intervals and tabulates the latency (without touching the main results).

use super::ms;
use crate::runner::{self, ProgressFn};
use crate::state::Progress;
use std::rc::Rc;
use threadlab::results::{Environment, Latency};
use threadlab::{Experiment, Model, Results};
use yew::prelude::*;

pub const INTERVALS_MS: [f64; 5] = [1.0, 2.0, 5.0, 10.0, 20.0];

#[derive(Properties, PartialEq)]
pub struct Props {
    pub results: Rc<Results>,
    pub environment: Rc<Environment>,
}

#[derive(Clone, PartialEq, Default)]
struct Sweep {
    rows: Vec<(f64, Option<Latency>)>,
    running: Option<String>,
    error: Option<String>,
}

#[function_component(IntervalSweep)]
pub fn interval_sweep(p: &Props) -> Html {
    let sweep = use_state(Sweep::default);
    if !matches!(p.results.experiment.workload, threadlab::Workload::Convoy { .. }) {
        return html! {};
    }
    let onclick = {
        let (sweep, exp, env) = (sweep.clone(), p.results.experiment.clone(), p.environment.clone());
        Callback::from(move |_: MouseEvent| {
            let (sweep, exp, env) = (sweep.clone(), exp.clone(), env.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let mut state = Sweep::default();
                for interval in INTERVALS_MS {
                    state.running = Some(format!("switch interval {interval} ms…"));
                    sweep.set(state.clone());
                    let e = Experiment { switch_interval_ms: interval, models: vec![Model::ThreadsGil], repeats: 1, ..exp.clone() };
                    let progress: ProgressFn = Rc::new(|_: Progress| {});
                    match runner::run(&e, &env, &progress).await {
                        Ok(r) => state.rows.push((interval, r.model(Model::ThreadsGil).and_then(|m| m.latency_ms))),
                        Err(err) => {
                            state.error = Some(err);
                            break;
                        }
                    }
                }
                state.running = None;
                sweep.set(state);
            });
        })
    };
    html! {
        <div class="sweep">
            <button type="button" class="secondary" {onclick} disabled={sweep.running.is_some() || runner::is_running()}>
                { "Compare switch intervals (1–20 ms)" }
            </button>
            if let Some(label) = &sweep.running {
                <span class="progress-label">{ format!(" Running {label}") }</span>
            }
            if let Some(e) = &sweep.error {
                <p class="message" role="alert">{ e }</p>
            }
            if !sweep.rows.is_empty() {
                <table class="sweep-table">
                    <caption>{ "Threads + GIL: how late the I/O task resumed, by switch interval" }</caption>
                    <thead><tr>
                        <th scope="col">{ "Switch interval" }</th>
                        <th scope="col">{ "Median" }</th>
                        <th scope="col">{ "95th percentile" }</th>
                        <th scope="col">{ "Max" }</th>
                        <th scope="col">{ "Median ÷ interval" }</th>
                    </tr></thead>
                    <tbody>
                    { for sweep.rows.iter().map(|(i, l)| html! {
                        <tr data-interval={i.to_string()}>
                            <th scope="row">{ format!("{i} ms") }</th>
                            if let Some(l) = l {
                                <td class="latency-median">{ ms(l.median) }</td>
                                <td>{ ms(l.p95) }</td>
                                <td>{ ms(l.max) }</td>
                                <td>{ format!("{:.2}", l.median / i) }</td>
                            } else {
                                <td colspan="4">{ "no wake-ups measured" }</td>
                            }
                        </tr>
                    }) }
                    </tbody>
                </table>
            }
        </div>
    }
}
