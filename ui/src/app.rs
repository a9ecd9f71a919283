//! The root component: owns the state, wires the components together, and
//! keeps the address bar, the theme and a host page (when embedded) in step
//! with it.

use crate::lab;
use crate::components::compare::their_run_vs_yours;
use crate::components::lessons::Lessons;
use crate::components::memory::{communication_table, memory_table};
use crate::components::Run;
use std::rc::Rc;
use crate::components::export::Export;
use crate::components::scaling::ScalingChart;
use crate::components::predict;
use crate::components::program::{mode_tabs, ProgramForm};
use crate::components::program_results::{ProgramResults, RunOf};
use crate::components::python::PythonCode;
use crate::components::share::Share;
use crate::components::timeline::{ModelOf, TimelinePanel};
use crate::components::verdict::verdict_box;
use crate::components::{chart::bar_chart, controls::Controls, environment::environment_panel, table::results_table};
use crate::page;
use crate::runner;
use crate::state::{Action, Mode, State};
use crate::views::{self, Shown};
use threadlab::embed::{self, HostMessage};
use threadlab::link::{self, Theme, View};
use threadlab::Results;
use yew::prelude::*;

/// A cancelled run's results say so first.
fn partial_note(r: &Results) -> Html {
    r.partial.map_or_else(Html::default, |p| {
        html! {
            <p class="partial warning" role="note">
                { format!("Partial results: the run was cancelled after {} of {} timed tasks. What is shown is what finished before; models with no finished run say so.", p.done_tasks, p.total_tasks) }
            </p>
        }
    })
}

/// What a run measured, in the order the page shows it (embedded or not):
/// the workload's key figure, the charts, the workload's own view, then the
/// tables.
fn measured(shown: &Shown) -> Html {
    let r = shown.results;
    let view = views::of(&r.experiment.workload);
    html! {
        <>
            { view.map(|v| v.lead(shown)) }
            if !r.sweep.is_empty() {
                <ScalingChart results={Run(r.clone())} />
            }
            { bar_chart(r) }
            { view.map(|v| v.measured(shown)) }
            { results_table(r) }
            { communication_table(r) }
        </>
    }
}

/// The top of the page: the skip link and the masthead.
pub fn masthead() -> Html {
    html! {
        <>
        <a class="skip" href="#experiment">{ "Skip to the experiment" }</a>
        <header class="masthead">
            <h1>{ "ThreadLab" }</h1>
            <p class="tagline">{ "Threads or processes? Run real work both ways in your browser and see the difference." }</p>
        </header>
        </>
    }
}

/// What a visitor with a plain address (no experiment, no lesson) sees
/// first: the masthead and the open lesson gallery. The page is sent with
/// it rendered (`www/landing.html`, checked by `tests/landing.rs`) so it is
/// there before the wasm runs; the app then draws the same in its place.
#[function_component(Landing)]
pub fn landing() -> Html {
    html! {
        <>
        { masthead() }
        <Lessons active={None} running={false} open={true} on_pick={Callback::noop()} predict={false} on_toggle_predict={Callback::noop()} />
        </>
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        let mut state = State::from_link(runner::environment(), &page::query());
        // The lab taking the page over goes on from what the shell showed.
        if let Some(h) = lab::handover() {
            h.carry_into(&mut state);
        }
        state
    });
    lab::seen(&state);
    // (Not in a read-only embed: no editor there; Run loads the lab.)
    let state_view_edit = state.view.edit;
    let embedded = state.view.embed;
    let state_has_program = state.form.kind.fields.iter().any(|f| matches!(f.input, threadlab::workloads::Input::Code { .. })) && !(state.view.embed && !state.view.edit);
    // A run shows where the learner is: its progress and Cancel come into
    // view, and keyboard focus goes to Cancel if the pressed button went
    // away (a lesson card's button is disabled during a run).
    use_effect_with(state.running.is_some(), move |&running| {
        if running && !embedded {
            page::scroll_to("#experiment .actions", "nearest");
            if page::focus_lost() {
                page::focus("button.cancel");
            }
        }
    });
    // New results come into view, their heading focused; a run that failed
    // brings its message.
    {
        // (Either mode's: the experiment's results or the program's run.)
        let shown = match state.mode {
            Mode::Experiment => state.results.as_ref().map(|r| Rc::as_ptr(r) as usize),
            Mode::Program => state.program.run.as_ref().map(|r| Rc::as_ptr(r) as usize),
        };
        let last = use_mut_ref(|| (state.ended, shown));
        let now = (state.ended, shown);
        let failed = state.message.is_some();
        use_effect_with(now, move |&now| {
            let before = std::mem::replace(&mut *last.borrow_mut(), now);
            if now.0 != before.0 && !embedded {
                if now.1.is_some() && now.1 != before.1 {
                    page::scroll_to("#results-heading", "start");
                    page::focus("#results-heading");
                } else if failed {
                    page::scroll_to(".message", "nearest");
                }
            }
        });
    }
    // A program is checked as it is typed, which only the lab can do: the
    // workload that has one loads it (from a link too).
    // So does the Program mode.
    let program_mode = state.mode == Mode::Program;
    use_effect_with((state.form.kind.key, program_mode), move |&(_, program_mode)| {
        if state_has_program || (program_mode && !(embedded && !state_view_edit)) {
            lab::preload();
        }
    });
    // The form as it is now, for host messages that run "the experiment shown".
    let form_json = use_mut_ref(|| state.run_json());
    *form_json.borrow_mut() = state.run_json();

    // The page, as the shell draws it, in tasks of its own, so that none
    // holds the main thread as long as one render of it all did (a phone's
    // first visit: Lighthouse's blocking time):
    // 0. what the page was sent with (www/landing.html): at a plain address
    //    the masthead and the open gallery, at a link the masthead and the
    //    folded gallery;
    // 1. at a link, the experiment's form (its largest text);
    // 2. the rest: the form at a plain address, the panels (share, this
    //    machine, the Python, what Run will show), `window.threadlab`.
    // An embed and the lab draw it all at once.
    let stage = use_state(|| if lab::HERE || state.view.embed { 2u8 } else { 0 });
    {
        let stage = stage.clone();
        let link = !state.gallery;
        use_effect_with(*stage, move |&now| {
            if now < 2 {
                let next = if link { now + 1 } else { 2 };
                gloo_timers::callback::Timeout::new(0, move || stage.set(next)).forget();
            }
        });
    }
    // Everything is drawn.
    let whole = *stage == 2;
    {
        let (dispatcher, env, view, form_json) = (state.dispatcher(), state.environment.clone(), state.view, form_json.clone());
        let program = program_mode.then(|| state.program.link.spec());
        use_effect_with(whole, move |&whole| {
            if !whole {
                return;
            }
            // `Some` when the shell handed the page over to this build.
            let handover = lab::handover();
            crate::global::install(dispatcher.clone(), env.clone(), form_json.clone());
            lab::settled();
            page::set_theme(match view.theme {
                Theme::Auto => None,
                t => Some(t.as_str()),
            });
            if page::framed() {
                page::observe_height(|h| {
                    if lab::live() {
                        embed::resize(h).iter().for_each(page::post_to_parent);
                    }
                });
                let (dispatcher, env, form_json) = (dispatcher.clone(), env.clone(), form_json.clone());
                page::listen(move |data| match data.as_ref().filter(|_| lab::live()).and_then(embed::host_message) {
                    Some(HostMessage::Run { experiment, prediction }) => {
                        let mut json = match experiment {
                            Some(serde_json::Value::String(text)) => serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
                            Some(e) => e,
                            None => form_json.borrow().clone(),
                        };
                        // The host's prediction (checked with the experiment).
                        if let (Some(p), Some(obj)) = (prediction, json.as_object_mut()) {
                            obj.insert("prediction".into(), p);
                        }
                        // Takes the run slot now, like a click on Run.
                        lab::run(json, &dispatcher, &env);
                    }
                    Some(HostMessage::Cancel) => lab::cancel(),
                    None => {} // not ours, or not well-formed: ignored
                });
                if handover.is_none() {
                    page::post_to_parent(&embed::FrameMessage::Ready { version: threadlab::experiment::FORMAT_VERSION }.to_value());
                }
            }
            match (handover, program) {
                // The program the shell was asked to run.
                (Some(h), Some(program)) if h.run_program => lab::run_program(program, &dispatcher),
                // What the shell was asked to run.
                (Some(h), _) => h.experiment.into_iter().for_each(|json| lab::run(json, &dispatcher, &env)),
                // `autorun=1`: the link's program, checked like any other.
                (None, Some(program)) if view.autorun => match crate::components::program::check(&program.program) {
                    None => lab::run_program(program, &dispatcher),
                    Some((message, _)) => dispatcher.dispatch(Action::Invalid(message)),
                },
                // `autorun=1`: the link's experiment, validated like any other.
                (None, None) if view.autorun => lab::run(form_json.borrow().clone(), &dispatcher, &env),
                (None, _) => {}
            }
        });
    }

    // The address bar always holds the experiment shown (when it is valid),
    // without adding history entries.
    let experiment = state.experiment();
    let lesson = state.lesson(experiment.as_ref());
    {
        let shared = state.shared.clone();
        let view = View { autorun: false, lesson: lesson.map(|l| l.id), ..state.view };
        let program = program_mode.then(|| state.program.link.clone());
        use_effect_with((experiment.clone(), view, program), move |(exp, view, program)| match (program, exp) {
            (Some(p), _) => page::replace_query(&link::encode_program(p, view)),
            (None, Some(exp)) => {
                let run = shared.as_deref().filter(|(e, _)| e == exp).map(|(_, run)| run);
                page::replace_query(&link::encode(exp, view, run));
            }
            (None, None) => {}
        });
    }

    let on_action = {
        let dispatcher = state.dispatcher();
        Callback::from(move |a: Action| dispatcher.dispatch(a))
    };
    // `predict=1`: Run waits for an answer to every question.
    let unanswered = experiment.as_ref().filter(|_| state.view.predict).map(|e| state.unanswered(e)).unwrap_or_default();
    let on_run = {
        let (dispatcher, form, env, json) = (state.dispatcher(), state.form.clone(), state.environment.clone(), state.run_json());
        let first_unanswered = unanswered.first().map(|q| (q.key(), q.answers()[0].as_str()));
        Callback::from(move |_: ()| {
            if let Some((key, answer)) = first_unanswered {
                dispatcher.dispatch(Action::Invalid("Make your prediction first: choose an answer to each question above Run.".into()));
                page::focus(&format!("#predict-{key}-{answer}"));
                return;
            }
            // A bad form is refused at its field, in the form's words, and
            // the field gets the keyboard (the API keeps the field names).
            if let Some(e) = crate::components::controls::form_error(&form, env.cores) {
                crate::api::tell_host(embed::FrameMessage::Error { message: &e.message });
                dispatcher.dispatch(Action::Invalid(e.message));
                if !e.id.is_empty() && e.id != "models" {
                    page::focus(&format!("#{}", e.id));
                }
                return;
            }
            // Takes the run slot now; a click during a run is refused.
            lab::run(json.clone(), &dispatcher, &env);
        })
    };
    let on_sweep = {
        let (dispatcher, results, env) = (state.dispatcher(), state.results.clone(), state.environment.clone());
        Callback::from(move |_: ()| {
            if let Some(r) = &results {
                lab::sweep(r.experiment.clone(), &dispatcher, &env);
            }
        })
    };
    let on_cancel = Callback::from(|_: ()| lab::cancel());
    // The Program mode's Run: a program with a syntax error is refused at
    // the editor, which gets the keyboard.
    let on_run_program = {
        let (dispatcher, program) = (state.dispatcher(), state.program.link.spec());
        Callback::from(move |_: ()| {
            if let Some((message, _)) = crate::components::program::check(&program.program) {
                dispatcher.dispatch(Action::Invalid(message));
                page::focus("#program-code");
                return;
            }
            lab::run_program(program.clone(), &dispatcher);
        })
    };
    let on_pick = {
        let (dispatcher, env, predict) = (state.dispatcher(), state.environment.clone(), state.view.predict);
        Callback::from(move |l: &'static threadlab::lessons::Lesson| {
            dispatcher.dispatch(Action::PickLesson(l));
            if predict {
                // Asked first: the lesson waits for the prediction and Run.
                page::scroll_to("#experiment .predict", "nearest");
                if let Some(q) = threadlab::predict::questions(&l.experiment(env.cores)).first() {
                    page::focus(&format!("#predict-{}-{}", q.key(), q.answers()[0].as_str()));
                }
                return;
            }
            let json = serde_json::to_value(l.experiment(env.cores)).unwrap_or_default();
            lab::run(json, &dispatcher, &env);
        })
    };
    // What ran: never in the shell, so its views compile away there.
    let results = state.results.as_ref().filter(|_| lab::HERE);
    // What a workload's own view is given.
    let shown = results.map(|r| Shown {
        results: r,
        sweep: state.sweep.clone(),
        running: state.running.is_some(),
        on_sweep: on_sweep.clone(),
        threads: state.environment.threads_unavailable.is_none(),
    });
    let question = lesson.map(|l| html! { <p class="lesson-question"><span>{ "Lesson: " }</span>{ l.question }</p> });
    let verdict = results.and_then(|r| r.verdict.as_ref()).map(verdict_box);
    let judged = results.map(|r| predict::judged(&r.prediction));
    let python = experiment.clone().map(|e| html! { <PythonCode experiment={e} machine={runner::known_machine()} cores={state.environment.cores} /> });
    // Timelines on one axis (the longest run's), or each on its own.
    let shared_axis = use_state(|| true);
    let toggle_axis = {
        let shared_axis = shared_axis.clone();
        Callback::from(move |_: Event| shared_axis.set(!*shared_axis))
    };
    let longest = results.map_or(0.0, |r| r.models.iter().filter_map(|m| m.timeline.as_ref()).map(|t| t.end_ms - t.start_ms).fold(0.0, f64::max));
    let dismiss = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::DismissLinkNotes))
    };

    let embedded = state.view.embed;
    // Which build has the page (the shell, or the lab once it took over).
    let build = if lab::HERE { "lab" } else { "shell" };
    let results_now = results.cloned().filter(|r| experiment.as_ref() == Some(&r.experiment));
    let theirs = experiment.as_ref().and_then(|e| state.shared_for(e));
    // The view the page shows, as the links it hands out keep it (a lesson
    // that asks first, `predict=1`, asks whoever opens them too).
    let shown_view = View { lesson: lesson.map(|l| l.id), ..state.view };
    let full_page = match program_mode {
        true => Some(page::url_with(&link::encode_program(&state.program.link, &View { theme: state.view.theme, ..View::default() }))),
        false => experiment.as_ref().map(|e| page::url_with(&link::encode(e, &View { theme: state.view.theme, ..shown_view.passed_on() }, theirs))),
    };

    let notes = (!state.link_notes.is_empty()).then(|| {
        html! {
            <div class="link-notes" role="status">
                <p>{ "Parts of this link could not be used and were ignored:" }</p>
                <ul>{ for state.link_notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
                <button type="button" class="secondary dismiss" onclick={dismiss}>{ "OK" }</button>
            </div>
        }
    });
    // Asked before Run: in a lesson, or wherever the page asks
    // (`predict=1`). The shell asks (the answers go to the lab with the
    // run); the judging is the lab's, with the results.
    let asks = lesson.is_some() || state.view.predict;
    let ask = experiment
        .as_ref()
        .filter(|_| asks)
        .map(|e| predict::ask(e, &state.prediction, state.view.predict, state.running.is_some(), &on_action))
        .unwrap_or_default();
    let on_toggle_predict = on_action.reform(|_: ()| Action::TogglePredict);
    let read_only = embedded && !state.view.edit;
    let controls = match state.mode {
        Mode::Experiment => html! {
            <Controls form={state.form.clone()} running={state.running.clone()} cores={state.environment.cores}
                on_action={on_action.clone()} {on_run} on_cancel={on_cancel.clone()} {read_only} {ask} />
        },
        Mode::Program => html! {
            <ProgramForm program={state.program.link.clone()} running={state.running.clone()} on_action={on_action.clone()}
                on_run={on_run_program} {on_cancel} {read_only} />
        },
    };
    // The two modes, as tabs above the form (not in an embed: it shows one).
    let tabs = (!embedded).then(|| mode_tabs(state.mode, state.running.is_some(), &on_action));
    // What a program's run printed and did: the lab's only.
    let program_results = (program_mode && lab::HERE).then(|| {
        html! { <ProgramResults console={state.program.console.clone()} run={state.program.run.clone().map(RunOf)} running={state.running.is_some()} /> }
    });
    let message = state.message.as_ref().map(|msg| html! { <p class="message" role="alert">{ msg }</p> });

    if embedded {
        return html! {
            <main class="embed" data-runs-ended={state.ended.to_string()}>
                { notes }
                { controls }
                { message }
                <section class="results" aria-live="polite" aria-busy={state.running.is_some().to_string()} data-runs-ended={state.ended.to_string()} data-build={build}>
                    if program_mode {
                        { program_results.clone() }
                    } else {
                    { question.clone() }
                    if let (Some(r), Some(shown)) = (results, &shown) {
                        { partial_note(r) }
                        { judged.clone() }
                        { verdict.clone() }
                        <p class="explanation">{ &r.explanation }</p>
                        { measured(shown) }
                    }
                    if let Some(theirs) = theirs {
                        { their_run_vs_yours(theirs, results_now.as_deref()) }
                    }
                    }
                    if let Some(why) = &state.environment.threads_unavailable {
                        <p class="warning" role="note">{ format!("Threads are unavailable in this frame: {why}") }</p>
                    }
                </section>
                if let Some(url) = full_page {
                    <p class="open-full"><a href={url} target="_blank" rel="noopener">{ "Open in ThreadLab ↗" }</a></p>
                }
            </main>
        };
    }

    html! {
        <>
        { masthead() }
        <Lessons active={lesson.map(|l| l.id)} running={state.running.is_some()} open={state.gallery && state.results.is_none()} {on_pick}
            predict={state.view.predict} {on_toggle_predict} />
        if *stage >= 1 {
        <main class={classes!(program_mode.then_some("program-mode"))}>
            <div class="side">
                { tabs }
                { controls }
                if whole {
                <Share experiment={experiment.clone()} results={results_now.clone().map(Run)} view={shown_view}
                    program={program_mode.then(|| state.program.link.clone())} />
                { environment_panel(&state.environment, full_page.as_deref()) }
                }
            </div>
            <div class="main-col">
            { message }
            <section class="results" aria-live="polite" aria-busy={state.running.is_some().to_string()} data-runs-ended={state.ended.to_string()} data-build={build}>
                { notes }
                if program_mode {
                    if state.program.run.is_some() || state.running.is_some() {
                        { program_results }
                    } else if lab::HERE {
                        // (The shell has the Program mode only while the lab
                        // loads, as it does at once: the lab says this.)
                        <div class="placeholder">
                            <p>{ "Pick a program from the gallery (or write your own) and press Run: its threads run on real Web Workers sharing one memory, its processes on workers of their own." }</p>
                            <ul>
                                <li><strong>{ "Console" }</strong>{ ": every line it prints, marked with the thread or process that printed it and when." }</li>
                                <li><strong>{ "Timeline" }</strong>{ ": one lane per thread and per process: running, waiting for the GIL, sleeping, in join()." }</li>
                                <li><strong>{ "GIL on or off" }</strong>{ ": CPython 3.13, or the free-threaded 3.13t." }</li>
                            </ul>
                        </div>
                    }
                } else {
                { question }
                if let Some(theirs) = theirs.filter(|_| whole) {
                    { their_run_vs_yours(theirs, results_now.as_deref()) }
                }
                if !whole {
                    // (What Run will show comes with the panels.)
                } else if let (Some(r), Some(shown)) = (results, &shown) {
                    <h2 id="results-heading" tabindex="-1">{ "Results" }</h2>
                    { partial_note(r) }
                    { judged }
                    { verdict }
                    <p class="explanation">{ &r.explanation }</p>
                    { measured(shown) }
                    { memory_table(r) }
                    <Export results={Run(r.clone())} />
                    { python.clone() }
                    { views::of(&r.experiment.workload).map(|v| v.further(shown)) }
                    <h2 class="timelines-title">{ "Timelines" }</h2>
                    <p class="hint">{ "What every worker did during the median run of each model." }</p>
                    <label class="check shared-axis" for="shared-axis">
                        <input type="checkbox" id="shared-axis" checked={*shared_axis} onchange={toggle_axis} />
                        { " One time axis for every model (lengths compare at a glance)" }
                    </label>
                    { for r.models.iter().enumerate().filter(|(_, m)| m.timeline.is_some()).map(|(index, m)| html! {
                        <TimelinePanel key={m.model.as_str()} model={ModelOf { results: Run(r.clone()), index }} span_ms={shared_axis.then_some(longest)} />
                    }) }
                } else if theirs.is_none() {
                    { python.clone() }
                    <div class="placeholder">
                        <p>{ "Choose a workload and press Run: every model runs the same tasks on real Web Workers, and the chart compares their wall times." }</p>
                        <ul>
                            <li><strong>{ "Sequential" }</strong>{ ": one worker, a plain loop." }</li>
                            <li><strong>{ "Threads + GIL" }</strong>{ ": a pool sharing one memory, but only one thread computes at a time, as in Python's ThreadPoolExecutor." }</li>
                            <li><strong>{ "Threads (no GIL)" }</strong>{ ": the same pool without the GIL, as in free-threaded Python." }</li>
                            <li><strong>{ "Processes" }</strong>{ ": isolated workers with their own memory that talk by messages, as in ProcessPoolExecutor." }</li>
                            <li><strong>{ "Processes × threads" }</strong>{ ": each process runs its own pool of threads with its own GIL: the two used together." }</li>
                        </ul>
                        <p>{ "Try the CPU loop (the GIL keeps threads at about 1×), then I/O (every pool overlaps its waits), then the convoy effect." }</p>
                    </div>
                }
                }
            </section>
            </div>
        </main>
        }
        </>
    }
}
