//! The lab: what runs experiments and shows what they measured, and the
//! seam between it and the rest of the page.
//!
//! The page's first download is the *shell*: this crate built with
//! `--features shell` (`pkg/ui/`). It has the form, the lessons, links, the
//! Python program and the scripting API's reads, and refuses a bad form at
//! once. The runner, the results views and the exports are only in the full
//! build (`pkg/lab/`), which the first action that needs them fetches (a
//! valid Run, a lesson, `autorun=1`, a host page's run message,
//! `threadlab.run`). The lab then *takes the page over*: the shell's app is
//! destroyed, the lab's own is mounted on the same element, from the same
//! address bar, and carries the action out. Nothing between the two is
//! shared but the address bar, the `window.threadlab` object (the lab fills
//! the shell's in) and a [`Handover`]: the experiment to run, and what the
//! page shows that the address bar may not hold (runs ended, the link's
//! notes, the lesson, the sharer's run). Cancel while the lab loads cancels what waited for it.
//!
//! Both builds call the functions here; only their bodies differ.

use crate::state::State;
use std::rc::Rc;
use threadlab::results::Environment;
use yew::UseReducerDispatcher;

/// Whether this build holds the lab (false in the shell, where results
/// never exist: the views of results compile away).
pub const HERE: bool = !cfg!(feature = "shell");

pub use imp::*;

/// What the shell hands the lab with the page.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Handover {
    /// The experiment JSON to run (a Run click, a lesson, `autorun`, a host
    /// page's message), if one is waiting.
    pub experiment: Option<serde_json::Value>,
    /// Runs ended on the page so far (`data-runs-ended` keeps counting).
    pub ended: u32,
    /// What of the page's link was ignored, still shown (the address bar
    /// no longer has those parts).
    pub link_notes: Vec<String>,
    /// The lesson picked or linked, and the sharer's run a link carried:
    /// kept even while the form shows another experiment (the address bar
    /// then has neither).
    pub lesson: Option<String>,
    /// (The run as its link's results field.)
    pub shared: Option<(threadlab::Experiment, String)>,
    /// The learner's prediction as chosen (the radio buttons keep it).
    #[serde(default)]
    pub prediction: threadlab::predict::Prediction,
    /// Asking for predictions (the gallery's switch may have changed it).
    #[serde(default)]
    pub predict: bool,
    /// The gallery's state (open where the learner was in it).
    #[serde(default)]
    pub gallery: Option<bool>,
    /// The Program mode's program, when the page shows it (the address
    /// bar may not hold a long one), and whether to run it.
    #[serde(default)]
    pub program: Option<threadlab::program::ProgramSpec>,
    #[serde(default)]
    pub run_program: bool,
    /// The experiment the builder shows, while the address bar holds the
    /// program instead.
    #[serde(default)]
    pub builder: Option<threadlab::Experiment>,
}

impl Handover {
    /// What of the shell's page `state` goes over, with `experiment` to run.
    pub fn of(state: &State, experiment: Option<serde_json::Value>) -> Handover {
        Handover {
            // Kept when nothing runs (the gallery's own switch took the
            // page over); else as the link says.
            gallery: experiment.is_none().then_some(state.gallery),
            experiment,
            ended: state.ended,
            link_notes: state.link_notes.clone(),
            lesson: state.view.lesson.map(str::to_string),
            shared: state.shared.as_deref().map(|(e, run)| (e.clone(), run.encode())),
            prediction: state.prediction.clone(),
            predict: state.view.predict,
            program: (state.mode == crate::state::Mode::Program).then(|| state.program.link.spec()),
            run_program: false,
            builder: state.experiment().filter(|_| state.mode == crate::state::Mode::Program),
        }
    }

    /// The lab's page `state`, built from the address bar, goes on from
    /// what the shell showed.
    pub fn carry_into(self, state: &mut State) {
        state.ended = self.ended;
        state.link_notes = self.link_notes;
        state.view.lesson = self.lesson.as_deref().and_then(threadlab::lessons::find).map(|l| l.id);
        state.shared = self.shared.and_then(|(e, run)| Some(Rc::new((e, threadlab::link::SharedRun::decode(&run).ok()?))));
        state.prediction = self.prediction;
        state.view.predict |= self.predict;
        if let Some(open) = self.gallery {
            state.gallery = open;
        }
        if let Some(e) = &self.builder {
            state.form = state.form.show(e);
        }
        if let Some(p) = self.program {
            state.mode = crate::state::Mode::Program;
            state.program.link = threadlab::link::ProgramLink { code: p.program, gil: p.gil };
        }
    }
}

#[cfg(not(feature = "shell"))]
mod imp {
    use super::*;
    use crate::{api, page, runner};
    use std::cell::RefCell;
    use threadlab::Experiment;
    use wasm_bindgen::prelude::*;

    thread_local! {
        /// Set when the shell handed the page over.
        static HANDED: RefCell<Option<Handover>> = const { RefCell::new(None) };
        /// Resolves the promise [`take_over`] returned.
        static SETTLED: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    }

    /// Takes the [`Handover`] the shell sent (as JSON), before the lab's
    /// app mounts (`crate::take_over`); the promise resolves once the app
    /// is up and `window.threadlab` is the lab's.
    pub fn taking_over(handover: &str) -> js_sys::Promise {
        HANDED.with(|h| *h.borrow_mut() = Some(serde_json::from_str(handover).unwrap_or_default()));
        js_sys::Promise::new(&mut |resolve, _| SETTLED.with(|s| *s.borrow_mut() = Some(resolve)))
    }

    /// What the shell handed over, if it did: `None` for an app that
    /// started on its own.
    pub fn handover() -> Option<Handover> {
        HANDED.with(|h| h.borrow().clone())
    }

    /// The app is mounted and the API installed: callers the shell kept
    /// waiting may go on.
    pub fn settled() {
        if let Some(resolve) = SETTLED.with(|s| s.borrow_mut().take()) {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }

    /// The page's listeners (host messages, the frame's height) are live.
    pub fn live() -> bool {
        true
    }

    /// The API is this build's own.
    pub fn lab_api(_: &str) -> Option<js_sys::Function> {
        None
    }

    /// The shell keeps its page's state for the hand-over; the lab needs not.
    pub fn seen(_: &yew::UseReducerHandle<State>) {}

    pub fn run(json: serde_json::Value, dispatch: &UseReducerDispatcher<State>, env: &Rc<Environment>) {
        page::detach(api::run_experiment(json, dispatch.clone(), env.clone()));
    }

    pub fn sweep(base: Experiment, dispatch: &UseReducerDispatcher<State>, env: &Rc<Environment>) {
        page::detach(api::run_interval_sweep(base, dispatch.clone(), env.clone()));
    }

    /// Runs a whole program (the Program mode's Run).
    pub fn run_program(spec: threadlab::program::ProgramSpec, dispatch: &UseReducerDispatcher<State>) {
        page::detach(crate::program_page::run(spec, dispatch.clone()));
    }

    pub fn cancel() {
        runner::cancel();
    }

    /// The lab is here.
    pub fn open() {}
    /// The lab is here already (see `open`).
    pub fn preload() {}

    /// `threadlab.run(input)`.
    pub fn api_run(input: JsValue, dispatch: &UseReducerDispatcher<State>, env: &Rc<Environment>) -> js_sys::Promise {
        api::run_from_script(input, dispatch, env)
    }
}

#[cfg(feature = "shell")]
mod imp {
    use super::*;
    use crate::api::{self, Refusal};
    use crate::runner::RunError;
    use crate::state::{Action, Progress};
    use std::cell::{Cell, RefCell};
    use threadlab::embed::FrameMessage;
    use threadlab::Experiment;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    #[wasm_bindgen]
    extern "C" {
        /// Fetches and starts the lab's build (once); resolves to its module.
        #[wasm_bindgen(js_namespace = threadlabRunner, js_name = loadLab)]
        fn js_load_lab() -> js_sys::Promise;
    }

    thread_local! {
        /// Destroys the shell's app, when the lab takes over.
        static APP: RefCell<Option<Box<dyn FnOnce()>>> = const { RefCell::new(None) };
        /// The take-over, once begun: resolves when the lab has the page.
        static TAKEN: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
        /// Cancels so far: what was asked for before one is not carried out.
        static CANCELS: Cell<u32> = const { Cell::new(0) };
        /// The page waiting for the lab to run its Run click, to tell it of a cancel.
        static WAITING: RefCell<Option<UseReducerDispatcher<State>>> = const { RefCell::new(None) };
        /// The page's state as last rendered: what the lab carries on.
        static SEEN: RefCell<Option<yew::UseReducerHandle<State>>> = const { RefCell::new(None) };
    }

    /// Keeps how to destroy the shell's app, for when the lab takes over.
    pub fn keep(destroy: Box<dyn FnOnce()>) {
        APP.with(|a| *a.borrow_mut() = Some(destroy));
    }

    /// The shell never hands over to itself.
    pub fn handover() -> Option<Handover> {
        None
    }

    pub fn settled() {}

    /// The shell's listeners fall silent once the lab has the page.
    pub fn live() -> bool {
        TAKEN.with(|t| t.borrow().is_none())
    }

    /// Keeps the page's state as rendered, for the hand-over.
    pub fn seen(state: &yew::UseReducerHandle<State>) {
        SEEN.with(|s| *s.borrow_mut() = Some(state.clone()));
    }

    /// A bad experiment is refused here, as the lab would (the form keeps
    /// what was typed); a good one is handed to the lab to run.
    pub fn run(json: serde_json::Value, dispatch: &UseReducerDispatcher<State>, env: &Rc<Environment>) {
        if WAITING.with(|w| w.borrow().is_some()) {
            // One is already waiting (a host page's second message): refused,
            // as the lab refuses a run during a run.
            api::tell_host(FrameMessage::Error { message: &RunError::Busy.to_string() });
            return;
        }
        if let Err(e) = api::check(&json, env.cores) {
            dispatch.dispatch(Action::Invalid(e.to_string()));
            api::tell_host(FrameMessage::Error { message: &e.to_string() });
            return;
        }
        hand_over(Ask::Experiment(Some(json)), dispatch, true);
    }

    /// Shows the lab loading, then hands it `ask` once it has the page.
    /// Where it cannot load, the run fails (and an embed's host is told
    /// when `tell_host`).
    fn hand_over(ask: Ask, dispatch: &UseReducerDispatcher<State>, tell_host: bool) {
        dispatch.dispatch(Action::Started(None));
        dispatch.dispatch(Action::Progress(Progress { done: 0, total: 1, label: "Loading the lab…".into(), eta_s: None }));
        WAITING.with(|w| *w.borrow_mut() = Some(dispatch.clone()));
        let (asked, dispatch) = (CANCELS.with(Cell::get), dispatch.clone());
        wasm_bindgen_futures::spawn_local(async move {
            match with_lab(asked, ask).await {
                Ok(true) => drop(WAITING.with(|w| w.borrow_mut().take())),
                Ok(false) => {} // cancelled: cancel() told the page and the host
                Err(message) => {
                    WAITING.with(|w| w.borrow_mut().take());
                    dispatch.dispatch(Action::Failed(message.clone()));
                    if tell_host {
                        api::tell_host(FrameMessage::Error { message: &message });
                    }
                }
            }
        });
    }

    /// Loads the lab and lets it take the page over, with nothing to run:
    /// what only the lab can check (a Python program, checked as it is
    /// typed) is chosen. Where it cannot load, the shell stays (Run tries again).
    pub fn preload() {
        if live() {
            take_over(|_| {});
        }
    }

    /// Loads the lab and lets it take the page over with nothing to run;
    /// `failed` hears why it could not load.
    fn take_over(failed: impl FnOnce(String) + 'static) {
        let asked = CANCELS.with(Cell::get);
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(message) = with_lab(asked, Ask::Experiment(None)).await {
                failed(message);
            }
        });
    }

    /// Results exist only in the lab.
    pub fn sweep(_: Experiment, _: &UseReducerDispatcher<State>, _: &Rc<Environment>) {}

    /// A whole program runs in the lab: loaded (it usually is already,
    /// the Program mode loads it to check the program) and handed the
    /// program to run.
    pub fn run_program(spec: threadlab::program::ProgramSpec, dispatch: &UseReducerDispatcher<State>) {
        if WAITING.with(|w| w.borrow().is_some()) {
            return;
        }
        hand_over(Ask::Program(spec), dispatch, false);
    }

    /// Nothing runs in the shell: what waits for the lab is called off.
    /// Once the lab has the page (a script kept the shell's `cancel`), the
    /// lab's.
    pub fn cancel() {
        if let Some(cancel) = lab_api("cancel") {
            let _ = cancel.call0(&JsValue::NULL);
            return;
        }
        CANCELS.with(|c| c.set(c.get() + 1));
        if let Some(dispatch) = WAITING.with(|w| w.borrow_mut().take()) {
            let message = RunError::Cancelled.to_string();
            dispatch.dispatch(Action::Failed(message.clone()));
            api::tell_host(FrameMessage::Error { message: &message });
        }
    }

    /// The lab's `window.threadlab.<name>`, once the lab has the page.
    pub fn lab_api(name: &str) -> Option<js_sys::Function> {
        if live() {
            return None;
        }
        let window = web_sys::window()?;
        let api = js_sys::Reflect::get(&window, &"threadlab".into()).ok()?;
        js_sys::Reflect::get(&api, &name.into()).ok()?.dyn_into().ok()
    }

    /// Loads the lab and lets it take the page over with nothing to run
    /// (the class wall is the lab's).
    pub fn open() {
        take_over(|message| {
            if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app")) {
                root.set_text_content(Some(&message));
            }
        });
    }

    /// `threadlab.run(input)`: the lab's, once it has the page.
    pub fn api_run(input: JsValue, _: &UseReducerDispatcher<State>, _: &Rc<Environment>) -> js_sys::Promise {
        let asked = CANCELS.with(Cell::get);
        wasm_bindgen_futures::future_to_promise(async move {
            match with_lab(asked, Ask::Experiment(None)).await {
                Ok(true) => {}
                Ok(false) => return Err(Refusal::from(RunError::Cancelled).to_js()),
                Err(message) => return Err(Refusal::from(RunError::Failed(message)).to_js()),
            }
            let run = lab_api("run").ok_or_else(|| Refusal::from(RunError::Failed("ThreadLab's lab has no run".into())).to_js())?;
            JsFuture::from(js_sys::Promise::resolve(&run.call1(&JsValue::NULL, &input)?)).await
        })
    }

    /// Loads the lab and, unless a cancel came after `asked` cancels, lets
    /// it take the page over (once) with `experiment` to run. `Ok(false)`:
    /// cancelled (the shell stays); `Err`: why the lab could not be loaded
    /// (the shell stays, and the next try loads again).
    async fn with_lab(asked: u32, ask: Ask) -> Result<bool, String> {
        let (experiment, run_program) = match ask {
            Ask::Experiment(e) => (e, false),
            // (As `threadlab.run` takes it, if the lab has the page already.)
            Ask::Program(spec) => (serde_json::to_value(spec).ok(), true),
        };
        let failed = |e: JsValue| format!("ThreadLab's lab could not be loaded ({}). Check the connection and try again.", crate::runner::message(e));
        let lab = JsFuture::from(js_load_lab()).await;
        if CANCELS.with(Cell::get) != asked {
            return Ok(false);
        }
        let lab = lab.map_err(failed)?;
        match TAKEN.with(|t| t.borrow().clone()) {
            Some(taken) => {
                // Another caller handed the page over first: this run goes
                // to the lab as any run does (refused there while one runs,
                // and a host told so).
                JsFuture::from(taken).await.map_err(failed)?;
                if let (Some(json), Some(run)) = (experiment, lab_api("run")) {
                    if let Ok(p) = run.call1(&JsValue::NULL, &js_sys::JSON::parse(&json.to_string()).unwrap_or_default()) {
                        let run = JsFuture::from(js_sys::Promise::resolve(&p));
                        wasm_bindgen_futures::spawn_local(async move {
                            let _ = run.await; // the lab shows and tells what became of it
                        });
                    }
                }
                Ok(true)
            }
            None => {
                let take_over: js_sys::Function = js_sys::Reflect::get(&lab, &"take_over".into()).and_then(JsCast::dyn_into).map_err(failed)?;
                // The page has rendered (and kept its state) before anything can ask.
                let handover = match SEEN.with(|s| s.borrow().clone()) {
                    Some(state) => Handover { run_program, ..Handover::of(&state, experiment.filter(|_| !run_program)) },
                    None => Handover { experiment: experiment.filter(|_| !run_program), ..Handover::default() },
                };
                let kept = Kept::now();
                if let Some(destroy) = APP.with(|a| a.borrow_mut().take()) {
                    destroy();
                }
                let taken = take_over.call1(&JsValue::NULL, &serde_json::to_string(&handover).unwrap_or_default().into()).map_err(|e| {
                    // The shell is gone: say so where it was.
                    let message = failed(e);
                    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app")) {
                        root.set_text_content(Some(&format!("{message} Reload the page.")));
                    }
                    message
                })?;
                let taken = js_sys::Promise::resolve(&taken);
                TAKEN.with(|t| *t.borrow_mut() = Some(taken.clone()));
                JsFuture::from(taken).await.map_err(failed)?;
                // (A run handed over brings its progress into view itself.)
                kept.resume(handover.experiment.is_none() && !handover.run_program);
                Ok(true)
            }
        }
    }

    /// What the lab is loaded for: an experiment to run (or nothing), or
    /// the page's program to run.
    enum Ask {
        Experiment(Option<serde_json::Value>),
        Program(threadlab::program::ProgramSpec),
    }

    /// The page as the learner left it when the lab took over: the field
    /// they were in (the workload menu, the editor) and the selection in
    /// it, the panels they opened or closed (`<details>`, by class), and
    /// how far down they were. The lab's page is the shell's drawn again:
    /// it gets all of these back.
    struct Kept {
        typing: Option<(String, Option<(u32, u32)>)>,
        unfolded: Vec<(String, bool)>,
        scrolled: f64,
    }

    impl Kept {
        fn now() -> Kept {
            let window = web_sys::window();
            let document = window.as_ref().and_then(web_sys::Window::document);
            let typing = document.as_ref().and_then(web_sys::Document::active_element).map(|active| {
                let selection = match (active.dyn_ref::<web_sys::HtmlTextAreaElement>(), active.dyn_ref::<web_sys::HtmlInputElement>()) {
                    (Some(t), _) => t.selection_start().ok().flatten().zip(t.selection_end().ok().flatten()),
                    (_, Some(i)) => i.selection_start().ok().flatten().zip(i.selection_end().ok().flatten()),
                    _ => None,
                };
                (active.id(), selection)
            });
            Kept {
                typing: typing.filter(|(id, _)| !id.is_empty()),
                unfolded: document.map(|d| details(&d).filter_map(|e| Some((e.get_attribute("class")?, e.has_attribute("open")))).collect()).unwrap_or_default(),
                scrolled: window.and_then(|w| w.scroll_y().ok()).unwrap_or(0.0),
            }
        }

        /// Gives the page back as it was; how far down, too, if `in_place`.
        fn resume(self, in_place: bool) {
            let Some(window) = web_sys::window() else { return };
            let Some(document) = window.document() else { return };
            for e in details(&document) {
                let open = e.get_attribute("class").and_then(|class| self.unfolded.iter().find(|(c, _)| *c == class).map(|&(_, open)| open));
                match open {
                    Some(true) => drop(e.set_attribute("open", "")),
                    Some(false) => drop(e.remove_attribute("open")),
                    None => {}
                }
            }
            if in_place && self.scrolled > 0.0 {
                window.scroll_to_with_x_and_y(0.0, self.scrolled);
            }
            let Some((id, selection)) = self.typing else { return };
            let Some(el) = document.get_element_by_id(&id) else { return };
            if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
            if let Some((start, end)) = selection {
                if let Some(t) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                    let _ = t.set_selection_range(start, end);
                } else if let Some(i) = el.dyn_ref::<web_sys::HtmlInputElement>() {
                    let _ = i.set_selection_range(start, end);
                }
            }
        }
    }

    /// The page's `<details>` panels.
    fn details(document: &web_sys::Document) -> impl Iterator<Item = web_sys::Element> {
        let all = document.get_elements_by_tag_name("details");
        (0..all.length()).filter_map(move |i| all.item(i))
    }
}
