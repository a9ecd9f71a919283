//! The results table: the chart's data, and more of it.

use super::ms;
use threadlab::Results;
use yew::prelude::*;

pub fn results_table(r: &Results) -> Html {
    html! {
        <table class="results-table cards">
            <caption>{ "Wall time per model (all repeats), speed-up over sequential, and result check" }</caption>
            <thead><tr>
                <th scope="col">{ "Model" }</th>
                <th scope="col">{ "Workers" }</th>
                <th scope="col">{ "Median" }</th>
                <th scope="col">{ "Min – max" }</th>
                <th scope="col">{ "Every repeat" }</th>
                <th scope="col">{ "Speed-up" }</th>
                <th scope="col">{ "Pool start-up" }</th>
                <th scope="col">{ "Results" }</th>
            </tr></thead>
            <tbody>
            { for r.models.iter().map(|m| html! {
                <tr data-model={m.model.as_str()}>
                    <th scope="row">{ &m.label }</th>
                    if let Some(w) = &m.wall_ms {
                        <td data-label="Workers">{ m.workers }</td>
                        <td class="median" data-label="Median">{ ms(w.median) }</td>
                        <td data-label="Min – max">{ format!("{} – {}", ms(w.min), ms(w.max)) }</td>
                        <td class="runs" data-label="Every repeat">{ m.runs_ms.iter().map(|v| format!("{v:.1}")).collect::<Vec<_>>().join(", ") }</td>
                        <td class="speedup" data-label="Speed-up">{ m.speedup.map(|s| format!("{s:.2}×")).unwrap_or_else(|| "–".into()) }</td>
                        <td data-label="Pool start-up">{ m.startup_ms.map(ms).unwrap_or_else(|| "–".into()) }</td>
                        <td class={classes!("check", if m.correct { "ok" } else { "bad" })} data-label="Results">
                            { if m.correct { check_ok(m.tasks.len(), r.experiment.tasks) } else { format!("✗ {}", m.problems.join("; ")) } }
                        </td>
                    } else {
                        <td colspan="7" class="check bad">{ format!("Did not run: {}", m.status.why_not().unwrap_or_else(|| "no run finished".into())) }</td>
                    }
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
