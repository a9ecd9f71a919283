//! The effects a Python program has on the world, supplied by whoever runs
//! it: the eval breaker (where the GIL and cancellation plug in), sleeping,
//! clocks, printing, and waiting for a contended lock. The interpreter itself
//! has no clock and no I/O.
//!
//! Threads and processes too: the VM builds `threading.Thread`,
//! `multiprocessing.Process` and the executors as plain objects
//! ([`TaskObj`], [`PoolObj`]) and asks the host to start them and to wait
//! ([`Host::block`]); how (OS threads, workers, the GIL, lanes) is the
//! host's. A host without them (the python workload's) refuses with a
//! message the VM raises as `RuntimeError`.

use std::sync::Arc;

use super::error::{PyException, Stop};
use super::value::{PoolObj, TaskObj};

/// What a blocked thread waits for (its lane's state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// A `Lock`, an `Event`, a `Queue`.
    Lock,
    /// `join()`, `Future.result()`, an executor's shutdown or `map`.
    Join,
    /// A `multiprocessing.Queue`'s `get`: receiving from another process.
    Receive,
}

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
    /// A contended lock held by `holder`, wanted at `line`: wait (the GIL
    /// released) until `free()` says it looks free, or a little, then the VM
    /// tries again. `timed`: the acquire has a timeout, so it ends by itself
    /// (never part of a deadlock; the host returns often for the VM to
    /// check it). By default as [`Host::wait_for_lock`]; a host may note who
    /// waits for whom, and wait without retaking the GIL until `free()`.
    fn lock_wait(&mut self, holder: Option<&str>, line: u32, timed: bool, free: &mut dyn FnMut() -> bool) -> Result<(), Stop> {
        let _ = (holder, line, timed, free);
        self.wait_for_lock()
    }
    /// The next [`Host::block`] waits for thread (or process) `name` to end (`join`).
    fn joining(&mut self, name: &str) {
        let _ = name;
    }
    /// `threading.current_thread().name`.
    fn thread_name(&self) -> String {
        "MainThread".to_string()
    }
    /// `threading.get_ident()`: a number that tells this thread from every
    /// other live one (an `RLock`'s owner, a `threading.local`'s key).
    fn ident(&self) -> u64 {
        self.thread_name().bytes().fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)) >> 1
    }
    /// `threading.get_native_id()`.
    fn native_id(&self) -> i64 {
        self.pid()
    }
    /// The `ident` and `native_id` of the thread named `name` (a
    /// `Thread`'s, `current_thread()`'s), if one started.
    fn thread_ids(&self, name: &str) -> Option<(u64, i64)> {
        (name == self.thread_name()).then(|| (self.ident(), self.native_id()))
    }
    /// The names of the threads alive now (`threading.enumerate()`), the
    /// main thread first.
    fn threads(&self) -> Vec<String> {
        vec![self.thread_name()]
    }
    /// Output to `sys.stderr` (`print(..., file=sys.stderr)`, `logging`,
    /// `sys.exit("message")`); by default as [`Host::print`].
    fn print_err(&mut self, text: &str) {
        self.print(text)
    }
    /// `sys.getswitchinterval()`, in seconds.
    fn switch_interval(&self) -> f64 {
        0.005
    }
    /// `sys.setswitchinterval(secs)` (checked positive by the VM).
    fn set_switch_interval(&mut self, secs: f64) {
        let _ = secs;
    }
    /// Whether the simulated CPython has the GIL (`sys.version`: 3.13, or
    /// the free-threaded 3.13t).
    fn has_gil(&self) -> bool {
        true
    }
    /// An exception's traceback as CPython prints it (`logging.exception`):
    /// the host knows the file's name and its lines.
    fn traceback_text(&self, e: &PyException) -> String {
        e.traceback_text("<program>", "")
    }
    /// Milliseconds since the program started (`logging`'s `relativeCreated`).
    fn program_ms(&self) -> f64 {
        self.perf_counter() * 1000.0
    }
    /// The seed `random` starts from in a call of [`Program::call`](super::Program::call),
    /// as if it began with `random.seed(seed)` (the python workload: the
    /// task's index, so every model draws the same numbers for a task).
    fn random_seed(&self) -> u64 {
        0
    }
    /// Waits (the GIL released) until `ready()` or `timeout` seconds
    /// passed; says whether it became ready. `line`: the source line waiting.
    fn block(&mut self, why: Wait, line: u32, timeout: Option<f64>, ready: &mut dyn FnMut() -> bool) -> Result<bool, Stop> {
        let _ = (why, line);
        let end = timeout.map(|t| self.perf_counter() + t.max(0.0));
        loop {
            if ready() {
                return Ok(true);
            }
            if end.is_some_and(|e| self.perf_counter() >= e) {
                return Ok(false);
            }
            self.wait_for_lock()?;
        }
    }
    /// `Thread.start()` (or a thread pool's new worker): run it on a
    /// thread of its own, then mark it ended ([`TaskObj::end`]). `Err`:
    /// why not, raised as `RuntimeError`.
    fn start_thread(&mut self, t: &Arc<TaskObj>) -> Result<(), String> {
        let _ = t;
        Err("can't start new thread (this interpreter runs one thread)".into())
    }
    /// `Process.start()`: run `target(*args)` in a child process, then mark
    /// it ended with its exit code.
    fn start_process(&mut self, p: &Arc<TaskObj>) -> Result<(), String> {
        let _ = p;
        Err("can't start a process here (this interpreter runs no processes)".into())
    }
    /// `Process.terminate()` / `kill()`: end it now (exit code -15 / -9).
    fn terminate_process(&mut self, p: &Arc<TaskObj>, code: i32) {
        let _ = (p, code);
    }
    /// A process pool got work (in `pool.queue`): start workers or hand it
    /// to an idle one; resolve each call's future.
    fn pool_work(&mut self, pool: &Arc<PoolObj>) -> Result<(), String> {
        let _ = pool;
        Err("can't start a process pool here (this interpreter runs no processes)".into())
    }
    /// A process pool is shut down (`pool.shutdown` set): end its workers
    /// once the queued work is done (`terminate`: at once).
    fn pool_shutdown(&mut self, pool: &Arc<PoolObj>, terminate: bool) {
        let _ = (pool, terminate);
    }
    /// A child process's `put` into its parent's `multiprocessing` queue
    /// `queue` (the handle it crossed as): send `value` (pickled) to the
    /// parent. `Err`: why not, raised as `RuntimeError`.
    fn queue_put(&mut self, queue: u32, value: Vec<u8>) -> Result<(), String> {
        let _ = (queue, value);
        Err("this queue belongs to another process, and this interpreter sends nothing to other processes".into())
    }
    /// `os.cpu_count()`.
    fn cores(&self) -> usize {
        1
    }
    /// `threading.active_count()`.
    fn active_count(&self) -> usize {
        1
    }
    /// `multiprocessing.current_process().name`.
    fn process_name(&self) -> String {
        "MainProcess".to_string()
    }
    /// `os.getpid()`.
    fn pid(&self) -> i64 {
        1
    }
}
