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
                            { if m.correct { format!("✓ {} of {} correct", r.experiment.tasks, r.experiment.tasks) } else { format!("✗ {}", m.problems.join("; ")) } }
                        </td>
                    } else {
                        <td colspan="6" class="check bad">{ format!("Did not run: {}", m.reason.clone().unwrap_or_default()) }</td>
                    }
                </tr>
            }) }
            </tbody>
        </table>
    }
}
