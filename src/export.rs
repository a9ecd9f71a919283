//! What a learner takes away: the results as CSV, each timeline as a
//! Chrome/Perfetto trace (Trace Event Format), and file names that say
//! which experiment and when. The JSON export is the results JSON itself.

use crate::experiment::Model;
use crate::model::Pool;
use crate::results::Results;
use serde_json::{json, Value};

/// `threadlab-<workload>-<what>-<date>.<ext>`, e.g.
/// `threadlab-primes-results-2026-11-27.csv`; `date` as `YYYY-MM-DD`.
pub fn file_name(r: &Results, what: &str, date: &str, ext: &str) -> String {
    let date: String = date.chars().filter(|c| c.is_ascii_digit() || *c == '-').take(10).collect();
    format!("threadlab-{}-{what}-{date}.{ext}", r.experiment.workload.key())
}

/// The CSV header: one row per model × repeat × worker count.
pub const CSV_COLUMNS: [&str; 9] = ["workload", "tasks", "workers", "model", "repeat", "wall_ms", "speedup", "correct", "status"];

/// The results as CSV: one row per model × repeat (× worker count, for a
/// sweep); a model that did not run has one row with its status.
pub fn csv(r: &Results) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push('\n');
    let workload = csv_field(&r.experiment.workload.describe());
    let mut row = |workers: u32, model: Model, repeat: Option<usize>, wall: Option<f64>, speedup: Option<f64>, correct: bool, status: &str| {
        let cells = [
            workload.clone(),
            r.experiment.tasks.to_string(),
            workers.to_string(),
            model.as_str().to_string(),
            repeat.map(|i| (i + 1).to_string()).unwrap_or_default(),
            wall.map(|w| format!("{w:.3}")).unwrap_or_default(),
            speedup.map(|s| format!("{s:.4}")).unwrap_or_default(),
            correct.to_string(),
            csv_field(status),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    };
    if r.sweep.is_empty() {
        for m in &r.models {
            let status = m.status.why_not().map_or("ran".to_string(), |why| why);
            if m.runs_ms.is_empty() {
                row(m.workers, m.model, None, None, None, m.correct, &status);
            }
            for (i, &ms) in m.runs_ms.iter().enumerate() {
                row(m.workers, m.model, Some(i), Some(ms), m.speedup, m.correct, &status);
            }
        }
    } else {
        for p in &r.sweep {
            for m in &p.models {
                if m.runs_ms.is_empty() {
                    row(p.workers, m.model, None, None, None, m.correct, "did not run");
                }
                for (i, &ms) in m.runs_ms.iter().enumerate() {
                    row(p.workers, m.model, Some(i), Some(ms), None, m.correct, "ran");
                }
            }
        }
    }
    out
}

/// A CSV field, quoted when it has to be.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Every timeline of the results as one Trace Event Format document, as
/// ui.perfetto.dev and chrome://tracing open it: one process per model
/// (named), one thread per worker (named, ids from 1), a complete event
/// (`"ph": "X"`) per state span with its task in `args`, timestamps in µs
/// from the earliest start; a lane's spans follow each other, so they nest
/// trivially. Marks are instant events.
pub fn trace(r: &Results) -> Value {
    let timelines: Vec<_> = r.models.iter().filter_map(|m| m.timeline.as_ref().map(|t| (m, t))).collect();
    let origin = timelines.iter().map(|(_, t)| t.start_ms).fold(f64::INFINITY, f64::min);
    let us = |ms: f64| ((ms - origin) * 1000.0).max(0.0);
    let mut events = Vec::new();
    for (i, (m, t)) in timelines.iter().enumerate() {
        let pid = i + 1;
        events.push(json!({ "name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": { "name": m.label } }));
        events.push(json!({ "name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0, "args": { "sort_index": pid } }));
        for lane in &t.lanes {
            let tid = lane.worker + 1;
            let name = match m.model.pool() {
                Pool::ProcessesOfThreads => {
                    let (p, th) = crate::models::hybrid::process_and_thread(r.experiment.threads_per_process, lane.worker);
                    format!("process {} · thread {}", p + 1, th + 1)
                }
                Pool::One | Pool::Threads { .. } | Pool::Processes | Pool::ProcessPerTask => format!("worker {}", lane.worker),
            };
            events.push(json!({ "name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": { "name": name } }));
            for s in lane.spans(t.end_ms).filter(|s| s.end > s.start) {
                let mut e = json!({ "name": s.state.label(), "cat": "state", "ph": "X", "ts": us(s.start), "dur": (s.end - s.start) * 1000.0, "pid": pid, "tid": tid });
                if let Some(task) = s.task {
                    e["args"] = json!({ "task": task });
                }
                events.push(e);
            }
        }
        for mark in &t.marks {
            // A worker's moment on its thread; the run's, across the process.
            let (scope, tid) = mark.worker.map_or(("p", 0), |w| ("t", w + 1));
            events.push(json!({ "name": mark.label, "ph": "i", "s": scope, "ts": us(mark.t), "pid": pid, "tid": tid }));
        }
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": { "experiment": r.experiment.workload.describe(), "browser": r.environment.browser, "cores": r.environment.cores },
    })
}

/// A whole program's file name: `threadlab-program-<what>-<date>.<ext>`.
pub fn program_file_name(what: &str, date: &str, ext: &str) -> String {
    let date: String = date.chars().filter(|c| c.is_ascii_digit() || *c == '-').take(10).collect();
    format!("threadlab-program-{what}-{date}.{ext}")
}

/// A whole program's timeline as a Trace Event Format document: one process
/// per Python process (the main process first, then the children as their
/// lanes come), one thread per Python thread (named as the console names
/// it), a complete event per state span (its source line in `args`), an
/// instant event per mark (start, join, exit, exception) and per printed
/// line (its text in `args`, cut at 200 characters); µs from the start.
pub fn program_trace(run: &crate::program::ProgramRun) -> Value {
    use crate::program::Who;
    let mut processes: Vec<Option<&str>> = vec![None];
    let mut threads: Vec<&Who> = Vec::new();
    for who in run.lanes.iter().map(|l| &l.who).chain(run.console.iter().map(|l| &l.who)) {
        if !processes.contains(&who.process.as_deref()) {
            processes.push(who.process.as_deref());
        }
        if !threads.contains(&who) {
            threads.push(who);
        }
    }
    let pid = |w: &Who| processes.iter().position(|p| *p == w.process.as_deref()).unwrap_or(0) + 1;
    let tid = |w: &Who| threads.iter().position(|t| *t == w).unwrap_or(0) + 1;
    let us = |ms: f64| (ms * 1000.0).max(0.0);
    let mut events = Vec::new();
    for (i, p) in processes.iter().enumerate() {
        let name = p.map_or_else(|| "main process".to_string(), |p| format!("{p} (child process)"));
        events.push(json!({ "name": "process_name", "ph": "M", "pid": i + 1, "tid": 0, "args": { "name": name } }));
        events.push(json!({ "name": "process_sort_index", "ph": "M", "pid": i + 1, "tid": 0, "args": { "sort_index": i + 1 } }));
    }
    for w in &threads {
        events.push(json!({ "name": "thread_name", "ph": "M", "pid": pid(w), "tid": tid(w), "args": { "name": w.thread } }));
    }
    for lane in &run.lanes {
        let (p, t) = (pid(&lane.who), tid(&lane.who));
        for s in lane.spans.iter().filter(|s| s.end_ms > s.start_ms) {
            let mut e = json!({ "name": s.state.trace().label(), "cat": "state", "ph": "X", "ts": us(s.start_ms), "dur": (s.end_ms - s.start_ms) * 1000.0, "pid": p, "tid": t });
            if let Some(line) = s.line {
                e["args"] = json!({ "line": line });
            }
            events.push(e);
        }
        for m in &lane.marks {
            let mut e = json!({ "name": m.what, "cat": "program", "ph": "i", "s": "t", "ts": us(m.t_ms), "pid": p, "tid": t });
            if let Some(line) = m.line {
                e["args"] = json!({ "line": line });
            }
            events.push(e);
        }
    }
    for l in &run.console {
        let text: String = l.text.chars().take(200).collect();
        events.push(json!({ "name": "print", "cat": "console", "ph": "i", "s": "t", "ts": us(l.t_ms), "pid": pid(&l.who), "tid": tid(&l.who), "args": { "text": text } }));
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": { "program": "whole program", "gil": run.gil, "switch_interval_ms": run.switch_interval_ms, "wall_ms": run.wall_ms },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{Environment, ModelSummary, Status};
    use crate::trace::{Event, Lane, State, Timeline};
    use crate::Experiment;

    fn results() -> Results {
        let exp = Experiment { models: vec![Model::Sequential, Model::Threads], repeats: 2, ..Experiment::default() };
        let lane = |worker: u32| Lane {
            worker,
            events: vec![Event { t: 1000.0, state: State::Running, task: Some(worker) }, Event { t: 1004.0, state: State::Idle, task: None }],
            truncated: false,
        };
        let mut seq = ModelSummary::not_run(Model::Sequential, 1, Status::Ran);
        seq.runs_ms = vec![10.0, 12.5];
        seq.wall_ms = Some(crate::stats::Spread { median: 12.5, min: 10.0, max: 12.5 });
        seq.correct = true;
        seq.timeline = Some(Timeline::new(1000.0, 1010.0, vec![lane(0)], None));
        let thr = ModelSummary::not_run(Model::Threads, 2, Status::Unavailable { reason: "no isolation, here".into() });
        Results::new(exp, Environment { cores: 2, ..Environment::default() }, vec![seq, thr])
    }

    // Natively: the program runs on OS threads (`run_native`).
    #[cfg(all(feature = "pyvm", not(target_family = "wasm")))]
    #[test]
    fn a_program_s_trace_has_a_process_per_python_process_and_a_thread_per_python_thread() {
        let src = "import threading\nfrom multiprocessing import Process\ndef f():\n    print('hi')\nt = threading.Thread(target=f)\np = Process(target=f)\nt.start(); p.start(); t.join(); p.join()\n";
        let run = crate::program::session::run_native(crate::program::ProgramSpec { program: src.into(), gil: true, switch_interval_ms: 5.0 }).unwrap();
        let t = program_trace(&run);
        let events = t["traceEvents"].as_array().unwrap();
        let named = |what: &str| -> Vec<String> { events.iter().filter(|e| e["name"] == what).map(|e| e["args"]["name"].as_str().unwrap().to_string()).collect() };
        assert_eq!(named("process_name"), vec!["main process", "Process-1 (child process)"]);
        let threads = named("thread_name");
        assert!(threads.contains(&"MainThread".to_string()) && threads.contains(&"Thread-1 (f)".to_string()), "{threads:?}");
        let prints: Vec<&Value> = events.iter().filter(|e| e["name"] == "print").collect();
        assert_eq!(prints.len(), 2, "{prints:?}");
        assert!(prints.iter().all(|e| e["args"]["text"] == "hi"));
        assert!(events.iter().any(|e| e["ph"] == "X" && e["name"] == "running"));
        assert!(events.iter().filter(|e| e["ph"] == "X").all(|e| e["ts"].as_f64().unwrap() >= 0.0 && e["dur"].as_f64().unwrap() > 0.0));
        assert_eq!(program_file_name("trace", "2026-12-07<b>", "json"), "threadlab-program-trace-2026-12-07.json");
    }

    #[test]
    fn csv_has_a_row_per_model_and_repeat_and_quotes_what_needs_it() {
        let csv = csv(&results());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_COLUMNS.join(","));
        assert_eq!(lines.len(), 1 + 2 + 1);
        assert_eq!(lines[1], "\"CPU: total += i for i in range(100,000,000)\",8,1,sequential,1,10.000,1.0000,true,ran");
        assert!(lines[3].ends_with(",threads,,,,false,\"no isolation, here\""), "{}", lines[3]);
    }

    #[test]
    fn the_trace_has_a_process_per_model_a_thread_per_worker_and_microseconds() {
        let t = trace(&results());
        let events = t["traceEvents"].as_array().unwrap();
        let names: Vec<&str> = events.iter().filter(|e| e["name"] == "process_name").map(|e| e["args"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["Sequential"]);
        let spans: Vec<&Value> = events.iter().filter(|e| e["ph"] == "X").collect();
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0]["ts"].as_f64(), spans[0]["dur"].as_f64(), spans[0]["tid"].as_u64()), (Some(0.0), Some(4000.0), Some(1)));
        assert_eq!(spans[0]["args"]["task"], 0);
        assert_eq!(spans[1]["name"], "idle");
        assert_eq!(file_name(&results(), "trace", "2026-11-27<script>", "json"), "threadlab-loop-trace-2026-11-27.json");
    }
}
