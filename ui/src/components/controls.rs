//! The experiment builder: workload, its size, tasks, workers, repeats, the
//! models to compare, Run / Cancel and progress.

use crate::state::{Action, Field, Form, Kind, Progress};
use threadlab::Model;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub form: Form,
    pub running: Option<Progress>,
    pub cores: u32,
    pub on_action: Callback<Action>,
    pub on_run: Callback<()>,
    pub on_cancel: Callback<()>,
}

fn number_field(id: &'static str, label: &'static str, value: &str, hint: String, field: fn() -> Field, on_action: &Callback<Action>, disabled: bool) -> Html {
    let oninput = on_action.reform(move |e: InputEvent| Action::Set(field(), e.target_unchecked_into::<HtmlInputElement>().value()));
    let inputmode = if id == "size" && value.contains(|c: char| c.is_alphabetic()) { "text" } else { "decimal" };
    html! {
        <div class="field">
            <label for={id}>{ label }</label>
            <input {id} type="text" {inputmode} value={value.to_string()} {oninput} {disabled}
                aria-describedby={format!("{id}-hint")} />
            <small id={format!("{id}-hint")}>{ hint }</small>
        </div>
    }
}

#[function_component(Controls)]
pub fn controls(p: &Props) -> Html {
    let running = p.running.is_some();
    let onchange_kind = p.on_action.reform(|e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        Action::SetKind(Kind::ALL.into_iter().find(|k| k.key() == v).unwrap_or(Kind::Loop))
    });
    let onsubmit = {
        let on_run = p.on_run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_run.emit(());
        })
    };
    let (size_label, _) = p.form.kind.size_field();
    let size_hint = match p.form.kind {
        Kind::Loop => "The seeds' loop is range(10**7); larger sizes show the difference better.".to_string(),
        Kind::Primes => "Each task counts the primes below this number by trial division.".to_string(),
        Kind::Sleep => "Each task blocks for this long, like time.sleep or waiting for the network.".to_string(),
        Kind::Mixed => "Steps `cpu <ms>` and `io <ms>`, then `xN` to repeat them. CPU ms are sized for this machine.".to_string(),
        Kind::Convoy => "Task 0 sleeps again and again and measures how late it wakes; one task per worker, the others compute this long.".to_string(),
    };
    let convoy = p.form.kind == Kind::Convoy;
    html! {
        <form class="builder" {onsubmit} aria-label="Experiment">
            <h2>{ "Experiment" }</h2>
            <div class="field">
                <label for="workload">{ "Workload" }</label>
                <select id="workload" onchange={onchange_kind} disabled={running}>
                    { for Kind::ALL.iter().map(|k| html! {
                        <option value={k.key()} selected={*k == p.form.kind}>{ k.label() }</option>
                    }) }
                </select>
            </div>
            { number_field("size", size_label, &p.form.size, size_hint, || Field::Size, &p.on_action, running) }
            if convoy {
                { number_field("io_ms", "I/O wait of task 0 (ms)", &p.form.io_ms, "How long each of its blocking waits lasts.".into(), || Field::IoMs, &p.on_action, running) }
            } else {
                { number_field("tasks", "Tasks", &p.form.tasks, "Like executor.map(fn, range(tasks)).".into(), || Field::Tasks, &p.on_action, running) }
            }
            { number_field("workers", "Workers", &p.form.workers, format!("This machine reports {} core{}.", p.cores, if p.cores == 1 { "" } else { "s" }), || Field::Workers, &p.on_action, running) }
            { number_field("repeats", "Repeats", &p.form.repeats, "Each model runs this many times; the chart shows the median.".into(), || Field::Repeats, &p.on_action, running) }
            { number_field("switch_interval", "GIL switch interval (ms)", &p.form.switch_interval, "Like sys.setswitchinterval (Python's default: 5 ms). Used by threads + GIL.".into(), || Field::SwitchInterval, &p.on_action, running) }
            <fieldset class="models">
                <legend>{ "Models to compare" }</legend>
                { for Model::ALL.iter().map(|&m| {
                    let onchange = p.on_action.reform(move |_: Event| Action::ToggleModel(m));
                    let id = format!("model-{}", m.as_str());
                    html! {
                        <label for={id.clone()} class={classes!("model", m.as_str())}>
                            <input type="checkbox" id={id} checked={p.form.models.contains(&m)} {onchange} disabled={running} />
                            { m.label() }
                        </label>
                    }
                }) }
                <small>{ "Processes each have their own GIL, which nobody else wants: the GIL never slows them down." }</small>
            </fieldset>
            <div class="actions">
                if let Some(progress) = &p.running {
                    <button type="button" class="cancel" onclick={p.on_cancel.reform(|_| ())}>{ "Cancel" }</button>
                    <div class="progress">
                        <progress max={progress.total.max(1).to_string()} value={progress.done.to_string()} aria-label="Progress"></progress>
                        <span class="progress-label">{ &progress.label }</span>
                    </div>
                } else {
                    <button type="submit" class="run">{ "Run" }</button>
                }
            </div>
        </form>
    }
}
