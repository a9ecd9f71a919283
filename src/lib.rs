//! ThreadLab core: everything that decides *what* an experiment is and *what
//! its numbers mean*, with no browser in sight.
//!
//! - [`experiment`]: the experiment description (the JSON a link or the
//!   scripting API carries), its validation and limits;
//! - [`workload`]: the work one task does (the seeds' loop, prime counting, a
//!   blocking wait) and the check of its result;
//! - [`models`]: the execution models (sequential, threads, processes), written
//!   against small traits ([`platform::Clock`], [`platform::Blocking`],
//!   [`models::threads::Pool`]) so they run natively in tests and in Web
//!   Workers in the browser;
//! - [`gil`]: the simulated GIL (CPython's "new GIL");
//! - [`trace`] and [`worker`]: each worker's state changes, for the timeline;
//! - [`results`] and [`stats`]: what a run produces and its summary.
//!
//! The browser glue (`engine/`) and the UI (`ui/`) implement the traits over
//! `web-sys`; this crate never depends on them.

pub mod experiment;
pub mod gil;
pub mod models;
pub mod platform;
pub mod protocol;
pub mod results;
pub mod stats;
pub mod trace;
pub mod worker;
pub mod workload;

pub use experiment::{Experiment, ExperimentError, Model, Workload};
pub use results::{ModelRun, ModelSummary, Results, TaskRecord};
