//! The convoy's view: how late the I/O task woke up, per model (its key
//! figure, first), and how that latency moves with the GIL's switch
//! interval: the button runs the core's interval-sweep plan through the
//! same runner slot, progress and Cancel as any run; the rows live in the
//! page state.

use super::view::{Shown, View};
use crate::components::ms;
use crate::state::SweepRow;
use std::rc::Rc;
use threadlab::plan::SWEEP_INTERVALS_MS;
use threadlab::workloads::convoy::latency;
use threadlab::Results;
use yew::prelude::*;

/// The convoy's view.
pub struct Wakeups;

impl View for Wakeups {
    fn lead(&self, shown: &Shown) -> Html {
        latency_table(shown.results)
    }
    fn further(&self, shown: &Shown) -> Html {
        // The sweep runs threads + GIL, which need isolation.
        if !shown.threads || !shown.results.models.iter().any(|m| latency(&m.extra).is_some()) {
            return Html::default();
        }
        html! { <IntervalSweep rows={shown.sweep.clone()} running={shown.running} on_sweep={shown.on_sweep.clone()} /> }
    }
}


#[derive(Properties, PartialEq)]
pub struct Props {
    /// The sweep's rows, once it ran.
    pub rows: Option<Rc<Vec<SweepRow>>>,
    pub running: bool,
    pub on_sweep: Callback<()>,
}

#[function_component(IntervalSweep)]
pub fn interval_sweep(p: &Props) -> Html {
    let onclick = p.on_sweep.reform(|_: MouseEvent| ());
    html! {
        <div class="sweep">
            <button type="button" class="secondary" {onclick} disabled={p.running}>
                { format!("Compare switch intervals ({}–{} ms)", SWEEP_INTERVALS_MS[0], SWEEP_INTERVALS_MS[SWEEP_INTERVALS_MS.len() - 1]) }
            </button>
            if let Some(rows) = &p.rows {
                <table class="sweep-table cards">
                    <caption>{ "Threads + GIL: how late the I/O task resumed, by switch interval" }</caption>
                    <thead><tr>
                        <th scope="col">{ "Switch interval" }</th>
                        <th scope="col">{ "Median" }</th>
                        <th scope="col">{ "95th percentile" }</th>
                        <th scope="col">{ "Max" }</th>
                        <th scope="col">{ "Median ÷ interval" }</th>
                    </tr></thead>
                    <tbody>
                    { for rows.iter().map(|(i, extra)| (i, latency(extra))).map(|(i, l)| html! {
                        <tr data-interval={i.to_string()}>
                            <th scope="row" data-label="Switch interval">{ format!("{i} ms") }</th>
                            if let Some(l) = l {
                                <td class="latency-median" data-label="Median">{ ms(l.median) }</td>
                                <td data-label="95th percentile">{ ms(l.p95) }</td>
                                <td data-label="Max">{ ms(l.max) }</td>
                                <td data-label="Median ÷ interval">{ format!("{:.2}", l.median / i) }</td>
                            } else {
                                <td colspan="4">{ "no wake-ups measured (see the message above)" }</td>
                            }
                        </tr>
                    }) }
                    </tbody>
                </table>
            }
        </div>
    }
}

/// How late the I/O task woke up, per model.
fn latency_table(r: &Results) -> Html {
    if !r.models.iter().any(|m| latency(&m.extra).is_some()) {
        return html! {};
    }
    html! {
        <table class="latency-table cards">
            <caption>{ format!("Convoy: how late the I/O task resumed after each wait (switch interval {} ms)", r.experiment.switch_interval_ms) }</caption>
            <thead><tr>
                <th scope="col">{ "Model" }</th>
                <th scope="col">{ "Median" }</th>
                <th scope="col">{ "95th percentile" }</th>
                <th scope="col">{ "Max" }</th>
                <th scope="col">{ "Wake-ups" }</th>
            </tr></thead>
            <tbody>
            { for r.models.iter().filter_map(|m| latency(&m.extra).map(|l| (m, l))).map(|(m, l)| html! {
                <tr data-model={m.model.as_str()}>
                    <th scope="row">{ &m.label }</th>
                    <td class="latency-median" data-label="Median">{ ms(l.median) }</td>
                    <td data-label="95th percentile">{ ms(l.p95) }</td>
                    <td data-label="Max">{ ms(l.max) }</td>
                    <td data-label="Wake-ups">{ l.samples }</td>
                </tr>
            }) }
            </tbody>
        </table>
    }
}
