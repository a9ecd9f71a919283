//! Threads: `workers` threads in one shared memory take task indices from one
//! atomic counter until none are left, and write their records into one
//! preallocated table: memory is shared, nothing is copied.

use super::run_one;
use crate::experiment::{Experiment, Model};
use crate::platform::Host;
use crate::results::{ModelRun, TaskRecord};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

/// A pool of threads that share memory.
///
/// In the browser this is the wasm-bindgen-rayon pool (`rayon::broadcast`);
/// natively, [`ScopedThreads`].
pub trait Pool {
    /// How many threads `broadcast` runs on.
    fn threads(&self) -> usize;
    /// Runs `job(thread_index)` once on every thread of the pool, at the same
    /// time, and returns when all have returned.
    fn broadcast(&self, job: &(dyn Fn(usize) + Sync));
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

pub fn run(exp: &Experiment, pool: &dyn Pool, host: &dyn Host) -> ModelRun {
    let next = AtomicUsize::new(0);
    let n = exp.tasks as usize;
    let table: Vec<OnceLock<TaskRecord>> = (0..n).map(|_| OnceLock::new()).collect();
    let failed: Mutex<Option<String>> = Mutex::new(None);
    let start = host.now_ms();
    pool.broadcast(&|thread| loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            break;
        }
        let record = run_one(&exp.workload, i as u32, thread as u32, host);
        if table[i].set(record).is_err() {
            *failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("task {i} ran twice"));
        }
    });
    let wall_ms = host.now_ms() - start;
    let tasks = table.into_iter().filter_map(OnceLock::into_inner).collect();
    ModelRun { model: Model::Threads, workers: pool.threads() as u32, wall_ms, tasks }
}
