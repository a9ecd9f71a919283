//! CPU-bound: count the primes below `size` by trial division, the textbook
//! `is_prime`; checked against a sieve of Eratosthenes.

use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::text::group;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};
use std::hint::black_box;

/// Upper bound of the prime-counting range in one task.
pub const MAX_SIZE: u64 = 20_000_000;
/// Prime candidates between two eval-breaker checks.
const TICK_CANDIDATES: u64 = 16;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Primes {
    pub size: u64,
}

impl Kind for Primes {
    const LABEL: &'static str = "CPU: count primes";
    const FIELDS: &'static [Field] = &[Field {
        key: "size",
        label: "Count primes below",
        hint: "Each task counts the primes below this number by trial division.",
        default: "1000000",
        input: Input::Whole { min: 1, max: MAX_SIZE },
    }];

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        Ok(Primes { size: p.whole("size")? })
    }
    fn scaled(&self, factor: f64) -> Option<Self> {
        Some(Primes { size: super::task::scaled(self.size, factor) })
    }
}

/// CPython's time per iteration of this task's [`Task::cost`] in its
/// Python (ns): 40.1 measured ([`super::task::PYTHON_MEASURED_WITH`];
/// counting the primes below 300,000 by trial division: 273 ms for 6.8 million iterations of its cost). The basis of the Python panel's estimate.
pub const PYTHON_NS_PER_ITERATION: f64 = 40.1;

impl Task for Primes {
    fn cpu_bound(&self) -> bool {
        true
    }
    fn cost(&self) -> Cost {
        // Trial division: about sqrt(n)/ln(n) divisions per prime.
        let n = self.size.max(2) as f64;
        Cost::Iterations(n * n.sqrt() / n.ln().max(1.0) / 2.0 + n)
    }
    fn python_ms(&self) -> Option<f64> {
        Some(self.cost().python_ms(PYTHON_NS_PER_ITERATION))
    }
    fn run(&self, _: &Machine, _: u32, w: &mut Worker) -> Output {
        count_primes(self.size, &mut || w.tick()).into()
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        // Every task counts the same range: sieve once.
        vec![Some(sieve_count(self.size)); tasks as usize]
    }
    fn describe(&self) -> String {
        format!("CPU: count primes below {}", group(self.size))
    }
    fn python(&self, _: &Machine) -> PythonTask {
        PythonTask {
            helpers: "def is_prime(k):\n    if k < 4:\n        return k >= 2\n    if k % 2 == 0:\n        return False\n    d = 3\n    while d * d <= k:\n        if k % d == 0:\n            return False\n        d += 2\n    return True\n".into(),
            body: format!("    return sum(1 for k in range(2, scaled({})) if is_prime(k))\n", self.size),
            same_values: true,
            crashes: false,
            takes_input: false,
        }
    }
}

/// Counts the primes below `n` by trial division, calling `tick` every few
/// candidates.
pub fn count_primes(n: u64, tick: &mut dyn FnMut()) -> u64 {
    let mut count = 0;
    for k in 2..n {
        if is_prime(black_box(k)) {
            count += 1;
        }
        if k % TICK_CANDIDATES == 0 {
            tick();
        }
    }
    count
}

/// Trial division by odd numbers up to the square root. All arithmetic is
/// `u64` (never `usize`, 32 bits on wasm32).
pub fn is_prime(k: u64) -> bool {
    if k < 4 {
        return k >= 2;
    }
    if k % 2 == 0 {
        return false;
    }
    let mut d: u64 = 3;
    while d * d <= k {
        if k % d == 0 {
            return false;
        }
        d += 2;
    }
    true
}

/// Counts the primes below `n` with a sieve of Eratosthenes.
///
/// Indices are `usize` (they address the table) but every product is taken
/// in `u64` first: on wasm32 `usize` is 32 bits, and `k * k` wraps once `k`
/// passes 65,535 (the sieve then marked the wrong numbers and counted
/// 78,493 primes below 1,000,000 instead of 78,498).
pub fn sieve_count(n: u64) -> u64 {
    if n < 3 {
        return 0;
    }
    let len = usize::try_from(n).expect("sieve size fits in memory (MAX_SIZE is 20,000,000)");
    let mut composite = vec![false; len];
    let mut count = 0;
    for k in 2..len {
        if composite[k] {
            continue;
        }
        count += 1;
        let square = (k as u64) * (k as u64);
        if square >= n {
            continue;
        }
        // square < n = len, so it fits in usize.
        let mut m = square as usize;
        while m < len {
            composite[m] = true;
            m += k;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_division_matches_sieve() {
        for n in [0, 1, 2, 3, 4, 10, 100, 7919, 65_535, 65_536, 65_537, 100_000] {
            assert_eq!(count_primes(n, &mut || {}), sieve_count(n), "n = {n}");
        }
        assert_eq!(count_primes(100, &mut || {}), 25);
    }

    #[test]
    fn sieve_counts_known_values_past_the_32_bit_square() {
        // pi(x) from published tables; 300,000 and up need k*k > 2^32.
        assert_eq!(sieve_count(300_000), 25_997);
        assert_eq!(sieve_count(1_000_000), 78_498);
        assert_eq!(sieve_count(2_000_000), 148_933);
        assert_eq!(sieve_count(MAX_SIZE), 1_270_607);
    }
}
