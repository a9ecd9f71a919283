//! What moving data and holding memory cost each model: the communication
//! table (bytes moved into workers, time moving them against computing) and
//! the memory table (one shared memory for a pool of threads, one per
//! process), each figure saying where it came from; and, on request, the
//! browser's own measurement of the page and its workers.

use super::ms;
use crate::runner;
use threadlab::workloads::data::size;
use threadlab::Results;
use yew::prelude::*;

/// Bytes moved, moving against computing: tasks that read input only.
pub fn communication_table(r: &Results) -> Html {
    if !r.models.iter().any(|m| m.communication.is_some()) {
        return html! {};
    }
    html! {
        <table class="communication-table cards">
            <caption>{ "Moving the input: bytes copied into workers, and time spent moving them against computing (all tasks of the median run, summed)" }</caption>
            <thead><tr>
                <th scope="col">{ "Model" }</th>
                <th scope="col">{ "Input read" }</th>
                <th scope="col">{ "Bytes moved" }</th>
                <th scope="col">{ "Moving" }</th>
                <th scope="col">{ "Computing" }</th>
                <th scope="col">{ "Share moving" }</th>
            </tr></thead>
            <tbody>
            { for r.models.iter().filter_map(|m| m.communication.as_ref().map(|c| (m, c))).map(|(m, c)| {
                let share = c.moving_ms / (c.moving_ms + c.computing_ms).max(1e-9);
                html! {
                    <tr data-model={m.model.as_str()}>
                        <th scope="row">{ &m.label }</th>
                        <td data-label="Input read">{ size(c.input_bytes) }</td>
                        <td class="moved" data-label="Bytes moved">{ if c.bytes_moved == 0 { "none (read in place)".to_string() } else { size(c.bytes_moved) } }</td>
                        <td data-label="Moving">{ ms(c.moving_ms) }</td>
                        <td data-label="Computing">{ ms(c.computing_ms) }</td>
                        <td data-label="Share moving">{ format!("{:.0} %", 100.0 * share) }</td>
                    </tr>
                }
            }) }
            </tbody>
        </table>
    }
}

/// The memory each model's workers held after its runs.
pub fn memory_table(r: &Results) -> Html {
    if !r.models.iter().any(|m| m.memory.is_some()) {
        return html! {};
    }
    let open = r.experiment.workload.input_bytes() > 0;
    html! {
        <details class="memory" {open}>
            <summary>{ "Memory: one shared memory for threads, one per process" }</summary>
            <table class="memory-table cards">
                <caption>{ "WebAssembly memory of each model's workers after its runs, as each worker reported it (the size its memory has grown to; it never shrinks), and the input the page holds to send from" }</caption>
                <thead><tr>
                    <th scope="col">{ "Model" }</th>
                    <th scope="col">{ "Memories" }</th>
                    <th scope="col">{ "Threads per memory" }</th>
                    <th scope="col">{ "Page's copy of the input" }</th>
                    <th scope="col">{ "In all" }</th>
                </tr></thead>
                <tbody>
                { for r.models.iter().filter_map(|m| m.memory.as_ref().map(|f| (m, f))).map(|(m, f)| html! {
                    <tr data-model={m.model.as_str()}>
                        <th scope="row">{ &m.label }</th>
                        <td class="memories" data-label="Memories">{ f.memories.iter().map(|b| size(*b)).collect::<Vec<_>>().join(" + ") }</td>
                        <td data-label="Threads per memory">{ f.threads_per_memory }</td>
                        <td data-label="Page's copy of the input">{ if f.page_input_bytes == 0 { "–".to_string() } else { size(f.page_input_bytes) } }</td>
                        <td class="total" data-label="In all">{ size(f.total()) }</td>
                    </tr>
                }) }
                </tbody>
            </table>
            <BrowserMemory />
        </details>
    }
}

/// The browser's own figure (`performance.measureUserAgentSpecificMemory`),
/// asked for with a button: it can take a while.
#[function_component(BrowserMemory)]
fn browser_memory() -> Html {
    let state = use_state(|| None::<Result<String, String>>);
    let busy = use_state(|| false);
    let onclick = {
        let (state, busy) = (state.clone(), busy.clone());
        Callback::from(move |_| {
            busy.set(true);
            let (state, busy) = (state.clone(), busy.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = runner::browser_memory().await.map(|m| {
                    format!(
                        "The browser measured {} in all: {} in {} worker{} and {} in the page (performance.measureUserAgentSpecificMemory(); it counted: {}). Where WebAssembly is not among them, the memories above are not in its figure.",
                        size(m.bytes),
                        size(m.workers),
                        m.worker_count,
                        if m.worker_count == 1 { "" } else { "s" },
                        size(m.page),
                        m.types.join(", ")
                    )
                });
                state.set(Some(r));
                busy.set(false);
            });
        })
    };
    html! {
        <div class="browser-memory">
            <button type="button" {onclick} disabled={*busy}>{ if *busy { "Measuring… (the browser answers at its next garbage collection)" } else { "Ask the browser" } }</button>
            { match &*state {
                Some(Ok(text)) => html! { <p class="measured">{ text }</p> },
                Some(Err(why)) => html! { <p class="hint">{ format!("The browser cannot measure here: {why}.") }</p> },
                None => html! {},
            } }
        </div>
    }
}
