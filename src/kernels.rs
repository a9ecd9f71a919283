//! The workloads' CPU kernels as plain functions, timed the same way
//! natively (`cargo run --release --example kernels`) and in the browser's
//! wasm (the engine's `bench_kernels`), so `npm run bench` can report
//! wasm/native per kernel. Each is the function a workload's task runs,
//! without the eval breaker's tick (an empty closure, as the sequential
//! model's is when there is no GIL).
//!
//! To add a kernel (a new CPU workload), add one [`Kernel`] to [`KERNELS`]:
//! both sides and the report follow.

use crate::platform::Clock;
use crate::workloads::{count_loop, mandelbrot, primes};
use serde::Serialize;
use std::hint::black_box;

/// One kernel: its input is made by `setup(size)` (untimed), then
/// `run(size, &input)` is timed.
#[derive(Clone, Copy)]
pub struct Kernel {
    pub name: &'static str,
    /// What `size` means, for the report.
    pub what: &'static str,
    /// The size the benchmark uses: a few hundred milliseconds in a browser.
    pub size: u64,
    pub setup: fn(u64) -> Vec<u8>,
    pub run: fn(u64, &[u8]) -> u64,
}

fn no_input(_: u64) -> Vec<u8> {
    Vec::new()
}

/// Every kernel the benchmark compares.
pub const KERNELS: &[Kernel] = &[
    Kernel { name: "loop", what: "iterations of total += i", size: 200_000_000, setup: no_input, run: |n, _| count_loop::sum_loop(n, &mut || {}) },
    Kernel { name: "primes", what: "trial division of every number below size", size: 3_000_000, setup: no_input, run: |n, _| primes::count_primes(n, &mut || {}) },
    Kernel { name: "data", what: "bytes checksummed (CRC-32), the data workload's task", size: 64 << 20, setup: crate::data::make, run: |_, input| crate::data::checksum(input) },
    Kernel {
        name: "mandelbrot",
        what: "pixels along each side of the image, one tile, at most 1,000 iterations a pixel, no picture",
        size: 600,
        setup: no_input,
        run: |n, _| mandelbrot::render(&mandelbrot::Tile::of(n, 1, 0), n, 1000, false, &mut || {}).0,
    },
];

/// One kernel's times over the repeats, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub kernel: &'static str,
    pub what: &'static str,
    pub size: u64,
    /// What the kernel returned (the same on every host, or one is wrong).
    pub value: u64,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub repeats: u32,
}

/// Times every kernel `repeats` times (after one untimed warm-up run, which
/// lets a browser's optimising compiler take over).
pub fn measure(clock: &dyn Clock, repeats: u32) -> Vec<Timing> {
    KERNELS.iter().map(|k| time(k, clock, repeats)).collect()
}

/// Times one kernel, as [`measure`] does.
pub fn time(k: &Kernel, clock: &dyn Clock, repeats: u32) -> Timing {
    let input = (k.setup)(k.size);
    let value = (k.run)(black_box(k.size), black_box(&input));
    let mut ms: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let t0 = clock.now_ms();
            black_box((k.run)(black_box(k.size), black_box(&input)));
            clock.now_ms() - t0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let median = if n % 2 == 1 { ms[n / 2] } else { (ms[n / 2 - 1] + ms[n / 2]) / 2.0 };
    Timing { kernel: k.name, what: k.what, size: k.size, value, median_ms: median, min_ms: ms[0], max_ms: ms[n - 1], repeats: n as u32 }
}

/// [`measure`] as JSON text (an array of [`Timing`]s).
pub fn report(clock: &dyn Clock, repeats: u32) -> String {
    serde_json::to_string(&measure(clock, repeats)).expect("timings serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake(std::cell::Cell<f64>);
    // One thread only: the test's clock ticks 1 ms a reading.
    unsafe impl Sync for Fake {}
    impl Clock for Fake {
        fn now_ms(&self) -> f64 {
            self.0.set(self.0.get() + 1.0);
            self.0.get()
        }
    }

    #[test]
    fn every_kernel_returns_its_workloads_value() {
        let small = |name: &str| KERNELS.iter().find(|k| k.name == name).unwrap();
        assert_eq!((small("loop").run)(1000, &[]), count_loop::triangle(1000));
        assert_eq!((small("primes").run)(100, &[]), 25);
        let input = crate::data::make(1 << 20);
        assert_eq!((small("data").run)(1 << 20, &input), crate::data::checksum_of(0..1 << 20));
        let tile = mandelbrot::Tile::of(8, 1, 0);
        assert_eq!((small("mandelbrot").run)(8, &[]), mandelbrot::render(&tile, 8, 1000, true, &mut || {}).0);
        let t = time(&Kernel { name: "loop", what: "", size: 10, setup: no_input, run: |n, _| n }, &Fake(0.0.into()), 3);
        assert_eq!((t.value, t.median_ms, t.min_ms, t.max_ms, t.repeats), (10, 1.0, 1.0, 1.0, 3));
    }
}
