//! Threads: `workers` threads in one shared memory take task indices from one
//! atomic counter until none are left (or, split statically, each runs one
//! equal block of them), and write their records into one
//! preallocated table: memory is shared, nothing is copied (a task's input
//! is read where it lies).

use super::{input, run_one, share, tracer};
use crate::experiment::{Job, Model};
use crate::gil::Gil;
use crate::platform::Host;
use crate::record::{ModelRun, TaskRecord};
use crate::shared::Shared;
use crate::trace::{Lane, Timeline, Tracer};
use crate::worker::Worker;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// A pool of threads that share memory.
///
/// In the browser this is the wasm-bindgen-rayon pool (`rayon::broadcast`);
/// natively, [`ScopedThreads`].
pub trait Pool: Sync {
    /// How many threads `broadcast` runs on.
    fn threads(&self) -> usize;
    /// Runs `job(thread_index)` once on every thread of the pool, at the same
    /// time, and returns when all have returned.
    fn broadcast(&self, job: &(dyn Fn(usize) + Sync));
    /// A task has finished (for a progress bar that reads the count while
    /// the pool runs); nothing by default.
    fn task_done(&self) {}
}

/// Native pool: fresh scoped OS threads for each broadcast.
#[cfg(not(target_arch = "wasm32"))]
pub struct ScopedThreads(pub usize);

#[cfg(not(target_arch = "wasm32"))]
impl Pool for ScopedThreads {
    fn threads(&self) -> usize {
        self.0
    }
    fn broadcast(&self, job: &(dyn Fn(usize) + Sync)) {
        std::thread::scope(|s| {
            for i in 0..self.0 {
                s.spawn(move || job(i));
            }
        });
    }
}

/// Runs the threads model, with a simulated GIL when `gil` is set (the
/// threads + GIL model).
pub fn run(job: &Job, pool: &dyn Pool, host: &dyn Host, gil: bool) -> ModelRun {
    let exp = &job.experiment;
    let next = AtomicUsize::new(0);
    let indices = job.task_indices();
    let n = indices.len();
    let input = input(job);
    // One set of shared things for the whole pool: one memory.
    // Processes × threads: the pool is a process's, its results sent to the page.
    let shared = Shared::new(job.experiment.tasks).with_sharers(pool.threads() as u32).in_process(job.part.is_some());
    let threads = pool.threads();
    let gil = gil.then(|| Gil::new(exp.switch_interval_ms));
    let table: Vec<OnceLock<TaskRecord>> = (0..n).map(|_| OnceLock::new()).collect();
    // Each thread's trace buffer is allocated before the clock starts and
    // handed over once; during the run a thread touches only its own.
    let tracers: Vec<Mutex<Option<Tracer>>> = (0..threads).map(|i| Mutex::new(Some(tracer(exp, i as u32)))).collect();
    let lanes: Vec<OnceLock<Lane>> = (0..threads).map(|_| OnceLock::new()).collect();
    let start = host.now_ms();
    pool.broadcast(&|thread| {
        let Some(tracer) = tracers.get(thread).and_then(|t| t.lock().ok()?.take()) else {
            return;
        };
        let mut w = Worker::new(thread as u32, host, gil.as_ref(), tracer);
        w.set_shared(&shared);
        w.start();
        // A static split: this thread's block, fixed in advance.
        let mut block = Job::block(n, thread as u32, threads as u32);
        loop {
            let i = if job.split { block.next().unwrap_or(n) } else { next.fetch_add(1, Ordering::Relaxed) };
            if i >= n {
                break;
            }
            // Each index is handed out once, so each cell is set once.
            w.set_input(share(job, &input, indices[i]));
            let _ = table[i].set(run_one(job, indices[i], &mut w));
            pool.task_done();
        }
        w.finish();
        let _ = lanes[thread].set(w.into_tracer().into_lane());
    });
    let end = host.now_ms();
    let tasks = table.into_iter().filter_map(OnceLock::into_inner).collect();
    let timeline = exp.trace.then(|| {
        let lanes = lanes.into_iter().filter_map(OnceLock::into_inner).collect();
        Timeline::new(start, end, lanes, gil.as_ref().map(Gil::stats)).with_marks(shared.marks())
    });
    let model = match (gil.is_some(), job.split) {
        (true, _) => Model::ThreadsGil,
        (false, true) => Model::ThreadsStatic,
        (false, false) => Model::Threads,
    };
    ModelRun { model, workers: threads as u32, wall_ms: end - start, tasks, timeline, lost: Vec::new(), extra: exp.workload.after_run(&shared) }
}
