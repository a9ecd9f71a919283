//! The lesson gallery: each claim of the seed articles as a question, the
//! seeds' answer, and one button that loads and runs its experiment,
//! grouped by theme so a newcomer sees where to start.

use threadlab::lessons::{self, Lesson, Theme};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The lesson the page shows, if any.
    pub active: Option<&'static str>,
    pub running: bool,
    /// Open (the landing page) or folded (a link's experiment, or once
    /// something ran).
    pub open: bool,
    pub on_pick: Callback<&'static Lesson>,
    /// Asking for a prediction before each run (`predict=1`).
    pub predict: bool,
    pub on_toggle_predict: Callback<()>,
}

/// Text with `code` spans between backticks, as the answers write them.
pub(crate) fn with_code(text: &str) -> Html {
    let parts = text.split('`').enumerate().map(|(i, part)| if i % 2 == 1 { html! { <code>{ part }</code> } } else { html! { part } });
    html! { <>{ for parts }</> }
}

fn card(l: &'static Lesson, p: &Props) -> Html {
    let onclick = p.on_pick.reform(move |_: MouseEvent| l);
    let question_id = format!("lesson-{}-q", l.id);
    html! {
        <li class={classes!("lesson-card", (p.active == Some(l.id)).then_some("active"))} data-lesson={l.id}>
            <h4 id={question_id.clone()}>{ l.question }</h4>
            <p><span class="seeds">{ "The tutorials: " }</span>{ with_code(l.answer) }</p>
            <div class="lesson-actions">
                <button type="button" class="run-lesson" {onclick} disabled={p.running} aria-describedby={question_id.clone()}>
                    { if p.predict { "Predict, then run" } else { "Run this experiment" } }
                </button>
                <a class="lesson-link" href={format!("?lesson={}", l.id)} aria-describedby={question_id}>{ "Link" }</a>
            </div>
        </li>
    }
}

#[function_component(Lessons)]
pub fn lessons_gallery(p: &Props) -> Html {
    // The cards are drawn once the gallery is open (it opens on a click of
    // its summary, or as the page opens it): a link's page, which starts
    // with it folded, is drawn in less time without them (a phone's first
    // visit: Lighthouse's blocking time). Once drawn, they stay: folded
    // after a run, they are there at once when it is opened again.
    let drawn = use_mut_ref(|| false);
    let opened = use_state(|| false);
    let ontoggle = {
        let opened = opened.clone();
        Callback::from(move |e: Event| {
            if e.target_dyn_into::<web_sys::Element>().is_some_and(|d| d.has_attribute("open")) {
                opened.set(true);
            }
        })
    };
    let cards = p.open || *opened || *drawn.borrow();
    *drawn.borrow_mut() = cards;
    html! {
        <details class="lessons" open={p.open} {ontoggle}>
            <summary><h2>{ "Lessons: is what the tutorials say true on your machine?" }</h2></summary>
            <label class="check predict-first" for="predict-first">
                <input type="checkbox" id="predict-first" checked={p.predict} onchange={p.on_toggle_predict.reform(|_: Event| ())} />
                { " Predict before each run (the lesson asks first, then compares)" }
            </label>
            { for Theme::ALL.into_iter().filter(|_| cards).map(|theme| html! {
                <section class="lesson-theme" data-theme={format!("{theme:?}").to_lowercase()}>
                    <h3>{ theme.title() }</h3>
                    <ul class="lesson-cards">
                        { for lessons::ALL.iter().filter(|l| l.theme == theme).map(|l| card(l, p)) }
                    </ul>
                </section>
            }) }
            <p class="hint"><a href="#experiment">{ "Or build your own experiment ↓" }</a></p>
        </details>
    }
}
