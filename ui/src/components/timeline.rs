//! The timeline: one lane per worker, coloured by state, for one model's
//! median run. Zoom with the wheel, a pinch, the buttons or `+`/`-`; pan by
//! dragging (mouse or finger), the buttons or the arrow keys; `0` resets.
//! Hovering (or tapping) a lane tells the worker, task, state and duration
//! under the pointer. It is drawn as wide as it is shown, so its words keep
//! their size on a phone. Below: time per state for each worker, and the
//! GIL counters.

use super::Run;
use super::{ms, use_fit_width};
use std::rc::Rc;
use threadlab::model::Pool;
use threadlab::models::hybrid;
use threadlab::trace::{Lane, State, Timeline};
use threadlab::{Model, ModelSummary};
use yew::prelude::*;

/// Drawn this wide at most (a wider screen scales it up), and at least.
const WIDE: f64 = 720.0;
const LEAST: f64 = 200.0;
const LANE: f64 = 22.0;
const TOP: f64 = 4.0;
/// Never zoom in past this fraction of the run.
const MIN_VIEW: f64 = 1e-4;

/// Where things are drawn, for a drawing `width` wide (in CSS px when
/// shown at 1:1): the lane names' margin on the left, then the plot.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Geometry {
    width: f64,
    left: f64,
    plot: f64,
}

impl Geometry {
    fn of(width: f64) -> Geometry {
        let left = if width < 480.0 { 64.0 } else { 78.0 };
        Geometry { width, left, plot: width - left - 8.0 }
    }

    /// Time-axis labels: five where they fit, three on a phone.
    fn ticks(self) -> usize {
        if self.plot < 420.0 { 3 } else { 5 }
    }

    /// A point's position (client px) as a fraction of the plot area (0–1).
    fn plot_fraction(self, el: &web_sys::Element, client_x: f64) -> f64 {
        let rect = el.get_bounding_client_rect();
        let x = (client_x - rect.left()) / rect.width().max(1.0) * self.width;
        ((x - self.left) / self.plot).clamp(0.0, 1.0)
    }

    /// A move of `dx` client px as a fraction of the visible part.
    fn drag_fraction(self, el: &web_sys::Element, dx: f64) -> f64 {
        dx / el.get_bounding_client_rect().width().max(1.0) * self.width / self.plot
    }
}

/// The visible part of the run, as fractions of it.
#[derive(Clone, Copy, PartialEq, Debug)]
pub struct View {
    pub from: f64,
    pub to: f64,
}

pub enum ViewAction {
    /// Zoom by `factor` (< 1 zooms in) keeping the point at `at` (0–1 of
    /// the visible part) in place.
    Zoom {
        factor: f64,
        at: f64,
    },
    /// Move by a fraction of the visible part.
    Pan(f64),
    Reset,
}

impl Reducible for View {
    type Action = ViewAction;
    fn reduce(self: Rc<Self>, action: ViewAction) -> Rc<Self> {
        let span = self.to - self.from;
        let v = match action {
            ViewAction::Zoom { factor, at } => {
                let new = (span * factor).clamp(MIN_VIEW, 1.0);
                let pivot = self.from + span * at.clamp(0.0, 1.0);
                let from = pivot - new * at.clamp(0.0, 1.0);
                View { from, to: from + new }
            }
            ViewAction::Pan(d) => View { from: self.from + d * span, to: self.to + d * span },
            ViewAction::Reset => View { from: 0.0, to: 1.0 },
        };
        // Keep the view inside the run.
        let span = v.to - v.from;
        let from = v.from.clamp(0.0, 1.0 - span);
        Rc::new(View { from, to: from + span })
    }
}

/// One model of a run's results (compared by the run's identity: [`Run`]).
#[derive(Clone, PartialEq)]
pub struct ModelOf {
    pub results: Run,
    pub index: usize,
}

impl ModelOf {
    fn get(&self) -> &ModelSummary {
        &self.results.models[self.index]
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub model: ModelOf,
    /// Draw on an axis this long (ms) from the run's start: the same for
    /// every model's timeline, so lengths compare at a glance.
    #[prop_or_default]
    pub span_ms: Option<f64>,
}

/// The rectangles of one lane in the view. Where spans are narrower than a
/// pixel, each pixel column takes the colour of the state that filled most of
/// it, and equal neighbours merge: thousands of events cost at most one
/// rectangle per pixel.
fn lane_rects(lane: &Lane, t: &Timeline, view: View, total: f64, g: Geometry) -> Vec<(f64, f64, State)> {
    let (v0, v1) = (t.start_ms + view.from * total, t.start_ms + view.to * total);
    let px_per_ms = g.plot / (v1 - v0);
    let columns = g.plot.ceil() as usize;
    // Time (in pixels) each state covers in each pixel column.
    let mut cover = vec![[0f64; State::ALL.len()]; columns];
    for s in lane.spans(t.end_ms) {
        if s.end < v0 || s.start > v1 {
            continue;
        }
        let (x0, x1) = (((s.start - v0) * px_per_ms).max(0.0), ((s.end - v0) * px_per_ms).min(g.plot));
        let k = State::ALL.iter().position(|&x| x == s.state).unwrap_or(0);
        let mut c = x0.floor() as usize;
        while (c as f64) < x1 && c < columns {
            let overlap = x1.min(c as f64 + 1.0) - x0.max(c as f64);
            cover[c][k] += overlap.max(0.0);
            c += 1;
        }
    }
    let mut out: Vec<(f64, f64, State)> = Vec::new();
    for (c, col) in cover.iter().enumerate() {
        let (k, amount) = col.iter().enumerate().fold((0, 0.0), |best, (k, &v)| if v > best.1 { (k, v) } else { best });
        if amount <= 0.0 {
            continue;
        }
        let state = State::ALL[k];
        // Partial columns at the edges of a span keep their exact extent.
        let filled: f64 = col.iter().sum::<f64>().min(1.0);
        let (x0, x1) = (g.left + c as f64, g.left + c as f64 + filled.max(0.5));
        match out.last_mut() {
            Some(last) if last.2 == state && (x0 - last.1).abs() < 0.01 => last.1 = x1,
            _ => out.push((x0, x1, state)),
        }
    }
    out
}

/// A lane's name: "worker 3", or for threads inside processes, which
/// thread of which process ("P2 · T1": thread 1 of process 2).
pub fn lane_name(model: Model, threads_per_process: u32, worker: u32) -> String {
    match model.pool() {
        Pool::ProcessesOfThreads => {
            let (p, t) = hybrid::process_and_thread(threads_per_process, worker);
            format!("P{} · T{}", p + 1, t + 1)
        }
        Pool::One | Pool::Threads { .. } | Pool::Processes | Pool::ProcessPerTask => format!("worker {worker}"),
    }
}

fn details(name: String, lane: &Lane, t: &Timeline, time: f64) -> Option<String> {
    let s = lane.spans(t.end_ms).find(|s| s.start <= time && time <= s.end)?;
    Some(format!(
        "{} · {} · {} · {} (from {} to {})",
        name,
        s.task.map(|i| format!("task {i}")).unwrap_or_else(|| "no task".into()),
        s.state.label(),
        ms(s.end - s.start),
        ms(s.start - t.start_ms),
        ms(s.end - t.start_ms)
    ))
}

#[function_component(TimelinePanel)]
pub fn timeline_panel(p: &Props) -> Html {
    let view = use_reducer(|| View { from: 0.0, to: 1.0 });
    let hover = use_state(|| None::<String>);
    let drag = use_mut_ref(|| None::<f64>);
    // Fingers on the timeline (touch pointers: id, client x), for a drag
    // with one and a pinch with two.
    let fingers = use_mut_ref(Vec::<(i32, f64)>::new);
    let svg = use_node_ref();
    let canvas = use_node_ref();
    let g = Geometry::of(use_fit_width(&canvas, WIDE, LEAST));
    // The wheel listener, made once, reads the geometry of the last render.
    let geometry = use_mut_ref(|| g);
    *geometry.borrow_mut() = g;
    let summary = p.model.get();

    // Wheel zoom needs a non-passive listener to keep the page from scrolling.
    {
        let (svg, dispatcher, geometry) = (svg.clone(), view.dispatcher(), geometry.clone());
        use_effect_with(svg.clone(), move |_| {
            let listener = svg.cast::<web_sys::Element>().map(|el| {
                let target = el.clone();
                gloo_events::EventListener::new_with_options(&el, "wheel", gloo_events::EventListenerOptions::enable_prevent_default(), move |e| {
                    let Some(e) = wasm_bindgen::JsCast::dyn_ref::<web_sys::WheelEvent>(e) else {
                        return;
                    };
                    e.prevent_default();
                    let at = geometry.borrow().plot_fraction(&target, e.client_x() as f64);
                    let factor = if e.delta_y() < 0.0 { 0.8 } else { 1.25 };
                    dispatcher.dispatch(ViewAction::Zoom { factor, at });
                })
            });
            move || drop(listener)
        });
    }

    let Some(t) = summary.timeline.as_ref() else {
        return html! {};
    };
    let v = *view;
    let threads_per_process = p.model.results.experiment.threads_per_process.max(1);
    // The axis: this run's length, or the length shared by every model.
    let total = p.span_ms.unwrap_or(0.0).max(t.end_ms - t.start_ms).max(1e-9);
    let height = TOP + LANE * t.lanes.len() as f64 + 24.0;

    let onmousedown = {
        let drag = drag.clone();
        Callback::from(move |e: MouseEvent| *drag.borrow_mut() = Some(e.client_x() as f64))
    };
    let onmouseup = {
        let drag = drag.clone();
        Callback::from(move |_: MouseEvent| *drag.borrow_mut() = None)
    };
    // What is under a point of the drawing (client px): the lane's details.
    let details_at = {
        let (svg, model, span) = (svg.clone(), p.model.clone(), p.span_ms);
        move |x: f64, y: f64| -> Option<String> {
            let el = svg.cast::<web_sys::Element>()?;
            let rect = el.get_bounding_client_rect();
            let t = model.get().timeline.as_ref()?;
            let y = (y - rect.top()) / rect.height().max(1.0) * (TOP + LANE * t.lanes.len() as f64 + 24.0);
            let lane = ((y - TOP) / LANE).floor();
            let frac = g.plot_fraction(&el, x);
            let total = span.unwrap_or(0.0).max(t.end_ms - t.start_ms);
            let time = t.start_ms + (v.from + frac * (v.to - v.from)) * total;
            let r = &model.results;
            let name = |l: &Lane| lane_name(r.models[model.index].model, r.experiment.threads_per_process, l.worker);
            (lane >= 0.0).then(|| t.lanes.get(lane as usize)).flatten().and_then(|l| details(name(l), l, t, time))
        }
    };
    let onmousemove = {
        let (drag, dispatcher, svg, hover, details_at) = (drag.clone(), view.dispatcher(), svg.clone(), hover.clone(), details_at.clone());
        Callback::from(move |e: MouseEvent| {
            let Some(el) = svg.cast::<web_sys::Element>() else {
                return;
            };
            let x = e.client_x() as f64;
            let last = *drag.borrow();
            if let Some(last) = last {
                if e.buttons() & 1 == 0 {
                    *drag.borrow_mut() = None;
                } else {
                    dispatcher.dispatch(ViewAction::Pan(-g.drag_fraction(&el, x - last)));
                    *drag.borrow_mut() = Some(x);
                }
            }
            hover.set(details_at(x, e.client_y() as f64));
        })
    };
    // Touch (Pointer Events; the mouse keeps its own handlers above): one
    // finger drags and shows the lane under it, two pinch to zoom about
    // the point between them.
    let onpointerdown = {
        let (fingers, hover, details_at) = (fingers.clone(), hover.clone(), details_at.clone());
        Callback::from(move |e: PointerEvent| {
            if e.pointer_type() != "touch" {
                return;
            }
            let mut f = fingers.borrow_mut();
            f.retain(|(id, _)| *id != e.pointer_id());
            f.push((e.pointer_id(), e.client_x() as f64));
            if f.len() == 1 {
                hover.set(details_at(e.client_x() as f64, e.client_y() as f64));
            }
        })
    };
    let onpointermove = {
        let (fingers, dispatcher, svg, hover) = (fingers.clone(), view.dispatcher(), svg.clone(), hover.clone());
        Callback::from(move |e: PointerEvent| {
            if e.pointer_type() != "touch" {
                return;
            }
            let Some(el) = svg.cast::<web_sys::Element>() else {
                return;
            };
            let mut f = fingers.borrow_mut();
            let Some(k) = f.iter().position(|(id, _)| *id == e.pointer_id()) else {
                return;
            };
            let (before, x) = (f.clone(), e.client_x() as f64);
            f[k].1 = x;
            match (&before[..], &f[..]) {
                ([(_, was)], [_]) => {
                    dispatcher.dispatch(ViewAction::Pan(-g.drag_fraction(&el, x - was)));
                    hover.set(details_at(x, e.client_y() as f64));
                }
                ([(_, a0), (_, b0), ..], [(_, a1), (_, b1), ..]) => {
                    let (was, now) = ((a0 - b0).abs(), (a1 - b1).abs());
                    if was >= 1.0 && now >= 1.0 {
                        let at = g.plot_fraction(&el, (a1 + b1) / 2.0);
                        dispatcher.dispatch(ViewAction::Zoom { factor: was / now, at });
                    }
                }
                _ => {}
            }
        })
    };
    let onpointerup = {
        let fingers = fingers.clone();
        Callback::from(move |e: PointerEvent| fingers.borrow_mut().retain(|(id, _)| *id != e.pointer_id()))
    };
    let onmouseleave = {
        let (hover, drag) = (hover.clone(), drag.clone());
        Callback::from(move |_: MouseEvent| {
            hover.set(None);
            *drag.borrow_mut() = None;
        })
    };
    let onkeydown = {
        let dispatcher = view.dispatcher();
        Callback::from(move |e: KeyboardEvent| {
            let action = match e.key().as_str() {
                "+" | "=" => ViewAction::Zoom { factor: 0.5, at: 0.5 },
                "-" | "_" => ViewAction::Zoom { factor: 2.0, at: 0.5 },
                "ArrowLeft" => ViewAction::Pan(-0.2),
                "ArrowRight" => ViewAction::Pan(0.2),
                "0" | "Home" => ViewAction::Reset,
                _ => return,
            };
            e.prevent_default();
            dispatcher.dispatch(action);
        })
    };
    let button = |label: &'static str, title: &'static str, action: fn() -> ViewAction| {
        let dispatcher = view.dispatcher();
        html! { <button type="button" class="tl-button" {title} aria-label={title} onclick={Callback::from(move |_| dispatcher.dispatch(action()))}>{ label }</button> }
    };
    let n = g.ticks() - 1;
    let ticks: Vec<f64> = (0..=n).map(|i| v.from + (v.to - v.from) * i as f64 / n as f64).collect();
    let states: Vec<State> = State::ALL.into_iter().filter(|s| t.lanes.iter().any(|l| l.events.iter().any(|e| e.state == *s))).collect();
    let events = t.events();

    html! {
        <section class="timeline" data-model={summary.model.as_str()} aria-label={format!("Timeline of {}", summary.label)}>
            <h3>{ &summary.label }</h3>
            <div class="tl-toolbar">
                { button("+", "Zoom in", || ViewAction::Zoom { factor: 0.5, at: 0.5 }) }
                { button("−", "Zoom out", || ViewAction::Zoom { factor: 2.0, at: 0.5 }) }
                { button("←", "Move earlier", || ViewAction::Pan(-0.2)) }
                { button("→", "Move later", || ViewAction::Pan(0.2)) }
                { button("Reset", "Show the whole run", || ViewAction::Reset) }
                <span class="tl-range" data-from={format!("{:.6}", v.from)} data-to={format!("{:.6}", v.to)}>{ format!("showing {} – {} of {} · {} events", ms(v.from * total), ms(v.to * total), ms(total), events) }</span>
            </div>
            <div class="tl-canvas" ref={canvas} tabindex="0" {onkeydown} aria-label="Timeline: + and - zoom, arrow keys move, 0 resets">
                <svg ref={svg} viewBox={format!("0 0 {} {height}", g.width)} class="tl-svg" role="img"
                    {onmousedown} {onmouseup} {onmousemove} {onmouseleave}
                    {onpointerdown} {onpointermove} onpointerup={onpointerup.clone()} onpointercancel={onpointerup}>
                    <title>{ format!("What each of the {} workers of {} did over {}", t.lanes.len(), summary.label, ms(total)) }</title>
                    { for t.lanes.iter().enumerate().map(|(i, lane)| {
                        let y = TOP + LANE * i as f64;
                        // Threads inside processes: a rule between processes.
                        let new_process = summary.model.pool() == Pool::ProcessesOfThreads && i > 0 && lane.worker % threads_per_process == 0;
                        html! {
                            <g class="lane" data-worker={lane.worker.to_string()}>
                                if new_process {
                                    <line class="tl-process-rule" x1="0" x2={g.width.to_string()} y1={y.to_string()} y2={y.to_string()} />
                                }
                                <text x={(g.left - 8.0).to_string()} y={(y + LANE * 0.65).to_string()} text-anchor="end" class="tl-label">{ lane_name(summary.model, threads_per_process, lane.worker) }</text>
                                { for lane_rects(lane, t, v, total, g).into_iter().map(|(x0, x1, s)| html! {
                                    <rect x={x0.to_string()} y={(y + 2.0).to_string()} width={(x1 - x0).max(0.5).to_string()} height={(LANE - 4.0).to_string()}
                                        fill={s.colour()} class={classes!("span", format!("{s:?}").to_lowercase())} />
                                }) }
                            </g>
                        }
                    }) }
                    // Moments worth pointing at: a dashed rule across the lanes
                    // for the run's; a cross in its lane for a worker's (where
                    // its process crashed).
                    { for t.marks.iter().filter_map(|m| {
                        let f = (m.t - t.start_ms) / total;
                        (v.from..=v.to).contains(&f).then(|| (m, g.left + g.plot * (f - v.from) / (v.to - v.from)))
                    }).map(|(m, x)| {
                        let said = format!("{} at {}", m.label, ms(m.t - t.start_ms));
                        match m.worker.and_then(|w| t.lanes.iter().position(|l| l.worker == w)) {
                            Some(i) => {
                                let (y, r) = (TOP + LANE * i as f64 + LANE / 2.0, LANE * 0.32);
                                html! {
                                    <g class="tl-lane-mark" data-worker={m.worker.unwrap_or_default().to_string()} role="img" aria-label={said.clone()}>
                                        <circle cx={x.to_string()} cy={y.to_string()} r={(r + 2.0).to_string()} />
                                        <path d={format!("M{} {}L{} {}M{} {}L{} {}", x - r * 0.7, y - r * 0.7, x + r * 0.7, y + r * 0.7, x - r * 0.7, y + r * 0.7, x + r * 0.7, y - r * 0.7)} />
                                        <title>{ said }</title>
                                    </g>
                                }
                            }
                            None => html! {
                                <g class="tl-mark">
                                    <line x1={x.to_string()} x2={x.to_string()} y1={TOP.to_string()} y2={(TOP + LANE * t.lanes.len() as f64).to_string()} />
                                    <title>{ said }</title>
                                </g>
                            },
                        }
                    }) }
                    { for ticks.iter().enumerate().map(|(i, f)| {
                        let x = g.left + g.plot * (f - v.from) / (v.to - v.from);
                        let anchor = if i == 0 { "start" } else if i + 1 == ticks.len() { "end" } else { "middle" };
                        html! { <text x={x.to_string()} y={(height - 6.0).to_string()} text-anchor={anchor} class="tl-tick">{ ms(f * total) }</text> }
                    }) }
                </svg>
            </div>
            if !t.marks.is_empty() {
                <ul class="tl-marks">
                    { for t.marks.iter().map(|m| html! { <li>{ match m.worker {
                        Some(w) => format!("✕ {}: {} at {}", lane_name(summary.model, threads_per_process, w), m.label, ms(m.t - t.start_ms)),
                        None => format!("┆ {} at {}", m.label, ms(m.t - t.start_ms)),
                    } }</li> }) }
                </ul>
            }
            <p class="tl-details" aria-live="polite">{ (*hover).clone().unwrap_or_else(|| if crate::page::touch_only() { "Tap a lane for details; pinch to zoom, drag sideways to move.".into() } else { "Hover a lane for details; drag to move, wheel to zoom.".into() }) }</p>
            <ul class="legend">
                { for states.iter().map(|s| html! {
                    <li>{ super::swatch(s.colour()) }{ s.label() }</li>
                }) }
            </ul>
            { state_table(t, &states, summary.model, threads_per_process) }
            if summary.model.pool() == Pool::ProcessesOfThreads {
                <p class="hint">{ format!("P = process, T = thread: {} processes, each with its own memory, GIL and {} threads; tasks p, p + {}, … ran in process p.",
                    t.lanes.len() as u32 / threads_per_process.max(1), threads_per_process, t.lanes.len() as u32 / threads_per_process.max(1)) }</p>
            }
            if let Some(g) = t.gil {
                <p class="gil-stats">
                    { format!("{}: {} switches, {} failed acquisitions (woke up and found it taken), {} drop requests, switch interval {} ms.",
                        if summary.model.pool() == Pool::ProcessesOfThreads { "GILs (one per process, added up)" } else { "GIL" },
                        g.switches, g.failed_acquisitions, g.drop_requests, g.switch_interval_ms) }
                </p>
            }
            if t.lanes.iter().any(|l| l.truncated) {
                <p class="warning">{ "Some workers recorded more events than their buffer holds; the rest of their timeline is missing." }</p>
            }
        </section>
    }
}

fn state_table(t: &Timeline, states: &[State], model: Model, threads_per_process: u32) -> Html {
    let total = (t.end_ms - t.start_ms).max(1e-9);
    html! {
        <table class="state-table cards">
            <caption>{ "Time each worker spent per state" }</caption>
            <thead><tr>
                <th scope="col">{ "Worker" }</th>
                { for states.iter().map(|s| html! { <th scope="col">{ s.label() }</th> }) }
            </tr></thead>
            <tbody>
            { for t.lanes.iter().map(|lane| {
                let times = lane.time_in_states(t.end_ms);
                html! {
                    <tr>
                        <th scope="row">{ lane_name(model, threads_per_process, lane.worker) }</th>
                        { for states.iter().map(|s| {
                            let v = times.get(s).copied().unwrap_or(0.0);
                            html! { <td data-label={s.label()}>{ format!("{} ({:.0}%)", ms(v), 100.0 * v / total) }</td> }
                        }) }
                    </tr>
                }
            }) }
            </tbody>
        </table>
    }
}
