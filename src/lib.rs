//! ThreadLab core: everything that decides *what* an experiment is and *what
//! its numbers mean*, with no browser in sight.
//!
//! - [`experiment`]: the experiment description (the JSON a link or the
//!   scripting API carries), its validation and limits, and the [`Job`] a
//!   worker receives (experiment + machine facts);
//! - [`workloads`]: one module per kind of task (its parameters, limits,
//!   cost, work, expected value and check, description);
//! - [`data`]: the input a data-heavy task reads, how it is split and checked
//!   ([`crc32`]: its checksum in the browser's wasm);
//! - [`export`]: results as CSV, timelines as Perfetto traces, file names;
//! - [`plan`]: what a press of Run does, step by step;
//! - [`models`]: the execution models (sequential, threads, processes), written
//!   against small traits ([`platform::Clock`], [`platform::Blocking`],
//!   [`models::threads::Pool`]) so they run natively in tests and in Web
//!   Workers in the browser;
//! - [`dispatch`]: the process pool's dispatch, a state machine without I/O;
//! - [`protocol`]: every page ↔ worker message, typed and versioned, and the
//!   worker's side of the conversation;
//! - [`gil`]: the simulated GIL (CPython's "new GIL");
//! - [`kernels`]: the workloads' CPU kernels as plain functions, timed for
//!   the benchmark (wasm against native);
//! - [`trace`] and [`worker`]: each worker's state changes, for the timeline;
//! - [`results`], [`stats`] and [`explain`]: what a run produces, its numbers
//!   and the paragraph that says what they mean.
//!
//! The browser glue (`engine/`) and the UI (`ui/`) implement the traits over
//! `web-sys`; this crate never depends on them.
// The threaded engine's build (nightly, atomics on): the program's mailboxes
// wake a waiting child with `memory.atomic.notify` (src/program/mailbox.rs).
#![cfg_attr(all(target_family = "wasm", target_feature = "atomics"), feature(stdarch_wasm_atomic_wait))]

pub mod claim;
pub mod crc32;
pub mod data;
pub mod dispatch;
pub mod embed;
pub mod error;
pub mod experiment;
pub mod export;
pub mod extra;
pub mod explain;
pub mod gil;
pub mod kernels;
pub mod lessons;
pub mod limits;
pub mod link;
pub mod model;
pub mod models;
#[cfg(not(target_family = "wasm"))]
pub mod native;
pub mod plan;
pub mod platform;
pub mod predict;
pub mod program;
pub mod protocol;
pub mod python;
#[cfg(feature = "pyvm")]
pub mod pyvm;
pub mod record;
pub mod results;
pub mod runner;
pub mod shared;
pub mod sizing;
pub mod stats;
pub mod summary;
pub mod text;
pub mod trace;
pub mod verdict;
pub mod wall;
pub mod worker;
pub mod workloads;

pub use experiment::{Experiment, ExperimentError, Job, Model};
pub use results::{ModelRun, ModelSummary, Results, Status, TaskRecord};
pub use workloads::{Machine, Workload};
