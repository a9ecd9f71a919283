//! The class wall (`?wall=…`): an instructor pastes learners' result
//! links; the core reads them ([`threadlab::wall`]) a few at a time, so the
//! page stays responsive; the wall shows a row per run, speed-up against
//! cores, the class's medians and the claim, and is itself a link. Only in
//! the lab build: the shell loads the lab for it.

use super::chart::{colour, nice_max, speedup};
use super::scaling::{BOTTOM, LEFT, RIGHT, TOP};
use super::use_fit_width;
use super::copy::CopyButton;
use super::export::{download, png};
use crate::page;
use std::rc::Rc;
use threadlab::wall::{pieces, Row, Wall};
use threadlab::Model;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

/// Milliseconds of reading links (or compressing the wall's link) between
/// two yields to the page: with the render that follows, a task stays far
/// below 50 ms on a loaded machine (a link takes about half a millisecond).
const BUDGET_MS: f64 = 3.0;

/// Rows a component shows (the table's and the chart's): a render that adds
/// rows leaves the full blocks alone, compared by pointer.
const BLOCK: usize = 10;

/// The chart is drawn as wide as it is shown, this wide at most (a wider
/// screen scales it up) and at least: its words keep their size on a phone.
const WIDE: f64 = 720.0;
const LEAST: f64 = 240.0;
const H: f64 = 340.0;

/// Where a dot goes: the drawing's width, the plot's largest core count
/// and speed-up.
#[derive(Clone, Copy, PartialEq)]
struct Scale {
    width: f64,
    max_cores: u32,
    y_max: f64,
}

impl Scale {
    fn x(self, c: f64) -> f64 {
        LEFT + (self.width - LEFT - RIGHT) * c.max(1.0).log2() / f64::from(self.max_cores).log2()
    }
    fn y(self, s: f64) -> f64 {
        H - BOTTOM - (H - BOTTOM - TOP) * s / self.y_max
    }
}

/// A few learners' rows: a component of their own, so a render that adds
/// rows leaves those already shown alone (200 links stay responsive).
#[derive(Properties)]
struct Chunk {
    /// The first row's number (from 0).
    first: usize,
    rows: Rc<[Row]>,
    models: Vec<Model>,
    scale: Scale,
}

/// A block's rows never change once full (rows are only added): compared
/// by pointer, not row by row.
impl PartialEq for Chunk {
    fn eq(&self, other: &Chunk) -> bool {
        self.first == other.first && Rc::ptr_eq(&self.rows, &other.rows) && self.models == other.models && self.scale == other.scale
    }
}

/// The wall's rows in blocks of [`BLOCK`]: those of `kept` (the last
/// render's) whose rows are all there still, the others made anew.
fn blocks(rows: &[Row], kept: &[Rc<[Row]>]) -> Vec<Rc<[Row]>> {
    rows.chunks(BLOCK).enumerate().map(|(i, b)| kept.get(i).filter(|k| k.len() == b.len()).cloned().unwrap_or_else(|| b.into())).collect()
}

/// Milliseconds since the page opened.
fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

#[function_component(Dots)]
fn dots(p: &Chunk) -> Html {
    let n = p.models.iter().filter(|m| **m != Model::Sequential).count() as f64;
    html! {
        <g class="dots">
            { for p.rows.iter().enumerate().flat_map(|(i, r)| p.models.iter().filter(|m| **m != Model::Sequential).enumerate().filter_map(move |(k, &m)| {
                let s = r.run.model(m)?.speedup?;
                let cx = p.scale.x(f64::from(r.run.cores)) + (k as f64 - (n - 1.0) / 2.0) * 5.0;
                Some(html! {
                    <circle class="dot" data-model={m.as_str()} cx={format!("{cx:.1}")} cy={format!("{:.1}", p.scale.y(s))} r="4" fill={colour(m)}>
                        <title>{ format!("Learner {}: {} cores, {}; {} {s:.2}×", p.first + i + 1, r.run.cores, r.run.browser, m.label()) }</title>
                    </circle>
                })
            })) }
        </g>
    }
}

#[function_component(Rows)]
fn rows_chunk(p: &Chunk) -> Html {
    html! {
        <>
        { for p.rows.iter().enumerate().map(|(i, r)| html! {
            <tr class="wall-row">
                <th scope="row" data-label="#">{ (p.first + i + 1).to_string() }</th>
                <td class="cores" data-label="Cores">{ r.run.cores.to_string() }</td>
                <td class="browser" data-label="Browser">{ r.run.browser.clone() }</td>
                { for p.models.iter().map(|&m| html! { <td data-label={m.label()} data-model={m.as_str()}>{ speedup(r.run.model(m).and_then(|s| s.speedup)) }</td> }) }
                <td data-label="Claim">{ r.held.map_or("cannot tell", |h| if h { "held" } else { "did not hold" }) }</td>
                <td class="prediction" data-label="Prediction">{ r.run.prediction.iter().map(|c| c.short()).collect::<Vec<_>>().join("; ") }</td>
            </tr>
        }) }
        </>
    }
}

/// The rows in blocks, each its own component.
fn chunks(wall: &Wall, blocks: &[Rc<[Row]>], scale: Scale, each: impl Fn(Chunk) -> Html) -> Html {
    let models = wall.models();
    html! { <>{ for blocks.iter().enumerate().map(|(i, rows)| each(Chunk { first: i * BLOCK, rows: rows.clone(), models: models.clone(), scale })) }</> }
}

/// The wall as a component's property: compared by identity (the wall
/// gets a new `Rc` whenever it changes), with its rows in blocks.
#[derive(Properties)]
struct Shown {
    wall: Rc<Wall>,
    blocks: Rc<Vec<Rc<[Row]>>>,
}

impl PartialEq for Shown {
    fn eq(&self, other: &Shown) -> bool {
        Rc::ptr_eq(&self.wall, &other.wall)
    }
}

/// Speed-up against cores: a dot per learner and model, the ideal line;
/// laid out for the width it is shown at.
#[function_component(WallChart)]
fn wall_chart(p: &Shown) -> Html {
    let svg = use_node_ref();
    let width = use_fit_width(&svg, WIDE, LEAST);
    chart(&p.wall, &p.blocks, width, svg)
}

fn chart(wall: &Wall, blocks: &[Rc<[Row]>], width: f64, svg: NodeRef) -> Html {
    let models: Vec<Model> = wall.models().into_iter().filter(|m| *m != Model::Sequential).collect();
    let max_cores = wall.rows.iter().map(|r| r.run.cores).max().unwrap_or(1).max(2).next_power_of_two();
    let top = wall.rows.iter().flat_map(|r| r.run.models.iter().filter_map(|m| m.speedup)).fold(wall.ideal(max_cores), f64::max);
    let y_max = nice_max(top.max(1.0));
    let scale = Scale { width, max_cores, y_max };
    let (x, y) = (|c: f64| scale.x(c), |s: f64| scale.y(s));
    let ideal: Vec<String> = (1..=max_cores).map(|c| format!("{:.1},{:.1}", x(f64::from(c)), y(wall.ideal(c)))).collect();
    let x_ticks: Vec<u32> = std::iter::successors(Some(1u32), |c| (*c < max_cores).then_some(c * 2)).collect();
    let y_step = nice_max(y_max / 5.0).max(0.5);
    let y_ticks: Vec<f64> = (0..=((y_max / y_step).floor() as u32)).map(|i| f64::from(i) * y_step).collect();
    html! {
        <figure class="chart">
            <svg class="wall-chart" ref={svg} viewBox={format!("0 0 {width} {H}")} role="img" aria-labelledby="wall-chart-title">
                <title id="wall-chart-title">{ "Speed-up over sequential against the machine's cores: a dot per learner and model; the dashed line is the best a machine of that many cores can do" }</title>
                { for y_ticks.iter().map(|&t| html! {
                    <g class="tick">
                        <line x1={LEFT.to_string()} x2={(width - RIGHT).to_string()} y1={y(t).to_string()} y2={y(t).to_string()} />
                        <text x={(LEFT - 8.0).to_string()} y={(y(t) + 4.0).to_string()} text-anchor="end">{ format!("{t}×") }</text>
                    </g>
                }) }
                { for x_ticks.iter().map(|&c| html! {
                    <text class="x-tick" x={x(f64::from(c)).to_string()} y={(H - BOTTOM + 18.0).to_string()} text-anchor="middle">{ c.to_string() }</text>
                }) }
                <text class="axis" x={((width + LEFT - RIGHT) / 2.0).to_string()} y={(H - 6.0).to_string()} text-anchor="middle">{ "cores of the learner's machine" }</text>
                <polyline class="ideal" points={ideal.join(" ")} />
                { chunks(wall, blocks, scale, |c| { let key = c.first; html! { <Dots {key} ..c /> } }) }
            </svg>
            <figcaption>
                { for models.iter().map(|&m| html! {
                    <span class="legend-item"><svg class="swatch-dot" viewBox="0 0 10 10" width="10" height="10" aria-hidden="true"><circle cx="5" cy="5" r="4" fill={colour(m)} /></svg>{ " " }{ m.label() }{ "  " }</span>
                }) }
                <span class="legend-item"><span class="swatch ideal"></span>{ " the best possible with as many workers as cores" }</span>
            </figcaption>
        </figure>
    }
}

fn summary(wall: &Wall) -> Html {
    let (lo, hi) = (wall.rows.iter().map(|r| r.run.cores).min().unwrap_or(0), wall.rows.iter().map(|r| r.run.cores).max().unwrap_or(0));
    let (held, told) = wall.held();
    let (right, judged) = wall.predictions();
    html! {
        <div class="wall-summary" role="status">
            <p class="wall-count">{ format!("{} run{} from machines of {lo} to {hi} cores.", wall.rows.len(), if wall.rows.len() == 1 { "" } else { "s" }) }</p>
            if let Some(claim) = wall.claim() {
                <p class="wall-claim"><strong>{ format!("The claim held on {held} of {told} machine{}", if told == 1 { "" } else { "s" }) }</strong>
                    { format!(" where the numbers could tell ({} could not): {}", wall.rows.len() - told, claim.text()) }</p>
            }
            if judged > 0 {
                <p class="wall-predictions">{ format!("Predictions: {right} of {judged} held.") }</p>
            }
            <table class="wall-medians">
                <caption>{ "The class's median speed-up over sequential" }</caption>
                <thead><tr><th scope="col">{ "Model" }</th><th scope="col">{ "Median" }</th><th scope="col">{ "Runs" }</th></tr></thead>
                <tbody>
                { for wall.medians().into_iter().map(|(m, s, n)| html! {
                    <tr data-model={m.as_str()}><th scope="row">{ m.label() }</th><td class="median">{ speedup(s) }</td><td>{ n.to_string() }</td></tr>
                }) }
                </tbody>
            </table>
        </div>
    }
}

fn rows(wall: &Wall, blocks: &[Rc<[Row]>]) -> Html {
    let models = wall.models();
    html! {
        <table class="wall-rows cards">
            <caption>{ "Every learner's run" }</caption>
            <thead><tr>
                <th scope="col">{ "#" }</th><th scope="col">{ "Cores" }</th><th scope="col">{ "Browser" }</th>
                { for models.iter().map(|m| html! { <th scope="col">{ m.label() }</th> }) }
                <th scope="col">{ "Claim" }</th><th scope="col">{ "Prediction" }</th>
            </tr></thead>
            <tbody>
            { chunks(wall, blocks, Scale { width: WIDE, max_cores: 2, y_max: 1.0 }, |c| { let key = c.first; html! { <Rows {key} ..c /> } }) }
            </tbody>
        </table>
    }
}

#[function_component(ClassWall)]
pub fn class_wall() -> Html {
    let decoded = use_memo((), |_| Wall::decode(&page::query()));
    let wall = use_state(|| Rc::new(decoded.as_ref().clone().unwrap_or_default()));
    // The wall's link, made once its links are read (compressing every
    // run is not for every render).
    let link = use_state(|| page::url_with(page::query().trim_start_matches('?')));
    let reading = use_state(|| None::<(usize, usize)>);
    let input = use_node_ref();
    let on_add = {
        let (wall, reading, input, link) = (wall.clone(), reading.clone(), input.clone(), link.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(area) = input.cast::<HtmlTextAreaElement>() else { return };
            let text = area.value();
            let (found, words) = pieces(&text);
            let found: Vec<(usize, String)> = found.into_iter().map(|(l, p)| (l, p.to_string())).collect();
            let (wall, reading, link) = (wall.clone(), reading.clone(), link.clone());
            let mut w = (**wall).clone();
            w.words += words;
            let total = found.len();
            reading.set(Some((0, total)));
            wasm_bindgen_futures::spawn_local(async move {
                let mut links = found.iter().peekable();
                while links.peek().is_some() {
                    // Links for a few milliseconds, then the rows so far are
                    // shown (one state change: one render) in the same task.
                    crate::runner::yield_to_page().await;
                    let start = now();
                    while let Some((line, piece)) = links.next_if(|_| now() - start < BUDGET_MS) {
                        w.add(*line, piece);
                    }
                    wall.set(Rc::new(w.clone()));
                }
                if total == 0 {
                    wall.set(Rc::new(w.clone()));
                }
                reading.set(None);
                // The wall's link (every run compressed), a slice a task;
                // then the address bar, the Copy button and the emptied box
                // a task each (a long link is slow to set).
                crate::runner::yield_to_page().await;
                let mut encoding = w.encoding();
                let query = loop {
                    crate::runner::yield_to_page().await;
                    let start = now();
                    let mut query = None;
                    while query.is_none() && now() - start < BUDGET_MS {
                        query = encoding.step(500);
                    }
                    if let Some(q) = query {
                        break q;
                    }
                };
                crate::runner::yield_to_page().await;
                page::replace_query(&query);
                crate::runner::yield_to_page().await;
                link.set(page::url_with(&query));
                crate::runner::yield_to_page().await;
                area.set_value("");
            });
        })
    };
    let w = &**wall;
    let blocks = {
        let kept = use_mut_ref(Vec::new);
        let made = Rc::new(blocks(&w.rows, &kept.borrow()));
        kept.replace((*made).clone());
        made
    };
    let link = (*link).clone();
    let csv = {
        let wall = wall.clone();
        Callback::from(move |_: MouseEvent| download("threadlab-class-wall.csv", &wall.csv(), "text/csv"))
    };
    let chart_png = Callback::from(|_: MouseEvent| png("svg.wall-chart", "threadlab-class-wall.png"));
    let question = w.lesson.and_then(threadlab::lessons::find).map(|l| l.question);
    html! {
        <main class="class-wall">
            <header class="masthead">
                <h1>{ "ThreadLab · class wall" }</h1>
                <p class="tagline">{ "Your learners' machines side by side: paste the result links they sent you." }</p>
            </header>
            if let Err(why) = decoded.as_ref() {
                <p class="message" role="alert">{ format!("This wall link cannot be used: {why}. Paste the learners' links again below.") }</p>
            }
            <form class="wall-input" onsubmit={on_add} aria-label="Add learners' links">
                <label for="wall-links">{ "Learners' result links: one a line, or a whole forum thread or form export as text" }</label>
                <textarea id="wall-links" ref={input} rows="6" spellcheck="false" placeholder="https://…/?v=1&lesson=gil-cpu&…&r=…" />
                <div class="actions">
                    <button type="submit" class="run add-links" disabled={reading.is_some()}>{ "Add to the wall" }</button>
                    if let Some((_, total)) = *reading {
                        <progress aria-label="Reading links"></progress>
                        <span class="progress-label">{ format!("Reading {total} links… ({} on the wall so far)", w.rows.len()) }</span>
                    }
                </div>
            </form>
            if let Some(q) = question {
                <p class="lesson-question"><span>{ "Lesson: " }</span>{ q }</p>
            }
            if !w.rows.is_empty() {
                { summary(w) }
                <WallChart wall={(*wall).clone()} blocks={blocks.clone()} />
                <div class="export" role="group" aria-label="Share and export the wall">
                    <CopyButton text={link} label="Copy the wall's link" class={classes!("share", "copy-wall-link")} what="link" />
                    <button type="button" class="export-csv" onclick={csv}>{ "Table (CSV)" }</button>
                    <button type="button" class="export-png" onclick={chart_png}>{ "Chart (PNG)" }</button>
                </div>
                { rows(w, &blocks) }
            } else if reading.is_none() {
                <p class="hint">{ "No runs yet. Learners send their results with “Send to your instructor” under Share, after a run." }</p>
            }
            if !w.skipped.is_empty() {
                <section class="wall-skipped" aria-labelledby="wall-skipped-title">
                    <h2 id="wall-skipped-title">{ format!("{} line{} skipped", w.skipped.len(), if w.skipped.len() == 1 { "" } else { "s" }) }</h2>
                    <ul>
                        { for w.skipped.iter().map(|s| html! {
                            <li><span class="line">{ format!("Line {}: ", s.line) }</span><code>{ s.text.clone() }</code>{ format!(" — {}.", s.why.trim_end_matches('.')) }</li>
                        }) }
                    </ul>
                </section>
            }
            if w.words > 0 {
                <p class="hint">{ format!("{} word{} that {} not links left out.", w.words, if w.words == 1 { "" } else { "s" }, if w.words == 1 { "is" } else { "are" }) }</p>
            }
        </main>
    }
}
