//! The execution models on real native threads: right results, every task
//! exactly once, and the concurrency each model promises.

use threadlab::models::threads::ScopedThreads;
use threadlab::models::{processes, sequential, threads};
use threadlab::platform::NativeHost;
use threadlab::protocol::{ProcessWorker, Reply, Request};
use threadlab::results::{Environment, ModelSummary, Results};
use threadlab::{Experiment, Model, ModelRun, Workload};

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
fn sequential_runs_every_task_in_order_on_one_worker() {
    let e = exp(Workload::Loop { size: 100_000 }, 5, 4);
    let run = sequential::run(&e, &NativeHost);
    assert!(run.check(&e).is_empty());
    assert_eq!(run.tasks.iter().map(|t| t.index).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
    assert!(run.tasks.iter().all(|t| t.worker == 0));
    assert!(!overlapping(&run));
    assert!(run.tasks.windows(2).all(|w| w[0].end_ms <= w[1].start_ms));
}

#[test]
fn threads_share_one_queue_and_run_tasks_at_the_same_time() {
    let e = exp(Workload::Primes { size: 60_000 }, 8, 4);
    let run = threads::run(&e, &ScopedThreads(4), &NativeHost, false);
    assert_eq!(run.check(&e), Vec::<String>::new());
    assert_eq!(run.tasks.len(), 8);
    assert!(overlapping(&run), "CPU tasks on 4 threads should overlap in time");
}

#[test]
fn threads_overlap_blocking_waits() {
    let e = exp(Workload::Sleep { ms: 60 }, 4, 4);
    let run = threads::run(&e, &ScopedThreads(4), &NativeHost, false);
    assert!(run.check(&e).is_empty());
    // Four 60 ms waits one after another take 240 ms; overlapped, about 60.
    assert!(run.wall_ms < 180.0, "waits did not overlap: {} ms", run.wall_ms);
}

#[test]
fn processes_run_isolated_workers_over_messages() {
    let e = exp(Workload::Loop { size: 200_000 }, 9, 3);
    let run = processes::run_native(&e, &NativeHost).unwrap();
    assert_eq!(run.check(&e), Vec::<String>::new());
    let mut workers: Vec<u32> = run.tasks.iter().map(|t| t.worker).collect();
    workers.sort();
    workers.dedup();
    assert!(workers.len() > 1, "tasks should spread over the pool: {workers:?}");
    let e = exp(Workload::Sleep { ms: 60 }, 3, 3);
    let run = processes::run_native(&e, &NativeHost).unwrap();
    assert!(run.wall_ms < 150.0, "waits did not overlap: {} ms", run.wall_ms);
}

#[test]
fn a_process_worker_refuses_bad_requests_without_panicking() {
    let mut w = ProcessWorker::new(7);
    assert!(matches!(w.handle(Request::Task { index: 0, sent_ms: None }, &NativeHost), Reply::Failed { .. }));
    let reply = w.handle_json("{not json", &NativeHost);
    assert!(reply.contains("failed") && reply.contains("unreadable request"), "{reply}");
    let e = exp(Workload::Loop { size: 10 }, 2, 1);
    assert_eq!(w.handle(Request::Setup { experiment: e }, &NativeHost), Reply::Ready { worker: 7 });
    assert!(matches!(w.handle(Request::Task { index: 2, sent_ms: None }, &NativeHost), Reply::Failed { .. }));
    match w.handle(Request::Task { index: 1, sent_ms: None }, &NativeHost) {
        Reply::Done { record, .. } => assert_eq!((record.index, record.worker, record.value), (1, 7, 45)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_or_missing_results_are_reported() {
    let e = exp(Workload::Loop { size: 1000 }, 3, 1);
    let mut run = sequential::run(&e, &NativeHost);
    run.tasks[1].value += 1;
    run.tasks.pop();
    let problems = run.check(&e);
    assert!(problems.iter().any(|p| p.contains("task 1 returned 499501 instead of 499500")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("1 of 3 tasks returned no result")), "{problems:?}");
}

#[test]
fn summary_computes_speedups_against_sequential() {
    let e = exp(Workload::Sleep { ms: 30 }, 4, 4);
    let seq: Vec<ModelRun> = (0..3).map(|_| sequential::run(&e, &NativeHost)).collect();
    let thr: Vec<ModelRun> = (0..3).map(|_| threads::run(&e, &ScopedThreads(4), &NativeHost, false)).collect();
    let env = Environment { cores: 2, ..Environment::default() };
    let results = Results::new(
        e.clone(),
        env,
        vec![
            ModelSummary::from_runs(&e, Model::Sequential, &seq, None),
            ModelSummary::from_runs(&e, Model::Threads, &thr, None),
            ModelSummary::unavailable(Model::Processes, 4, "not here".into()),
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
