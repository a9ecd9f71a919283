//! The timeline: one lane per worker, coloured by state, for one model's
//! median run (and, drawn by the same [`Lanes`], one lane per thread and
//! process of a whole program, `components/program.rs`). Zoom with the wheel, a pinch, the buttons or `+`/`-`; pan by
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
use threadlab::trace::{State, Timeline};
use threadlab::{Model, ModelSummary};
use yew::prelude::*;

/// Drawn this wide at most (a wider screen scales it up), and at least.
const WIDE: f64 = 720.0;
const LEAST: f64 = 200.0;
const LANE: f64 = 22.0;
const TOP: f64 = 4.0;
/// A lane name's character, about (12 px text, bold for a program's lanes).
const NAME_CHAR_PX: f64 = 7.4;
/// Marks listed under the drawing as they are; more fold away.
const MARKS_LISTED: usize = 6;
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
    /// For lane names of at most `name_chars` characters (wider names get
    /// a wider margin, up to 38% of the drawing).
    fn of(width: f64, name_chars: usize) -> Geometry {
        let least = if width < 480.0 { 64.0 } else { 78.0 };
        let left = (name_chars as f64 * NAME_CHAR_PX + 12.0).min(width * 0.38).max(least);
        Geometry { width, left, plot: width - left - 8.0 }
    }

    /// Characters of a lane name that fit its margin.
    fn name_fits(self) -> usize {
        ((self.left - 12.0) / NAME_CHAR_PX).floor().max(4.0) as usize
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

/// What a timeline draws: lanes of spans, coloured by state, on one axis.
#[derive(Debug, Default, PartialEq)]
pub struct Drawing {
    pub start_ms: f64,
    pub end_ms: f64,
    pub lanes: Vec<DrawnLane>,
    /// Moments of the whole run ("done declared"): a dashed rule across.
    pub marks: Vec<(f64, String)>,
}

/// One lane: a worker, or a thread of a program.
#[derive(Debug, PartialEq)]
pub struct DrawnLane {
    pub name: String,
    /// Its `data-worker` (the worker's number; the lane's index for a program).
    pub key: String,
    /// A class for its name (a program's lanes each have a colour, the
    /// console's).
    pub class: Option<String>,
    pub spans: Vec<DrawnSpan>,
    pub marks: Vec<LaneMark>,
    /// A rule above it: a new process begins.
    pub rule: bool,
    /// Still running when the run ended: drawn open at the end.
    pub unfinished: bool,
}

/// A span of one state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawnSpan {
    pub start: f64,
    pub end: f64,
    pub state: State,
    pub at: At,
}

/// What a span was about, for its details.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum At {
    /// A worker's task (`None`: between tasks).
    Task(Option<u32>),
    /// A program's source line, when one applies.
    Line(Option<u32>),
}

/// A moment in one lane.
#[derive(Debug, Clone, PartialEq)]
pub struct LaneMark {
    pub t: f64,
    pub label: String,
    pub kind: MarkKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MarkKind {
    /// A process crashed here (its task lost): a cross.
    Crash,
    /// A program's thread or process started, was joined, exited, or
    /// ended with an uncaught exception (a cross, as a crash).
    Start,
    Join,
    Exit,
    Exception,
}

impl MarkKind {
    /// The class of its glyph and the sign the list under the drawing uses.
    fn class_and_sign(self) -> (&'static str, &'static str) {
        match self {
            MarkKind::Crash => ("crash", "✕"),
            MarkKind::Start => ("start", "▸"),
            MarkKind::Join => ("join", "◆"),
            MarkKind::Exit => ("exit", "▮"),
            MarkKind::Exception => ("exception", "✕"),
        }
    }
}

/// A [`Drawing`] as a prop: compared by identity (made once per run).
#[derive(Clone)]
pub struct Drawn(pub Rc<Drawing>);

impl PartialEq for Drawn {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

/// A model's timeline as a drawing: its lanes named by worker (threads in
/// processes by process and thread), a crash marked in its lane.
fn drawing_of(t: &Timeline, model: Model, threads_per_process: u32) -> Drawing {
    let lanes: Vec<DrawnLane> = t
        .lanes
        .iter()
        .enumerate()
        .map(|(i, lane)| DrawnLane {
            name: lane_name(model, threads_per_process, lane.worker),
            key: lane.worker.to_string(),
            class: None,
            spans: lane.spans(t.end_ms).map(|s| DrawnSpan { start: s.start, end: s.end, state: s.state, at: At::Task(s.task) }).collect(),
            marks: t.marks.iter().filter(|m| m.worker == Some(lane.worker)).map(|m| LaneMark { t: m.t, label: m.label.clone(), kind: MarkKind::Crash }).collect(),
            rule: model.pool() == Pool::ProcessesOfThreads && i > 0 && lane.worker % threads_per_process == 0,
            unfinished: false,
        })
        .collect();
    // A mark of a worker without a lane: the whole run's.
    let marks = t.marks.iter().filter(|m| !m.worker.is_some_and(|w| t.lanes.iter().any(|l| l.worker == w))).map(|m| (m.t, m.label.clone())).collect();
    Drawing { start_ms: t.start_ms, end_ms: t.end_ms, lanes, marks }
}

/// The rectangles of one lane in the view. Where spans are narrower than a
/// pixel, each pixel column takes the colour of the state that filled most of
/// it, and equal neighbours merge: thousands of events cost at most one
/// rectangle per pixel.
fn lane_rects(lane: &DrawnLane, d: &Drawing, view: View, total: f64, g: Geometry) -> Vec<(f64, f64, State)> {
    let (v0, v1) = (d.start_ms + view.from * total, d.start_ms + view.to * total);
    let px_per_ms = g.plot / (v1 - v0);
    let columns = g.plot.ceil() as usize;
    // Time (in pixels) each state covers in each pixel column.
    let mut cover = vec![[0f64; State::ALL.len()]; columns];
    for s in &lane.spans {
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

fn details(lane: &DrawnLane, d: &Drawing, time: f64) -> Option<String> {
    let s = lane.spans.iter().find(|s| s.start <= time && time <= s.end)?;
    let at = match s.at {
        At::Task(Some(i)) => format!(" · task {i}"),
        At::Task(None) => " · no task".into(),
        At::Line(Some(l)) => format!(" · line {l}"),
        At::Line(None) => String::new(),
    };
    Some(format!("{}{at} · {} · {} (from {} to {})", lane.name, s.state.label(), ms(s.end - s.start), ms(s.start - d.start_ms), ms(s.end - d.start_ms)))
}

/// `name` cut to `chars` characters, marked `…` where cut.
fn fit(name: &str, chars: usize) -> String {
    match name.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &name[..name.char_indices().nth(chars.saturating_sub(1)).map_or(at, |(i, _)| i)]),
        None => name.to_string(),
    }
}

#[function_component(TimelinePanel)]
pub fn timeline_panel(p: &Props) -> Html {
    let threads_per_process = p.model.results.experiment.threads_per_process.max(1);
    let drawing = use_memo(p.model.clone(), move |m| {
        let s = m.get();
        s.timeline.as_ref().map(|t| Drawn(Rc::new(drawing_of(t, s.model, threads_per_process))))
    });
    let summary = p.model.get();
    let (Some(t), Some(drawing)) = (summary.timeline.as_ref(), (*drawing).clone()) else {
        return html! {};
    };
    let states: Vec<State> = State::ALL.into_iter().filter(|s| t.lanes.iter().any(|l| l.events.iter().any(|e| e.state == *s))).collect();
    html! {
        <Lanes {drawing} title={summary.label.clone()} model={summary.model.as_str()} span_ms={p.span_ms}
            says={format!("What each of the {} workers of {} did", t.lanes.len(), summary.label)} events={t.events()}>
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
        </Lanes>
    }
}

#[derive(Properties, PartialEq)]
pub struct LanesProps {
    pub drawing: Drawn,
    /// Its heading.
    pub title: String,
    /// Its `data-model` (a model's key, or `program`).
    pub model: &'static str,
    /// What it shows, in a sentence without its length ("What each of
    /// the 4 workers of Threads did").
    pub says: String,
    /// Events recorded (the toolbar counts them).
    pub events: usize,
    /// Draw on an axis this long (ms) from the start (see [`Props`]).
    #[prop_or_default]
    pub span_ms: Option<f64>,
    /// Shown under the legend (a model's table of states, its GIL's counters).
    #[prop_or_default]
    pub children: Html,
}

/// Lanes of spans on a time axis, zoomable and movable (wheel, pinch,
/// buttons, keys), with the details under the pointer, the marks and the
/// legend of the states drawn.
#[function_component(Lanes)]
pub fn lanes(p: &LanesProps) -> Html {
    let view = use_reducer(|| View { from: 0.0, to: 1.0 });
    let hover = use_state(|| None::<String>);
    let drag = use_mut_ref(|| None::<f64>);
    // Fingers on the timeline (touch pointers: id, client x), for a drag
    // with one and a pinch with two.
    let fingers = use_mut_ref(Vec::<(i32, f64)>::new);
    let svg = use_node_ref();
    let canvas = use_node_ref();
    let d = p.drawing.0.clone();
    let name_chars = d.lanes.iter().map(|l| l.name.chars().count()).max().unwrap_or(0);
    let g = Geometry::of(use_fit_width(&canvas, WIDE, LEAST), name_chars);
    // The wheel listener, made once, reads the geometry of the last render.
    let geometry = use_mut_ref(|| g);
    *geometry.borrow_mut() = g;

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

    let v = *view;
    // The axis: this run's length, or the length shared by every model.
    let total = p.span_ms.unwrap_or(0.0).max(d.end_ms - d.start_ms).max(1e-9);
    let height = TOP + LANE * d.lanes.len() as f64 + 24.0;

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
        let (svg, d) = (svg.clone(), d.clone());
        move |x: f64, y: f64| -> Option<String> {
            let el = svg.cast::<web_sys::Element>()?;
            let rect = el.get_bounding_client_rect();
            let y = (y - rect.top()) / rect.height().max(1.0) * (TOP + LANE * d.lanes.len() as f64 + 24.0);
            let lane = ((y - TOP) / LANE).floor();
            let frac = g.plot_fraction(&el, x);
            let time = d.start_ms + (v.from + frac * (v.to - v.from)) * total;
            (lane >= 0.0).then(|| d.lanes.get(lane as usize)).flatten().and_then(|l| details(l, &d, time))
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
    let states: Vec<State> = State::ALL.into_iter().filter(|s| d.lanes.iter().any(|l| l.spans.iter().any(|x| x.state == *s))).collect();
    // Where a moment is drawn, if it is in view.
    let x_of = |t: f64| {
        let f = (t - d.start_ms) / total;
        (v.from..=v.to).contains(&f).then(|| g.left + g.plot * (f - v.from) / (v.to - v.from))
    };
    let fits = g.name_fits();
    let lane_marks: Vec<(&DrawnLane, &LaneMark)> = d.lanes.iter().flat_map(|l| l.marks.iter().map(move |m| (l, m))).collect();
    let marks_list = html! {
        <ul class="tl-marks">
            { for lane_marks.iter().map(|(l, m)| {
                let (class, sign) = m.kind.class_and_sign();
                html! { <li class={class}>{ format!("{sign} {}: {} at {}", l.name, m.label, ms(m.t - d.start_ms)) }</li> }
            }) }
            { for d.marks.iter().map(|(t, label)| html! { <li>{ format!("┆ {label} at {}", ms(t - d.start_ms)) }</li> }) }
        </ul>
    };

    html! {
        <section class="timeline" data-model={p.model} aria-label={format!("Timeline of {}", p.title)}>
            <h3>{ &p.title }</h3>
            <div class="tl-toolbar">
                { button("+", "Zoom in", || ViewAction::Zoom { factor: 0.5, at: 0.5 }) }
                { button("−", "Zoom out", || ViewAction::Zoom { factor: 2.0, at: 0.5 }) }
                { button("←", "Move earlier", || ViewAction::Pan(-0.2)) }
                { button("→", "Move later", || ViewAction::Pan(0.2)) }
                { button("Reset", "Show the whole run", || ViewAction::Reset) }
                <span class="tl-range" data-from={format!("{:.6}", v.from)} data-to={format!("{:.6}", v.to)}>{ format!("showing {} – {} of {} · {} events", ms(v.from * total), ms(v.to * total), ms(total), p.events) }</span>
            </div>
            <div class="tl-canvas" ref={canvas} tabindex="0" {onkeydown} aria-label="Timeline: + and - zoom, arrow keys move, 0 resets">
                <svg ref={svg} viewBox={format!("0 0 {} {height}", g.width)} class="tl-svg" role="img"
                    {onmousedown} {onmouseup} {onmousemove} {onmouseleave}
                    {onpointerdown} {onpointermove} onpointerup={onpointerup.clone()} onpointercancel={onpointerup}>
                    <title>{ format!("{} over {}", p.says, ms(total)) }</title>
                    { for d.lanes.iter().enumerate().map(|(i, lane)| {
                        let y = TOP + LANE * i as f64;
                        let rects = lane_rects(lane, &d, v, total, g);
                        // Still running at the end: an open end past its last span.
                        let open_end = lane.unfinished.then(|| rects.last().map(|r| r.1)).flatten();
                        html! {
                            <g class={classes!("lane", lane.unfinished.then_some("unfinished"))} data-worker={lane.key.clone()}>
                                if lane.rule {
                                    <line class="tl-process-rule" x1="0" x2={g.width.to_string()} y1={y.to_string()} y2={y.to_string()} />
                                }
                                <text x={(g.left - 8.0).to_string()} y={(y + LANE * 0.65).to_string()} text-anchor="end" class={classes!("tl-label", lane.class.clone())}>
                                    { fit(&lane.name, fits) }<title>{ &lane.name }</title>
                                </text>
                                { for rects.into_iter().map(|(x0, x1, s)| html! {
                                    <rect x={x0.to_string()} y={(y + 2.0).to_string()} width={(x1 - x0).max(0.5).to_string()} height={(LANE - 4.0).to_string()}
                                        fill={s.colour()} class={classes!("span", format!("{s:?}").to_lowercase())} />
                                }) }
                                if let Some(x) = open_end {
                                    <path class="tl-open-end" d={format!("M{} {}l5 {}l-5 {}", x + 1.0, y + 4.0, LANE / 2.0 - 4.0, LANE / 2.0 - 4.0)}>
                                        <title>{ format!("{} was still running when the run ended", lane.name) }</title>
                                    </path>
                                }
                            </g>
                        }
                    }) }
                    // Moments worth pointing at: a dashed rule across the lanes
                    // for the run's; a glyph in its lane for a lane's (a cross
                    // where a process crashed or a thread raised).
                    { for d.marks.iter().filter_map(|(t, label)| Some((x_of(*t)?, t, label))).map(|(x, t, label)| html! {
                        <g class="tl-mark">
                            <line x1={x.to_string()} x2={x.to_string()} y1={TOP.to_string()} y2={(TOP + LANE * d.lanes.len() as f64).to_string()} />
                            <title>{ format!("{label} at {}", ms(t - d.start_ms)) }</title>
                        </g>
                    }) }
                    { for lane_marks.iter().filter_map(|(l, m)| Some((x_of(m.t)?, l, m))).map(|(x, lane, m)| {
                        let i = d.lanes.iter().position(|o| std::ptr::eq(o, *lane)).unwrap_or(0);
                        let said = format!("{} at {}", m.label, ms(m.t - d.start_ms));
                        let (y, r) = (TOP + LANE * i as f64 + LANE / 2.0, LANE * 0.32);
                        let (class, _) = m.kind.class_and_sign();
                        let glyph = match m.kind {
                            MarkKind::Crash | MarkKind::Exception => html! {
                                <>
                                <circle cx={x.to_string()} cy={y.to_string()} r={(r + 2.0).to_string()} />
                                <path d={format!("M{} {}L{} {}M{} {}L{} {}", x - r * 0.7, y - r * 0.7, x + r * 0.7, y + r * 0.7, x - r * 0.7, y + r * 0.7, x + r * 0.7, y - r * 0.7)} />
                                </>
                            },
                            MarkKind::Start => html! { <path d={format!("M{} {}l{} {}l{} {}z", x, y - r, r * 1.2, r, -r * 1.2, r)} /> },
                            MarkKind::Join => html! { <path d={format!("M{} {}l{r} {r}l{} {r}l{} {}z", x, y - r, -r, -r, -r)} /> },
                            MarkKind::Exit => html! { <rect x={(x - 1.5).to_string()} y={(y - r).to_string()} width="3" height={(2.0 * r).to_string()} /> },
                        };
                        html! {
                            <g class={classes!("tl-lane-mark", class)} data-worker={lane.key.clone()} role="img" aria-label={said.clone()}>
                                { glyph }
                                <title>{ said }</title>
                            </g>
                        }
                    }) }
                    { for ticks.iter().enumerate().map(|(i, f)| {
                        let x = g.left + g.plot * (f - v.from) / (v.to - v.from);
                        let anchor = if i == 0 { "start" } else if i + 1 == ticks.len() { "end" } else { "middle" };
                        html! { <text x={x.to_string()} y={(height - 6.0).to_string()} text-anchor={anchor} class="tl-tick">{ ms(f * total) }</text> }
                    }) }
                </svg>
            </div>
            if !d.marks.is_empty() || !lane_marks.is_empty() {
                // Many marks (a program's starts, joins and exits) fold away.
                if d.marks.len() + lane_marks.len() > MARKS_LISTED {
                    <details class="tl-marks-all">
                        <summary>{ format!("Every moment marked ({})", d.marks.len() + lane_marks.len()) }</summary>
                        { marks_list }
                    </details>
                } else {
                    { marks_list }
                }
            }
            <p class="tl-details" aria-live="polite">{ (*hover).clone().unwrap_or_else(|| if crate::page::touch_only() { "Tap a lane for details; pinch to zoom, drag sideways to move.".into() } else { "Hover a lane for details; drag to move, wheel to zoom.".into() }) }</p>
            <ul class="legend">
                { for states.iter().map(|s| html! {
                    <li>{ super::swatch(s.colour()) }{ s.label() }</li>
                }) }
            </ul>
            { p.children.clone() }
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
