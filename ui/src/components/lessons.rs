//! The lesson gallery: each claim of the seed articles as a question, the
//! seeds' answer, and one button that loads and runs its experiment.

use threadlab::lessons::{self, Lesson};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The lesson the page shows, if any.
    pub active: Option<&'static str>,
    pub running: bool,
    /// Open (the landing page) or folded (once something ran).
    pub open: bool,
    pub on_pick: Callback<&'static Lesson>,
}

#[function_component(Lessons)]
pub fn lessons_gallery(p: &Props) -> Html {
    html! {
        <details class="lessons" open={p.open}>
            <summary><h2>{ "Lessons: is what the tutorials say true on your machine?" }</h2></summary>
            <ul class="lesson-cards">
                { for lessons::ALL.iter().map(|l| {
                    let onclick = p.on_pick.reform(move |_: MouseEvent| l);
                    html! {
                        <li class={classes!("lesson-card", (p.active == Some(l.id)).then_some("active"))} data-lesson={l.id}>
                            <h3>{ l.question }</h3>
                            <p><span class="seeds">{ "The tutorials: " }</span>{ l.answer }</p>
                            <div class="lesson-actions">
                                <button type="button" class="run-lesson" {onclick} disabled={p.running}>{ "Run this experiment" }</button>
                                <a class="lesson-link" href={format!("?lesson={}", l.id)}>{ "Link" }</a>
                            </div>
                        </li>
                    }
                }) }
            </ul>
            <p class="hint"><a href="#experiment">{ "Or build your own experiment ↓" }</a></p>
        </details>
    }
}
