//! One component a file. `Controls` is a component (it owns callbacks); the
//! chart, table and environment panel are plain functions of their data.

pub mod chart;
pub mod compare;
pub mod controls;
pub mod copy;
pub mod environment;
pub mod lessons;
pub mod python;
pub mod share;
pub mod sweep;
pub mod table;
pub mod timeline;
pub mod verdict;

/// `1234.5` -> `"1,235 ms"`, `12.34` -> `"12.3 ms"`.
pub fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{} ms", threadlab::experiment::group(v.round() as u64))
    } else if v >= 100.0 {
        format!("{v:.0} ms")
    } else {
        format!("{v:.1} ms")
    }
}
