//! The root component: owns the state, wires the components together.

use crate::api;
use crate::components::sweep::IntervalSweep;
use crate::components::timeline::{ModelOf, TimelinePanel};
use crate::components::{chart::bar_chart, controls::Controls, environment::environment_panel, table::latency_table, table::results_table};
use crate::runner;
use crate::state::{Action, State};
use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| State::new(runner::environment()));

    {
        let (dispatcher, env) = (state.dispatcher(), state.environment.clone());
        use_effect_with((), move |_| api::install(dispatcher, env));
    }

    let on_action = {
        let dispatcher = state.dispatcher();
        Callback::from(move |a: Action| dispatcher.dispatch(a))
    };
    let on_run = {
        let (dispatcher, form, env) = (state.dispatcher(), state.form.clone(), state.environment.clone());
        Callback::from(move |_: ()| {
            let (json, dispatcher, env) = (form.to_json(), dispatcher.clone(), env.clone());
            // Takes the run slot now; a click during a run is refused.
            let run = api::run_experiment(json, dispatcher, env);
            wasm_bindgen_futures::spawn_local(async move {
                let _ = run.await;
            });
        })
    };
    let on_sweep = {
        let (dispatcher, results, env) = (state.dispatcher(), state.results.clone(), state.environment.clone());
        Callback::from(move |_: ()| {
            if let Some(r) = &results {
                wasm_bindgen_futures::spawn_local(api::run_interval_sweep(r.experiment.clone(), dispatcher.clone(), env.clone()));
            }
        })
    };
    let on_cancel = Callback::from(|_: ()| runner::cancel());

    html! {
        <>
        <header class="masthead">
            <h1>{ "ThreadLab" }</h1>
            <p class="tagline">{ "Threads or processes? Run real work both ways in your browser and see the difference." }</p>
        </header>
        <main>
            <Controls form={state.form.clone()} running={state.running.clone()} cores={state.environment.cores}
                {on_action} {on_run} {on_cancel} />
            if let Some(msg) = &state.message {
                <p class="message" role="alert">{ msg }</p>
            }
            <section class="results" aria-live="polite" aria-busy={state.running.is_some().to_string()} data-runs-ended={state.ended.to_string()}>
                if let Some(r) = &state.results {
                    <h2>{ "Results" }</h2>
                    <p class="explanation">{ &r.explanation }</p>
                    { bar_chart(r) }
                    { results_table(r) }
                    { latency_table(r) }
                    // The sweep runs threads + GIL, which need isolation.
                    if r.models.iter().any(|m| m.latency_ms.is_some()) && state.environment.threads_unavailable.is_none() {
                        <IntervalSweep rows={state.sweep.clone()} running={state.running.is_some()} {on_sweep} />
                    }
                    <h2 class="timelines-title">{ "Timelines" }</h2>
                    <p class="hint">{ "What every worker did during the median run of each model." }</p>
                    { for r.models.iter().enumerate().filter(|(_, m)| m.timeline.is_some()).map(|(index, m)| html! {
                        <TimelinePanel key={m.model.as_str()} model={ModelOf { results: r.clone(), index }} />
                    }) }
                } else {
                    <div class="placeholder">
                        <p>{ "Choose a workload and press Run: every model runs the same tasks on real Web Workers, and the chart compares their wall times." }</p>
                        <ul>
                            <li><strong>{ "Sequential" }</strong>{ ": one worker, a plain loop." }</li>
                            <li><strong>{ "Threads + GIL" }</strong>{ ": a pool sharing one memory, but only one thread computes at a time, as in Python's ThreadPoolExecutor." }</li>
                            <li><strong>{ "Threads (no GIL)" }</strong>{ ": the same pool without the GIL, as in free-threaded Python." }</li>
                            <li><strong>{ "Processes" }</strong>{ ": isolated workers with their own memory that talk by messages, as in ProcessPoolExecutor." }</li>
                        </ul>
                        <p>{ "Try the CPU loop (the GIL keeps threads at about 1×), then I/O (every pool overlaps its waits), then the convoy effect." }</p>
                    </div>
                }
            </section>
            { environment_panel(&state.environment) }
        </main>
        </>
    }
}
