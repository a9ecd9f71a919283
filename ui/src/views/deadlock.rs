//! The deadlock's view: for each model that deadlocked, who held which
//! lock and who waited for which, as the watchdog found it.

use super::view::{Shown, View};
use threadlab::shared::Deadlock;
use threadlab::workloads::deadlock::found;
use threadlab::Results;
use yew::prelude::*;

/// The deadlock's view.
pub struct WaitFor;

impl View for WaitFor {
    fn measured(&self, shown: &Shown) -> Html {
        deadlock_panel(shown.results)
    }
}

/// The deadlock: who held which lock and who waited for which, as the
/// watchdog found it (a wait-for graph), per model that deadlocked.
fn deadlock_panel(r: &Results) -> Html {
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
            { crate::components::arrow_head("arrow") }
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
