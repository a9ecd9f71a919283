//! The python workload: the learner's `def task(i)` run by ThreadLab's
//! Python on every model, with CPython's semantics by model (one heap for
//! a pool's threads, one per process), its values checked against the
//! sequential model's, and every bad input refused or failed with a
//! sentence. The validation and sequential tests also run on wasm32.

mod common;

use common::job;
use serde_json::json;
use threadlab::models::sequential;
use threadlab::platform::NativeHost;
use threadlab::workloads::python::{check_code, Outcome, DEFAULT_CODE, MAX_CODE_CHARS};
use threadlab::{Experiment, ExperimentError, ModelRun};

fn exp(code: &str, tasks: u32, workers: u32, models: &[&str]) -> Experiment {
    Experiment::from_value(&json!({ "workload": { "kind": "python", "code": code }, "tasks": tasks, "workers": workers, "models": models, "repeats": 1 }), 2)
        .expect("a valid experiment")
}

fn outcome(run: &ModelRun, index: u32) -> Outcome {
    run.tasks.iter().find(|t| t.index == index).expect("the task ran").extra.get().expect("a python task's outcome")
}

/// A smaller loop than the default (debug builds interpret slowly).
fn small_loop(n: u32) -> String {
    DEFAULT_CODE.replace("10_000_000", &n.to_string())
}

#[test]
fn the_default_is_the_tutorials_cpu_task_and_validates() {
    let e = Experiment::from_value(&json!({ "workload": { "kind": "python" } }), 2).unwrap();
    let threadlab::Workload::Python(p) = &e.workload else { panic!("a python workload") };
    assert_eq!(p.code, DEFAULT_CODE);
    assert!(p.code.starts_with("def task(i):\n    total = 0\n    for n in range(10_000_000):"));
}

#[test]
fn syntax_errors_name_the_field_line_and_column_as_data() {
    let err = Experiment::from_value(&json!({ "workload": { "kind": "python", "code": "def task(i):\n    return (i +\n" } }), 2).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("`workload.code` (line "), "{text}");
    assert!(text.contains("SyntaxError"), "{text}");
    assert_eq!(err.field(), Some("workload.code"));
    // Where CPython puts it: at the bracket never closed.
    assert_eq!(err.position(), Some((2, 12)), "{text}");
    assert!(text.contains("'(' was never closed"), "{text}");
    let e = check_code("def task(i):\nreturn 1\n").unwrap_err();
    assert_eq!((e.line, e.message.contains("line 2")), (2, true), "{e:?}");
    // A construct outside the subset is named, before anything runs.
    let e = check_code("import numpy\ndef task(i):\n    return 1\n").unwrap_err();
    assert!(e.message.contains("numpy") && e.line == 1, "{e:?}");
}

#[test]
fn a_missing_task_a_wrong_arity_and_too_long_code_are_refused() {
    let missing = check_code("def work(i):\n    return i\n").unwrap_err();
    assert!(missing.message.contains("def task(i)"), "{missing:?}");
    let arity = check_code("\n\ndef task(i, j):\n    return i\n").unwrap_err();
    assert!(arity.message.contains("one parameter") && arity.message.contains("takes 2"), "{arity:?}");
    assert_eq!(arity.line, 3);
    assert!(check_code("def task(i, j=1):\n    return i\n").is_ok(), "a default makes one argument enough");
    let long = format!("def task(i):\n    return 1\n#{}\n", "x".repeat(MAX_CODE_CHARS));
    let err = Experiment::from_value(&json!({ "workload": { "kind": "python", "code": long } }), 2).unwrap_err();
    assert!(matches!(err, ExperimentError::Code { .. }) && err.to_string().contains("20,000"), "{err}");
}

#[test]
fn sequential_runs_every_task_on_one_interpreter() {
    let code = format!("calls = 0\n{}", small_loop(10_000).replace("    total = 0\n", "    global calls\n    calls += 1\n    total = 0\n")).replace("return total", "return (total, calls)");
    let e = exp(&code, 3, 1, &["sequential"]);
    let run = sequential::run(&job(&e), &NativeHost);
    assert_eq!(run.tasks.len(), 3);
    // One heap: the module global counts every task.
    let reprs: Vec<String> = (0..3).map(|i| outcome(&run, i).repr.unwrap()).collect();
    assert_eq!(reprs, ["(49995000, 1)", "(49995000, 2)", "(49995000, 3)"]);
    let globals: threadlab::workloads::python::Globals = run.extra.get().expect("the run's globals");
    assert_eq!(globals.globals["calls"], "3");
}

#[test]
fn an_int_is_its_own_value_and_prints_are_kept() {
    let e = exp("def task(i):\n    print('task', i)\n    return i * 10 ** 3\n", 2, 1, &["sequential"]);
    let run = sequential::run(&job(&e), &NativeHost);
    assert_eq!(run.tasks.iter().map(|t| t.value).collect::<Vec<_>>(), [0, 1000]);
    assert_eq!(outcome(&run, 1).printed, "task 1\n");
    assert!(common::check(&run, &e).is_empty());
}

#[test]
fn runtime_errors_fail_the_task_with_its_traceback() {
    for (code, want) in [
        ("def task(i):\n    return 1 // (i - 1)\n", "ZeroDivisionError: integer division or modulo by zero"),
        ("def task(i):\n    return undefined_name\n", "NameError: name 'undefined_name' is not defined"),
        ("def task(i):\n    if i == 1:\n        raise ValueError('bad task')\n    return i\n", "ValueError: bad task"),
    ] {
        let e = exp(code, 3, 1, &["sequential"]);
        let run = sequential::run(&job(&e), &NativeHost);
        assert_eq!(run.tasks.len(), 3, "every task still ran");
        let failed = outcome(&run, 1);
        let error = failed.error.expect("task 1 failed");
        assert!(error.starts_with(want), "{error}");
        assert!(failed.traceback.unwrap().starts_with("Traceback (most recent call last):\n  File \"<task>\", line "));
        let problems = common::check(&run, &e);
        assert!(problems.iter().any(|p| p.starts_with("task 1 failed: ") && p.contains(want)), "{problems:?}");
    }
}

#[test]
fn unbounded_recursion_is_a_recursion_error_and_growth_a_memory_error() {
    let e = exp("def f(n):\n    return f(n + 1) + 1\ndef task(i):\n    return f(0)\n", 1, 1, &["sequential"]);
    let run = sequential::run(&job(&e), &NativeHost);
    let error = outcome(&run, 0).error.unwrap();
    assert!(error.starts_with("RecursionError"), "{error}");
    let e = exp("def task(i):\n    xs = []\n    while True:\n        xs.append([0] * 100_000)\n", 1, 1, &["sequential"]);
    let run = sequential::run(&job(&e), &NativeHost);
    let error = outcome(&run, 0).error.unwrap();
    assert!(error.starts_with("MemoryError"), "{error}");
}

// What needs OS threads: natively only.
#[cfg(not(target_family = "wasm"))]
mod threads {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use threadlab::models::threads::ScopedThreads;
    use threadlab::models::{processes, threads};
    use threadlab::native::{block_on, Threads};
    use threadlab::plan::Plan;
    use threadlab::results::{Environment, Status};
    use threadlab::runner::{Run, Runner};
    use threadlab::workloads::python::Globals;
    use threadlab::{Model, Results};

    fn run_all(e: &Experiment) -> Results {
        let runner = Runner::new(Threads::new());
        let env = Environment { cores: 2, browser: "native".into(), cross_origin_isolated: true, timer_resolution_ms: 0.001, threads_unavailable: None, cpu_iterations_per_ms: None };
        let cancel = AtomicBool::new(false);
        let cancelled = || cancel.load(std::sync::atomic::Ordering::SeqCst);
        let out = block_on(runner.run(&Run { cancelled: &cancelled, progress: &|_| {} }, &Plan::of(e), &env));
        runner.workers.terminate_all();
        out.expect("the run finishes").pop().unwrap()
    }

    #[test]
    fn the_task_runs_on_every_model_through_the_runner_with_the_same_values() {
        let e = exp(&small_loop(200_000), 4, 2, &["sequential", "threads_gil", "threads", "threads_static", "processes", "process_per_task", "hybrid"]);
        let results = run_all(&e);
        for m in &results.models {
            assert_eq!(m.status, Status::Ran, "{}", m.label);
            assert!(m.correct, "{}: {:?}", m.label, m.problems);
            assert_eq!(m.tasks.len(), 4, "{}", m.label);
            for t in &m.tasks {
                assert_eq!(t.value, 19_999_900_000, "{}", m.label);
                assert_eq!(t.extra.get::<Outcome>().unwrap().repr.as_deref(), Some("19999900000"));
            }
        }
        // A process's result crossed as bytes, counted as moved.
        assert!(results.model(Model::Processes).unwrap().tasks.iter().all(|t| t.moved_bytes > 0));
        assert!(results.model(Model::Hybrid).unwrap().tasks.iter().all(|t| t.moved_bytes > 0));
        for m in [Model::Sequential, Model::Threads, Model::ThreadsGil] {
            assert!(results.model(m).unwrap().tasks.iter().all(|t| t.moved_bytes == 0), "{m}");
        }
    }

    #[test]
    fn random_is_seeded_by_the_task_index_so_every_model_draws_the_same() {
        // Task i starts as after `random.seed(i)`: CPython's numbers for it
        // (MT19937), whichever worker, thread or process runs the task.
        let code = "import random\ndef task(i):\n    return random.randint(1, 10**9)\n";
        let results = run_all(&exp(code, 4, 2, &["sequential", "threads", "processes"]));
        // python3 -c "import random; print([(random.seed(i), random.randint(1, 10**9))[1] for i in range(4)])"
        let cpython = ["906691060", "144272510", "926756583", "255512576"];
        for m in &results.models {
            assert!(m.correct, "{}: {:?}", m.label, m.problems);
            for t in &m.tasks {
                assert_eq!(t.extra.get::<Outcome>().unwrap().repr.as_deref(), Some(cpython[t.index as usize]), "{}", m.label);
            }
        }
    }

    #[test]
    fn a_value_that_differs_from_the_sequential_models_is_a_problem() {
        // Each process counts its own calls: its values differ from one
        // interpreter's running count.
        let code = "calls = 0\ndef task(i):\n    global calls\n    calls += 1\n    return calls\n";
        let results = run_all(&exp(code, 4, 2, &["sequential", "processes"]));
        let p = results.model(Model::Processes).unwrap();
        assert!(!p.correct);
        assert!(p.problems.iter().any(|s| s.contains("in the sequential model")), "{:?}", p.problems);
        assert_eq!(p.speedup, None);
        // The sequential model's one heap counted every call; the results say so.
        let globals: Globals = results.model(Model::Sequential).unwrap().extra.get().expect("its globals");
        assert_eq!(globals.globals["calls"], "4");
    }

    const RACE: &str = "counter = 0\ndef task(i):\n    global counter\n    for _ in range(20_000):\n        counter += 1\n    return i\n";
    const LOCKED: &str = "import threading\nlock = threading.Lock()\ncounter = 0\ndef task(i):\n    global counter\n    for _ in range(20_000):\n        with lock:\n            counter += 1\n    return i\n";

    fn counter(run: &ModelRun) -> u64 {
        run.extra.get::<Globals>().expect("the pool's globals").globals["counter"].parse().unwrap()
    }

    #[test]
    fn a_global_counter_is_one_for_the_pools_threads_and_exact_with_a_lock() {
        let e = exp(RACE, 4, 4, &["threads"]);
        let mut lost_any = false;
        for _ in 0..3 {
            let run = threads::run(&job(&e), &ScopedThreads(4), &NativeHost, false);
            let n = counter(&run);
            // A thread may write back a count it read long before: lost
            // updates can take the total below one thread's 20,000 (down
            // to 2 in theory; 19,239 was seen on 2 cores), never above all.
            assert!((2..=80_000).contains(&n), "{n}");
            lost_any |= n < 80_000;
        }
        // Losing updates needs two cores at the same moment: only reported.
        eprintln!("no GIL, unsynchronised: updates lost in some run: {lost_any}");
        for gil in [false, true] {
            let run = threads::run(&job(&exp(LOCKED, 4, 4, &["threads"])), &ScopedThreads(4), &NativeHost, gil);
            assert_eq!(counter(&run), 80_000, "with a Lock (GIL: {gil})");
        }
    }

    #[test]
    fn each_process_has_its_own_globals() {
        let code = "calls = 0\ndef task(i):\n    global calls\n    calls += 1\n    return calls\n";
        let e = exp(code, 6, 2, &["processes"]);
        let run = processes::run_native(&job(&e)).unwrap();
        assert_eq!(run.tasks.len(), 6);
        // Each process counted only its own tasks: together they count 6.
        let mut last_by_worker = std::collections::BTreeMap::new();
        for t in &run.tasks {
            let v = last_by_worker.entry(t.worker).or_insert(0);
            *v = (*v).max(t.value);
        }
        assert_eq!(last_by_worker.values().sum::<u64>(), 6, "{last_by_worker:?}");
        assert!(run.tasks.iter().all(|t| t.value <= 6));
    }

    #[test]
    fn a_value_a_process_cannot_send_fails_its_task() {
        let e = exp("def task(i):\n    return lambda: i\n", 2, 2, &["processes"]);
        let run = processes::run_native(&job(&e)).unwrap();
        let error = outcome(&run, 0).error.unwrap();
        assert!(error.starts_with("TypeError: cannot send a 'function' object from a process"), "{error}");
    }

    #[test]
    fn sleeping_tasks_overlap_under_the_gil() {
        let e = exp("import time\ndef task(i):\n    time.sleep(0.2)\n    return i\n", 4, 4, &["threads_gil"]);
        let run = threads::run(&job(&e), &ScopedThreads(4), &NativeHost, true);
        assert_eq!(run.tasks.len(), 4);
        // One after another: 800 ms; overlapped: about 200.
        assert!(run.wall_ms < 600.0, "sleeps did not overlap: {} ms", run.wall_ms);
        assert!(run.wall_ms >= 190.0, "{}", run.wall_ms);
    }

    #[test]
    fn the_gil_switches_at_the_interpreters_eval_breaker() {
        // Two CPU tasks on two threads with a GIL: only the eval breaker can
        // hand the GIL over mid-task, so the tasks overlap in time only if
        // it does (each task takes far longer than the switch interval).
        let e = exp(&small_loop(2_000_000), 2, 2, &["threads_gil"]);
        let run = threads::run(&job(&e), &ScopedThreads(2), &NativeHost, true);
        let [a, b] = [&run.tasks[0], &run.tasks[1]];
        assert!(a.worker != b.worker && a.start_ms < b.end_ms && b.start_ms < a.end_ms, "the GIL never switched: {a:?} {b:?}");
        let gil = run.timeline.as_ref().and_then(|t| t.gil.clone()).expect("GIL statistics");
        assert!(gil.switches >= 2, "{gil:?}");
    }

    #[test]
    fn thread_names_are_the_pools() {
        let e = exp("import threading\ndef task(i):\n    return threading.current_thread().name\n", 2, 2, &["threads"]);
        let run = threads::run(&job(&e), &ScopedThreads(2), &NativeHost, false);
        for t in &run.tasks {
            let repr = t.extra.get::<Outcome>().unwrap().repr.unwrap();
            assert!(repr.starts_with("'ThreadPoolExecutor-0_"), "{repr}");
        }
    }

    #[test]
    fn one_failing_model_leaves_the_others_running() {
        let code = "import threading\ndef task(i):\n    if threading.current_thread().name != 'MainThread':\n        return 1 / 0\n    return i\n";
        let results = run_all(&exp(code, 2, 2, &["sequential", "threads", "processes"]));
        assert!(results.model(Model::Sequential).unwrap().correct);
        assert!(results.model(Model::Processes).unwrap().correct);
        let t = results.model(Model::Threads).unwrap();
        assert!(!t.correct && t.problems.iter().any(|p| p.contains("ZeroDivisionError")), "{:?}", t.problems);
    }
}
