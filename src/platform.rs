//! The two effects the core needs from its host: a clock and a blocking wait.
//!
//! In the browser the clock is `performance.timeOrigin + performance.now()`
//! (one clock for every worker) and the wait is `Atomics.wait`; natively they
//! are `SystemTime`/`Instant` and `std::thread::sleep`.

/// Milliseconds on a clock shared by every worker of a run.
pub trait Clock: Sync {
    fn now_ms(&self) -> f64;
}

/// A blocking wait that gives the core back to the operating system, like
/// `time.sleep`: the thread does no work while it waits.
pub trait Blocking: Sync {
    fn sleep_ms(&self, ms: f64);
}

/// The host: clock plus blocking wait.
pub trait Host: Clock + Blocking {}
impl<T: Clock + Blocking> Host for T {}

/// The native host, for tests and benchmarks outside the browser (also on
/// WASI, where the core's tests run as 32-bit code).
#[cfg(any(not(target_arch = "wasm32"), target_os = "wasi"))]
#[derive(Debug, Clone, Copy, Default)]
pub struct NativeHost;

#[cfg(any(not(target_arch = "wasm32"), target_os = "wasi"))]
impl Clock for NativeHost {
    fn now_ms(&self) -> f64 {
        use std::sync::OnceLock;
        use std::time::{Instant, SystemTime, UNIX_EPOCH};
        // Epoch-based like performance.timeOrigin + performance.now(), but
        // monotonic: an Instant offset from one wall-clock reading.
        static ORIGIN: OnceLock<(Instant, f64)> = OnceLock::new();
        let (t0, wall0) = *ORIGIN.get_or_init(|| {
            (Instant::now(), SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0))
        });
        wall0 + t0.elapsed().as_secs_f64() * 1e3
    }
}

#[cfg(any(not(target_arch = "wasm32"), target_os = "wasi"))]
impl Blocking for NativeHost {
    fn sleep_ms(&self, ms: f64) {
        if ms > 0.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(ms / 1e3));
        }
    }
}
