//! CPU-bound: the seeds' `total = 0; for i in range(size): total += i`.

use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::text::group;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};
use std::hint::black_box;

/// Iterations of the seeds' loop in one task (about 5 s in a browser).
pub const MAX_SIZE: u64 = 5_000_000_000;
/// Loop iterations between two eval-breaker checks: a few microseconds.
pub const TICK_ITERATIONS: u64 = 8192;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountLoop {
    pub size: u64,
}

impl Kind for CountLoop {
    const LABEL: &'static str = "CPU: total += i loop";
    const FIELDS: &'static [Field] = &[Field {
        key: "size",
        label: "Iterations per task",
        hint: "The tutorials count to 10**7 (ten million); larger sizes show the difference better.",
        default: "300000000",
        input: Input::Whole { min: 1, max: MAX_SIZE },
    }];

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        Ok(CountLoop { size: p.whole("size")? })
    }
    fn scaled(&self, factor: f64) -> Option<Self> {
        Some(CountLoop { size: super::task::scaled(self.size, factor) })
    }
}

impl Task for CountLoop {
    fn cpu_bound(&self) -> bool {
        true
    }
    fn cost(&self) -> Cost {
        Cost::Iterations(self.size as f64)
    }
    fn python_ms(&self) -> Option<f64> {
        Some(self.cost().python_ms(PYTHON_NS_PER_ITERATION))
    }
    fn run(&self, _: &Machine, _: u32, w: &mut Worker) -> Output {
        sum_loop(self.size, &mut || w.tick()).into()
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        vec![Some(triangle(self.size)); tasks as usize]
    }
    fn describe(&self) -> String {
        format!("CPU: total += i for i in range({})", group(self.size))
    }
    fn python(&self, _: &Machine) -> PythonTask {
        PythonTask { helpers: PYTHON_LOOP.into(), body: format!("    return count_loop(scaled({}))\n", self.size), same_values: true, crashes: false, takes_input: false }
    }
}

/// CPython's time per iteration of [`PYTHON_LOOP`] (ns): 27.3 measured
/// ([`super::task::PYTHON_MEASURED_WITH`]; 10,000,000 iterations in 273 ms).
/// The basis of the Python panel's estimate for every workload that runs
/// this loop (the loop, the crash, join()).
pub const PYTHON_NS_PER_ITERATION: f64 = 27.3;

/// The seeds' loop in Python, shared by the workloads that compute with it
/// (the total wraps like the page's 64-bit one).
pub const PYTHON_LOOP: &str = "def count_loop(n):\n    total = 0\n    for k in range(n):\n        total += k\n    return total % 2**64\n";

/// `0 + 1 + … + (n-1)` (wrapping like the loop's `u64` total), the closed
/// form of the seeds' loop.
pub fn triangle(n: u64) -> u64 {
    (n as u128 * (n as u128).saturating_sub(1) / 2) as u64
}

/// The seeds' `total = 0; for i in range(n): total += i`, calling `tick`
/// (the eval breaker) every [`TICK_ITERATIONS`].
///
/// `black_box` keeps the optimiser from replacing the loop by `n*(n-1)/2`:
/// every iteration really runs, as it would in Python.
pub fn sum_loop(n: u64, tick: &mut dyn FnMut()) -> u64 {
    let mut total: u64 = 0;
    let mut i: u64 = 0;
    while i < n {
        let end = n.min(i + TICK_ITERATIONS);
        while i < end {
            total = total.wrapping_add(black_box(i));
            i += 1;
        }
        tick();
    }
    total
}

/// Loop iterations per millisecond on this machine: runs the loop for at
/// least `min_ms` and divides.
///
/// The best of three measurements counts: a browser runs new code in a
/// baseline compiler first and optimises it only after it ran a while.
pub fn calibrate(now: &dyn Fn() -> f64, min_ms: f64) -> f64 {
    let mut n: u64 = 1 << 16;
    let mut best: f64 = 0.0;
    let mut good = 0;
    while good < 3 {
        let t0 = now();
        black_box(sum_loop(n, &mut || {}));
        let dt = now() - t0;
        if dt >= min_ms || n >= 1 << 40 {
            best = best.max(n as f64 / dt.max(1e-3));
            good += 1;
        } else {
            n *= 2;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_matches_closed_form() {
        for n in [0, 1, 2, 10, 12345, 65_535, 65_536, 65_537, 1_000_000] {
            assert_eq!(sum_loop(n, &mut || {}), triangle(n), "n = {n}");
        }
        assert_eq!(sum_loop(10_000_000, &mut || {}), 49_999_995_000_000);
    }

    #[test]
    fn expected_loop_does_not_overflow_at_the_limit() {
        assert_eq!(triangle(MAX_SIZE), (MAX_SIZE as u128 * (MAX_SIZE as u128 - 1) / 2) as u64);
        assert_eq!(triangle(MAX_SIZE), 12_499_999_997_500_000_000);
    }

    #[test]
    fn the_loop_ticks_every_few_thousand_iterations() {
        let mut ticks = 0;
        sum_loop(3 * TICK_ITERATIONS + 1, &mut || ticks += 1);
        assert_eq!(ticks, 4);
    }
}
