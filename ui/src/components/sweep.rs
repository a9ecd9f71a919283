//! Convoy only: how the I/O task's wake-up latency moves with the GIL's
//! switch interval. The button runs the core's interval-sweep plan through
//! the same runner slot, progress and Cancel as any run; the rows live in
//! the page state.

use super::ms;
use crate::state::SweepRow;
use std::rc::Rc;
use threadlab::plan::SWEEP_INTERVALS_MS;
use yew::prelude::*;

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
                    { for rows.iter().map(|(i, l)| html! {
                        <tr data-interval={i.to_string()}>
                            <th scope="row">{ format!("{i} ms") }</th>
                            if let Some(l) = l {
                                <td class="latency-median">{ ms(l.median) }</td>
                                <td>{ ms(l.p95) }</td>
                                <td>{ ms(l.max) }</td>
                                <td>{ format!("{:.2}", l.median / i) }</td>
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
