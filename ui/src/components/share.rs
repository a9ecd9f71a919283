//! Share: the link to the experiment the page shows (with this run's
//! results if they fit), copied with one click, and the code that embeds it
//! in a course page.

use super::Run;
use super::copy::CopyButton;
use crate::page;
use threadlab::embed::snippets;
use threadlab::link::{self, SharedRun, View, MAX_SHARE_CHARS};
use threadlab::Experiment;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The experiment the page shows (`None`: the form has an error).
    pub experiment: Option<Experiment>,
    /// Results of that very experiment, if it ran.
    pub results: Option<Run>,
    /// The lesson the page shows, carried by the link.
    #[prop_or_default]
    pub lesson: Option<&'static str>,
}

/// A text area showing `text`, and a button that copies it.
fn copyable(id: &'static str, label: &'static str, text: &str) -> Html {
    html! {
        <div class="copyable">
            <label for={id}>{ label }</label>
            <textarea {id} readonly=true rows={(text.lines().count().max(1) as u32 + 1).to_string()} value={text.to_string()} />
            <CopyButton text={text.to_string()} class={classes!("secondary", format!("copy-{id}"))} what="text" />
        </div>
    }
}

#[function_component(Share)]
pub fn share(p: &Props) -> Html {
    let with_results = use_state(|| true);
    let Some(exp) = &p.experiment else {
        return html! {
            <section class="share" aria-labelledby="share-title">
                <h2 id="share-title">{ "Share" }</h2>
                <p class="hint">{ "Fix the experiment above to get a link to it." }</p>
            </section>
        };
    };
    let shared = p.results.as_deref().filter(|r| r.experiment == *exp).map(SharedRun::of);
    let view = View { lesson: p.lesson, ..View::default() };
    let plain = page::url_with(&link::encode(exp, &view, None));
    let full = shared.as_ref().map(|run| page::url_with(&link::encode(exp, &view, Some(run))));
    let fits = full.as_ref().is_some_and(|u| u.len() <= MAX_SHARE_CHARS);
    let url = match (&full, *with_results && fits) {
        (Some(u), true) => u.clone(),
        _ => plain.clone(),
    };
    let embed_url = page::url_with(&link::encode(exp, &View { embed: true, ..view }, None));
    let code = snippets(&embed_url, &format!("ThreadLab: {}", exp.workload.describe()));
    let toggle = {
        let with_results = with_results.clone();
        Callback::from(move |_: Event| with_results.set(!*with_results))
    };
    html! {
        <section class="share" aria-labelledby="share-title">
            <h2 id="share-title">{ "Share" }</h2>
            <label class="check">
                <input type="checkbox" id="share-results" checked={*with_results && fits} disabled={!fits} onchange={toggle} />
                { " Include my results (theirs vs yours for whoever opens it)" }
            </label>
            if full.is_none() {
                <small class="hint">{ "Run the experiment to share your results with it." }</small>
            } else if !fits {
                <small class="note" role="note">{ format!(
                    "Your results do not fit in a short link ({} characters; links stay under {}): the link shares the experiment alone.",
                    full.as_ref().map_or(0, |u| u.len()), MAX_SHARE_CHARS
                ) }</small>
            }
            <div class="share-link">
                <input type="text" id="share-link" readonly=true value={url.clone()} aria-label="Link to this experiment" />
                <CopyButton text={url} label="Share (copy link)" class={classes!("share")} what="link" />
            </div>
            <details class="embed-code">
                <summary>{ "Embed in a course page" }</summary>
                <p class="hint">{ "The frame runs the experiment on the reader's machine, resizes itself in hosts that listen (Canvas, Moodle's LTI, or three lines of script: see docs/embedding.md), and offers to open ThreadLab in a new tab." }</p>
                { copyable("embed-html", "HTML (LMS editors, web pages)", &code.html) }
                { copyable("embed-markdown", "Markdown (one line of HTML)", &code.markdown) }
                { copyable("embed-jupyter", "Jupyter notebook cell", &code.jupyter) }
            </details>
        </section>
    }
}
