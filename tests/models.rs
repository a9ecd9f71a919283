//! The execution models on real native threads: right results, every task
//! exactly once, and the concurrency each model promises.

// Needs OS threads: natively only (not in the wasm32 run of npm test).
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{check, job};
use threadlab::models::threads::ScopedThreads;
use threadlab::models::{processes, sequential, threads};
use threadlab::platform::NativeHost;
use threadlab::results::{Environment, ModelSummary, Results};
use threadlab::workloads::{count_loop::CountLoop, primes::Primes, sleep::Sleep};
use threadlab::{Experiment, Model, ModelRun, Status, Workload};

fn exp(workload: Workload, tasks: u32, workers: u32) -> Experiment {
    Experiment { workload, tasks, workers, ..Experiment::default() }
}

/// Do any two tasks of the run overlap in time on different workers?
fn overlapping(run: &ModelRun) -> bool {
    run.tasks.iter().any(|a| {
        run.tasks.iter().any(|b| a.worker != b.worker && a.start_ms < b.end_ms && b.start_ms < a.end_ms)
    })
}

#[test]
fn threads_share_one_queue_and_run_tasks_at_the_same_time() {
    let e = exp(Workload::Primes(Primes { size: 60_000 }), 8, 4);
    let run = threads::run(&job(&e), &ScopedThreads(4), &NativeHost, false);
    assert_eq!(check(&run, &e), Vec::<String>::new());
    assert_eq!(run.tasks.len(), 8);
    assert!(overlapping(&run), "CPU tasks on 4 threads should overlap in time");
}

#[test]
fn threads_overlap_blocking_waits() {
    let e = exp(Workload::Sleep(Sleep { ms: 60 }), 4, 4);
    let run = threads::run(&job(&e), &ScopedThreads(4), &NativeHost, false);
    assert!(check(&run, &e).is_empty());
    // Four 60 ms waits one after another take 240 ms; overlapped, about 60.
    assert!(run.wall_ms < 180.0, "waits did not overlap: {} ms", run.wall_ms);
}

#[test]
fn processes_run_isolated_workers_over_messages() {
    let e = exp(Workload::Loop(CountLoop { size: 200_000 }), 9, 3);
    let run = processes::run_native(&job(&e), &NativeHost).unwrap();
    assert_eq!(check(&run, &e), Vec::<String>::new());
    let mut workers: Vec<u32> = run.tasks.iter().map(|t| t.worker).collect();
    workers.sort();
    workers.dedup();
    assert!(workers.len() > 1, "tasks should spread over the pool: {workers:?}");
    let e = exp(Workload::Sleep(Sleep { ms: 60 }), 3, 3);
    let run = processes::run_native(&job(&e), &NativeHost).unwrap();
    assert!(run.wall_ms < 150.0, "waits did not overlap: {} ms", run.wall_ms);
}

#[test]
fn summary_computes_speedups_against_sequential() {
    let e = exp(Workload::Sleep(Sleep { ms: 30 }), 4, 4);
    let seq: Vec<ModelRun> = (0..3).map(|_| sequential::run(&job(&e), &NativeHost)).collect();
    let thr: Vec<ModelRun> = (0..3).map(|_| threads::run(&job(&e), &ScopedThreads(4), &NativeHost, false)).collect();
    let env = Environment { cores: 2, ..Environment::default() };
    let expected = job(&e).expected();
    let results = Results::new(
        e.clone(),
        env,
        vec![
            ModelSummary::from_runs(&e, &expected, Model::Sequential, &seq, None),
            ModelSummary::from_runs(&e, &expected, Model::Threads, &thr, None),
            ModelSummary::not_run(Model::Processes, 4, Status::Unavailable { reason: "not here".into() }),
        ],
    );
    let s = results.model(Model::Threads).unwrap();
    assert!(s.correct);
    assert_eq!(s.runs_ms.len(), 3);
    let speedup = s.speedup.unwrap();
    assert!(speedup > 2.0, "4 overlapped waits should be well over 2x: {speedup}");
    assert_eq!(results.model(Model::Sequential).unwrap().speedup, Some(1.0));
    assert!(results.explanation.contains("Processes did not run: not here"), "{}", results.explanation);
    // The JSON the scripting API returns parses back.
    let json = serde_json::to_string(&results).unwrap();
    assert_eq!(serde_json::from_str::<Results>(&json).unwrap(), results);
}
