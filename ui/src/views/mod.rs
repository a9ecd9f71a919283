//! Each workload's own view of its results, one file a workload (the
//! convoy's wake-up latency and switch-interval sweep, the Mandelbrot
//! pictures, the race's counters, the deadlock's wait-for graph, the Python tasks'
//! values, output and tracebacks), found
//! through [`of`]: the page names no workload. A new workload with a view
//! of its own adds its file and one line to [`of`].

pub mod convoy;
pub mod deadlock;
pub mod mandelbrot;
pub mod python;
pub mod race;
pub mod view;

pub use view::{Shown, View};
use threadlab::Workload;

/// The view of `workload`'s own outputs, if it has one.
pub fn of(workload: &Workload) -> Option<&'static dyn View> {
    match workload {
        Workload::Convoy(_) => Some(&convoy::Wakeups),
        Workload::Mandelbrot(_) => Some(&mandelbrot::Pictures),
        Workload::Race(_) => Some(&race::Counters),
        Workload::Deadlock(_) => Some(&deadlock::WaitFor),
        Workload::Python(_) => Some(&python::Tasks),
        _ => None,
    }
}
