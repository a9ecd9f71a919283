//! The Python workload's view: per model, what each task returned
//! (`repr`), what it printed, a failed task's traceback as Python shows
//! it, and the module globals the run left (a global counter: one per run
//! in one memory, one per process otherwise). All of it is text, never
//! markup.

use super::view::{Shown, View};
use threadlab::model::Pool;
use threadlab::summary::{ModelSummary, Status};
use threadlab::workloads::python::{Globals, Outcome};
use threadlab::text::group;
use yew::prelude::*;

/// The Python workload's view.
pub struct Tasks;

impl View for Tasks {
    fn measured(&self, shown: &Shown) -> Html {
        html! {
            <section class="python-tasks" aria-labelledby="python-tasks-heading">
                <h3 id="python-tasks-heading">{ "What your tasks returned and printed" }</h3>
                { for shown.results.models.iter().enumerate().filter(|(_, m)| matches!(m.status, Status::Ran)).map(|(i, m)| model(i, m)) }
            </section>
        }
    }
}

/// Tasks listed per model at most (the rest are counted).
const LISTED: usize = 40;

/// One model's tasks: a line that sums them up (and the globals), opened to
/// each task's value, output and traceback.
fn model(index: usize, m: &ModelSummary) -> Html {
    let mut tasks: Vec<(u32, Outcome)> = m.tasks.iter().map(|t| (t.index, t.extra.get().unwrap_or_default())).collect();
    tasks.sort_by_key(|(i, _)| *i);
    let failed = tasks.iter().filter(|(_, o)| o.error.is_some()).count();
    let first = tasks.iter().find_map(|(_, o)| o.repr.as_deref());
    let same = tasks.iter().all(|(_, o)| o.error.is_some() || o.repr.as_deref() == first);
    let values: Vec<&str> = tasks.iter().filter_map(|(_, o)| o.repr.as_deref().filter(|_| o.error.is_none())).collect();
    let listed = values.join(", ");
    let mut said = match (first, same, values.len()) {
        (_, _, 0) => String::new(),
        (Some(r), true, 1) => format!("returned {}", clip(r, 60)),
        (Some(r), true, n) => format!("all {n} returned {}", clip(r, 60)),
        (_, _, n) if n <= 8 && listed.chars().count() <= 60 => format!("returned {listed}"),
        (_, _, n) => format!("{n} returned different values"),
    };
    if failed > 0 {
        said = [said, format!("{failed} of {} failed", tasks.len())].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; ");
    }
    let globals = m.extra.get::<Globals>().map(|g| g.globals).unwrap_or_default();
    let globals_said = if !globals.is_empty() {
        globals.iter().map(|(n, v)| format!("{n} = {}", clip(v, 40))).collect::<Vec<_>>().join(", ")
    } else if matches!(m.model.pool(), Pool::Processes | Pool::ProcessPerTask | Pool::ProcessesOfThreads) {
        "each process has its own globals".into()
    } else {
        String::new()
    };
    html! {
        <details class="py-model" data-model={m.model.as_str()} open={index == 0 || failed > 0}>
            <summary>
                <strong>{ &m.label }</strong>{ format!(": {said}") }
                if !globals_said.is_empty() {
                    <span class="py-globals">{ format!(" · globals: {globals_said}") }</span>
                }
            </summary>
            <ol class="py-task-list">
                { for tasks.iter().take(LISTED).map(|(i, o)| task(*i, o)) }
            </ol>
            if tasks.len() > LISTED {
                <p class="hint">{ format!("… and {} more tasks (the JSON export has every one).", group((tasks.len() - LISTED) as u64)) }</p>
            }
            if !globals.is_empty() {
                <dl class="py-globals-list">
                    { for globals.iter().map(|(n, v)| html! { <><dt><code>{ n }</code></dt><dd><code>{ v }</code></dd></> }) }
                </dl>
            }
        </details>
    }
}

/// One task: what it returned, what it printed, or how it failed.
fn task(index: u32, o: &Outcome) -> Html {
    html! {
        <li class={classes!("py-task", o.error.is_some().then_some("failed"))} data-task={index.to_string()}>
            if let Some(error) = &o.error {
                <span class="py-said">{ format!("task {index} failed: {error}") }</span>
            } else {
                <span class="py-said">{ format!("task {index} returned ") }<code class="repr">{ o.repr.as_deref().unwrap_or("None") }</code></span>
            }
            if !o.printed.is_empty() {
                <pre class="printed" aria-label={format!("What task {index} printed")}>{ &o.printed }</pre>
            }
            if let Some(tb) = &o.traceback {
                <pre class="traceback" aria-label={format!("Task {index}'s traceback")}>{ tb }</pre>
            }
        </li>
    }
}

/// `text` cut to `chars` characters, with an ellipsis if it was longer.
fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}
