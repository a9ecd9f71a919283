//! The worker's side of the protocol: a [`WorkerState`] answers each
//! [`Request`] by running a model, the same in a process worker, the
//! sequential worker and the threads coordinator (which also has a
//! [`Pool`]). The messages themselves are [`crate::protocol`]'s.

use crate::experiment::Job;
use crate::models::threads::Pool;
use crate::models::{run_one, sequential, threads, tracer};
use crate::platform::Host;
use crate::protocol::{decode, encode, Reply, Request};
use crate::shared::Shared;
use crate::trace::{State, Tracer};
use crate::worker::Worker;
use crate::workloads::count_loop;

/// One worker's state: its id and, in a process worker, its own copy of the
/// job and its trace buffer (allocated at setup, before any clock starts,
/// and reused for every task).
pub struct WorkerState {
    id: u32,
    job: Option<(Job, Tracer)>,
    /// What this process's tasks share: only with each other.
    shared: Shared,
}

impl WorkerState {
    pub fn new(id: u32) -> WorkerState {
        WorkerState { id, job: None, shared: Shared::default() }
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// Answers one request. `pool` is the shared-memory thread pool, where
    /// this worker has one (the threads coordinator).
    pub fn handle(&mut self, request: Request, host: &dyn Host, pool: Option<&dyn Pool>) -> Reply {
        self.handle_with_input(request, Vec::new(), host, pool)
    }

    /// [`WorkerState::handle`], for a task that came with its share of the
    /// input, already copied into this worker's memory.
    pub fn handle_with_input(&mut self, request: Request, input: Vec<u8>, host: &dyn Host, pool: Option<&dyn Pool>) -> Reply {
        match request {
            Request::Setup { job } => {
                let tracer = tracer(&job.experiment, self.id);
                self.shared = Shared::new(job.experiment.tasks).in_process(true);
                self.job = Some((job, tracer));
                Reply::Ready
            }
            Request::Task { index, sent_ms } => match &mut self.job {
                None => Reply::Failed { error: "task received before setup".into() },
                Some((job, _)) if index >= job.experiment.tasks => Reply::Failed { error: format!("there is no task {index}") },
                Some((job, _))
                    if input.len() as u64 != crate::data::chunk(job.experiment.workload.input_bytes(), job.experiment.tasks, index).count() as u64 =>
                {
                    Reply::Failed { error: format!("task {index} came with {} bytes of input instead of its share", input.len()) }
                }
                Some((job, tracer)) => {
                    // A process has its own interpreter and so its own GIL,
                    // which nobody else wants: no GIL to wait for.
                    let mut w = Worker::new(self.id, host, None, std::mem::replace(tracer, Tracer::new(self.id, false)));
                    w.set_task(Some(index));
                    w.enter_at(sent_ms, State::Receiving);
                    w.set_input(&input);
                    w.set_shared(&self.shared);
                    let mut record = run_one(job, index, &mut w);
                    record.moved_bytes += input.len() as u64;
                    record.moving_ms = (record.start_ms - sent_ms).max(0.0);
                    w.enter(State::Sending);
                    *tracer = w.into_tracer();
                    let (trace, truncated) = tracer.take_events();
                    Reply::Done { record, trace, truncated }
                }
            },
            Request::Sequential { job } => Reply::Ran { run: sequential::run(&job, host) },
            Request::Threads { job, gil } => match pool {
                Some(pool) => Reply::Ran { run: threads::run(&job, pool, host, gil) },
                None => Reply::Failed { error: "this worker has no thread pool".into() },
            },
            Request::Calibrate => Reply::Calibrated { cpu_iterations_per_ms: count_loop::calibrate(&|| host.now_ms(), 50.0) },
            Request::Expected { job } => Reply::Expected { values: job.expected() },
            Request::Footprint => Reply::Footprint { memory_bytes: memory_bytes() },
            Request::Abort => Reply::Failed { error: "abort is carried out by the worker's host".into() },
        }
    }

    /// [`WorkerState::handle`] on message text, as it arrives from
    /// `postMessage`; never panics on bad input.
    pub fn handle_text(&mut self, text: &str, host: &dyn Host, pool: Option<&dyn Pool>) -> String {
        self.handle_text_with_input(text, Vec::new(), host, pool)
    }

    /// [`WorkerState::handle_with_input`] on message text.
    pub fn handle_text_with_input(&mut self, text: &str, input: Vec<u8>, host: &dyn Host, pool: Option<&dyn Pool>) -> String {
        let reply = match decode::<Request>(text) {
            Ok(r) => self.handle_with_input(r, input, host, pool),
            Err(e) => Reply::Failed { error: e.to_string() },
        };
        encode(&reply)
    }
}

/// The size this worker's WebAssembly memory has grown to (it never
/// shrinks): the memory the engine really holds. `None` natively.
pub fn memory_bytes() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    return Some(core::arch::wasm32::memory_size(0) as u64 * 65_536);
    #[cfg(not(target_arch = "wasm32"))]
    None
}

