//! The Program mode's form: the switch between the experiment builder and
//! the Program mode, the gallery of the tutorials' programs, the code
//! editor (a syntax error marked as the learner pauses typing, as the
//! python workload's), the GIL switch, Run and Cancel.

use super::editor::CodeEditor;
use crate::state::{Action, Mode, Progress};
use threadlab::link::ProgramLink;
use threadlab::program::gallery;
use threadlab::text::group;
use web_sys::{HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

/// How long the learner pauses typing before the program is checked.
const PAUSE_MS: u32 = 300;

/// What is wrong with `code` before it runs, and on which line: the lab's
/// interpreter checks it (the shell has none: the lab is loaded as soon as
/// the Program mode shows, and checks it then).
pub fn check(code: &str) -> Option<(String, Option<u32>)> {
    #[cfg(feature = "python")]
    {
        let spec = serde_json::json!({ "program": code });
        let e = threadlab::program::ProgramSpec::from_value(&spec).err()?;
        Some((e.to_string(), e.position().map(|(line, _)| line).filter(|&l| l > 0)))
    }
    #[cfg(not(feature = "python"))]
    {
        let chars = code.chars().count();
        (chars > threadlab::program::MAX_PROGRAM_CHARS).then(|| {
            (format!("The program is {} characters long; at most {} are accepted.", group(chars as u64), group(threadlab::program::MAX_PROGRAM_CHARS as u64)), None)
        })
    }
}

/// The two modes as tabs above the form: arrow keys move between them
/// (and choose), as tabs do.
pub fn mode_tabs(mode: Mode, running: bool, on_action: &Callback<Action>) -> Html {
    let tab = |m: Mode, id: &'static str, panel: &'static str, label: &'static str| {
        let selected = m == mode;
        let onclick = on_action.reform(move |_: MouseEvent| Action::SetMode(m));
        let onkeydown = {
            let on_action = on_action.clone();
            Callback::from(move |e: KeyboardEvent| {
                let other = match (e.key().as_str(), m) {
                    ("ArrowLeft" | "ArrowRight" | "Home" | "End", Mode::Experiment) => Mode::Program,
                    ("ArrowLeft" | "ArrowRight" | "Home" | "End", Mode::Program) => Mode::Experiment,
                    _ => return,
                };
                let other = match e.key().as_str() {
                    "Home" => Mode::Experiment,
                    "End" => Mode::Program,
                    _ => other,
                };
                e.prevent_default();
                on_action.emit(Action::SetMode(other));
                crate::page::focus(if other == Mode::Program { "#tab-program" } else { "#tab-experiment" });
            })
        };
        html! {
            <button type="button" role="tab" {id} aria-controls={panel} aria-selected={selected.to_string()}
                tabindex={if selected { "0" } else { "-1" }} class={classes!("mode-tab", selected.then_some("selected"))}
                disabled={running && !selected} {onclick} {onkeydown}>{ label }</button>
        }
    };
    html! {
        <div class="mode-tabs" role="tablist" aria-label="What to run">
            { tab(Mode::Experiment, "tab-experiment", "experiment", "Experiment") }
            { tab(Mode::Program, "tab-program", "program", "Program") }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub program: ProgramLink,
    pub running: Option<Progress>,
    pub on_action: Callback<Action>,
    pub on_run: Callback<()>,
    pub on_cancel: Callback<()>,
    /// The program shown, not edited (a read-only embed).
    #[prop_or_default]
    pub read_only: bool,
}

#[function_component(ProgramForm)]
pub fn program_form(p: &Props) -> Html {
    let running = p.running.is_some();
    let code = p.program.code.clone();
    // Checked once the learner pauses typing (compiling on every key would
    // be wasted): until then, as last checked.
    let checked = use_state(|| code.clone());
    {
        let checked = checked.clone();
        use_effect_with(code.clone(), move |code| {
            let code = code.clone();
            let pause = gloo_timers::callback::Timeout::new(PAUSE_MS, move || checked.set(code));
            move || drop(pause)
        });
    }
    let error = use_memo((*checked).clone(), |code| check(code));
    let error = (*error).clone().filter(|_| !running);
    let onsubmit = {
        let on_run = p.on_run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_run.emit(());
        })
    };
    let example = p.program.example();
    let onchange_example = p.on_action.reform(|e: Event| {
        let id = e.target_unchecked_into::<HtmlSelectElement>().value();
        Action::SetCode(gallery::get(&id).map_or_else(String::new, |e| e.source.to_string()))
    });
    let gil = p.program.gil;
    let actions = html! {
        <div class="actions">
            if let Some(progress) = &p.running {
                <button type="button" class="cancel" onclick={p.on_cancel.reform(|_| ())}>{ "Cancel" }</button>
                <div class="progress">
                    <span class="progress-label">{ &progress.label }</span>
                </div>
            } else {
                <button type="submit" class="run">{ "Run" }</button>
            }
        </div>
    };
    let gil_said = if gil { "GIL on (CPython 3.13)" } else { "GIL off (free-threaded 3.13t)" };
    if p.read_only {
        return html! {
            <form class="builder program-form summary" id="program" role="tabpanel" aria-labelledby="tab-program" {onsubmit}>
                <p class="experiment-summary">{ example.map_or("Your program", |e| e.title) }{ format!(" · {gil_said}") }</p>
                <pre class="program-code" aria-label="The program">{ &p.program.code }</pre>
                { actions }
            </form>
        };
    }
    let gil_choice = |on: bool, id: &'static str, label: &'static str| {
        let onchange = p.on_action.reform(move |_: Event| Action::SetGil(on));
        html! {
            <label class="check" for={id}>
                <input type="radio" name="gil" {id} checked={gil == on} {onchange} disabled={running} />{ format!(" {label}") }
            </label>
        }
    };
    html! {
        <form class="builder program-form" id="program" role="tabpanel" aria-labelledby="tab-program" {onsubmit}>
            <h2>{ "Program" }</h2>
            <p class="hint">{ "A whole Python program, as the tutorials write it: its threads, processes and pools run on real workers; the console shows who printed what, the timeline what each of them did." }</p>
            <div class="field">
                <label for="example">{ "Example" }</label>
                <select id="example" onchange={onchange_example} disabled={running} aria-describedby="example-hint">
                    if example.is_none() {
                        <option value="" selected=true>{ "Your own program" }</option>
                    }
                    { for gallery::ALL.iter().map(|e| html! {
                        <option value={e.id} selected={example.is_some_and(|x| x.id == e.id)}>{ e.title }</option>
                    }) }
                </select>
                <small id="example-hint">{ example.map_or("Edited: pick an example to start again from it.", |e| e.point) }</small>
            </div>
            <CodeEditor id="program-code" label="Python program" value={code} disabled={running}
                hint={format!("threading, multiprocessing, concurrent.futures, queue and time, as CPython has them. At most {} characters. Tab indents; Escape then Tab leaves the editor.", group(threadlab::program::MAX_PROGRAM_CHARS as u64))}
                {error} on_input={p.on_action.reform(Action::SetCode)} />
            <fieldset class="gil-switch">
                <legend>{ "The GIL" }</legend>
                { gil_choice(true, "gil-on", "GIL on (CPython 3.13)") }
                { gil_choice(false, "gil-off", "GIL off (free-threaded 3.13t)") }
                <small>{ "With the GIL, the program's threads take turns running Python; without it (free-threaded CPython), they run at once. Processes each have their own." }</small>
            </fieldset>
            { actions }
        </form>
    }
}
