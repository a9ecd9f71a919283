//! A Python task that never ends is stopped by the run's budget, with a
//! sentence; the later tasks of that memory fail at once. (Its own test
//! binary: the budget is set for the whole process.)

mod common;

use serde_json::json;
use threadlab::models::sequential;
use threadlab::platform::NativeHost;
use threadlab::workloads::python::{set_run_budget_ms, Outcome};
use threadlab::Experiment;

#[test]
fn a_task_that_never_ends_is_stopped_by_the_budget() {
    set_run_budget_ms(300.0);
    let e = Experiment::from_value(&json!({ "workload": { "kind": "python", "code": "def task(i):\n    while True:\n        pass\n" }, "tasks": 2, "models": ["sequential"] }), 2).unwrap();
    let run = sequential::run(&common::job(&e), &NativeHost);
    assert!(run.wall_ms < 5_000.0, "{} ms", run.wall_ms);
    for t in &run.tasks {
        let error = t.extra.get::<Outcome>().unwrap().error.unwrap();
        assert!(error.starts_with("stopped: the tasks of this run took more than 300 ms"), "{error}");
    }
    let problems = common::check(&run, &e);
    assert!(problems.iter().any(|p| p.starts_with("task 0 failed: stopped")), "{problems:?}");
    // A sleep does not outlast it either.
    let e = Experiment::from_value(&json!({ "workload": { "kind": "python", "code": "import time\ndef task(i):\n    time.sleep(1000)\n" }, "tasks": 1, "models": ["sequential"] }), 2).unwrap();
    let run = sequential::run(&common::job(&e), &NativeHost);
    assert!(run.wall_ms < 5_000.0, "{} ms", run.wall_ms);
}
