//! The experiment builder: workload, its size, tasks, workers, repeats, the
//! models to compare, Run / Cancel and progress.

use crate::state::{Action, Field, Form, Progress};
use threadlab::text::group;
use threadlab::workloads::{self, Info, Input};
use threadlab::{Experiment, Model};
use super::editor::CodeEditor;
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
    /// Show a summary of the experiment and Run, not the fields (embeds).
    #[prop_or_default]
    pub read_only: bool,
    /// What is asked before Run (the prediction), shown above it.
    #[prop_or_default]
    pub ask: Html,
}

/// A text field; `inputmode` picks the phone keyboard ("decimal" or "text").
fn text_field(
    id: &'static str,
    label: &'static str,
    value: &str,
    hint: String,
    inputmode: &'static str,
    field: Field,
    on_action: &Callback<Action>,
    disabled: bool,
    error: Option<&FieldError>,
) -> Html {
    let oninput = on_action.reform(move |e: InputEvent| Action::Set(field, e.target_unchecked_into::<HtmlInputElement>().value()));
    let error = error.filter(|e| e.id == id);
    let described = if error.is_some() { format!("{id}-error {id}-hint") } else { format!("{id}-hint") };
    html! {
        <div class={classes!("field", error.is_some().then_some("invalid"))}>
            <label for={id}>{ label }</label>
            <input {id} type="text" {inputmode} value={value.to_string()} {oninput} {disabled}
                aria-invalid={error.is_some().then_some("true")} aria-describedby={described} />
            if let Some(e) = error {
                <small class="field-error" id={format!("{id}-error")}>{ &e.message }</small>
            }
            <small id={format!("{id}-hint")}>{ hint }</small>
        </div>
    }
}

/// What is wrong with the form, said at the field, in the form's words.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The input it is about (`size`, `workers`, …), or `models`.
    pub id: &'static str,
    pub message: String,
    /// The line of a program field's error (1-based), when it has one.
    pub line: Option<u32>,
}

/// The form's input id and label for an experiment field (`workload.ms`,
/// `workers`, …).
fn form_field(kind: &Info, field: &str) -> Option<(&'static str, &'static str)> {
    if let Some(key) = field.strip_prefix("workload.") {
        let (i, f) = kind.fields.iter().enumerate().find(|(_, f)| f.key == key)?;
        return Some((if i == 0 { "size" } else { f.key }, f.label));
    }
    Some(match field {
        "tasks" => ("tasks", "Tasks"),
        "workers" => ("workers", "Workers"),
        "repeats" => ("repeats", "Repeats"),
        "switch_interval_ms" => ("switch_interval", "GIL switch interval (ms)"),
        "threads_per_process" => ("threads_per_process", "Threads in each process"),
        "models" => ("models", "Models to compare"),
        f if f.starts_with("sweep") => ("sweep", "Sweep worker counts"),
        _ => return None,
    })
}

/// The error of the form as it is now, if any, at its field and in the
/// form's words ("Workers must be between 1 and 64 (got 0)"); the
/// scripting API keeps the experiment's field names.
pub fn form_error(form: &Form, cores: u32) -> Option<FieldError> {
    let e = threadlab::sizing::check(&form.to_json(), cores).err()?;
    let text = e.to_string();
    let line = e.position().map(|(line, _)| line);
    Some(match e.field().and_then(|f| Some((f, form_field(form.kind, f)?))) {
        Some((field, (id, label))) => FieldError { id, message: text.replacen(&format!("`{field}`"), label, 1), line },
        None => FieldError { id: "", message: text, line },
    })
}

/// A menu of a few words (`Input::Choice`).
#[allow(clippy::too_many_arguments)]
fn choice_field(
    id: &'static str,
    label: &'static str,
    value: &str,
    options: &'static [&'static str],
    hint: &'static str,
    field: Field,
    on_action: &Callback<Action>,
    disabled: bool,
) -> Html {
    let onchange = on_action.reform(move |e: Event| Action::Set(field, e.target_unchecked_into::<HtmlSelectElement>().value()));
    html! {
        <div class="field">
            <label for={id}>{ label }</label>
            <select {id} {onchange} {disabled} aria-describedby={format!("{id}-hint")}>
                { for options.iter().map(|o| html! { <option value={*o} selected={*o == value}>{ *o }</option> }) }
            </select>
            <small id={format!("{id}-hint")}>{ hint }</small>
        </div>
    }
}

/// How long the learner pauses typing before the program is checked.
const PAUSE_MS: u32 = 300;

#[function_component(Controls)]
pub fn controls(p: &Props) -> Html {
    let running = p.running.is_some();
    let onchange_kind = p.on_action.reform(|e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        Action::SetKind(workloads::ALL.iter().find(|k| k.key == v).map_or(workloads::ALL[0].key, |k| k.key))
    });
    let onsubmit = {
        let on_run = p.on_run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_run.emit(());
        })
    };
    let actions = html! {
        <div class="actions">
            if let Some(progress) = &p.running {
                <button type="button" class="cancel" onclick={p.on_cancel.reform(|_| ())}>{ "Cancel" }</button>
                <div class="progress">
                    <progress max={progress.total.max(1).to_string()} value={progress.done.to_string()} aria-label="Progress"></progress>
                    <span class="progress-label">{ &progress.label }</span>
                    <span class="progress-count">{
                        format!("{} of {} tasks{}", progress.done.min(progress.total), progress.total,
                            progress.eta_s.map(|s| format!(" · about {} s left", s.ceil().max(1.0))).unwrap_or_default())
                    }</span>
                </div>
            } else {
                <button type="submit" class="run">{ "Run" }</button>
            }
        </div>
    };
    if p.read_only {
        let summary = match Experiment::from_value(&p.form.to_json(), p.cores) {
            Ok(e) => {
                let models: Vec<&str> = e.models.iter().map(|m| m.label()).collect();
                format!(
                    "{} tasks of {} on {} worker{}, {} repeat{} each: {}.",
                    e.tasks,
                    e.workload.describe(),
                    e.workers,
                    if e.workers == 1 { "" } else { "s" },
                    e.repeats,
                    if e.repeats == 1 { "" } else { "s" },
                    models.join(", ")
                )
            }
            Err(e) => e.to_string(),
        };
        return html! {
            <form class="builder summary" {onsubmit} aria-label="Experiment">
                <p class="experiment-summary">{ summary }</p>
                { p.ask.clone() }
                { actions }
            </form>
        };
    }
    let kind = p.form.kind;
    // A program is checked once the learner pauses typing (compiling it on
    // every key would be wasted): until then the form is checked with the
    // program as last checked.
    let program = kind.fields.iter().find(|f| matches!(f.input, Input::Code { .. })).map(|f| (f.key, p.form.param(f.key).to_string()));
    let checked = use_state(|| program.clone());
    {
        let checked = checked.clone();
        use_effect_with(program.clone(), move |program| {
            let program = program.clone();
            let pause = gloo_timers::callback::Timeout::new(PAUSE_MS, move || checked.set(program));
            move || drop(pause)
        });
    }
    let form = match (&program, &*checked) {
        (Some((key, _)), Some((was, code))) if key == was && program != *checked => {
            let mut form = p.form.clone();
            form.params.insert((kind.key, key), code.clone());
            std::borrow::Cow::Owned(form)
        }
        _ => std::borrow::Cow::Borrowed(&p.form),
    };
    // Checked as the learner types: the error at its field.
    // (Not during a run: the form is locked and was valid to start it.)
    let error = if running { None } else { form_error(&form, p.cores) };
    // The first field of a workload keeps the id `size` (its main size).
    let params = kind.fields.iter().enumerate().map(|(i, f)| {
        let id = if i == 0 { "size" } else { f.key };
        let (hint, inputmode) = match f.input {
            Input::Whole { min, max } if threadlab::sizing::can_time(p.form.kind.key, f.key) => {
                (format!("{} ({} to {}; or a time, like \"about 50 ms\" a task: sized on this machine before the run)", f.hint, group(min), group(max)), "text")
            }
            Input::Whole { min, max } => (format!("{} ({} to {})", f.hint, group(min), group(max)), "decimal"),
            Input::Text => (f.hint.to_string(), "text"),
            Input::Code { max_chars } => {
                let key = f.key;
                return html! {
                    <CodeEditor {id} label={f.label} value={p.form.param(key).to_string()} disabled={running}
                        hint={format!("{} At most {} characters. Tab indents; Escape then Tab leaves the editor.", f.hint, group(max_chars))}
                        error={error.as_ref().filter(|e| e.id == id).map(|e| (e.message.clone(), e.line))}
                        on_input={p.on_action.reform(move |code| Action::Set(Field::Param(key), code))} />
                };
            }
            Input::Choice(options) => return choice_field(id, f.label, p.form.param(f.key), options, f.hint, Field::Param(f.key), &p.on_action, running),
        };
        text_field(id, f.label, p.form.param(f.key), hint, inputmode, Field::Param(f.key), &p.on_action, running, error.as_ref())
    });
    html! {
        <form class="builder" id="experiment" {onsubmit} aria-label="Experiment">
            <h2>{ "Experiment" }</h2>
            <div class="field">
                <label for="workload">{ "Workload" }</label>
                <select id="workload" onchange={onchange_kind} disabled={running}>
                    { for workloads::ALL.iter().map(|k| html! {
                        <option value={k.key} selected={k.key == kind.key}>{ k.label }</option>
                    }) }
                </select>
            </div>
            { for params }
            if kind.tasks_per_worker.is_none() {
                { text_field("tasks", "Tasks", &p.form.tasks, "Like executor.map(fn, range(tasks)).".into(), "decimal", Field::Tasks, &p.on_action, running, error.as_ref()) }
            }
            { text_field("workers", "Workers", &p.form.workers, format!("This machine reports {} core{}.", p.cores, if p.cores == 1 { "" } else { "s" }), "decimal", Field::Workers, &p.on_action, running, error.as_ref()) }
            { text_field("repeats", "Repeats", &p.form.repeats, "Each model runs this many times; the chart shows the median.".into(), "decimal", Field::Repeats, &p.on_action, running, error.as_ref()) }
            { text_field("switch_interval", "GIL switch interval (ms)", &p.form.switch_interval, "Like sys.setswitchinterval (Python's default: 5 ms). Used by threads + GIL.".into(), "decimal", Field::SwitchInterval, &p.on_action, running, error.as_ref()) }
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
                <small>{ "Processes each have their own GIL, which nobody else wants: the GIL never slows them down. A static split gives each worker one equal block of the tasks in advance, instead of the next task whenever it is free." }</small>
                if let Some(e) = error.as_ref().filter(|e| e.id == "models") {
                    <small class="field-error" id="models-error">{ &e.message }</small>
                }
            </fieldset>
            if p.form.models.contains(&Model::Hybrid) {
                { text_field("threads_per_process", "Threads in each process (processes × threads)", &p.form.threads_per_process, format!("Each of the workers is a process with this many threads and its own GIL (1 to {}).", threadlab::experiment::MAX_THREADS_PER_PROCESS), "decimal", Field::ThreadsPerProcess, &p.on_action, running, error.as_ref()) }
            }
            { text_field("sweep", "Sweep worker counts (optional)", &p.form.sweep, format!("Runs the experiment once per count, on fresh pools, e.g. 1, 2, 8, 32; 4x is 4 × the {} cores. Empty: once, with the workers above.", p.cores), "text", Field::Sweep, &p.on_action, running, error.as_ref()) }
            <label class="check trace" for="trace">
                <input type="checkbox" id="trace" checked={p.form.trace} onchange={p.on_action.reform(|_: Event| Action::ToggleTrace)} disabled={running} />
                { " Record what every worker did (timelines)" }
            </label>
            if let Some(e) = error.as_ref().filter(|e| e.id.is_empty()) {
                <p class="field-error" id="form-error">{ &e.message }</p>
            }
            { p.ask.clone() }
            { actions }
        </form>
    }
}
