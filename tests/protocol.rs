//! The worker's side of the protocol and the sequential model, with no OS
//! threads: runs natively and compiled to wasm32 (32-bit `usize`).

mod common;

use common::{check, job};
use threadlab::models::sequential;
use threadlab::platform::{Clock, NativeHost};
use threadlab::models::serve::WorkerState;
use threadlab::protocol::{decode, encode, Reply, Request};
use threadlab::trace::State;
use threadlab::workloads::{count_loop::CountLoop, primes::Primes};
use threadlab::{Experiment, ModelRun, Workload};

fn exp(workload: Workload, tasks: u32, workers: u32) -> Experiment {
    Experiment { workload, tasks, workers, ..Experiment::default() }
}

/// Do any two tasks of the run overlap in time on different workers?
fn overlapping(run: &ModelRun) -> bool {
    run.tasks.iter().any(|a| run.tasks.iter().any(|b| a.worker != b.worker && a.start_ms < b.end_ms && b.start_ms < a.end_ms))
}

#[test]
fn sequential_runs_every_task_in_order_on_one_worker() {
    let e = exp(Workload::Loop(CountLoop { size: 100_000 }), 5, 4);
    let run = sequential::run(&job(&e), &NativeHost);
    assert!(check(&run, &e).is_empty());
    assert_eq!(run.tasks.iter().map(|t| t.index).collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
    assert!(run.tasks.iter().all(|t| t.worker == 0));
    assert!(!overlapping(&run));
    assert!(run.tasks.windows(2).all(|w| w[0].end_ms <= w[1].start_ms));
}

#[test]
fn a_process_worker_refuses_bad_requests_without_panicking() {
    let mut w = WorkerState::new(7);
    let host = &NativeHost;
    assert!(matches!(w.handle(Request::Task { index: 0, sent_ms: 0.0 }, host, None), Reply::Failed { .. }));
    let hostile_job = r#"{"v":1,"type":"expected","job":{"experiment":{"workload":{"kind":"primes","size":99999999999},"tasks":100000}}}"#;
    let uncalibrated = r#"{"v":1,"type":"sequential","job":{"experiment":{"workload":{"kind":"mixed","recipe":"cpu 5ms"}}}}"#;
    for garbage in ["{not json", "", "null", r#"{"v":1,"type":"task","index":-1}"#, r#"{"v":99,"type":"calibrate"}"#, hostile_job, uncalibrated] {
        let reply: Reply = decode(&w.handle_text(garbage, host, None)).unwrap();
        assert!(matches!(reply, Reply::Failed { .. }), "{garbage}: {reply:?}");
    }
    let e = exp(Workload::Loop(CountLoop { size: 10 }), 2, 1);
    assert_eq!(w.handle(Request::Setup { job: job(&e) }, host, None), Reply::Ready);
    assert!(matches!(w.handle(Request::Task { index: 2, sent_ms: 0.0 }, host, None), Reply::Failed { .. }));
    assert!(matches!(w.handle(Request::Threads { job: job(&e), gil: true }, host, None), Reply::Failed { .. }), "no pool here");
    for _ in 0..2 {
        // The trace buffer is reused from task to task, and starts afresh.
        match w.handle(Request::Task { index: 1, sent_ms: host.now_ms() }, host, None) {
            Reply::Done { record, trace, truncated } => {
                assert!(!truncated);
                assert_eq!((record.index, record.worker, record.value), (1, 7, 45));
                let states: Vec<State> = trace.iter().map(|e| e.state).collect();
                assert_eq!(states, vec![State::Receiving, State::Running, State::Sending]);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_worker_answers_the_whole_protocol_in_text() {
    let mut w = WorkerState::new(0);
    let e = exp(Workload::Primes(Primes { size: 70_000 }), 2, 1);
    let ask = |w: &mut WorkerState, r: Request| -> Reply { decode(&w.handle_text(&encode(&r), &NativeHost, None)).unwrap() };
    assert_eq!(ask(&mut w, Request::Expected { job: job(&e) }), Reply::Expected { values: vec![Some(6_935); 2] });
    match ask(&mut w, Request::Sequential { job: job(&e) }) {
        Reply::Ran { run } => assert_eq!(check(&run, &e), Vec::<String>::new()),
        other => panic!("{other:?}"),
    }
    match ask(&mut w, Request::Calibrate) {
        Reply::Calibrated { cpu_iterations_per_ms } => assert!(cpu_iterations_per_ms > 0.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_or_missing_results_are_reported() {
    let e = exp(Workload::Loop(CountLoop { size: 1000 }), 3, 1);
    let mut run = sequential::run(&job(&e), &NativeHost);
    run.tasks[1].value += 1;
    run.tasks.pop();
    let problems = check(&run, &e);
    assert!(problems.iter().any(|p| p.contains("task 1 returned 499501 instead of 499500")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("1 of 3 tasks returned no result")), "{problems:?}");
}
