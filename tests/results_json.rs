//! The results document is a public API (docs/api.md): scripts, links and
//! the page tests read it. Each workload with outputs of its own (the
//! convoy's latencies, a Mandelbrot tile's picture, the race's counters, the
//! deadlock's wait-for graph) and the plain ones are summarised here from
//! runs written as JSON (as a worker sends them) into a whole results
//! document, which must equal, key for key and value for value, the one in
//! `tests/fixtures/results/<name>.json`. Those files were written by this
//! test before the workloads' outputs moved out of the shared records, so it
//! proves the shape did not change. `THREADLAB_BLESS=1` rewrites them.
//!
//! Every document also reads back and writes out again unchanged (runs,
//! summaries, results), a model that did not run included.

use serde_json::{json, Value};
use threadlab::results::{Environment, ModelRun, ModelSummary, Results, Status};
use threadlab::workloads::count_loop::triangle;
use threadlab::{Experiment, Machine, Model};

fn env() -> Environment {
    Environment { cores: 4, browser: "Fixture 1".into(), cross_origin_isolated: true, timer_resolution_ms: 0.005, threads_unavailable: None, cpu_iterations_per_ms: None }
}

fn task(index: u32, worker: u32, start_ms: f64, ms: f64, value: u64) -> Value {
    json!({ "index": index, "worker": worker, "start_ms": start_ms, "end_ms": start_ms + ms, "value": value.to_string() })
}

fn with(mut v: Value, extra: Value) -> Value {
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v
}

fn run(model: &str, workers: u32, wall_ms: f64, tasks: Vec<Value>) -> Value {
    json!({ "model": model, "workers": workers, "wall_ms": wall_ms, "tasks": tasks })
}

/// Reads a run as a worker sends it; it writes out as it came.
fn read_run(v: &Value) -> ModelRun {
    let run: ModelRun = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"));
    assert_eq!(&serde_json::to_value(&run).unwrap(), v, "a run writes out as it was read");
    run
}

/// The results document of `exp` from `runs` (per model, its repeats as
/// JSON), plus `not_run` models, summarised as the page does.
fn document(exp: Value, runs: Vec<(Model, Vec<Value>)>, not_run: Vec<ModelSummary>) -> Value {
    let exp = Experiment::from_value(&exp, 4).expect("a valid experiment");
    let expected = exp.workload.expected(&Machine::default(), exp.tasks);
    let mut models: Vec<ModelSummary> = runs
        .iter()
        .map(|(model, runs)| {
            let runs: Vec<ModelRun> = runs.iter().map(read_run).collect();
            ModelSummary::from_runs(&exp, &expected, *model, &runs, Some(12.5))
        })
        .collect();
    models.extend(not_run);
    let results = Results::new(exp, env(), models);
    let doc = serde_json::to_value(&results).unwrap();
    // The document reads back into the same results, and writes out the same.
    let back: Results = serde_json::from_value(doc.clone()).expect("the document reads back");
    assert_eq!(back, results, "the document reads back into the same results");
    assert_eq!(serde_json::to_value(&back).unwrap(), doc, "and writes out the same");
    doc
}

/// The fixtures, in the binary (the wasm32 run sees no file system).
fn fixture(name: &str) -> &'static str {
    match name {
        "convoy" => include_str!("fixtures/results/convoy.json"),
        "mandelbrot" => include_str!("fixtures/results/mandelbrot.json"),
        "race" => include_str!("fixtures/results/race.json"),
        "deadlock" => include_str!("fixtures/results/deadlock.json"),
        "loop" => include_str!("fixtures/results/loop.json"),
        "data" => include_str!("fixtures/results/data.json"),
        _ => panic!("no fixture {name}"),
    }
}

/// Compares `doc` with its fixture (or rewrites it, natively, with
/// `THREADLAB_BLESS=1`).
fn matches_fixture(name: &str, doc: &Value) {
    #[cfg(not(target_family = "wasm"))]
    if std::env::var_os("THREADLAB_BLESS").is_some() {
        let path: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", "results", &format!("{name}.json")].iter().collect();
        std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap() + "\n").unwrap();
        return;
    }
    let want: Value = serde_json::from_str(fixture(name)).unwrap();
    if &want != doc {
        panic!("{name}: the results document changed shape or content:\n{}", differences(&want, doc, "$").join("\n"));
    }
}

/// Where two documents differ, by path.
fn differences(want: &Value, got: &Value, at: &str) -> Vec<String> {
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = Vec::new();
            for (k, v) in a {
                match b.get(k) {
                    Some(w) => out.extend(differences(v, w, &format!("{at}.{k}"))),
                    None => out.push(format!("{at}.{k}: missing")),
                }
            }
            out.extend(b.keys().filter(|k| !a.contains_key(*k)).map(|k| format!("{at}.{k}: not in the fixture")));
            out
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a.iter().zip(b).enumerate().flat_map(|(i, (v, w))| differences(v, w, &format!("{at}[{i}]"))).collect(),
        _ if want == got => vec![],
        _ => vec![format!("{at}: {want} in the fixture, {got} now")],
    }
}

fn models_of(doc: &Value) -> &Vec<Value> {
    doc["models"].as_array().unwrap()
}

fn model<'a>(doc: &'a Value, key: &str) -> &'a Value {
    models_of(doc).iter().find(|m| m["model"] == key).unwrap_or_else(|| panic!("no {key}"))
}

#[test]
fn the_convoy_reports_each_wake_up_per_task_and_their_latency_per_model() {
    let chunk = triangle(threadlab::workloads::convoy::CHUNK);
    // A worker writes no `latencies_ms` where there were none.
    let probe = |latencies: &[f64]| {
        let t = task(0, 0, 1000.0, 80.0, latencies.len() as u64);
        if latencies.is_empty() { t } else { with(t, json!({ "latencies_ms": latencies })) }
    };
    let doc = document(
        json!({ "workload": { "kind": "convoy", "cpu_ms": 100, "io_ms": 1 }, "workers": 2, "repeats": 2, "switch_interval_ms": 5, "models": ["sequential", "threads_gil", "threads", "processes"] }),
        vec![
            (Model::Sequential, vec![run("sequential", 1, 180.0, vec![probe(&[0.1, 0.2, 0.1]), task(1, 0, 1080.0, 100.0, 3 * chunk)]); 2]),
            (
                Model::ThreadsGil,
                vec![
                    run("threads_gil", 2, 101.0, vec![probe(&[4.9, 5.1, 4.8, 5.2]), task(1, 1, 1000.0, 100.0, 2 * chunk)]),
                    run("threads_gil", 2, 103.0, vec![probe(&[5.0, 4.7]), task(1, 1, 1000.0, 102.0, 2 * chunk)]),
                ],
            ),
            (Model::Threads, vec![run("threads", 2, 100.5, vec![probe(&[0.05, 0.08, 0.06]), task(1, 1, 1000.0, 100.0, 4 * chunk)]); 2]),
            // A probe that measured nothing: a problem, and no latency.
            (Model::Processes, vec![run("processes", 2, 104.0, vec![with(probe(&[]), json!({ "moving_ms": 0.4 })), with(task(1, 1, 1000.0, 100.0, 4 * chunk), json!({ "moving_ms": 0.3 }))]); 2]),
        ],
        vec![],
    );
    matches_fixture("convoy", &doc);
    assert_eq!(model(&doc, "threads_gil")["latency_ms"], json!({ "median": 5.0, "p95": 5.2, "max": 5.2, "samples": 6 }));
    assert_eq!(model(&doc, "threads_gil")["tasks"][0]["latencies_ms"], json!([4.9, 5.1, 4.8, 5.2]), "the median repeat's tasks (of a tie, the first), each wake-up");
    assert!(model(&doc, "processes").get("latency_ms").is_none());
    assert!(model(&doc, "processes")["tasks"][0].get("latencies_ms").is_none(), "no wake-ups: no key");
    assert!(model(&doc, "threads")["tasks"][1].get("latencies_ms").is_none(), "a CPU task has none");
}

#[test]
fn a_mandelbrot_tile_carries_its_picture() {
    let exp = json!({ "workload": { "kind": "mandelbrot", "size": 8, "iterations": 20 }, "tasks": 2, "workers": 2, "models": ["sequential", "threads", "processes"] });
    let e = Experiment::from_value(&exp, 4).unwrap();
    let threadlab::Workload::Mandelbrot(m) = &e.workload else { unreachable!() };
    let tile = |i: u32, worker: u32| {
        let (value, picture) = threadlab::workloads::mandelbrot::render(&threadlab::workloads::mandelbrot::Tile::of(m.size, 2, i), m.size, m.iterations, true, &mut || {});
        with(task(i, worker, 500.0 + f64::from(i), 2.0, value), json!({ "picture": picture }))
    };
    let doc = document(
        exp.clone(),
        vec![
            (Model::Sequential, vec![run("sequential", 1, 4.0, vec![tile(0, 0), tile(1, 0)])]),
            (Model::Threads, vec![run("threads", 2, 2.5, vec![tile(0, 0), tile(1, 1)])]),
            // A tile without its picture is still a tile.
            (Model::Processes, vec![run("processes", 2, 3.0, vec![tile(0, 1), with(task(1, 0, 501.0, 2.0, 0), json!({}))])]),
        ],
        vec![],
    );
    matches_fixture("mandelbrot", &doc);
    let pictures: Vec<usize> = model(&doc, "threads")["tasks"].as_array().unwrap().iter().map(|t| t["picture"].as_str().unwrap().len()).collect();
    assert_eq!(pictures, vec![32, 32], "one hexadecimal shade a pixel of a 4 × 8 tile");
    assert!(model(&doc, "processes")["tasks"][1].get("picture").is_none());
}

#[test]
fn the_race_reports_each_phase_counter_per_run_and_per_model() {
    let want = 1000u64;
    let t = |i: u32, w: u32, v: u64| task(i, w, 10.0 * f64::from(i), 5.0, v);
    let six = |values: [u64; 6]| (0..6u32).map(|i| t(i, i % 2, values[i as usize])).collect::<Vec<_>>();
    let doc = document(
        json!({ "workload": { "kind": "race", "increments": 500 }, "workers": 2, "repeats": 2, "models": ["sequential", "threads_gil", "threads", "processes"] }),
        vec![
            (Model::Sequential, vec![with(run("sequential", 1, 30.0, six([500; 6])), json!({ "counters": [want, want, want] })); 2]),
            (
                Model::ThreadsGil,
                vec![
                    with(run("threads_gil", 2, 31.0, six([500, 480, 500, 500, 500, 500])), json!({ "counters": [980, want, want] })),
                    with(run("threads_gil", 2, 33.0, six([500, 470, 500, 500, 500, 500])), json!({ "counters": [970, want, want] })),
                ],
            ),
            (Model::Threads, vec![with(run("threads", 2, 20.0, six([500, 300, 500, 500, 500, 500])), json!({ "counters": [800, want, want] })); 2]),
            // Processes share no counter: their partial sums add up.
            (Model::Processes, vec![run("processes", 2, 25.0, six([500; 6])); 2]),
        ],
        vec![],
    );
    matches_fixture("race", &doc);
    assert_eq!(model(&doc, "threads_gil")["counters"], json!([980, want, want]), "the median repeat's");
    assert_eq!(model(&doc, "processes")["counters"], json!([want, want, want]), "summed from the task values");
}

#[test]
fn the_deadlock_reports_the_wait_for_graph_per_run_and_per_model() {
    let graph = json!({ "stuck_ms": 1003.5, "waits": [
        { "worker": 0, "holds": ["A"], "waits_for": "B", "held_by": 1 },
        { "worker": 1, "holds": ["B"], "waits_for": "A", "held_by": 0 }
    ] });
    let t = |i: u32, w: u32, v: u64| task(i, w, 10.0 * f64::from(i), 5.0, v);
    let doc = document(
        json!({ "workload": { "kind": "deadlock", "hold_ms": 50, "watchdog_ms": 1000 }, "workers": 2, "repeats": 2, "models": ["sequential", "threads_gil", "processes"] }),
        vec![
            (Model::Sequential, vec![run("sequential", 1, 200.0, vec![t(0, 0, 1), t(1, 0, 2), t(2, 0, 3), t(3, 0, 4)]); 2]),
            (
                Model::ThreadsGil,
                vec![
                    with(run("threads_gil", 2, 1100.0, vec![t(0, 0, 0), t(1, 1, 0), t(2, 0, 3), t(3, 1, 4)]), json!({ "deadlock": graph })),
                    // A repeat that happened not to deadlock.
                    run("threads_gil", 2, 150.0, vec![t(0, 0, 1), t(1, 1, 2), t(2, 0, 3), t(3, 1, 4)]),
                ],
            ),
            (Model::Processes, vec![run("processes", 2, 120.0, vec![t(0, 0, 1), t(1, 1, 2), t(2, 0, 3), t(3, 1, 4)]); 2]),
        ],
        vec![ModelSummary::not_run(Model::Threads, 2, Status::Unavailable { reason: "not isolated".into() })],
    );
    matches_fixture("deadlock", &doc);
    assert_eq!(model(&doc, "threads_gil")["deadlock"], graph, "found in any repeat");
    assert!(model(&doc, "processes").get("deadlock").is_none());
    assert_eq!(model(&doc, "threads")["reason"], "not isolated");
    assert!(model(&doc, "threads").get("deadlock").is_none() && model(&doc, "threads").get("counters").is_none());
}

#[test]
fn plain_workloads_have_no_outputs_of_their_own() {
    let size = 1000u64;
    let t = |i: u32, w: u32| task(i, w, 10.0 * f64::from(i), 5.0, triangle(size));
    let doc = document(
        json!({ "workload": { "kind": "loop", "size": size }, "tasks": 4, "workers": 2, "models": ["sequential", "threads", "processes"] }),
        vec![
            (Model::Sequential, vec![run("sequential", 1, 20.0, (0..4).map(|i| t(i, 0)).collect())]),
            (Model::Threads, vec![run("threads", 2, 10.0, (0..4).map(|i| t(i, i % 2)).collect())]),
            (
                Model::Processes,
                vec![with(
                    run("processes", 2, 11.0, vec![t(0, 0), t(2, 0), t(3, 1)]),
                    json!({ "lost": [{ "index": 1, "worker": 1, "error": "the worker crashed" }] }),
                )],
            ),
        ],
        vec![ModelSummary::not_run(Model::ThreadsGil, 2, Status::Failed { error: "it trapped".into() })],
    );
    matches_fixture("loop", &doc);
    let own = ["latency_ms", "counters", "deadlock"];
    for m in models_of(&doc) {
        assert!(own.iter().all(|k| m.get(*k).is_none()), "{m}");
        for t in m["tasks"].as_array().unwrap() {
            assert!(t.get("latencies_ms").is_none() && t.get("picture").is_none(), "{t}");
        }
    }
    assert_eq!(model(&doc, "threads_gil")["error"], "it trapped");
}

#[test]
fn data_reports_what_moving_its_input_cost() {
    let exp = json!({ "workload": { "kind": "data", "bytes": 4096 }, "tasks": 2, "workers": 2, "models": ["sequential", "processes"] });
    let e = Experiment::from_value(&exp, 4).unwrap();
    let expected = e.workload.expected(&Machine::default(), e.tasks);
    let t = |i: u32, w: u32| task(i, w, 10.0 * f64::from(i), 2.0, expected[i as usize].unwrap_or(0));
    let doc = document(
        exp.clone(),
        vec![
            (Model::Sequential, vec![run("sequential", 1, 4.0, vec![t(0, 0), t(1, 0)])]),
            (Model::Processes, vec![run("processes", 2, 3.0, vec![with(t(0, 0), json!({ "moved_bytes": 2048, "moving_ms": 0.5 })), with(t(1, 1), json!({ "moved_bytes": 2048, "moving_ms": 0.25 }))])]),
        ],
        vec![],
    );
    matches_fixture("data", &doc);
    assert_eq!(model(&doc, "processes")["communication"], json!({ "input_bytes": 4096, "bytes_moved": 4096, "moving_ms": 0.75, "computing_ms": 4.0 }));
}

/// Each workload's own outputs as its own code makes them, through the
/// core's runner on native workers (threads share memory; processes send
/// their records as protocol text): at the keys docs/api.md names.
#[cfg(not(target_family = "wasm"))]
#[test]
fn a_real_run_writes_each_workloads_outputs_where_the_document_says() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use threadlab::native::{block_on, Threads};
    use threadlab::plan::Plan;
    use threadlab::runner::{Progress, Run, Runner};
    let runner = Runner::new(Threads::new());
    let go = |v: Value| -> Value {
        let e = Experiment::from_value(&v, 2).expect("a valid experiment");
        let cancel = AtomicBool::new(false);
        let cancelled = || cancel.load(Ordering::SeqCst);
        let progress = |_: Progress| {};
        let mut out = block_on(runner.run(&Run { cancelled: &cancelled, progress: &progress }, &Plan::of(&e), &env())).expect("the run finishes");
        let doc = serde_json::to_value(out.pop().unwrap()).unwrap();
        let back: Results = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), doc, "reads back and writes out the same");
        doc
    };

    let convoy = go(json!({ "workload": { "kind": "convoy", "cpu_ms": 60, "io_ms": 1 }, "workers": 2, "models": ["sequential", "threads_gil", "processes"] }));
    for m in models_of(&convoy) {
        let l = &m["latency_ms"];
        assert!(["median", "p95", "max", "samples"].iter().all(|k| l[k].is_number()), "{}: {l}", m["model"]);
        let probe = m["tasks"].as_array().unwrap().iter().find(|t| t["index"] == 0).unwrap();
        assert!(probe["latencies_ms"].as_array().is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_number)), "{probe}");
    }

    let race = go(json!({ "workload": { "kind": "race", "increments": 20000 }, "workers": 2, "models": ["sequential", "threads", "processes"] }));
    for m in models_of(&race) {
        assert!(m["counters"].as_array().is_some_and(|c| c.len() == 3 && c.iter().all(Value::is_u64)), "{}", m["counters"]);
    }

    let deadlock = go(json!({ "workload": { "kind": "deadlock", "hold_ms": 20, "watchdog_ms": 150 }, "workers": 2, "models": ["sequential", "threads_gil", "processes"] }));
    for m in models_of(&deadlock) {
        let said = m["problems"].as_array().unwrap().iter().any(|p| p.as_str().unwrap().contains("deadlock:"));
        assert_eq!(m.get("deadlock").is_some(), said, "{}: the graph is there when the check names a deadlock", m["model"]);
        if let Some(d) = m.get("deadlock") {
            assert!(d["stuck_ms"].is_number() && d["waits"].as_array().is_some_and(|w| w.iter().all(|e| e["worker"].is_u64() && e["waits_for"].is_string())), "{d}");
        }
    }
    assert!(model(&deadlock, "processes").get("deadlock").is_none(), "each process has its own locks");

    let mandelbrot = go(json!({ "workload": { "kind": "mandelbrot", "size": 16, "iterations": 50 }, "tasks": 4, "workers": 2, "models": ["sequential", "threads", "processes_static"] }));
    for m in models_of(&mandelbrot) {
        let tasks = m["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 4);
        assert!(tasks.iter().all(|t| t["picture"].as_str().is_some_and(|p| p.len() == 8 * 8 && p.chars().all(|c| c.is_ascii_hexdigit()))), "{}", m["model"]);
    }
    runner.workers.terminate_all();
}

/// Every key a model's summary or a task's record has in the fixtures is
/// one docs/api.md names (`key` or "key").
#[test]
fn every_key_of_a_model_and_a_task_is_documented() {
    let docs = include_str!("../docs/api.md");
    let mut missing = Vec::new();
    for name in ["convoy", "mandelbrot", "race", "deadlock", "loop", "data"] {
        let doc: Value = serde_json::from_str(fixture(name)).unwrap();
        for m in models_of(&doc) {
            let tasks = m["tasks"].as_array().unwrap().iter();
            for key in m.as_object().unwrap().keys().chain(tasks.flat_map(|t| t.as_object().unwrap().keys())) {
                if !docs.contains(&format!("`{key}`")) && !docs.contains(&format!("\"{key}\"")) && !missing.contains(key) {
                    missing.push(key.clone());
                }
            }
        }
    }
    assert_eq!(missing, Vec::<String>::new(), "keys of the results document that docs/api.md does not name");
}
