//! ThreadLab's front-end: a Yew app laid out like Yew's `function_todomvc`.
//!
//! - [`state`]: the page state, its [`state::Action`]s and the reducer;
//! - [`lab`]: the seam between the page and what runs experiments: the
//!   page's first download (the *shell*, `--features shell`) leaves the
//!   runner and the results views out and loads the full build on demand;
//! - [`runner`]: runs an experiment on the workers (through `www/runner.js`)
//!   and summarises it with the core;
//! - [`program_run`]: runs a whole Python program on the workers (the
//!   program coordinator and a process worker per child); [`program_page`]:
//!   the Program mode's run on the page (the live console, the run shown);
//! - [`api`]: starting runs (the button, scripts, host pages) and telling a
//!   host page about them;
//! - [`global`]: installs `window.threadlab`, the scripting API, over
//!   [`api`] and the [`lab`] seam;
//! - [`components`]: one component a file; charts are plain functions of data;
//! - [`views`]: each workload's own view of its results, found through
//!   [`views::of`].

pub mod api;
pub mod app;
pub mod components;
pub mod global;
pub mod lab;
pub mod page;
pub mod program_page;
pub mod program_run;
pub mod runner;
pub mod state;
pub mod views;

use wasm_bindgen::prelude::*;

/// The shell starts with the page; the lab is started by the shell
/// ([`take_over`]).
#[cfg(feature = "shell")]
#[wasm_bindgen(start)]
pub fn start() {
    // The class wall is the lab's: the shell only loads it.
    if threadlab::wall::asked(&page::query()) {
        mount_point().set_text_content(Some("Loading the class wall…"));
        lab::open();
        return;
    }
    let app = yew::Renderer::<app::App>::with_root(mount_point()).render();
    lab::keep(Box::new(move || app.destroy()));
}

/// Called by the shell (`www/runner.js` loads this build) with a
/// [`lab::Handover`] as JSON: mounts the lab's app, which runs its
/// experiment. Resolves once the app is up and `window.threadlab` is the
/// lab's.
#[cfg(not(feature = "shell"))]
#[wasm_bindgen]
pub fn take_over(handover: String) -> js_sys::Promise {
    let settled = lab::taking_over(&handover);
    yew::Renderer::<Root>::with_root(mount_point()).render();
    settled
}

/// The lab's page: the app, or the class wall (`?wall=…`).
#[cfg(not(feature = "shell"))]
#[yew::function_component(Root)]
fn root() -> yew::Html {
    use yew::html;
    let wall = yew::use_memo((), |_| threadlab::wall::asked(&page::query()));
    if *wall {
        html! { <components::wall::ClassWall /> }
    } else {
        html! { <app::App /> }
    }
}

pub(crate) fn mount_point() -> web_sys::Element {
    let document = web_sys::window().and_then(|w| w.document()).expect("a page has a document");
    let root = document.get_element_by_id("app").expect("index.html has #app");
    root.set_inner_html("");
    root
}
