//! What a whole program's run showed: the summary (wall time, threads and
//! processes started, the GIL's switches, the exit), the verdict and a
//! deadlock where there is one, the console (every line in order, with who
//! printed it and when, shown as it is printed; what went to `sys.stderr`
//! in the error colour, titled so) and the timeline (one lane
//! per thread and process, drawn by the experiments' [`Lanes`]). Text from
//! the program is shown as text, never markup. The lab's only.

use super::export::{download, open_in_perfetto, today};
use super::ms;
use super::timeline::{At, Drawing, DrawnLane, DrawnSpan, Drawn, LaneMark, Lanes, MarkKind};
use crate::state::Console;
use std::rc::Rc;
use threadlab::export;
use threadlab::program::{Lane, Line, Mark, ProgramRun, WaitEdge, Who};
use yew::prelude::*;

/// Colours for who printed a line (and their lanes' names): classes
/// `who-0` … in the style sheet, in the order they first appear.
const COLOURS: usize = 8;
/// Console lines drawn at most (the last ones; the run keeps every one).
const SHOWN: usize = 2_000;

/// A run as a prop, compared by identity (a run never changes).
#[derive(Clone)]
pub struct RunOf(pub Rc<ProgramRun>);

impl PartialEq for RunOf {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

/// A thread's name as the console and the timeline say it: `MainThread`,
/// `Thread-1 (task)`, a child process by its name (`Process-1`), a thread
/// inside it by both.
pub fn who_name(who: &Who) -> String {
    match &who.process {
        None => who.thread.clone(),
        Some(p) if who.thread == "MainThread" => p.clone(),
        Some(p) => format!("{p} · {}", who.thread),
    }
}

/// Everyone who printed or has a lane, in the order their colours go:
/// the main thread, then as they first printed, then the rest of the lanes.
fn palette<'a>(lines: &'a [Line], lanes: &'a [Lane]) -> Vec<&'a Who> {
    let mut order: Vec<&Who> = Vec::new();
    let main = lanes.iter().map(|l| &l.who).chain(lines.iter().map(|l| &l.who)).find(|w| w.process.is_none() && w.thread == "MainThread");
    for w in main.into_iter().chain(lines.iter().map(|l| &l.who)).chain(lanes.iter().map(|l| &l.who)) {
        if !order.contains(&w) {
            order.push(w);
        }
    }
    order
}

fn colour_of(order: &[&Who], who: &Who) -> String {
    format!("who-{}", order.iter().position(|w| *w == who).unwrap_or(0) % COLOURS)
}

/// A mark's kind and what it says.
fn mark(m: &Mark) -> LaneMark {
    let (kind, said) = match m.what.as_str() {
        "start" => (MarkKind::Start, "started"),
        "join" => (MarkKind::Join, "joined"),
        "exit" => (MarkKind::Exit, "exited"),
        "exception" => (MarkKind::Exception, "ended with an exception"),
        _ => (MarkKind::Exit, m.what.as_str()),
    };
    let line = m.line.map(|l| format!(" (line {l})")).unwrap_or_default();
    LaneMark { t: m.t_ms, label: format!("{said}{line}"), kind }
}

/// The run's lanes as the timeline draws them: named and coloured as in
/// the console, a rule where another process's lanes begin.
fn drawing(run: &ProgramRun, order: &[&Who]) -> Drawing {
    let lanes = run
        .lanes
        .iter()
        .enumerate()
        .map(|(i, lane)| DrawnLane {
            name: who_name(&lane.who),
            key: i.to_string(),
            class: Some(colour_of(order, &lane.who)),
            spans: lane.spans.iter().map(|s| DrawnSpan { start: s.start_ms, end: s.end_ms, state: s.state.trace(), at: At::Line(s.line) }).collect(),
            marks: lane.marks.iter().map(mark).collect(),
            rule: i > 0 && run.lanes[i - 1].who.process != lane.who.process,
            unfinished: lane.unfinished,
        })
        .collect();
    let end = run.lanes.iter().flat_map(|l| l.spans.iter().map(|s| s.end_ms)).fold(run.wall_ms, f64::max);
    Drawing { start_ms: 0.0, end_ms: end, lanes, marks: Vec::new() }
}

/// The lines, each with when and who.
fn console(lines: &[Line], order: &[&Who], running: bool) -> Html {
    let skipped = lines.len().saturating_sub(SHOWN);
    html! {
        <section class="console" aria-labelledby="console-heading">
            <h3 id="console-heading">{ "Console" }</h3>
            if lines.is_empty() {
                <p class="hint console-empty">{ if running { "Nothing printed yet." } else { "The program printed nothing." } }</p>
            } else {
                if skipped > 0 {
                    <p class="hint">{ format!("… {} earlier lines (threadlab.run's result has every one).", threadlab::text::group(skipped as u64)) }</p>
                }
                <ol class="console-lines" aria-label="What the program printed, in order">
                    { for lines[skipped..].iter().map(|l| {
                        let who = who_name(&l.who);
                        html! {
                            <li class={classes!("console-line", colour_of(order, &l.who), l.stderr.then_some("stderr"))} data-who={who.clone()}>
                                <span class="c-time">{ ms(l.t_ms) }</span>
                                <span class="c-who">{ who }</span>
                                // Written to sys.stderr: said, not only coloured.
                                <span class="c-text" title={l.stderr.then_some("sys.stderr")}>{ &l.text }</span>
                            </li>
                        }
                    }) }
                </ol>
            }
        </section>
    }
}

/// Wall time, what started, the GIL, the exit.
fn summary(run: &ProgramRun) -> Html {
    let exit = match run.exit_code {
        Some(0) => "0 (ended normally)".to_string(),
        Some(c) => format!("{c} (an uncaught exception in the main thread)"),
        None => "none: stopped".to_string(),
    };
    let gil = if run.gil { format!("on: {} switches (switch interval {} ms)", threadlab::text::group(run.gil_switches), run.switch_interval_ms) } else { "off (free-threaded)".to_string() };
    html! {
        <dl class="program-summary">
            <div><dt>{ "Wall time" }</dt><dd class="wall">{ ms(run.wall_ms) }</dd></div>
            <div><dt>{ "Threads" }</dt><dd class="threads">{ run.threads.to_string() }</dd></div>
            <div><dt>{ "Processes" }</dt><dd class="processes">{ run.processes.to_string() }</dd></div>
            <div><dt>{ "GIL" }</dt><dd class="gil">{ gil }</dd></div>
            <div><dt>{ "Exit code" }</dt><dd class="exit">{ exit }</dd></div>
        </dl>
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The lines of the run under way (or the last one's, as they came).
    pub console: Console,
    /// The last run, once it ended.
    pub run: Option<RunOf>,
    pub running: bool,
}

#[function_component(ProgramResults)]
pub fn program_results(p: &Props) -> Html {
    let drawn = use_memo(p.run.clone(), |run| {
        run.as_ref().map(|r| {
            let order = palette(&r.0.console, &r.0.lanes);
            Drawn(Rc::new(drawing(&r.0, &order)))
        })
    });
    let live = p.console.0.borrow();
    let lines: &[Line] = match &p.run {
        Some(r) if !p.running => &r.0.console,
        _ => &live[..p.console.1.min(live.len())],
    };
    let no_lanes: &[Lane] = &[];
    let run = p.run.as_ref().filter(|_| !p.running).map(|r| &*r.0);
    let order = palette(lines, run.map_or(no_lanes, |r| &r.lanes));
    html! {
        <div class="program-results">
            if let Some(run) = run {
                <h2 id="results-heading" tabindex="-1">{ "Results" }</h2>
                { summary(run) }
                if let Some(why) = &run.stopped {
                    <p class="warning program-stopped" role="note">{ why }</p>
                }
                if let Some(v) = &run.verdict {
                    <p class="verdict program-verdict">{ v }</p>
                }
                if let Some(d) = &run.deadlock {
                    <section class="program-deadlock" aria-labelledby="deadlock-heading">
                        <h3 id="deadlock-heading">{ "Deadlock" }</h3>
                        <pre>{ d }</pre>
                        { wait_for_graph(&run.waits) }
                    </section>
                }
            } else if p.running {
                <h2>{ "Running…" }</h2>
            }
            { console(lines, &order, p.running) }
            if let (Some(run), Some(drawn)) = (run, (*drawn).clone()) {
                <Lanes drawing={drawn} title="Threads and processes" model="program"
                    says={format!("What each of the program's {} threads and processes did", run.lanes.len())}
                    events={run.lanes.iter().map(|l| l.spans.len() + l.marks.len()).sum::<usize>()}>
                    if run.lanes.iter().any(|l| l.unfinished) {
                        <p class="hint unfinished-note">{ format!("Still running when the program ended (drawn open at the end): {}. A thread never joined keeps CPython waiting for it, unless it is a daemon.",
                            run.lanes.iter().filter(|l| l.unfinished).map(|l| format!("{}{}", who_name(&l.who), if l.daemon { " (daemon)" } else { "" })).collect::<Vec<_>>().join(", ")) }</p>
                    }
                </Lanes>
            }
            if let Some(r) = p.run.as_ref().filter(|_| !p.running) {
                <ProgramExport run={r.clone()} />
            }
        </div>
    }
}

/// A deadlock's wait-for graph: the stuck threads on a circle, an arrow
/// from each to the thread it waits for (the holder of the lock it wants,
/// or the thread it joins), labelled with its source line. Up to six
/// threads (past that the sentence above says it all).
fn wait_for_graph(waits: &[WaitEdge]) -> Html {
    let mut names: Vec<&str> = Vec::new();
    for w in waits {
        for n in std::iter::once(w.who.as_str()).chain(w.on.as_deref()) {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let edges: Vec<(&WaitEdge, usize, usize)> = waits
        .iter()
        .filter_map(|w| Some((w, names.iter().position(|n| *n == w.who)?, names.iter().position(|n| Some(*n) == w.on.as_deref())?)))
        .collect();
    if edges.is_empty() || names.len() > 6 {
        return html! {};
    }
    let (cx, cy, r) = (220.0, 110.0, 75.0);
    let at = |i: usize| {
        // The first on the right, the others round the circle (two: side by side).
        let a = std::f64::consts::PI * (1.0 + 2.0 * i as f64 / names.len() as f64);
        (cx - r * a.cos() * 2.0, cy - r * a.sin())
    };
    html! {
        <svg class="wait-for" viewBox="0 0 440 220" role="img" aria-label="Wait-for graph">
            <title>{ "Wait-for graph: an arrow from each stuck thread to the thread it waits for" }</title>
            { super::arrow_head("arrow-program") }
            { for edges.iter().map(|(w, from, to)| {
                let ((x1, y1), (x2, y2)) = (at(*from), at(*to));
                let (dx, dy) = (x2 - x1, y2 - y1);
                let len = (dx * dx + dy * dy).sqrt().max(1.0);
                // Stop short of the boxes (wide and short: more sideways).
                let pad = |ux: f64, uy: f64| (ux.abs() * 70.0 + uy.abs() * 16.0).min(70.0);
                let (ux, uy) = (dx / len, dy / len);
                let p = pad(ux, uy);
                let (sx, sy, ex, ey) = (x1 + ux * p, y1 + uy * p, x2 - ux * p, y2 - uy * p);
                // Two threads waiting for each other: the arrows side by side.
                let (ox, oy) = (-uy * 8.0, ux * 8.0);
                // The label beside its arrow, on the arrow's own side.
                let (mx, my) = ((sx + ex) / 2.0, (sy + ey) / 2.0);
                let (lx, ly, anchor) = if uy.abs() > ux.abs() {
                    (mx + ox * 1.5, my + 4.0, if ox >= 0.0 { "start" } else { "end" })
                } else {
                    (mx, my + oy * 2.0 + 4.0, "middle")
                };
                let label = format!("{}{}", if w.lock { "wants its lock" } else { "joins it" }, if w.line > 0 { format!(" · line {}", w.line) } else { String::new() });
                html! {
                    <g class={classes!("edge", if w.lock { "waits-for" } else { "joins" })}>
                        <line x1={(sx + ox).to_string()} y1={(sy + oy).to_string()} x2={(ex + ox).to_string()} y2={(ey + oy).to_string()} marker-end="url(#arrow-program)" />
                        <text x={lx.to_string()} y={ly.to_string()} text-anchor={anchor}>{ label }</text>
                    </g>
                }
            }) }
            { for names.iter().enumerate().map(|(i, n)| {
                let (x, y) = at(i);
                html! {
                    <g class="node worker">
                        <rect x={(x - 68.0).to_string()} y={(y - 13.0).to_string()} width="136" height="26" rx="6" />
                        <text x={x.to_string()} y={(y + 5.0).to_string()} text-anchor="middle">{ *n }</text>
                    </g>
                }
            }) }
        </svg>
    }
}

#[derive(Properties, PartialEq)]
pub struct ExportProps {
    pub run: RunOf,
}

/// A whole program's run to take away: the run as JSON (as
/// `threadlab.run({program})` returns it) and its timeline as a Perfetto trace.
#[function_component(ProgramExport)]
pub fn program_export(p: &ExportProps) -> Html {
    let json = {
        let run = p.run.0.clone();
        Callback::from(move |_| download(&export::program_file_name("run", &today(), "json"), &serde_json::to_string_pretty(&*run).unwrap_or_default(), "application/json"))
    };
    let trace = {
        let run = p.run.0.clone();
        Callback::from(move |_| download(&export::program_file_name("trace", &today(), "json"), &export::program_trace(&run).to_string(), "application/json"))
    };
    let perfetto = {
        let run = p.run.0.clone();
        Callback::from(move |_| open_in_perfetto(&export::program_trace(&run).to_string(), "ThreadLab: a whole program", &export::program_file_name("trace", &today(), "json")))
    };
    html! {
        <div class="export" role="group" aria-label="Export">
            <span class="export-label">{ "Export:" }</span>
            <button type="button" class="export-json" onclick={json}>{ "Run (JSON)" }</button>
            <button type="button" class="export-trace" onclick={trace} title="Trace Event Format: opens in ui.perfetto.dev and chrome://tracing">{ "Timeline (Perfetto trace)" }</button>
            <button type="button" class="open-perfetto" onclick={perfetto} title="Opens a tab that hands the trace to ui.perfetto.dev">{ "Open in Perfetto ↗" }</button>
        </div>
    }
}
