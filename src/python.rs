//! The Python program that runs the same experiment: the same tasks mapped
//! over the same pools (`concurrent.futures`), timed the same way (pools
//! started and warmed up before the timed repeats, the median of the
//! repeats), printing its timings and, last, every task's value, so that it
//! can be compared with the page (and is, in `tests/python.rs`; work sized
//! in time, mixed and convoy, computes for the same milliseconds instead).

use crate::experiment::{Experiment, Model};
use crate::model::Pool;
use crate::workloads::{Cost, Machine};

/// Processes x threads in Python: a process pool whose tasks are parts,
/// each part run by a thread pool inside its process.
const HYBRID: &str = r#"
def run_part(part):
    """One process of processes x threads: its own interpreter and GIL, and a
    pool of threads inside it for its part of the tasks."""
    with ThreadPoolExecutor(max_workers=THREADS_PER_PROCESS) as threads:
        return list(threads.map(task, range(part, TASKS, min(WORKERS, TASKS))))


class ThreadsInProcesses:
    """Threads inside processes: process p runs tasks p, p + WORKERS, ..."""

    def __init__(self, max_workers):
        self.processes = ProcessPoolExecutor(max_workers=max_workers)

    def map(self, fn, indices):
        values, step = [None] * TASKS, min(WORKERS, TASKS)
        for p, part in enumerate(self.processes.map(run_part, range(step))):
            values[p::step] = part
        return values

    def submit(self, fn, *args):
        return self.processes.submit(fn, *args)

    def shutdown(self):
        self.processes.shutdown()

"#;

/// A process per task in Python: `multiprocessing.Process`, at most
/// `max_workers` at a time, each sending its result back on a queue.
const PER_TASK_PY: &str = r#"

def run_in_own_process(queue, i, fn, args):
    queue.put((i, fn(*args)))


class ProcessPerTask:
    """A multiprocessing.Process for every task, at most max_workers at a
    time: every task pays for starting a process."""

    def __init__(self, max_workers):
        self.max_workers = max_workers

    def map(self, fn, *iterables):
        jobs = list(zip(*iterables))
        results, started, running = [None] * len(jobs), [], 0
        queue = multiprocessing.SimpleQueue()
        for _ in range(len(jobs)):
            while running < self.max_workers and len(started) < len(jobs):
                i = len(started)
                p = multiprocessing.Process(target=run_in_own_process, args=(queue, i, fn, jobs[i]))
                p.start()
                started.append(p)
                running += 1
            i, value = queue.get()
            results[i] = value
            running -= 1
        for p in started:
            p.join()
        return results

    def shutdown(self):
        pass
"#;

/// A static split in Python: each worker is given one equal block of the
/// tasks in advance, as one call.
const STATIC_PY: &str = r#"

def run_block(fn, block):
    return [fn(*args) for args in block]


class StaticSplit:
    """Each worker is given one equal block of the tasks in advance (with 2
    workers, the first and the second half), instead of the next task
    whenever it is free: a worker whose block is cheap then sits idle."""

    POOL = None

    def __init__(self, max_workers):
        self.pool, self.workers = self.POOL(max_workers=max_workers), max_workers

    def map(self, fn, *iterables):
        jobs = list(zip(*iterables))
        n, w = len(jobs), self.workers
        blocks = [jobs[k * n // w:(k + 1) * n // w] for k in range(w)]
        return [v for part in self.pool.map(run_block, [fn] * w, blocks) for v in part]

    def submit(self, fn, *args):
        return self.pool.submit(fn, *args)

    def shutdown(self):
        self.pool.shutdown()


class ThreadsStatic(StaticSplit):
    POOL = ThreadPoolExecutor


class ProcessesStatic(StaticSplit):
    POOL = ProcessPoolExecutor
"#;

/// The program, runnable as it stands (`python3 experiment.py`).
pub fn program(exp: &Experiment, machine: &Machine) -> String {
    let task = exp.workload.python(machine);
    let models: Vec<String> = exp
        .models
        .iter()
        .map(|m| {
            let line = format!("    \"{}\": {}", m.as_str(), m.spec().python);
            line + "\n"
        })
        .collect();
    format!(
        r#"#!/usr/bin/env python3
"""ThreadLab's experiment, in Python: {describe}.

{tasks} tasks mapped over a pool of {workers} workers, like
executor.map(task, range({tasks})), timed {repeats} time(s) per model after an
untimed warm-up; the pools are started before the timing, as on the page.
"""
import json
import multiprocessing
import os
import statistics
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

CRASHES = {crashes}  # a task crashes its process: each model runs in a child process
TASKS = {tasks}
WORKERS = {workers}
REPEATS = {repeats}
sys.setswitchinterval({switch} / 1000)  # the GIL's switch interval

{helpers}
def task({params}):
{body}

{hybrid}{per_task}{split}
MODELS = {{
{models}}}


def gil_enabled():
    return getattr(sys, "_is_gil_enabled", lambda: True)()


def measure(name, pool_class):
    if name in ("threads", "threads_static") and gil_enabled():
        print(f"{{name:12}} skipped: this Python has a GIL (free-threaded Python 3.13t runs it without)")
        return None
    workers = 1 if pool_class is None else WORKERS
    if pool_class is ProcessPoolExecutor and sys.platform == "win32" and workers > 61:
        print(f"{{name:12}} Windows allows at most 61 process workers: using 61")
        workers = 61
    pool = None if pool_class is None else pool_class(max_workers=workers)
    args = [range(TASKS)]{input_args}
    run = (lambda: [task(*a) for a in zip(*args)]) if pool is None else (lambda: list(pool.map(task, *args)))
    if CRASHES and pool is not None:
        def run():
            # One result at a time: what finished before a crash is kept.
            futures, values = [pool.submit(task, *a) for a in zip(*args)], []
            for f in futures:
                try:
                    values.append(f.result())
                except BrokenProcessPool:
                    values.append(None)
            return values
    try:
        if not CRASHES:
            run()  # warm-up: starts the pool's workers
        times, values = [], None
        for _ in range(REPEATS):
            start = time.perf_counter()
            values = run()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        if pool is not None:
            pool.shutdown()
    return workers, times, values


def measured_in_child(name, pool_class, conn):
    conn.send(measure(name, pool_class))


def run_model(name, pool_class):
    if not CRASHES:
        return measure(name, pool_class)
    # The crash kills the process that runs the task: measure in a child
    # process, so that this program survives to say what happened.
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.Process(target=measured_in_child, args=(name, pool_class, send))
    child.start()
    child.join()
    if receive.poll():
        return receive.recv()
    print(f"{{name:12}} the whole program died (exit code {{child.exitcode}}): a task crashed it, and every thread with it")
    return None


def report():
    medians, values = {{}}, {{}}
    for name, pool_class in MODELS.items():
        measured = run_model(name, pool_class)
        if measured is None:
            continue
        workers, times, values[name] = measured
        medians[name] = statistics.median(times)
        base = medians.get("sequential")
        speedup = f"  {{base / medians[name]:.2f}}x sequential" if base else ""
        lost = sum(v is None for v in values[name])
        crashed = f"  ({{lost}} task(s) lost: a crashed worker broke the executor; this program survived)" if lost else ""
        print(f"{{name:12}} {{workers:2}} worker(s)  median {{medians[name]:9.1f}} ms  min {{min(times):9.1f}}  max {{max(times):9.1f}}{{speedup}}{{crashed}}")
        if "after_run" in globals():  # what the workload reports after a model's runs
            after_run(name, values[name])
    # Every task's value (null: lost), for comparing with ThreadLab's.
    print("THREADLAB_VALUES " + json.dumps({{k: [None if v is None else str(v) for v in vs] for k, vs in values.items()}}))


if __name__ == "__main__":
{main}
"#,
        describe = exp.workload.describe(),
        tasks = exp.tasks,
        workers = exp.workers,
        repeats = exp.repeats,
        switch = exp.switch_interval_ms,
        helpers = task.helpers,
        body = task.body.trim_end(),
        models = models.concat(),
        crashes = if task.crashes { "True" } else { "False" },
        main = match &exp.sweep {
            Some(s) => format!(
                "    SWEEP = {:?}  # the worker counts\n    for WORKERS in SWEEP:\n        print(f\"--- {{WORKERS}} worker(s)\")\n        report()",
                s.workers
            ),
            None => "    report()".into(),
        },
        per_task = if exp.models.contains(&Model::ProcessPerTask) { PER_TASK_PY } else { "" },
        split = if exp.models.iter().any(|m| m.static_split()) { STATIC_PY } else { "" },
        hybrid = if exp.models.contains(&Model::Hybrid) { format!("\nTHREADS_PER_PROCESS = {}\n{HYBRID}", exp.threads_per_process) } else { String::new() },
        params = if task.takes_input { "i, data" } else { "i" },
        input_args = if task.takes_input {
            "\n    args.append(inputs(shared_memory=getattr(pool_class, \"POOL\", pool_class) is not ProcessPoolExecutor))  # each task's share of the input"
        } else {
            ""
        },
    )
}

/// About how long the complete [`program`] runs under CPython (ms), on a
/// machine with `cores` cores, where a task's Python time is known
/// ([`Task::python_ms`](crate::workloads::Task::python_ms), measured per
/// workload): every model's warm-up and repeats one after another; CPU
/// work sized in iterations runs one task at a time on the sequential loop
/// and on threads (CPython's GIL), `min(workers, cores)` at a time on
/// processes; waits and work sized in time overlap on any pool; threads
/// without a GIL are skipped by a CPython that has one; starting pools is
/// not counted. `None` for a program a crash cuts short.
pub fn estimate_ms(exp: &Experiment, cores: u32) -> Option<f64> {
    let task = &exp.workload;
    // A crash ends a model's child early, at a moment no figure tells.
    if exp.workload.python(&Machine::default()).crashes {
        return None;
    }
    let whole = task.python_ms()?;
    let n = exp.tasks.max(1);
    let t = if task.splits_one_job() { whole / f64::from(n) } else { whole };
    let one_at_a_time = task.cpu_bound() && matches!(task.cost(), Cost::Iterations(_));
    let waves = |at_once: u32| f64::from(n.div_ceil(at_once.clamp(1, n))) * t;
    let runs = f64::from(exp.repeats + 1);
    let counts = exp.sweep.as_ref().map_or_else(|| vec![exp.workers], |s| s.workers.clone());
    let mut ms = 0.0;
    for w in counts {
        for m in &exp.models {
            ms += runs * match m.pool() {
                Pool::One => f64::from(n) * t,
                Pool::Threads { gil: false } => 0.0,
                Pool::Threads { gil: true } if one_at_a_time => f64::from(n) * t,
                Pool::Threads { gil: true } => waves(w),
                Pool::Processes | Pool::ProcessPerTask | Pool::ProcessesOfThreads if one_at_a_time => waves(w.min(cores.max(1))),
                Pool::Processes | Pool::ProcessPerTask | Pool::ProcessesOfThreads => waves(w),
            };
        }
    }
    Some(ms)
}

/// The Python panel's sentence on how long the program takes under
/// CPython: the estimate and what it is estimated from; `None` where it
/// cannot be estimated.
pub fn estimate_sentence(exp: &Experiment, cores: u32) -> Option<String> {
    let ms = estimate_ms(exp, cores)?;
    let task = &exp.workload;
    let per = task.python_ms()? / if task.splits_one_job() { f64::from(exp.tasks.max(1)) } else { 1.0 };
    let basis = if matches!(task.cost(), Cost::Iterations(_)) {
        format!("a task takes about {} in CPython's interpreter, measured with {}", crate::text::ms(per), crate::workloads::PYTHON_MEASURED_WITH)
    } else {
        format!("its tasks are sized in time: about {} each", crate::text::ms(per))
    };
    Some(format!(
        "Under CPython the complete program takes about {} ({} tasks, {} timed run{} and a warm-up per model{}; estimated: {basis}; starting pools not counted). Your Python and machine may be faster or slower.",
        crate::text::duration(ms),
        exp.tasks,
        exp.repeats,
        if exp.repeats == 1 { "" } else { "s" },
        exp.sweep.as_ref().map(|s| format!(" at each of {} worker counts", s.workers.len())).unwrap_or_default(),
    ))
}

/// The few lines that matter: the task and `executor.map` over it on each
/// kind of pool the experiment compares, timed, as the tutorials write it.
/// `None` where the task needs more than that to run (an input to share
/// out, a crash to survive): the complete [`program`] then.
pub fn short(exp: &Experiment, machine: &Machine) -> Option<String> {
    let task = exp.workload.python(machine);
    if task.takes_input || task.crashes {
        return None;
    }
    let mut pools: Vec<(&str, &str)> = Vec::new();
    for m in &exp.models {
        let pool = match m.pool() {
            Pool::One => ("sequential", "None"),
            Pool::Threads { .. } if !m.static_split() => ("threads", "ThreadPoolExecutor"),
            Pool::Processes if !m.static_split() => ("processes", "ProcessPoolExecutor"),
            _ => continue,
        };
        if !pools.contains(&pool) {
            pools.push(pool);
        }
    }
    if pools.is_empty() {
        return None;
    }
    let pairs: Vec<String> = pools.iter().map(|(name, pool)| format!("(\"{name}\", {pool})")).collect();
    Some(format!(
        r#"#!/usr/bin/env python3
"""The few lines that matter of ThreadLab's experiment: {describe}.
The complete program adds the warm-up, the repeats, the checks and every
model; this is the shape the tutorials write. Threads run with CPython's
GIL (free-threaded Python 3.13t runs them without)."""
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

TASKS = {tasks}
WORKERS = {workers}
sys.setswitchinterval({switch} / 1000)  # the GIL's switch interval

{helpers}
def task(i):
{body}


if __name__ == "__main__":
    for name, Pool in [{pairs}]:
        start = time.perf_counter()
        if Pool is None:
            results = [task(i) for i in range(TASKS)]
        else:
            with Pool(max_workers=WORKERS) as pool:
                results = list(pool.map(task, range(TASKS)))
        print(f"{{name:12}} {{time.perf_counter() - start:.2f}} s")
"#,
        describe = exp.workload.describe(),
        tasks = exp.tasks,
        workers = exp.workers,
        switch = exp.switch_interval_ms,
        helpers = task.helpers,
        body = task.body,
        pairs = pairs.join(", "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{primes::Primes, Workload};

    #[test]
    fn the_estimate_adds_up_every_model_s_runs_from_the_measured_speed() {
        use crate::workloads::count_loop::{CountLoop, PYTHON_NS_PER_ITERATION};
        let e = Experiment {
            workload: Workload::Loop(CountLoop { size: 10_000_000 }),
            tasks: 4,
            workers: 2,
            models: vec![Model::Sequential, Model::ThreadsGil, Model::Threads, Model::Processes],
            repeats: 3,
            ..Experiment::default()
        };
        let task = 10_000_000.0 * PYTHON_NS_PER_ITERATION / 1e6;
        // 4 runs (a warm-up, 3 repeats): sequential and threads with the GIL
        // 4 tasks one at a time, threads without a GIL skipped, processes 2
        // at a time on 2 cores (one at a time on 1).
        let want = |at_once: f64| 4.0 * (4.0 * task + 4.0 * task + 4.0 / at_once * task);
        assert!((estimate_ms(&e, 2).unwrap() - want(2.0)).abs() < 1e-6);
        assert!((estimate_ms(&e, 1).unwrap() - want(1.0)).abs() < 1e-6);
        let said = estimate_sentence(&e, 2).unwrap();
        assert!(said.starts_with(&format!("Under CPython the complete program takes about {} (4 tasks, 3 timed runs and a warm-up per model; estimated: a task takes about 273 ms", crate::text::duration(want(2.0)))), "{said}");
        // Sleeps overlap on any pool; a task of unknown Python speed is not estimated.
        let sleep = Experiment { workload: Workload::Sleep(crate::workloads::sleep::Sleep { ms: 100 }), ..e.clone() };
        assert!((estimate_ms(&sleep, 2).unwrap() - 4.0 * (400.0 + 200.0 + 200.0)).abs() < 1e-6);
        let deadlock = Experiment { workload: Workload::Deadlock(crate::workloads::deadlock::DeadlockTask { hold_ms: 50, watchdog_ms: 1000 }), ..e };
        assert_eq!(estimate_sentence(&deadlock, 2), None);
        // Nor a program a crash cuts short.
        let crash = Experiment { workload: Workload::Crash(crate::workloads::crash::Crash { size: 1000, task: 1 }), ..sleep };
        assert_eq!(estimate_ms(&crash, 2), None);
    }

    #[test]
    fn the_program_names_the_experiment_and_its_models() {
        let e = Experiment {
            workload: Workload::Primes(Primes { size: 1000 }),
            tasks: 3,
            workers: 2,
            models: vec![Model::Sequential, Model::Processes],
            repeats: 2,
            ..Experiment::default()
        };
        let p = program(&e, &Machine::default());
        assert!(p.starts_with("#!/usr/bin/env python3\n\"\"\"ThreadLab's experiment, in Python: CPU: count primes below 1,000."), "{p}");
        for want in [
            "TASKS = 3\n",
            "WORKERS = 2\n",
            "REPEATS = 2\n",
            "sys.setswitchinterval(5 / 1000)",
            "def is_prime(k):",
            "    return sum(1 for k in range(2, 1000) if is_prime(k))",
            "\"processes\": ProcessPoolExecutor",
        ] {
            assert!(p.contains(want), "{want:?} in\n{p}");
        }
        assert!(!p.contains("threads_gil"));
    }
}
