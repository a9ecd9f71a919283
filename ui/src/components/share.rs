//! Share: the link to the experiment the page shows (with this run's
//! results if they fit), copied with one click, and the code that embeds it
//! in a course page.

use super::Run;
use super::copy::CopyButton;
use crate::page;
use threadlab::embed::{snippets, DEFAULT_HEIGHT, MAX_HEIGHT, MIN_HEIGHT};
use threadlab::link::{self, ProgramLink, SharedRun, Theme, View, MAX_SHARE_CHARS};
use threadlab::Experiment;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The experiment the page shows (`None`: the form has an error).
    pub experiment: Option<Experiment>,
    /// Results of that very experiment, if it ran.
    pub results: Option<Run>,
    /// How the page shows it: the links keep what [`View::passed_on`]
    /// keeps (the lesson; asking for a prediction first).
    #[prop_or_default]
    pub view: View,
    /// The Program mode's program, when the page shows it: the link and
    /// the embed are the program's.
    #[prop_or_default]
    pub program: Option<ProgramLink>,
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
    // The embed's options: its first height, its theme, whether readers
    // may change the experiment; and whether the panel is open (the live
    // preview loads only then).
    let height = use_state(|| DEFAULT_HEIGHT);
    let theme = use_state(|| Theme::Light);
    let editable = use_state(|| false);
    // A lesson's embed asks readers to predict first unless unticked, as
    // does the embed of a page that asks (`predict=1`).
    let predict = use_state(|| p.view.lesson.is_some() || p.view.predict);
    let open = use_state(|| false);
    let program = p.program.as_ref();
    // What the link is to: the program the page shows, or its experiment.
    let to = match (program, &p.experiment) {
        (Some(prog), _) => Err(prog),
        (None, Some(exp)) => Ok(exp),
        (None, None) => {
            return html! {
            <section class="share" aria-labelledby="share-title">
                <h2 id="share-title">{ "Share" }</h2>
                <p class="hint">{ "Fix the experiment above to get a link to it." }</p>
            </section>
        }
        }
    };
    // A program's links do not ask for a prediction (a program has no questions).
    let view = match program {
        Some(_) => View { predict: false, ..p.view.passed_on() },
        None => p.view.passed_on(),
    };
    let shared = to.ok().and_then(|exp| Some((exp, SharedRun::of(p.results.as_deref().filter(|r| r.experiment == *exp)?))));
    let plain = page::url_with(&match to {
        Err(prog) => link::encode_program(prog, &view),
        Ok(exp) => link::encode(exp, &view, None),
    });
    let full = shared.as_ref().map(|(exp, run)| page::url_with(&link::encode(exp, &view, Some(run))));
    let fits = full.as_ref().is_some_and(|u| u.len() <= MAX_SHARE_CHARS);
    let url = match (&full, *with_results && fits) {
        (Some(u), true) => u.clone(),
        _ => plain.clone(),
    };
    let embed_view = View { embed: true, theme: *theme, edit: *editable, predict: *predict && program.is_none(), ..view };
    let (embed_url, title) = match to {
        Err(prog) => (page::url_with(&link::encode_program(prog, &embed_view)), prog.example().map_or("a Python program".to_string(), |e| e.title.to_string())),
        Ok(exp) => (page::url_with(&link::encode(exp, &embed_view, None)), exp.workload.describe()),
    };
    let code = snippets(&embed_url, &format!("ThreadLab: {title}"), *height);
    let toggle = {
        let with_results = with_results.clone();
        Callback::from(move |_: Event| with_results.set(!*with_results))
    };
    let on_theme = {
        let theme = theme.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            theme.set(match v.as_str() {
                "light" => Theme::Light,
                "dark" => Theme::Dark,
                _ => Theme::Auto,
            });
        })
    };
    let on_edit = {
        let editable = editable.clone();
        Callback::from(move |_: Event| editable.set(!*editable))
    };
    let on_predict = {
        let predict = predict.clone();
        Callback::from(move |_: Event| predict.set(!*predict))
    };
    let on_height = {
        let height = height.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
            if let Ok(h) = v.trim().parse::<u32>() {
                height.set(h.clamp(MIN_HEIGHT, MAX_HEIGHT));
            }
        })
    };
    let on_toggle = {
        let open = open.clone();
        Callback::from(move |e: Event| open.set(e.target_unchecked_into::<web_sys::Element>().has_attribute("open")))
    };
    // Where readers' browsers cannot isolate the frame, threads will not run
    // in it: the instructor is told before pasting.
    let frame_warning = if page::isolated_by_service_worker() {
        Some("This copy of ThreadLab is isolated by its service worker, because its host sends no isolation headers. Inside another site's page that cannot work: readers of the embed get sequential and processes, but not threads. To embed threads, serve ThreadLab with its headers (npm start, or a host that sends them: docs/deploying.md).")
    } else if !page::isolated() {
        Some("This page is not cross-origin isolated, so an embed of it cannot run threads either: readers get sequential and processes only.")
    } else {
        None
    };
    html! {
        <section class="share" aria-labelledby="share-title">
            <h2 id="share-title">{ "Share" }</h2>
            if program.is_none() {
            <label class="check">
                <input type="checkbox" id="share-results" checked={*with_results && fits} disabled={!fits} onchange={toggle} />
                { " Include my results (theirs vs yours for whoever opens it)" }
            </label>
            }
            if program.is_some() {
            } else if full.is_none() {
                <small class="hint">{ "Run the experiment to share your results with it." }</small>
            } else if !fits {
                <small class="note" role="note">{ format!(
                    "Your results do not fit in a short link ({} characters; links stay under {}): the link shares the experiment alone.",
                    full.as_ref().map_or(0, |u| u.len()), MAX_SHARE_CHARS
                ) }</small>
            }
            <div class="share-link">
                <input type="text" id="share-link" readonly=true value={url.clone()} aria-label={if program.is_some() { "Link to this program" } else { "Link to this experiment" }} />
                <CopyButton text={url} label="Share (copy link)" class={classes!("share")} what="link" />
            </div>
            if let Some(results_link) = full.as_ref().filter(|_| fits && crate::lab::HERE) {
                <div class="send-instructor">
                    <h3>{ "Send to your instructor" }</h3>
                    <p class="hint">{ "Copy the link with your results and paste it where your instructor asked (the course forum, a form or a chat): it holds your machine's cores, browser, times and prediction, nothing else." }</p>
                    <CopyButton text={results_link.clone()} label="Copy my results link" class={classes!("secondary", "copy-results-link")} what="link" />
                </div>
            }
            <details class="embed-code" ontoggle={on_toggle}>
                <summary>{ "Embed in a course page" }</summary>
                <p class="hint">{ "Paste the code into the page: the frame runs the experiment on the reader's machine, grows to fit its results (the script does it, and Canvas and Moodle's LTI listen on their own), and offers to open ThreadLab in a new tab." }</p>
                <div class="embed-options">
                    <label>{ "Theme " }
                        <select id="embed-theme" onchange={on_theme}>
                            <option value="light" selected={*theme == Theme::Light}>{ "Light" }</option>
                            <option value="dark" selected={*theme == Theme::Dark}>{ "Dark" }</option>
                            <option value="auto" selected={*theme == Theme::Auto}>{ "As the reader's system" }</option>
                        </select>
                    </label>
                    <label class="check"><input type="checkbox" id="embed-edit" checked={*editable} onchange={on_edit} />{ if program.is_some() { " Readers may change the program" } else { " Readers may change the experiment" } }</label>
                    if program.is_none() {
                        <label class="check"><input type="checkbox" id="embed-predict" checked={*predict} onchange={on_predict} />{ " Readers predict before they run" }</label>
                    }
                    <label>{ "First height (px) " }
                        <input type="number" id="embed-height" min={MIN_HEIGHT.to_string()} max={MAX_HEIGHT.to_string()} step="10" value={height.to_string()} onchange={on_height} />
                    </label>
                </div>
                if let Some(warning) = frame_warning {
                    <p class="warning embed-warning" role="note">{ warning }</p>
                }
                <p class="hint">{ "Firefox and Safari cannot isolate a frame inside a page that is not isolated itself: readers using them get sequential and processes, not threads, and a link to open ThreadLab in a new tab." }</p>
                { copyable("embed-html", "HTML (LMS editors, web pages)", &code.html) }
                { copyable("embed-markdown", "Markdown (one line of HTML)", &code.markdown) }
                { copyable("embed-jupyter", "Jupyter notebook cell", &code.jupyter) }
                <p class="hint">{ "Collecting a class's results: learners send their result links (Send to your instructor, above, after a run); paste them into a " }
                    <a class="open-wall" href={page::url_with(&format!("{}=1", threadlab::wall::PARAM))} target="_blank" rel="noopener">{ "class wall ↗" }</a>{ "." }</p>
                if *open {
                    <p class="hint">{ "Preview (as readers see it, before they press Run):" }</p>
                    <iframe class="embed-preview" src={embed_url.clone()} title="Preview of the embed" height={height.to_string()} allow="cross-origin-isolated" loading="lazy"></iframe>
                }
            </details>
        </section>
    }
}
