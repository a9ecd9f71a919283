//! The workloads' CPU kernels timed natively, for `npm run bench`'s
//! wasm/native ratios (the browser side is the engine's `bench_kernels`):
//!
//! ```sh
//! cargo run --release --example kernels [repeats]
//! ```
//!
//! prints one JSON array of `threadlab::kernels::Timing`, plus one entry
//! natively only, `data_portable`: the data kernel through the portable
//! table code wasm runs (`threadlab::crc32`; natively the kernel is
//! crc32fast, which picks a carry-less-multiply SIMD version at run time,
//! an instruction wasm has not): it tells the instruction set from the
//! compiler.

use threadlab::kernels::{time, Kernel, KERNELS};
use threadlab::platform::NativeHost;

fn main() {
    let repeats = std::env::args().nth(1).and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut timings: Vec<_> = KERNELS.iter().map(|k| time(k, &NativeHost, repeats)).collect();
    let data = KERNELS.iter().find(|k| k.name == "data").expect("the data kernel");
    let portable = Kernel {
        name: "data_portable",
        what: "the data kernel through the portable table code wasm runs (threadlab::crc32, slicing-by-16), natively",
        run: |_, input| u64::from(threadlab::crc32::hash(input)),
        ..*data
    };
    timings.push(time(&portable, &NativeHost, repeats));
    println!("{}", serde_json::to_string(&timings).expect("timings serialise"));
}
