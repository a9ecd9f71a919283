//! The execution models, each described once: its name in links and JSON,
//! its label, its colour, its Python executor, and — what the runner reads —
//! the kind of pool it runs on and how tasks are handed out.
//!
//! Adding a model is one variant of [`Model`], one arm of [`Model::spec`]
//! (the only `match` on every model), and its tests. Everything else asks
//! the spec: a runner matching on [`Pool`] handles a new model of a known
//! pool kind without a change, and a new pool kind fails to compile until
//! every such match handles it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How an experiment's tasks are executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// One worker runs every task in a plain loop.
    Sequential,
    /// The threads pool, governed by a simulated GIL (CPython's threads).
    #[serde(rename = "threads_gil")]
    ThreadsGil,
    /// A pool of workers sharing one memory (no GIL: free-threaded).
    Threads,
    /// The threads pool, without a GIL, each thread given one equal block
    /// of the tasks in advance (a static split) instead of taking the next
    /// task when it is free.
    #[serde(rename = "threads_static")]
    ThreadsStatic,
    /// A pool of isolated workers that talk by message passing only.
    Processes,
    /// The process pool with a static split: each process is sent one equal
    /// block of the tasks, fixed in advance.
    #[serde(rename = "processes_static")]
    ProcessesStatic,
    /// Threads inside processes: `workers` process workers, each with its
    /// own pool of `threads_per_process` threads and its own GIL (the
    /// seeds' "use them together").
    Hybrid,
    /// A fresh process for every task (`multiprocessing.Process` per task),
    /// at most `workers` at a time: every task pays a process start.
    #[serde(rename = "process_per_task")]
    ProcessPerTask,
}

/// The kind of pool a model's tasks run on: what the runner gets ready,
/// posts to and discards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    /// One worker runs every task in a loop.
    One,
    /// A pool of threads in one shared memory; with `gil`, a simulated GIL
    /// lets one of them run Python code at a time.
    Threads { gil: bool },
    /// A pool of isolated process workers, sent tasks by message.
    Processes,
    /// A fresh process for every task, at most `workers` at a time.
    ProcessPerTask,
    /// `workers` processes, each with its own threads pool and GIL.
    ProcessesOfThreads,
}

impl Pool {
    /// Whether its workers need shared memory (threads, here or inside
    /// processes): unavailable on a page that is not cross-origin isolated.
    pub fn needs_shared_memory(self) -> bool {
        match self {
            Pool::Threads { .. } | Pool::ProcessesOfThreads => true,
            Pool::One | Pool::Processes | Pool::ProcessPerTask => false,
        }
    }
}

/// How the tasks are handed out to a pool's workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// The next task to the first free worker (`executor.map`).
    Dynamic,
    /// One equal block of the tasks to each worker, fixed in advance.
    Static,
}

/// Everything about one model, in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Its name in experiment JSON and links.
    pub key: &'static str,
    /// The name a learner sees.
    pub label: &'static str,
    /// Its colour in charts and timelines (Okabe–Ito: distinguishable with
    /// every common colour-vision deficiency, readable in both themes).
    pub colour: &'static str,
    /// Its line in the Python program's table of executors.
    pub python: &'static str,
    pub pool: Pool,
    pub split: Split,
}

impl Model {
    pub const ALL: [Model; 8] =
        [Model::Sequential, Model::ThreadsGil, Model::Threads, Model::ThreadsStatic, Model::Processes, Model::ProcessesStatic, Model::Hybrid, Model::ProcessPerTask];
    /// The models an experiment runs when it names none (the hybrid one
    /// starts processes × threads workers: only when asked for).
    pub const DEFAULT: [Model; 4] = [Model::Sequential, Model::ThreadsGil, Model::Threads, Model::Processes];

    /// The model's description: the one `match` on every model.
    pub const fn spec(self) -> Spec {
        use Pool::*;
        use Split::*;
        match self {
            Model::Sequential => Spec { key: "sequential", label: "Sequential", colour: "#E69F00", python: "None,  # a plain loop", pool: One, split: Dynamic },
            Model::ThreadsGil => Spec {
                key: "threads_gil",
                label: "Threads + GIL",
                colour: "#CC79A7",
                python: "ThreadPoolExecutor,  # CPython's threads: one GIL",
                pool: Threads { gil: true },
                split: Dynamic,
            },
            Model::Threads => Spec {
                key: "threads",
                label: "Threads (no GIL)",
                colour: "#56B4E9",
                python: "ThreadPoolExecutor,  # the same threads; without a GIL only on free-threaded Python (3.13t)",
                pool: Threads { gil: false },
                split: Dynamic,
            },
            Model::ThreadsStatic => Spec {
                key: "threads_static",
                label: "Threads, static split",
                colour: "#F0E442",
                python: "ThreadsStatic,  # threads, each given one equal block of the tasks in advance",
                pool: Threads { gil: false },
                split: Static,
            },
            Model::Processes => Spec {
                key: "processes",
                label: "Processes",
                colour: "#009E73",
                python: "ProcessPoolExecutor,  # each process its own interpreter and GIL",
                pool: Processes,
                split: Dynamic,
            },
            Model::ProcessesStatic => Spec {
                key: "processes_static",
                label: "Processes, static split",
                colour: "#8C8C8C",
                python: "ProcessesStatic,  # processes, each given one equal block of the tasks in advance",
                pool: Processes,
                split: Static,
            },
            Model::Hybrid => Spec {
                key: "hybrid",
                label: "Processes × threads",
                colour: "#D55E00",
                python: "ThreadsInProcesses,  # WORKERS processes, each with a pool of THREADS_PER_PROCESS threads",
                pool: ProcessesOfThreads,
                split: Dynamic,
            },
            Model::ProcessPerTask => Spec {
                key: "process_per_task",
                label: "Process per task",
                colour: "#0072B2",
                python: "ProcessPerTask,  # a multiprocessing.Process started for every task",
                pool: ProcessPerTask,
                split: Dynamic,
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        self.spec().key
    }

    /// The name a learner sees.
    pub fn label(self) -> &'static str {
        self.spec().label
    }

    pub fn pool(self) -> Pool {
        self.spec().pool
    }

    /// Whether the model runs on a threads pool in one shared memory (with
    /// or without the GIL, either split).
    pub fn on_threads(self) -> bool {
        matches!(self.pool(), Pool::Threads { .. })
    }

    /// Whether the model needs shared memory (threads, and the threads
    /// inside each process of the hybrid).
    pub fn needs_shared_memory(self) -> bool {
        self.pool().needs_shared_memory()
    }

    /// Whether each worker is given one equal block of the tasks in advance
    /// (a static split; `Job::block`) rather than the next task when free.
    pub fn static_split(self) -> bool {
        self.spec().split == Split::Static
    }

    pub fn parse(s: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// What a workload may know of the experiment it is part of: its size and
/// its models. (Not the experiment itself, which holds the workload: the
/// workloads sit below experiments.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape<'a> {
    pub tasks: u32,
    pub workers: u32,
    pub models: &'a [Model],
    /// The GIL's switch interval, in ms.
    pub switch_interval_ms: f64,
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_is_described_once_and_round_trips() {
        let mut keys: Vec<&str> = Model::ALL.iter().map(|m| m.as_str()).collect();
        let mut labels: Vec<&str> = Model::ALL.iter().map(|m| m.label()).collect();
        let mut colours: Vec<&str> = Model::ALL.iter().map(|m| m.spec().colour).collect();
        for v in [&mut keys, &mut labels, &mut colours] {
            v.sort_unstable();
            let n = v.len();
            v.dedup();
            assert_eq!(v.len(), n, "two models share a name or colour: {v:?}");
        }
        for m in Model::ALL {
            assert_eq!(Model::parse(m.as_str()), Some(m));
            // The JSON name is the spec's key.
            assert_eq!(serde_json::to_value(m).unwrap(), serde_json::json!(m.as_str()));
        }
    }

    #[test]
    fn the_pool_decides_what_a_model_needs() {
        // Every model on the threads pool, static split included.
        let on_threads: Vec<Model> = Model::ALL.into_iter().filter(|m| m.on_threads()).collect();
        assert_eq!(on_threads, vec![Model::ThreadsGil, Model::Threads, Model::ThreadsStatic]);
        let shared: Vec<Model> = Model::ALL.into_iter().filter(|m| m.needs_shared_memory()).collect();
        assert_eq!(shared, vec![Model::ThreadsGil, Model::Threads, Model::ThreadsStatic, Model::Hybrid]);
        let split: Vec<Model> = Model::ALL.into_iter().filter(|m| m.static_split()).collect();
        assert_eq!(split, vec![Model::ThreadsStatic, Model::ProcessesStatic]);
        assert_eq!(Model::ThreadsGil.pool(), Pool::Threads { gil: true });
    }
}
