//! Threads inside processes (the seeds' "use them together"): `workers`
//! process workers, each running the threads model with its own GIL on its
//! own pool of `threads_per_process` threads, on its part of the tasks
//! (process `p` takes tasks `p`, `p + workers`, …). Processes overlap the
//! computing; inside each one, threads overlap the waiting.
//!
//! Each process reports an ordinary threads run; [`merge`] puts them on one
//! timeline with two levels: worker `p · threads + t` is thread `t` of
//! process `p`.

use crate::experiment::{Job, Model};
use crate::extra::Extra;
use crate::record::ModelRun;
use crate::trace::{GilStats, Timeline};

/// The job of process `p` (one part of the tasks).
pub fn part(job: &Job, p: u32) -> Job {
    let of = job.experiment.workers.min(job.experiment.tasks).max(1);
    job.clone().part(p, of).expect("p is below the process count")
}

/// How many processes run: no more than there are tasks.
pub fn processes(job: &Job) -> u32 {
    job.experiment.workers.min(job.experiment.tasks).max(1)
}

/// Process `p`'s thread `t` as one worker id of the merged run.
pub fn worker_id(threads: u32, p: u32, t: u32) -> u32 {
    p * threads + t
}

/// (process, thread) of a merged worker id, both from 0.
pub fn process_and_thread(threads: u32, worker: u32) -> (u32, u32) {
    (worker / threads.max(1), worker % threads.max(1))
}

/// One hybrid run from the runs of its processes (in process order),
/// timed by whoever started them: `start_ms` when the first was asked,
/// `end_ms` when the last answered.
pub fn merge(threads: u32, parts: Vec<ModelRun>, start_ms: f64, end_ms: f64) -> ModelRun {
    let mut tasks = Vec::new();
    let mut lanes = Vec::new();
    let mut gil: Option<GilStats> = None;
    let mut traced = false;
    for (p, run) in parts.into_iter().enumerate() {
        let p = p as u32;
        tasks.extend(run.tasks.into_iter().map(|mut t| {
            t.worker = worker_id(threads, p, t.worker);
            t
        }));
        if let Some(tl) = run.timeline {
            traced = true;
            lanes.extend(tl.lanes.into_iter().map(|mut l| {
                l.worker = worker_id(threads, p, l.worker);
                l
            }));
            if let Some(g) = tl.gil {
                gil = Some(match gil {
                    None => g,
                    Some(sum) => GilStats {
                        switches: sum.switches + g.switches,
                        failed_acquisitions: sum.failed_acquisitions + g.failed_acquisitions,
                        drop_requests: sum.drop_requests + g.drop_requests,
                        ..sum
                    },
                });
            }
        }
    }
    tasks.sort_by_key(|t| t.index);
    let workers = lanes.len().max(1) as u32;
    let timeline = traced.then(|| Timeline::new(start_ms, end_ms, lanes, gil));
    ModelRun { model: Model::Hybrid, workers, wall_ms: end_ms - start_ms, tasks, timeline, lost: Vec::new(), extra: Extra::none() }
}

/// Natively: OS threads stand in for the processes, each with its own pool
/// of scoped threads and its own GIL.
#[cfg(not(target_arch = "wasm32"))]
pub fn run_native(job: &Job, host: &(dyn crate::platform::Host + Send + Sync)) -> ModelRun {
    use super::threads::{self, ScopedThreads};
    let n = processes(job);
    let pool = ScopedThreads(job.experiment.threads_per_process as usize);
    let start = host.now_ms();
    let parts = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|p| {
                let part = part(job, p);
                let pool = &pool;
                s.spawn(move || threads::run(&part, pool, host, true))
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a process of the hybrid panicked")).collect()
    });
    merge(job.experiment.threads_per_process, parts, start, host.now_ms())
}
