//! The work of one task, and the independent check of its result.

use crate::experiment::Workload;
use crate::platform::Host;
use std::hint::black_box;

/// Runs one task and returns its result value.
///
/// `index` is the task's argument, as in `executor.map(fn, range(tasks))`.
pub fn run(workload: &Workload, index: u32, host: &dyn Host) -> u64 {
    match *workload {
        Workload::Loop { size } => sum_loop(size),
        Workload::Primes { size } => count_primes(size),
        Workload::Sleep { ms } => {
            host.sleep_ms(ms as f64);
            index as u64
        }
    }
}

/// The value a correct task returns, computed another way (closed form,
/// sieve), so a wrong or skipped computation is caught.
pub fn expected(workload: &Workload, index: u32) -> u64 {
    match *workload {
        Workload::Loop { size } => (size as u128 * (size as u128).saturating_sub(1) / 2) as u64,
        Workload::Primes { size } => sieve_count(size),
        Workload::Sleep { .. } => index as u64,
    }
}

/// The seeds' `total = 0; for i in range(n): total += i`.
///
/// `black_box` keeps the optimiser from replacing the loop by `n*(n-1)/2`:
/// every iteration really runs, as it would in Python.
pub fn sum_loop(n: u64) -> u64 {
    let mut total: u64 = 0;
    let mut i: u64 = 0;
    while i < n {
        total = total.wrapping_add(black_box(i));
        i += 1;
    }
    total
}

/// Counts the primes below `n` by trial division, the textbook `is_prime`.
pub fn count_primes(n: u64) -> u64 {
    let mut count = 0;
    for k in 2..n {
        if is_prime(black_box(k)) {
            count += 1;
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
            assert_eq!(sum_loop(n), expected(&Workload::Loop { size: n }, 0), "n = {n}");
        }
        assert_eq!(sum_loop(10_000_000), 49_999_995_000_000);
    }

    #[test]
    fn trial_division_matches_sieve() {
        for n in [0, 1, 2, 3, 4, 10, 100, 7919, 100_000] {
            assert_eq!(count_primes(n), sieve_count(n), "n = {n}");
        }
        assert_eq!(count_primes(100), 25);
        assert_eq!(sieve_count(1_000_000), 78_498);
    }

    #[test]
    fn expected_loop_does_not_overflow_at_the_limit() {
        let n = crate::experiment::MAX_LOOP_SIZE;
        assert_eq!(expected(&Workload::Loop { size: n }, 0), (n as u128 * (n as u128 - 1) / 2) as u64);
    }
}
