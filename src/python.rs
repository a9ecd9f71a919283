//! The Python program that runs the same experiment: the same tasks mapped
//! over the same pools (`concurrent.futures`), timed the same way (pools
//! started and warmed up before the timed repeats, the median of the
//! repeats), printing its timings and, last, every task's value, so that it
//! can be compared with the page (and is, in `tests/python.rs`; work sized
//! in time, mixed and convoy, computes for the same milliseconds instead).
//!
//! CPython runs a loop 50-100× slower than the page's WebAssembly, so a
//! program that would take CPython longer than [`SCALE_ABOVE_MS`] at the
//! page's size is sized down to about [`AIM_MS`] ([`sizing`]): its `SCALE`
//! scales each task's size, as the workload's [`Kind::scaled`] does, and
//! `SCALE = 1` gives the page's size back.
//!
//! [`Kind::scaled`]: crate::workloads::Kind::scaled

use crate::experiment::{Experiment, Model};
use crate::model::Pool;
use crate::workloads::{Cost, Machine, PythonTask, PYTHON_SCALED, PYTHON_SCALED_SIDE};

/// About how long the program aims to run under CPython (ms) when the
/// page's size would take longer than [`SCALE_ABOVE_MS`]: a few seconds.
pub const AIM_MS: f64 = 3_000.0;
/// The longest the program is estimated to take at the page's size before
/// it is sized down (ms).
pub const SCALE_ABOVE_MS: f64 = 10_000.0;

/// How the program is sized: its `SCALE` and how long it is estimated to
/// take, with it and at the page's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sizing {
    /// The factor on the workload's size ([`Kind::scaled`](crate::workloads::Kind::scaled)); 1: the page's size.
    pub scale: f64,
    /// About how long the program takes under CPython at `scale` (ms;
    /// a crash may cut it short).
    pub ms: f64,
    /// The same at the page's size.
    pub page_ms: f64,
}

/// How the program of `exp` is sized on a machine of `cores` cores: at the
/// page's size when CPython is estimated to take at most [`SCALE_ABOVE_MS`]
/// for it, else at the largest `SCALE` of two significant digits (0.014)
/// estimated to take at most [`AIM_MS`]. `None`: the workload's size is
/// not scaled (work sized in time), or its CPython speed is not known.
pub fn sizing(exp: &Experiment, cores: u32) -> Option<Sizing> {
    exp.workload.scaled(1.0)?;
    let page_ms = uncut_ms(exp, cores)?;
    let at_page = Sizing { scale: 1.0, ms: page_ms, page_ms };
    if page_ms <= SCALE_ABOVE_MS {
        return Some(at_page);
    }
    let at = |f: f64| uncut_ms(&at_scale(exp, f), cores).unwrap_or(f64::INFINITY);
    // The estimate grows with the size: bisect (in log) for the largest
    // factor within the aim, then keep two significant digits, rounding down.
    let (mut lo, mut hi) = (1e-12_f64, 1.0_f64);
    for _ in 0..64 {
        let mid = (lo * hi).sqrt();
        if at(mid) <= AIM_MS {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let decimals = 10f64.powi(1 - lo.log10().floor() as i32);
    let scale = (lo * decimals).floor() / decimals;
    // A size the workload refuses (an image narrower than its tiles): the page's.
    let w = exp.workload.scaled(scale)?;
    let valid = exp.revised(|o| {
        o.insert("workload".into(), serde_json::to_value(&w).expect("a workload serialises"));
    });
    Some(if valid.is_ok() { Sizing { scale, ms: at(scale), page_ms } } else { at_page })
}

/// `exp` with its workload's size scaled by `factor` (as it is, when its
/// size is not scaled).
fn at_scale(exp: &Experiment, factor: f64) -> Experiment {
    Experiment { workload: exp.workload.scaled(factor).unwrap_or_else(|| exp.workload.clone()), ..exp.clone() }
}

/// The experiment the program computes, as sized by [`sizing`]: `exp` with
/// its workload's size scaled by the program's `SCALE` (what its values are
/// checked against).
pub fn sized(exp: &Experiment, cores: u32) -> Experiment {
    match sizing(exp, cores) {
        Some(s) if s.scale < 1.0 => at_scale(exp, s.scale),
        _ => exp.clone(),
    }
}

/// What sizing the program down says, in the program and in the panel:
/// how long it takes, how long the page's size would take, and how to get
/// that back. `None` when it runs at the page's size.
pub fn sizing_sentence(exp: &Experiment, cores: u32) -> Option<String> {
    let s = sizing(exp, cores).filter(|s| s.scale < 1.0)?;
    let about = if exp.workload.python(&Machine::default()).crashes { "at most about" } else { "about" };
    Some(format!(
        "The complete program is sized to {about} {} under CPython: at the page's size it would take {about} {}. SCALE = {} scales each task's size; set SCALE = 1 for the page's size.",
        crate::text::duration(s.ms),
        crate::text::duration(s.page_ms),
        s.scale
    ))
}

/// The program's `SCALE` and the helpers `task` uses (`scaled`,
/// `scaled_side`), with a comment saying how it is sized; empty for a
/// workload whose size is not scaled.
fn scale_block(exp: &Experiment, cores: u32, task: &PythonTask) -> String {
    if exp.workload.scaled(1.0).is_none() {
        return String::new();
    }
    let line = match (sizing(exp, cores), sizing_sentence(exp, cores)) {
        (Some(s), Some(said)) => format!("# {}\nSCALE = {}\n", said.replace(". ", ".\n# ").replace(": ", ":\n# "), s.scale),
        _ => "SCALE = 1  # the page's size; a smaller SCALE shrinks every task\n".to_string(),
    };
    let side = if uses_side(task) { format!("\n\n{PYTHON_SCALED_SIDE}") } else { String::new() };
    format!("{line}\n\n{PYTHON_SCALED}{side}\n\n")
}

/// The task scales an image's side (`math.sqrt`: the program imports `math`).
fn uses_side(task: &PythonTask) -> bool {
    task.helpers.contains("scaled_side(") || task.body.contains("scaled_side(")
}

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

/// The program, runnable as it stands (`python3 experiment.py`), sized by
/// [`sizing`] for a machine of `cores` cores.
pub fn program(exp: &Experiment, machine: &Machine, cores: u32) -> String {
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
untimed warm-up; the pools are started before the timing, as on the page.{sized}
"""
import json
{math}import multiprocessing
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

{scale}{helpers}
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
            # A crash can break the executor while tasks are still being
            # submitted: submit then raises, and that task is lost too.
            futures, values = [], []
            for a in zip(*args):
                try:
                    futures.append(pool.submit(task, *a))
                except BrokenProcessPool:
                    futures.append(None)
            for f in futures:
                try:
                    values.append(None if f is None else f.result())
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
            if CRASHES and pool is not None and None in values:
                # The crash broke the executor for good: a new one for the
                # next run (ThreadLab replaces the crashed worker).
                pool.shutdown()
                pool = pool_class(max_workers=workers)
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
        sized = if sizing(exp, cores).is_some_and(|s| s.scale < 1.0) { "\nEach task is smaller than the page's, to run in seconds under CPython: see SCALE." } else { "" },
        scale = scale_block(exp, cores, &task),
        math = if uses_side(&task) { "import math\n" } else { "" },
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
    // A crash ends a model's child early, at a moment no figure tells.
    if exp.workload.python(&Machine::default()).crashes {
        return None;
    }
    uncut_ms(exp, cores)
}

/// [`estimate_ms`] as if no crash cut the program short (at most that).
fn uncut_ms(exp: &Experiment, cores: u32) -> Option<f64> {
    let task = &exp.workload;
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
/// CPython, as [`sized`]: the estimate and what it is estimated from;
/// `None` where it cannot be estimated.
pub fn estimate_sentence(exp: &Experiment, cores: u32) -> Option<String> {
    let exp = &sized(exp, cores);
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
pub fn short(exp: &Experiment, machine: &Machine, cores: u32) -> Option<String> {
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
{math}import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

TASKS = {tasks}
WORKERS = {workers}
sys.setswitchinterval({switch} / 1000)  # the GIL's switch interval

{scale}{helpers}
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
        scale = scale_block(exp, cores, &task),
        math = if uses_side(&task) { "import math\n" } else { "" },
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
            workload: Workload::Loop(CountLoop { size: 3_000_000 }),
            tasks: 4,
            workers: 2,
            models: vec![Model::Sequential, Model::ThreadsGil, Model::Threads, Model::Processes],
            repeats: 3,
            ..Experiment::default()
        };
        let task = 3_000_000.0 * PYTHON_NS_PER_ITERATION / 1e6;
        // 4 runs (a warm-up, 3 repeats): sequential and threads with the GIL
        // 4 tasks one at a time, threads without a GIL skipped, processes 2
        // at a time on 2 cores (one at a time on 1).
        let want = |at_once: f64| 4.0 * (4.0 * task + 4.0 * task + 4.0 / at_once * task);
        assert!((estimate_ms(&e, 2).unwrap() - want(2.0)).abs() < 1e-6);
        assert!((estimate_ms(&e, 1).unwrap() - want(1.0)).abs() < 1e-6);
        let said = estimate_sentence(&e, 2).unwrap();
        assert!(said.starts_with(&format!("Under CPython the complete program takes about {} (4 tasks, 3 timed runs and a warm-up per model; estimated: a task takes about 81.9 ms", crate::text::duration(want(2.0)))), "{said}");
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
    fn the_gil_lesson_s_program_is_sized_to_a_few_seconds_under_cpython() {
        let exp = crate::lessons::find("gil-cpu").expect("the GIL lesson").experiment(2);
        let s = sizing(&exp, 2).expect("the loop is scaled, its CPython speed known");
        // Minutes at the page's size (3 min 27 s measured here), seconds by default.
        assert!(s.page_ms > 60_000.0, "{s:?}");
        assert!(s.scale < 0.1 && (1_000.0..=AIM_MS).contains(&s.ms), "{s:?}");
        assert_eq!(format!("{}", s.scale).len(), "0.017".len(), "two significant digits: {s:?}");
        // The program, its short version and the panel say the same.
        let said = sizing_sentence(&exp, 2).unwrap();
        assert_eq!(said, format!("The complete program is sized to about {} under CPython: at the page's size it would take about {}. SCALE = {} scales each task's size; set SCALE = 1 for the page's size.", crate::text::duration(s.ms), crate::text::duration(s.page_ms), s.scale));
        let p = program(&exp, &Machine::default(), 2);
        let short = short(&exp, &Machine::default(), 2).unwrap();
        for code in [&p, &short] {
            assert!(code.contains(&format!("\n# The complete program is sized to about {} under CPython:\n# at the page's size it would take about {}.\n# SCALE = {} scales each task's size; set SCALE = 1 for the page's size.\nSCALE = {}\n", crate::text::duration(s.ms), crate::text::duration(s.page_ms), s.scale, s.scale)), "{code}");
            assert!(code.contains("    return count_loop(scaled(100000000))"), "{code}");
        }
        assert!(estimate_sentence(&exp, 2).unwrap().starts_with(&format!("Under CPython the complete program takes about {} (", crate::text::duration(s.ms))));
        // The experiment the program computes: the page's, each task scaled.
        let Workload::Loop(l) = sized(&exp, 2).workload else { panic!("the loop") };
        assert_eq!(l.size, (100_000_000.0 * s.scale).round() as u64);
        // A short experiment keeps the page's size; work sized in time is not scaled.
        let small = Experiment { workload: Workload::Loop(crate::workloads::count_loop::CountLoop { size: 1_000_000 }), ..exp.clone() };
        assert_eq!(sizing(&small, 2).map(|s| s.scale), Some(1.0));
        assert_eq!(sized(&small, 2), small);
        assert!(program(&small, &Machine::default(), 2).contains("\nSCALE = 1  # the page's size"));
        let sleep = Experiment { workload: Workload::Sleep(crate::workloads::sleep::Sleep { ms: 100 }), ..exp };
        assert_eq!(sizing(&sleep, 2), None);
        assert!(!program(&sleep, &Machine::default(), 2).contains("SCALE"));
    }

    #[test]
    fn a_scaled_size_is_the_python_program_s() {
        use crate::workloads::task::{scaled, scaled_side};
        // round() in Python: to the nearest, halves to even.
        assert_eq!(scaled(100_000_000, 0.017), 1_700_000);
        assert_eq!(scaled(5, 0.5), 2);
        assert_eq!(scaled(7, 0.5), 4);
        assert_eq!(scaled(10, 0.001), 1);
        assert_eq!(scaled(12_345, 1.0), 12_345);
        assert_eq!(scaled_side(600, 0.25), 300);
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
        let p = program(&e, &Machine::default(), 2);
        assert!(p.starts_with("#!/usr/bin/env python3\n\"\"\"ThreadLab's experiment, in Python: CPU: count primes below 1,000."), "{p}");
        for want in [
            "TASKS = 3\n",
            "WORKERS = 2\n",
            "REPEATS = 2\n",
            "sys.setswitchinterval(5 / 1000)",
            "def is_prime(k):",
            "    return sum(1 for k in range(2, scaled(1000)) if is_prime(k))",
            "SCALE = 1  # the page's size",
            "\"processes\": ProcessPoolExecutor",
        ] {
            assert!(p.contains(want), "{want:?} in\n{p}");
        }
        assert!(!p.contains("threads_gil"));
    }
}
