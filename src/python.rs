//! The Python program that runs the same experiment: the same tasks mapped
//! over the same pools (`concurrent.futures`), timed the same way (pools
//! started and warmed up before the timed repeats, the median of the
//! repeats), printing its timings and, last, every task's value, so that it
//! can be compared with the page (and is, in `tests/python.rs`; work sized
//! in time, mixed and convoy, computes for the same milliseconds instead).

use crate::experiment::{Experiment, Model};
use crate::workloads::Machine;

/// The program, runnable as it stands (`python3 experiment.py`).
pub fn program(exp: &Experiment, machine: &Machine) -> String {
    let task = exp.workload.python(machine);
    let models: Vec<String> = exp
        .models
        .iter()
        .map(|m| {
            let line = match m {
                Model::Sequential => "    \"sequential\": None,  # a plain loop".to_string(),
                Model::ThreadsGil => "    \"threads_gil\": ThreadPoolExecutor,  # CPython's threads: one GIL".to_string(),
                Model::Threads => "    \"threads\": ThreadPoolExecutor,  # the same threads; without a GIL only on free-threaded Python (3.13t)".to_string(),
                Model::Processes => "    \"processes\": ProcessPoolExecutor,  # each process its own interpreter and GIL".to_string(),
            };
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
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

TASKS = {tasks}
WORKERS = {workers}
REPEATS = {repeats}
sys.setswitchinterval({switch} / 1000)  # the GIL's switch interval

{helpers}
def task(i):
{body}

MODELS = {{
{models}}}


def gil_enabled():
    return getattr(sys, "_is_gil_enabled", lambda: True)()


def measure(name, pool_class):
    if name == "threads" and gil_enabled():
        print(f"{{name:12}} skipped: this Python has a GIL (free-threaded Python 3.13t runs it without)")
        return None
    workers = 1 if pool_class is None else WORKERS
    if pool_class is ProcessPoolExecutor and sys.platform == "win32" and workers > 61:
        print(f"{{name:12}} Windows allows at most 61 process workers: using 61")
        workers = 61
    pool = None if pool_class is None else pool_class(max_workers=workers)
    run = (lambda: [task(i) for i in range(TASKS)]) if pool is None else (lambda: list(pool.map(task, range(TASKS))))
    try:
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


if __name__ == "__main__":
    medians, values = {{}}, {{}}
    for name, pool_class in MODELS.items():
        measured = measure(name, pool_class)
        if measured is None:
            continue
        workers, times, values[name] = measured
        medians[name] = statistics.median(times)
        base = medians.get("sequential")
        speedup = f"  {{base / medians[name]:.2f}}x sequential" if base else ""
        print(f"{{name:12}} {{workers:2}} worker(s)  median {{medians[name]:9.1f}} ms  min {{min(times):9.1f}}  max {{max(times):9.1f}}{{speedup}}")
    # Every task's value, for comparing with ThreadLab's.
    print("THREADLAB_VALUES " + json.dumps({{k: [str(v) for v in vs] for k, vs in values.items()}}))
"#,
        describe = exp.workload.describe(),
        tasks = exp.tasks,
        workers = exp.workers,
        repeats = exp.repeats,
        switch = exp.switch_interval_ms,
        helpers = task.helpers,
        body = task.body.trim_end(),
        models = models.concat(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{primes::Primes, Workload};

    #[test]
    fn the_program_names_the_experiment_and_its_models() {
        let e = Experiment { workload: Workload::Primes(Primes { size: 1000 }), tasks: 3, workers: 2, models: vec![Model::Sequential, Model::Processes], repeats: 2, ..Experiment::default() };
        let p = program(&e, &Machine::default());
        assert!(p.starts_with("#!/usr/bin/env python3\n\"\"\"ThreadLab's experiment, in Python: CPU: count primes below 1,000."), "{p}");
        for want in ["TASKS = 3\n", "WORKERS = 2\n", "REPEATS = 2\n", "sys.setswitchinterval(5 / 1000)", "def is_prime(k):", "    return sum(1 for k in range(2, 1000) if is_prime(k))", "\"processes\": ProcessPoolExecutor"] {
            assert!(p.contains(want), "{want:?} in\n{p}");
        }
        assert!(!p.contains("threads_gil"));
    }
}
