//! The work of one task, and the independent check of its result.

use crate::experiment::{Experiment, Step, Workload};
use crate::worker::Worker;
use std::hint::black_box;

/// Loop iterations between two eval-breaker checks: a few microseconds.
pub const TICK_ITERATIONS: u64 = 8192;
/// Prime candidates between two eval-breaker checks.
const TICK_CANDIDATES: u64 = 16;
/// The convoy's CPU-bound tasks loop in chunks of this many iterations; their
/// result is a whole number of chunk totals.
pub const CONVOY_CHUNK: u64 = 1 << 20;
/// At most this many wake-ups are measured by the convoy's I/O task.
pub const MAX_WAKEUPS: usize = 4096;

/// What one task returns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Output {
    pub value: u64,
    /// Convoy only: how late each wake-up resumed, in ms.
    pub latencies_ms: Vec<f64>,
}

fn iterations(exp: &Experiment, ms: u64) -> u64 {
    (ms as f64 * exp.cpu_iterations_per_ms.unwrap_or(0.0)).round() as u64
}

/// Runs task `index` of `exp` on `w`, as in `executor.map(fn, range(tasks))`.
pub fn run(exp: &Experiment, index: u32, w: &mut Worker) -> Output {
    let value = match &exp.workload {
        Workload::Loop { size } => sum_loop(*size, &mut || w.tick()),
        Workload::Primes { size } => count_primes(*size, &mut || w.tick()),
        Workload::Sleep { ms } => {
            w.io(*ms as f64);
            index as u64
        }
        Workload::Mixed { recipe } => {
            let mut total: u64 = 0;
            for _ in 0..recipe.times {
                for step in &recipe.steps {
                    match *step {
                        Step::Cpu(ms) => total = total.wrapping_add(sum_loop(iterations(exp, ms), &mut || w.tick())),
                        Step::Io(ms) => w.io(ms as f64),
                    }
                }
            }
            total
        }
        Workload::Convoy { cpu_ms, io_ms } => {
            if index == 0 {
                return convoy_probe(*cpu_ms as f64 * 0.8, *io_ms as f64, w);
            }
            // Compute for cpu_ms of wall time, so the CPU-bound tasks always
            // outlast the probe, whatever the GIL does to their pace.
            let start = w.now();
            let mut total: u64 = 0;
            loop {
                total += sum_loop(CONVOY_CHUNK, &mut || w.tick());
                if w.now() - start >= *cpu_ms as f64 {
                    break total;
                }
            }
        }
    };
    Output { value, latencies_ms: Vec::new() }
}

/// The convoy's I/O-bound task: block for `io_ms`, again and again for
/// `window_ms`, measuring each time how long after the wait ended the worker
/// was running again (with the GIL, where there is one).
fn convoy_probe(window_ms: f64, io_ms: f64, w: &mut Worker) -> Output {
    let start = w.now();
    let mut latencies_ms = Vec::with_capacity(MAX_WAKEUPS);
    while w.now() - start < window_ms && latencies_ms.len() < MAX_WAKEUPS {
        let requested = w.now();
        w.io(io_ms);
        latencies_ms.push((w.now() - requested - io_ms).max(0.0));
    }
    Output { value: latencies_ms.len() as u64, latencies_ms }
}

/// The value a correct task returns, computed another way (closed form,
/// sieve), so a wrong or skipped computation is caught. `None` where the
/// value depends on timing (the convoy's wake-up count).
pub fn expected(exp: &Experiment, index: u32) -> Option<u64> {
    Some(match &exp.workload {
        Workload::Loop { size } => triangle(*size),
        Workload::Primes { size } => sieve_count(*size),
        Workload::Sleep { .. } => index as u64,
        Workload::Mixed { recipe } => {
            let mut total: u64 = 0;
            for _ in 0..recipe.times {
                for step in &recipe.steps {
                    if let Step::Cpu(ms) = *step {
                        total = total.wrapping_add(triangle(iterations(exp, ms)));
                    }
                }
            }
            total
        }
        // Timed work: no fixed value; see `verify`.
        Workload::Convoy { .. } => return None,
    })
}

/// Checks a task's result; `None` when it is right, else what is wrong.
/// `expected` may be passed in when already computed (a sieve is not free).
pub fn verify(exp: &Experiment, index: u32, value: u64, latencies: &[f64], expected_value: Option<u64>) -> Option<String> {
    match (&exp.workload, expected_value.or_else(|| expected(exp, index))) {
        (_, Some(want)) if value != want => Some(format!("task {index} returned {value} instead of {want}")),
        (_, Some(_)) => None,
        (Workload::Convoy { .. }, None) if index == 0 => {
            latencies.is_empty().then(|| format!("task {index} measured no wake-ups"))
        }
        (_, None) => {
            let chunk = triangle(CONVOY_CHUNK);
            (value == 0 || value % chunk != 0).then(|| format!("task {index} returned {value}, not a whole number of loop totals ({chunk})"))
        }
    }
}

/// `0 + 1 + … + (n-1)`, the closed form of the seeds' loop.
fn triangle(n: u64) -> u64 {
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

/// Counts the primes below `n` by trial division, the textbook `is_prime`,
/// calling `tick` every few candidates.
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

fn is_prime(k: u64) -> bool {
    if k < 4 {
        return k >= 2;
    }
    if k % 2 == 0 {
        return false;
    }
    let mut d = 3;
    while d * d <= k {
        if k % d == 0 {
            return false;
        }
        d += 2;
    }
    true
}

/// Counts the primes below `n` with a sieve of Eratosthenes.
pub fn sieve_count(n: u64) -> u64 {
    if n < 3 {
        return 0;
    }
    let n = n as usize;
    let mut composite = vec![false; n];
    let mut count = 0;
    for k in 2..n {
        if !composite[k] {
            count += 1;
            let mut m = k * k;
            while m < n {
                composite[m] = true;
                m += k;
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_matches_closed_form() {
        for n in [0, 1, 2, 10, 12345, 1_000_000] {
            assert_eq!(sum_loop(n, &mut || {}), triangle(n), "n = {n}");
        }
        assert_eq!(sum_loop(10_000_000, &mut || {}), 49_999_995_000_000);
    }

    #[test]
    fn trial_division_matches_sieve() {
        for n in [0, 1, 2, 3, 4, 10, 100, 7919, 100_000] {
            assert_eq!(count_primes(n, &mut || {}), sieve_count(n), "n = {n}");
        }
        assert_eq!(count_primes(100, &mut || {}), 25);
        assert_eq!(sieve_count(1_000_000), 78_498);
    }

    #[test]
    fn expected_loop_does_not_overflow_at_the_limit() {
        let n = crate::experiment::MAX_LOOP_SIZE;
        assert_eq!(triangle(n), (n as u128 * (n as u128 - 1) / 2) as u64);
    }

    #[test]
    fn the_loop_ticks_every_few_thousand_iterations() {
        let mut ticks = 0;
        sum_loop(3 * TICK_ITERATIONS + 1, &mut || ticks += 1);
        assert_eq!(ticks, 4);
    }
}
