//! The results table: the chart's data, and more of it.

use super::ms;
use threadlab::Results;
use threadlab::shared::Deadlock;
use threadlab::workloads::convoy::latency;
use threadlab::workloads::deadlock::found;
use threadlab::workloads::race::{counters, lost_words, PHASE_NAMES};
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

/// Convoy only: how late the I/O task woke up, per model.
pub fn latency_table(r: &Results) -> Html {
    if !r.models.iter().any(|m| latency(&m.extra).is_some()) {
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
            { for r.models.iter().filter_map(|m| latency(&m.extra).map(|l| (m, l))).map(|(m, l)| html! {
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

/// The race: what each counter said at the end, per model and phase.
pub fn race_table(r: &Results) -> Html {
    let threadlab::Workload::Race(race) = &r.experiment.workload else { return html! {} };
    let want = race.expected_total(r.experiment.tasks);
    html! {
        <table class="race-table">
            <caption>{ format!("The shared counters at the end: {} updates each should have received", threadlab::text::group(want)) }</caption>
            <thead><tr>
                <th scope="col">{ "Model" }</th>
                { for PHASE_NAMES.iter().map(|p| html! { <th scope="col">{ format!("With {p}") }</th> }) }
            </tr></thead>
            <tbody>
            { for r.models.iter().map(|m| (m, counters(&m.extra))).filter(|(_, c)| c.len() == PHASE_NAMES.len()).map(|(m, c)| html! {
                <tr data-model={m.model.as_str()}>
                    <th scope="row">{ &m.label }</th>
                    { for c.iter().map(|&c| html! {
                        <td class={classes!("counter", if c == want { "ok" } else { "bad" })}>
                            { format!("{} — {}", threadlab::text::group(c), lost_words(want, c)) }
                        </td>
                    }) }
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

/// The deadlock: who held which lock and who waited for which, as the
/// watchdog found it (a wait-for graph), per model that deadlocked.
pub fn deadlock_panel(r: &Results) -> Html {
    html! {
        { for r.models.iter().filter_map(|m| found(&m.extra).map(|d| (m, d))).map(|(m, d)| html! {
            <figure class="deadlock" data-model={m.model.as_str()}>
                { wait_for_graph(&d) }
                <figcaption>{ format!("{} deadlocked: {}.", m.label, d.describe()) }</figcaption>
            </figure>
        }) }
    }
}

/// Two workers and two locks on the corners of a square: worker → lock
/// it waits for, lock → worker that holds it. A deadlock is a cycle.
fn wait_for_graph(d: &Deadlock) -> Html {
    // Positions: worker 0 top left, lock B top right, worker 1 bottom right, lock A bottom left.
    let at = |node: &str| -> Option<(f64, f64)> {
        Some(match node {
            "worker 0" => (70.0, 30.0),
            "lock B" => (290.0, 30.0),
            "worker 1" => (290.0, 130.0),
            "lock A" => (70.0, 130.0),
            _ => return None,
        })
    };
    let mut edges: Vec<(String, String, &'static str)> = Vec::new();
    for w in &d.waits {
        edges.push((format!("worker {}", w.worker), format!("lock {}", w.waits_for), "waits for"));
        if let Some(h) = w.held_by {
            edges.push((format!("lock {}", w.waits_for), format!("worker {h}"), "held by"));
        }
    }
    if edges.iter().any(|(a, b, _)| at(a).is_none() || at(b).is_none()) {
        return html! {};
    }
    let nodes = ["worker 0", "lock B", "worker 1", "lock A"];
    html! {
        <svg class="wait-for" viewBox="0 0 360 160" role="img" aria-label="Wait-for graph">
            <title>{ "Wait-for graph: an arrow from a worker to the lock it waits for, and from a lock to the worker that holds it" }</title>
            <defs>
                <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                    <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
                </marker>
            </defs>
            { for edges.iter().map(|(a, b, label)| {
                let ((x1, y1), (x2, y2)) = (at(a).unwrap_or_default(), at(b).unwrap_or_default());
                // Stop short of the boxes.
                let (dx, dy) = (x2 - x1, y2 - y1);
                let len = (dx * dx + dy * dy).sqrt().max(1.0);
                let pad = if dx.abs() > dy.abs() { 50.0 } else { 16.0 };
                let (sx, sy, ex, ey) = (x1 + dx / len * pad, y1 + dy / len * pad, x2 - dx / len * pad, y2 - dy / len * pad);
                let (lx, ly) = ((x1 + x2) / 2.0 + if dx == 0.0 { 8.0 } else { 0.0 }, (y1 + y2) / 2.0 - if dy == 0.0 { 6.0 } else { 0.0 });
                html! {
                    <g class={classes!("edge", label.replace(' ', "-"))}>
                        <line x1={sx.to_string()} y1={sy.to_string()} x2={ex.to_string()} y2={ey.to_string()} marker-end="url(#arrow)" />
                        <text x={lx.to_string()} y={ly.to_string()} text-anchor={if dx == 0.0 { "start" } else { "middle" }}>{ *label }</text>
                    </g>
                }
            }) }
            { for nodes.iter().map(|n| {
                let (x, y) = at(n).unwrap_or_default();
                html! {
                    <g class={classes!("node", if n.starts_with("lock") { "lock" } else { "worker" })}>
                        <rect x={(x - 45.0).to_string()} y={(y - 13.0).to_string()} width="90" height="26" rx="6" />
                        <text x={x.to_string()} y={(y + 5.0).to_string()} text-anchor="middle">{ *n }</text>
                    </g>
                }
            }) }
        </svg>
    }
}
