//! The Python program of every lesson, run under the machine's CPython with
//! small sizes: it must exit 0, print its timings, and return the values
//! ThreadLab's tasks must return. Natively only (it starts `python3`).
#![cfg(not(target_family = "wasm"))]

use std::process::Command;
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

#[test]
fn every_lesson_runs_under_cpython_with_the_same_values() {
    let machine = Machine { cpu_iterations_per_ms: Some(2_000.0) };
    let dir = std::env::temp_dir().join(format!("threadlab-python-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for lesson in lessons::ALL {
        let exp = small(lesson.experiment(2));
        let expected = Job::new(exp.clone(), machine).unwrap().expected();
        // Work sized in time (mixed, convoy) returns what the machine did in it.
        let same_values = exp.workload.python(&machine).same_values;
        let file = dir.join(format!("{}.py", lesson.id));
        std::fs::write(&file, python::program(&exp, &machine)).unwrap();
        let out = Command::new("python3").arg(&file).output().expect("python3 runs (the machine's CPython)");
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
        eprintln!("{}:\n{stdout}", lesson.id);
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
        let Some(code) = python::short(&exp, &machine) else { continue };
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
