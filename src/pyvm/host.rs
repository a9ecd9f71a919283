//! The effects a Python program has on the world, supplied by whoever runs
//! it: the eval breaker (where the GIL and cancellation plug in), sleeping,
//! clocks, printing, and waiting for a contended lock. The interpreter itself
//! has no clock and no I/O.

use super::error::Stop;

/// What the VM asks of its host. Natively tests implement it with `std`; in
/// the browser a worker implements it over its GIL and clock.
pub trait Host {
    /// Called every [`Limits::check_interval`](super::value::Limits) bytecode
    /// instructions (at loop back-edges and calls) and inside long built-in
    /// loops: drop and retake the GIL here, or stop the run.
    fn breaker(&mut self) -> Result<(), Stop> {
        Ok(())
    }
    /// `time.sleep(secs)` (the GIL is released around it by the host).
    fn sleep(&mut self, secs: f64) -> Result<(), Stop>;
    /// `time.time()`: seconds since the Unix epoch.
    fn time(&self) -> f64;
    /// `time.perf_counter()`: seconds from any fixed point, monotonic.
    fn perf_counter(&self) -> f64;
    /// `print(...)`: one call per print, the line with its `end` included.
    fn print(&mut self, text: &str);
    /// A `threading.Lock` the program wants is held by another thread: wait
    /// a little (releasing the GIL), then the VM tries again.
    fn wait_for_lock(&mut self) -> Result<(), Stop> {
        self.breaker()
    }
    /// `threading.current_thread().name`.
    fn thread_name(&self) -> String {
        "MainThread".to_string()
    }
    /// The seed `random` starts from in a call of [`Program::call`](super::Program::call),
    /// as if it began with `random.seed(seed)` (the python workload: the
    /// task's index, so every model draws the same numbers for a task).
    fn random_seed(&self) -> u64 {
        0
    }
}
