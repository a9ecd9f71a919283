//! What a browser tab runs at most, and the defaults: the numbers every
//! check of an experiment (and every workload's form) is written against.

/// Version of the experiment and results JSON.
pub const FORMAT_VERSION: u32 = 1;

pub const MAX_TASKS: u64 = 512;
pub const MAX_WORKERS: u64 = 64;
pub const MAX_REPEATS: u64 = 20;
pub const DEFAULT_REPEATS: u64 = 5;
/// Budget of one sequential run of all tasks, in "loop iterations" (about a
/// minute of work in a browser tab). Larger experiments are refused up front.
pub const MAX_RUN_COST: f64 = 6.0e10;
/// Budget of one sequential run of an I/O workload: total waiting time.
pub const MAX_RUN_SLEEP_MS: u64 = 120_000;

/// At most this many counts in a sweep.
pub const MAX_SWEEP: usize = 32;
/// The largest count a range (`"1..2x"`) reaches.
pub const MAX_SWEEP_RANGE: u64 = 32;

/// `sys.setswitchinterval`'s range here (ms): the simulated GIL's switch
/// interval, for an experiment and a whole program alike.
pub const MIN_SWITCH_INTERVAL_MS: f64 = 0.1;
pub const MAX_SWITCH_INTERVAL_MS: f64 = 100.0;

/// The top-level keys an experiment may have.
pub const KEYS: [&str; 10] = ["version", "workload", "tasks", "workers", "models", "repeats", "switch_interval_ms", "trace", "threads_per_process", "sweep"];
/// Threads in each process of the hybrid model.
pub const MAX_THREADS_PER_PROCESS: u64 = 16;
pub const DEFAULT_THREADS_PER_PROCESS: u64 = 2;
