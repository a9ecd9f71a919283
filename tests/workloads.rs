//! Every workload's expected value against an independent computation, at
//! the sizes where 32-bit arithmetic breaks (65,535 / 65,536 / 65,537 and
//! their squares), at the limits, and at random sizes. Needs no threads: it
//! runs natively and compiled to wasm32 (32-bit `usize`) in `npm test`.

use proptest::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use threadlab::platform::{Blocking, Clock};
use threadlab::results::TaskRecord;
use threadlab::trace::Tracer;
use threadlab::worker::Worker;
use threadlab::workloads::convoy::{self, Convoy};
use threadlab::workloads::count_loop::{self, CountLoop};
use threadlab::workloads::mixed::{self, Mixed, Recipe};
use threadlab::workloads::primes::{self, Primes};
use threadlab::workloads::sleep::Sleep;
use threadlab::{Machine, Workload};

/// A host whose clock only moves when asked and whose waits return at once:
/// tasks run their real work, minus the waiting.
#[derive(Default)]
struct FakeHost(AtomicU64);
impl Clock for FakeHost {
    fn now_ms(&self) -> f64 {
        self.0.fetch_add(1, Ordering::Relaxed) as f64
    }
}
impl Blocking for FakeHost {
    fn sleep_ms(&self, _: f64) {}
}

/// Runs task `index` of `w` for real and returns its value.
fn run(w: &Workload, machine: &Machine, index: u32) -> u64 {
    let host = FakeHost::default();
    let mut worker = Worker::new(0, &host, None, Tracer::new(0, false));
    w.run(machine, index, &mut worker).value
}

/// `0 + 1 + ... + (n-1)` mod 2^64, computed without 128-bit arithmetic:
/// halve the even factor first.
fn triangle_u64(n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    if n % 2 == 0 {
        (n / 2).wrapping_mul(n - 1)
    } else {
        n.wrapping_mul((n - 1) / 2)
    }
}

/// Primes below `n` by an odd-only sieve indexed in `u32` (unlike the
/// workload's `usize` sieve), with squares taken in `u64`.
fn odd_sieve(n: u64) -> u64 {
    if n <= 2 {
        return 0;
    }
    let len = ((n - 2) / 2) as u32; // odd numbers 3, 5, ... below n: index i is 2i+3
    let mut composite = vec![false; len as usize];
    let mut count = 1; // 2
    for i in 0..len {
        if composite[i as usize] {
            continue;
        }
        count += 1;
        let p = 2 * u64::from(i) + 3;
        let mut m = p * p;
        while m < n {
            composite[((m - 3) / 2) as usize] = true;
            m += 2 * p;
        }
    }
    count
}

fn primes(size: u64) -> Workload {
    Workload::Primes(Primes { size })
}

#[test]
fn primes_around_the_32_bit_square_and_at_the_limits() {
    let m = Machine::default();
    for size in [1, 2, 3, 4, 65_535, 65_536, 65_537, 300_000, 1_000_000, 2_000_000, primes::MAX_SIZE] {
        let want = odd_sieve(size);
        assert_eq!(primes(size).expected(&m, 1), vec![Some(want)], "primes below {size}");
    }
    // Published values of pi(x).
    assert_eq!(odd_sieve(300_000), 25_997);
    assert_eq!(odd_sieve(1_000_000), 78_498);
    assert_eq!(odd_sieve(2_000_000), 148_933);
    assert_eq!(odd_sieve(primes::MAX_SIZE), 1_270_607);
    // The real work, where it is quick enough to run here.
    for size in [65_535, 65_536, 65_537] {
        assert_eq!(run(&primes(size), &m, 0), odd_sieve(size), "trial division below {size}");
    }
}

#[test]
fn mixed_at_the_limits_wraps_like_the_loop() {
    // The longest recipe on a very fast machine: 10^13 iterations a step,
    // whose totals wrap around 2^64 exactly as the loop's u64 total does.
    let recipe = Recipe::parse(&format!("cpu {}ms, x{}", mixed::MAX_STEP_MS, mixed::MAX_TIMES)).unwrap();
    let w = Workload::Mixed(Mixed { recipe });
    for rate in [1.0, 1e6, 1e9] {
        let m = Machine { cpu_iterations_per_ms: Some(rate) };
        let step = triangle_u64(m.iterations(mixed::MAX_STEP_MS));
        let want = (0..mixed::MAX_TIMES).fold(0u64, |t, _| t.wrapping_add(step));
        assert_eq!(w.expected(&m, 3), vec![Some(want); 3], "rate {rate}");
    }
}

fn record(index: u32, value: u64, latencies_ms: Vec<f64>) -> TaskRecord {
    let extra = threadlab::extra::Extra::of(&convoy::Wakeups { latencies_ms });
    TaskRecord { index, worker: 0, start_ms: 0.0, end_ms: 1.0, value, moved_bytes: 0, moving_ms: 0.0, extra }
}

#[test]
fn loop_at_the_limits() {
    let m = Machine::default();
    for size in [1, 2, 65_535, 65_536, 65_537, 1 << 32, (1 << 32) + 1, count_loop::MAX_SIZE] {
        let w = Workload::Loop(CountLoop { size });
        assert_eq!(w.expected(&m, 2), vec![Some(triangle_u64(size)); 2], "loop of {size}");
    }
    for size in [1, 65_535, 65_536, 65_537, 1_000_000] {
        assert_eq!(run(&Workload::Loop(CountLoop { size }), &m, 0), triangle_u64(size), "loop of {size}, run");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn loop_expected_is_the_closed_form(size in 1u64..=count_loop::MAX_SIZE) {
        let w = Workload::Loop(CountLoop { size });
        prop_assert_eq!(w.expected(&Machine::default(), 1), vec![Some(triangle_u64(size))]);
    }

    #[test]
    fn loop_runs_to_its_expected_value(size in 1u64..300_000) {
        let w = Workload::Loop(CountLoop { size });
        prop_assert_eq!(Some(run(&w, &Machine::default(), 0)), w.expected(&Machine::default(), 1)[0]);
    }


    #[test]
    fn primes_run_to_their_expected_value(size in 1u64..40_000) {
        let m = Machine::default();
        prop_assert_eq!(Some(run(&primes(size), &m, 0)), primes(size).expected(&m, 1)[0]);
    }

    #[test]
    fn sleep_returns_its_index(ms in 0u64..=10, tasks in 1u32..=512) {
        let w = Workload::Sleep(Sleep { ms });
        let m = Machine::default();
        let expected = w.expected(&m, tasks);
        prop_assert_eq!(expected.len(), tasks as usize);
        for i in [0, tasks / 2, tasks - 1] {
            prop_assert_eq!(Some(run(&w, &m, i)), expected[i as usize]);
        }
    }

    #[test]
    fn mixed_runs_to_its_expected_value(cpu in 0u64..=4, io in 0u64..=4, times in 1u32..=3, rate in 1.0f64..20_000.0) {
        let recipe = Recipe::parse(&format!("cpu {cpu}ms, io {io}ms, cpu 1ms, x{times}")).unwrap();
        let w = Workload::Mixed(Mixed { recipe });
        let m = Machine { cpu_iterations_per_ms: Some(rate) };
        let per_ms = |ms: u64| triangle_u64(m.iterations(ms));
        let want = (0..times).fold(0u64, |t, _| t.wrapping_add(per_ms(cpu)).wrapping_add(per_ms(1)));
        prop_assert_eq!(w.expected(&m, 1), vec![Some(want)]);
        prop_assert_eq!(run(&w, &m, 0), want);
    }
}

proptest! {
    // Each case sieves up to 20,000,000 twice: fewer cases.
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn primes_expected_matches_an_independent_sieve(size in 1u64..=primes::MAX_SIZE) {
        prop_assert_eq!(primes(size).expected(&Machine::default(), 1), vec![Some(odd_sieve(size))]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// The convoy's CPU-bound tasks must return a whole, non-zero number of
    /// chunk totals; its I/O task must have measured wake-ups.
    #[test]
    fn convoy_checks_what_timed_work_can_promise(chunks in 1u64..1_000_000, off in 1u64..1000, wakeups in 0usize..5) {
        let w = Workload::Convoy(Convoy { cpu_ms: 100, io_ms: 1 });
        let chunk = triangle_u64(convoy::CHUNK);
        prop_assert_eq!(w.expected(&Machine::default(), 3), vec![None; 3]);
        prop_assert_eq!(w.check(&record(1, chunk.wrapping_mul(chunks), vec![]), None), None);
        prop_assert!(w.check(&record(2, chunk.wrapping_mul(chunks).wrapping_add(off), vec![]), None).is_some());
        prop_assert!(w.check(&record(1, 0, vec![]), None).is_some());
        let probe = w.check(&record(0, wakeups as u64, vec![0.1; wakeups]), None);
        prop_assert_eq!(probe.is_none(), wakeups > 0);
    }
}
