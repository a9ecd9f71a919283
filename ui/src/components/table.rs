//! The results table: the chart's data, and more of it.

use super::ms;
use threadlab::Results;
use yew::prelude::*;

pub fn results_table(r: &Results) -> Html {
    html! {
        <table class="results-table">
            <caption>{ "Wall time per model (all repeats), speed-up over sequential, and result check" }</caption>
            <thead><tr>
                <th scope="col">{ "Model" }</th>
                <th scope="col">{ "Workers" }</th>
                <th scope="col">{ "Median" }</th>
                <th scope="col">{ "Min – max" }</th>
                <th scope="col">{ "Speed-up" }</th>
                <th scope="col">{ "Pool start-up" }</th>
                <th scope="col">{ "Results" }</th>
            </tr></thead>
            <tbody>
            { for r.models.iter().map(|m| html! {
                <tr data-model={m.model.as_str()}>
                    <th scope="row">{ &m.label }</th>
                    if let Some(w) = &m.wall_ms {
                        <td>{ m.workers }</td>
                        <td class="median">{ ms(w.median) }</td>
                        <td>{ format!("{} – {}", ms(w.min), ms(w.max)) }</td>
                        <td class="speedup">{ m.speedup.map(|s| format!("{s:.2}×")).unwrap_or_else(|| "–".into()) }</td>
                        <td>{ m.startup_ms.map(ms).unwrap_or_else(|| "–".into()) }</td>
                        <td class={classes!("check", if m.correct { "ok" } else { "bad" })}>
                            { if m.correct { check_ok(m.tasks.len(), r.experiment.tasks) } else { format!("✗ {}", m.problems.join("; ")) } }
                        </td>
                    } else {
                        <td colspan="6" class="check bad">{ format!("Did not run: {}", m.status.why_not().unwrap_or_else(|| "no run finished".into())) }</td>
                    }
                </tr>
            }) }
            </tbody>
        </table>
    }
}

/// Convoy only: how late the I/O task woke up, per model.
pub fn latency_table(r: &Results) -> Html {
    if !r.models.iter().any(|m| m.latency_ms.is_some()) {
        return html! {};
    }
    html! {
        <table class="latency-table">
            <caption>{ format!("Convoy: how late the I/O task resumed after each wait (switch interval {} ms)", r.experiment.switch_interval_ms) }</caption>
            <thead><tr>
                <th scope="col">{ "Model" }</th>
                <th scope="col">{ "Median" }</th>
                <th scope="col">{ "95th percentile" }</th>
                <th scope="col">{ "Max" }</th>
                <th scope="col">{ "Wake-ups" }</th>
            </tr></thead>
            <tbody>
            { for r.models.iter().filter_map(|m| m.latency_ms.map(|l| (m, l))).map(|(m, l)| html! {
                <tr data-model={m.model.as_str()}>
                    <th scope="row">{ &m.label }</th>
                    <td class="latency-median">{ ms(l.median) }</td>
                    <td>{ ms(l.p95) }</td>
                    <td>{ ms(l.max) }</td>
                    <td>{ l.samples }</td>
                </tr>
            }) }
            </tbody>
        </table>
    }
}

/// "✓ 8 of 8 correct", or with the tasks a crash took by design.
fn check_ok(returned: usize, tasks: u32) -> String {
    let lost = tasks as usize - returned.min(tasks as usize);
    match lost {
        0 => format!("✓ {returned} of {tasks} correct"),
        n => format!("✓ {returned} of {} correct; {n} crashed with {} process, as designed", tasks, if n == 1 { "its" } else { "their" }),
    }
}
