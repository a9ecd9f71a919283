//! The Python program of every lesson, run under the machine's CPython as a
//! learner gets it when it is sized to seconds (its `SCALE`), else with
//! small sizes: it must exit 0, print its timings, and return the values
//! ThreadLab's tasks must return at its size. Natively only (it starts
//! `python3`).
#![cfg(not(target_family = "wasm"))]

use std::process::Command;
use threadlab::workloads::python::{Python, DEFAULT_CODE};
use threadlab::workloads::{convoy::Convoy, deadlock::DeadlockTask, join::Join, mandelbrot::Mandelbrot, count_loop::CountLoop, crash::Crash, data::Data, mixed::Mixed, primes::Primes, race::Race, sleep::Sleep, Workload};
use threadlab::{lessons, python, Experiment, Job, Machine};

/// The lesson's experiment, small enough for CPython in a test.
fn small(e: Experiment) -> Experiment {
    let workload = match e.workload {
        Workload::Loop(_) => Workload::Loop(CountLoop { size: 200_000 }),
        Workload::Primes(_) => Workload::Primes(Primes { size: 20_000 }),
        Workload::Sleep(_) => Workload::Sleep(Sleep { ms: 20 }),
        Workload::Mixed(m) => Workload::Mixed(Mixed { recipe: m.recipe }),
        Workload::Convoy(_) => Workload::Convoy(Convoy { cpu_ms: 60, io_ms: 1 }),
        Workload::Crash(c) => Workload::Crash(Crash { size: 100_000, task: c.task }),
        Workload::Data(d) => Workload::Data(Data { bytes: 1 << 20, cpu_ms: 5, ..d }),
        Workload::Race(_) => Workload::Race(Race { increments: 20_000 }),
        Workload::Deadlock(_) => Workload::Deadlock(DeadlockTask { hold_ms: 20, watchdog_ms: 200 }),
        Workload::Join(_) => Workload::Join(Join { size: 100_000 }),
        Workload::Mandelbrot(_) => Workload::Mandelbrot(Mandelbrot { size: 40, iterations: 100 }),
        Workload::Python(p) => Workload::Python(Python { code: p.code.replace("10_000_000", "200_000") }),
    };
    // The race runs three tasks per worker, whatever `tasks` says.
    let tasks = match &workload {
        Workload::Race(_) => 6,
        Workload::Deadlock(_) | Workload::Join(_) => 4,
        _ => e.tasks.min(4),
    };
    // A sweep: two counts are enough to run its Python.
    let sweep = e.sweep.map(|_| threadlab::experiment::Sweep { workers: vec![1, 2] });
    Experiment { workload, tasks, workers: 2, repeats: 1, sweep, ..e }
}

/// The cores the programs are sized for (the sizing is the same on any machine).
const CORES: u32 = 2;

#[test]
fn every_lesson_runs_under_cpython_with_the_same_values() {
    let machine = Machine { cpu_iterations_per_ms: Some(2_000.0) };
    let dir = std::env::temp_dir().join(format!("threadlab-python-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut sized_down = 0;
    for lesson in lessons::ALL {
        // The program as the panel gives it, where it is sized to seconds.
        let page = lesson.experiment(2);
        let exp = if python::sizing(&page, CORES).is_some_and(|s| s.scale < 1.0) {
            sized_down += 1;
            page
        } else {
            small(page)
        };
        // What its tasks must return: the experiment at the program's SCALE.
        let expected = Job::new(python::sized(&exp, CORES), machine).unwrap().expected();
        // Work sized in time (mixed, convoy) returns what the machine did in it.
        let same_values = exp.workload.python(&machine).same_values;
        let file = dir.join(format!("{}.py", lesson.id));
        std::fs::write(&file, python::program(&exp, &machine, CORES)).unwrap();
        let start = std::time::Instant::now();
        let out = Command::new("python3").arg(&file).output().expect("python3 runs (the machine's CPython)");
        let took = start.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: exit {:?}\n{stdout}\n{}", lesson.id, out.status, String::from_utf8_lossy(&out.stderr));
        for m in &exp.models {
            let line = stdout.lines().find(|l| l.starts_with(m.as_str())).unwrap_or_else(|| panic!("{}: no line for {m}\n{stdout}", lesson.id));
            assert!(line.contains("median") || line.contains("skipped") || line.contains("the whole program died"), "{}: {line}", lesson.id);
        }
        let values = stdout.lines().find_map(|l| l.strip_prefix("THREADLAB_VALUES ")).unwrap_or_else(|| panic!("{}: no values\n{stdout}", lesson.id));
        let values: serde_json::Map<String, serde_json::Value> = serde_json::from_str(values).unwrap();
        assert!(!values.is_empty(), "{}: no model ran", lesson.id);
        for (model, got) in &values {
            // null: a task lost with its process (the crash lesson).
            let got: Vec<Option<u64>> = got.as_array().unwrap().iter().map(|v| v.as_str().map(|s| s.parse().unwrap())).collect();
            assert_eq!(got.len(), exp.tasks as usize, "{}: {model}", lesson.id);
            for (i, (g, want)) in got.iter().zip(&expected).enumerate() {
                if let (true, Some(g), Some(want)) = (same_values, g, want) {
                    assert_eq!(g, want, "{}: {model}, task {i}", lesson.id);
                }
            }
        }
        eprintln!("{} ({:.1} s):\n{stdout}", lesson.id, took.as_secs_f64());
    }
    assert!(sized_down >= 5, "the CPU lessons' programs are sized to seconds ({sized_down})");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The python workload's program is the learner's own code in the
/// executor harness: the default task, made smaller, under CPython returns
/// what ThreadLab's Python returns for it on every model.
#[test]
fn the_python_workloads_default_runs_under_cpython_with_the_same_values() {
    let machine = Machine { cpu_iterations_per_ms: Some(2_000.0) };
    let exp = small(Experiment::from_value(&serde_json::json!({ "workload": { "kind": "python", "code": DEFAULT_CODE },
        "models": ["sequential", "threads_gil", "threads", "processes", "process_per_task", "hybrid"] }), 2).unwrap());
    let ours = threadlab::models::sequential::run(&Job::new(exp.clone(), machine).unwrap(), &threadlab::platform::NativeHost);
    assert_eq!(ours.tasks.len(), 4);
    let dir = std::env::temp_dir().join(format!("threadlab-python-workload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("python.py");
    std::fs::write(&file, python::program(&exp, &machine, CORES)).unwrap();
    let out = Command::new("python3").arg(&file).output().expect("python3 runs (the machine's CPython)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "exit {:?}\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    let values = stdout.lines().find_map(|l| l.strip_prefix("THREADLAB_VALUES ")).unwrap_or_else(|| panic!("no values\n{stdout}"));
    let values: serde_json::Map<String, serde_json::Value> = serde_json::from_str(values).unwrap();
    // Every model but threads without a GIL (skipped under a CPython with one).
    assert!(values.len() >= exp.models.len() - 1, "{stdout}");
    for (model, got) in &values {
        let got: Vec<&str> = got.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let want: Vec<String> = ours.tasks.iter().map(|t| t.value.to_string()).collect();
        assert_eq!(got, want, "{model}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_short_version_runs_under_cpython() {
    let machine = Machine { cpu_iterations_per_ms: Some(2_000.0) };
    let dir = std::env::temp_dir().join(format!("threadlab-short-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut shown = 0;
    for lesson in lessons::ALL {
        let exp = small(lesson.experiment(2));
        let Some(code) = python::short(&exp, &machine, CORES) else { continue };
        shown += 1;
        assert!(code.lines().count() < 100, "{}: a short version is short ({} lines)", lesson.id, code.lines().count());
        let file = dir.join(format!("{}-short.py", lesson.id));
        std::fs::write(&file, &code).unwrap();
        let out = Command::new("python3").arg(&file).output().expect("python3 runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}: exit {:?}\n{stdout}\n{}", lesson.id, out.status, String::from_utf8_lossy(&out.stderr));
        assert!(stdout.lines().any(|l| l.starts_with("sequential") || l.starts_with("threads") || l.starts_with("processes")), "{}: {stdout}", lesson.id);
        let timed = |l: &&str| ["sequential", "threads", "processes"].iter().any(|p| l.starts_with(p));
        assert!(stdout.lines().filter(timed).all(|l| l.trim_end().ends_with(" s")), "{}: {stdout}", lesson.id);
    }
    assert!(shown >= 10, "most lessons have a short version ({shown})");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The basis of [`python::estimate_ms`]: CPython's time per iteration of
/// each CPU workload's cost ([`threadlab::workloads::Cost::Iterations`]),
/// measured by running its Python task (helpers and body, as the program
/// has them) one task after another under the machine's `python3`, best of
/// three. Not a check: run it to measure again (`cargo test --test python
/// -- --ignored --nocapture`) and copy the figures into the workloads'
/// `PYTHON_NS_PER_ITERATION` constants with the Python and machine used.
#[test]
#[ignore]
fn measure_cpython_time_per_iteration() {
    let machine = Machine { cpu_iterations_per_ms: Some(2_000.0) };
    let cases: Vec<(Workload, u32)> = vec![
        (Workload::Loop(CountLoop { size: 10_000_000 }), 1),
        (Workload::Primes(Primes { size: 300_000 }), 1),
        (Workload::Race(Race { increments: 1_000_000 }), 3),
        (Workload::Mandelbrot(Mandelbrot { size: 300, iterations: 300 }), 4),
    ];
    let dir = std::env::temp_dir().join(format!("threadlab-speed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let version = Command::new("python3").arg("--version").output().expect("python3 runs");
    eprintln!("{}", String::from_utf8_lossy(&version.stdout).trim());
    for (workload, tasks) in cases {
        let task = workload.python(&machine);
        let threadlab::workloads::Cost::Iterations(cost) = workload.cost() else { panic!("a CPU workload") };
        let whole = if workload.splits_one_job() { cost } else { cost * f64::from(tasks) };
        let code = format!(
            "import math, sys, threading, time\nTASKS = {tasks}\nREPEATS = 1\nSCALE = 1\n{}\n{}\n{}\ndef task(i):\n{}\n\nbest = min(\n    (lambda s: ([task(i) for i in range(TASKS)], time.perf_counter() - s)[1])(time.perf_counter())\n    for _ in range(3)\n)\nprint(best * 1000)\n",
            threadlab::workloads::PYTHON_SCALED,
            threadlab::workloads::PYTHON_SCALED_SIDE,
            task.helpers,
            task.body.trim_end()
        );
        let file = dir.join("speed.py");
        std::fs::write(&file, code).unwrap();
        let out = Command::new("python3").arg(&file).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let ms: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        eprintln!("{}: {ms:.0} ms for {whole:.3e} iterations: {:.2} ns per iteration", workload.describe(), ms * 1e6 / whole);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_panel_s_estimate_is_near_what_cpython_takes() {
    // The GIL lesson's program as the panel gives it, sized to seconds: the
    // estimate (from the measured speed per iteration) against the
    // program's wall time here.
    let machine = Machine { cpu_iterations_per_ms: Some(2_000.0) };
    let exp = lessons::find("gil-cpu").expect("the GIL lesson").experiment(2);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let sizing = python::sizing(&exp, cores).expect("the loop's Python speed is known");
    let estimate = python::estimate_ms(&python::sized(&exp, cores), cores).unwrap();
    assert_eq!(estimate, sizing.ms);
    assert!(sizing.scale < 1.0 && estimate <= python::AIM_MS, "{sizing:?}");
    assert!(python::estimate_sentence(&exp, cores).unwrap().starts_with("Under CPython the complete program takes about "));
    let file = std::env::temp_dir().join(format!("threadlab-estimate-{}.py", std::process::id()));
    std::fs::write(&file, python::program(&exp, &machine, cores)).unwrap();
    let start = std::time::Instant::now();
    let out = Command::new("python3").arg(&file).output().expect("python3 runs");
    let took = start.elapsed().as_secs_f64() * 1000.0;
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    eprintln!("estimated {estimate:.0} ms, took {took:.0} ms");
    // Another machine's CPython, a busy machine and starting the pools
    // (not estimated) move it; an estimate off by more is wrong.
    assert!(took > 0.5 * estimate && took < 2.5 * estimate + 2_000.0, "estimated {estimate:.0} ms, took {took:.0} ms");
}
