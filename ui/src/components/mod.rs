//! One component a file. `Controls` is a component (it owns callbacks); the
//! chart, table and environment panel are plain functions of their data.

pub mod chart;
pub mod compare;
pub mod controls;
pub mod copy;
pub mod environment;
pub mod export;
pub mod lessons;
pub mod memory;
pub mod picture;
pub mod python;
pub mod scaling;
pub mod share;
pub mod sweep;
pub mod table;
pub mod timeline;
pub mod verdict;

pub use threadlab::stats::ms;
