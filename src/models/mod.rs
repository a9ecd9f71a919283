//! The execution models. Each one runs an experiment's tasks and returns a
//! [`ModelRun`]: wall time and one [`TaskRecord`] per task.
//!
//! - [`sequential`]: a plain loop in one worker;
//! - [`threads`]: a pool of workers sharing memory, pulling task indices from
//!   one shared atomic counter (like `ThreadPoolExecutor`'s work queue);
//! - [`processes`]: isolated workers that only exchange messages
//!   ([`crate::protocol`]); the browser dispatches them from the page, the
//!   native version here uses OS threads that share nothing but channels.

#[cfg(not(target_arch = "wasm32"))]
pub mod processes;
pub mod sequential;
pub mod threads;

use crate::experiment::Workload;
use crate::platform::Host;
use crate::results::TaskRecord;
use crate::workload;

/// Runs one task on `worker` and records it on the host's clock.
pub fn run_one(workload: &Workload, index: u32, worker: u32, host: &dyn Host) -> TaskRecord {
    let start_ms = host.now_ms();
    let value = workload::run(workload, index, host);
    let end_ms = host.now_ms();
    TaskRecord { index, worker, start_ms, end_ms, value }
}
