//! Running a program: the [`Session`] holds its main interpreter (on the
//! worker that runs the program's threads), [`Child`] a child process's
//! (on a process worker). The page relays [`ToPage`] / [`FromChild`]
//! messages between them; natively [`run_native`] does the same with OS
//! threads, so every path is tested with `cargo test`.
//!
//! SKELETON: the signatures are the contract; the bodies are being written.

use std::sync::Arc;

use super::{ChildJob, FromChild, ProgramRun, ProgramSpec, ToChild, ToPage};
use crate::error::ExperimentError;

/// What a session needs from where it runs.
pub trait Env: Send + Sync + 'static {
    /// ms on a clock every worker of the page shares
    /// (`performance.timeOrigin + performance.now()` in the browser).
    fn now_ms(&self) -> f64;
    /// Run `f` on a worker thread of its own: natively `std::thread::spawn`,
    /// in the browser a thread of the program's pool (wasm-bindgen-rayon).
    fn spawn(&self, f: Box<dyn FnOnce() + Send>);
}

/// A running program's main process.
pub struct Session {
    _env: Arc<dyn Env>,
    _spec: ProgramSpec,
}

impl Session {
    /// Check the program (a syntax error is refused here, with its line and
    /// column, before anything runs) and start its main thread.
    pub fn start(spec: ProgramSpec, env: Arc<dyn Env>) -> Result<Arc<Session>, ExperimentError> {
        Ok(Arc::new(Session { _env: env, _spec: spec }))
    }
    /// What the page must do or show since the last poll, in order.
    pub fn poll(&self) -> Vec<ToPage> {
        Vec::new()
    }
    /// A child's message, relayed by the page.
    pub fn deliver(&self, _m: FromChild) {}
    /// Stop every thread (Cancel): the next poll ends with [`ToPage::Done`].
    pub fn cancel(&self) {}
}

/// A child process's interpreter, on its own worker (no threads of the
/// page's pool: the process worker's engine is single-threaded).
pub struct Child {
    _job: ChildJob,
}

impl Child {
    pub fn start(job: ChildJob, child: u32, now_ms: &dyn Fn() -> f64, out: &mut dyn FnMut(FromChild)) -> Child {
        let _ = (child, now_ms, out);
        Child { _job: job }
    }
    /// Carry out a message from the parent, sending what it produces
    /// (printed lines as they are printed) through `out`.
    pub fn handle(&mut self, _msg: ToChild, _now_ms: &dyn Fn() -> f64, _out: &mut dyn FnMut(FromChild)) {}
}

/// Run a program natively, children on OS threads with their own
/// interpreters, relaying as the page does (tests, `examples/`).
#[cfg(not(target_family = "wasm"))]
pub fn run_native(spec: ProgramSpec) -> Result<ProgramRun, ExperimentError> {
    let _ = spec;
    Err(ExperimentError::Code { field: "program".into(), message: "not yet".into(), line: 0, col: 0 })
}
