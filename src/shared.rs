//! What the tasks running in one memory share: the threads of a pool share
//! one `Shared`; each process, and the sequential worker, has its own. The
//! python workload's interpreter (one heap) lives here too. The
//! race lesson's counters and lock, and the deadlock lesson's two tracked
//! locks and watchdog, live here (and nowhere else: a process cannot reach
//! another's).

use crate::trace::Mark;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// The deadlock's locks, by index.
pub const LOCK_NAMES: [&str; 2] = ["A", "B"];
/// A deadlock lock nobody holds.
pub(crate) const FREE: u32 = u32::MAX;

/// The phases of the race workload, in task order: each has its counter.
pub const PHASES: usize = 3;

#[derive(Debug)]
pub struct Shared {
    /// The experiment's task count (a task's phase follows from its index).
    pub tasks: u32,
    /// One counter per phase of the race workload.
    pub counters: [AtomicU64; PHASES],
    /// The lock the race's third phase increments under.
    pub lock: Mutex<()>,
    /// Workers sharing this memory (the pool's threads; 1 for a process).
    pub(crate) sharers: u32,
    /// Its workers are a thread pool's ([`Shared::with_sharers`]), not
    /// the sequential worker or a process's main thread.
    #[cfg_attr(not(feature = "pyvm"), allow(dead_code))]
    pub(crate) pool: bool,
    /// This memory is a process's (a process pool's, or one process of
    /// processes × threads): its tasks' results cross to the page as
    /// messages ([`Shared::in_process`]).
    #[cfg_attr(not(feature = "pyvm"), allow(dead_code))]
    pub(crate) process: bool,
    /// Workers that reached each race phase's start.
    pub(crate) arrived: [AtomicU32; PHASES],
    /// Who holds each of the deadlock's locks (a worker id, or free).
    pub(crate) holders: [AtomicU32; 2],
    /// Which lock each waiting worker waits for, by worker id.
    pub(crate) waiting: Mutex<BTreeMap<u32, usize>>,
    /// When a worker last took or released a lock (ms, shared clock, as
    /// `f64` bits; 0 before the first).
    pub(crate) last_progress: AtomicU64,
    /// What the watchdog found, once it found it.
    pub(crate) deadlock: OnceLock<Deadlock>,
    /// Results each half of the join workload has delivered so far.
    pub delivered: [AtomicU32; 2],
    /// Moments for the timeline, recorded without a lock or an allocation
    /// (slots made before the run; a full list drops the rest).
    marks: [MarkSlot; MAX_MARKS],
    /// Marks recorded (may pass `MAX_MARKS`: those were dropped).
    marked: AtomicU32,
    /// The python workload's interpreter in this memory (one heap: the
    /// pool's threads share it, each process has its own), made by the
    /// first task that needs it.
    #[cfg(feature = "pyvm")]
    pub(crate) python: OnceLock<PythonMemory>,
}

/// One memory's Python interpreter (the python workload's): its program
/// (one heap) and the run's time budget.
#[cfg(feature = "pyvm")]
pub struct PythonMemory {
    pub program: crate::pyvm::Program,
    /// When its first task started (worker clock, ms).
    pub started: OnceLock<f64>,
    /// Set once a task was stopped for the budget: the rest fail at once.
    pub stopped: std::sync::atomic::AtomicBool,
}

#[cfg(feature = "pyvm")]
impl PythonMemory {
    pub fn new(program: crate::pyvm::Program) -> PythonMemory {
        PythonMemory { program, started: OnceLock::new(), stopped: std::sync::atomic::AtomicBool::new(false) }
    }
}

#[cfg(feature = "pyvm")]
impl std::fmt::Debug for PythonMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PythonMemory")
    }
}

/// Marks one run keeps (the join lesson makes two, the deadlock's watchdog one).
pub const MAX_MARKS: usize = 8;

/// A moment on a run's timeline, as the tasks record it: typed, so
/// recording it writes a few numbers and its words are made after the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Moment {
    /// The join lesson's main program declared itself done, after `join()`
    /// or without it, having read `seen` of `of` results.
    DeclaredDone { joined: bool, seen: u32, of: u32 },
    /// The deadlock's watchdog gave up waiting.
    Deadlock,
}

impl Moment {
    fn encode(self) -> (u32, u32, u32) {
        match self {
            Moment::DeclaredDone { joined, seen, of } => (1 + u32::from(joined), seen, of),
            Moment::Deadlock => (3, 0, 0),
        }
    }

    fn decode((kind, a, b): (u32, u32, u32)) -> Option<Moment> {
        match kind {
            1 | 2 => Some(Moment::DeclaredDone { joined: kind == 2, seen: a, of: b }),
            3 => Some(Moment::Deadlock),
            _ => None,
        }
    }

    /// What the timeline says at the mark.
    pub fn label(self) -> String {
        match self {
            Moment::DeclaredDone { joined: false, seen, of } => format!("done declared without join(): {seen} of {of} results"),
            Moment::DeclaredDone { joined: true, seen, of } => format!("done declared after join(): {seen} of {of} results"),
            Moment::Deadlock => "watchdog: deadlock".into(),
        }
    }
}

/// One mark's place: written once by the task that takes it, published by
/// `kind` (0 while empty).
#[derive(Debug, Default)]
struct MarkSlot {
    t: AtomicU64,
    kind: AtomicU32,
    a: AtomicU32,
    b: AtomicU32,
}

impl Default for Shared {
    fn default() -> Shared {
        Shared {
            tasks: 0,
            counters: Default::default(),
            lock: Mutex::new(()),
            sharers: 1,
            pool: false,
            process: false,
            arrived: Default::default(),
            holders: [AtomicU32::new(FREE), AtomicU32::new(FREE)],
            waiting: Mutex::new(BTreeMap::new()),
            last_progress: AtomicU64::new(0),
            deadlock: OnceLock::new(),
            delivered: Default::default(),
            marks: Default::default(),
            marked: AtomicU32::new(0),
            #[cfg(feature = "pyvm")]
            python: OnceLock::new(),
        }
    }
}

/// A deadlock as the watchdog found it: who held what, who waited for what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deadlock {
    /// How long nobody had made progress, in ms.
    pub stuck_ms: f64,
    /// One edge of the wait-for graph per waiting worker.
    pub waits: Vec<WaitFor>,
}

/// Worker `worker`, holding `holds`, waits for lock `waits_for`, which
/// `held_by` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitFor {
    pub worker: u32,
    pub holds: Vec<String>,
    pub waits_for: String,
    pub held_by: Option<u32>,
}

impl Deadlock {
    /// "worker 0 holds lock A and waits for lock B, held by worker 1; …"
    pub fn describe(&self) -> String {
        let edges: Vec<String> = self
            .waits
            .iter()
            .map(|e| {
                let holds = if e.holds.is_empty() { "holds nothing".to_string() } else { format!("holds lock {}", e.holds.join(" and ")) };
                let by = e.held_by.map(|h| format!(", held by worker {h}")).unwrap_or_default();
                format!("worker {} {holds} and waits for lock {}{by}", e.worker, e.waits_for)
            })
            .collect();
        format!("{} (no progress for {})", edges.join("; "), crate::text::ms(self.stuck_ms))
    }
}

impl Shared {
    /// What the `tasks` tasks of one experiment share, fresh.
    pub fn new(tasks: u32) -> Shared {
        Shared { tasks, ..Shared::default() }
    }

    /// Shared by `n` workers (a pool's threads).
    pub fn with_sharers(self, n: u32) -> Shared {
        Shared { sharers: n.max(1), pool: true, ..self }
    }

    /// In a process of its own (see the field).
    pub fn in_process(self, process: bool) -> Shared {
        Shared { process, ..self }
    }


    /// Marks `moment` at time `t` on the run's timeline: a few atomic
    /// stores into a slot made before the run, no lock, no allocation.
    pub fn mark(&self, t: f64, moment: Moment) {
        let i = self.marked.fetch_add(1, Ordering::SeqCst) as usize;
        let Some(slot) = self.marks.get(i) else { return };
        let (kind, a, b) = moment.encode();
        slot.t.store(t.to_bits(), Ordering::Relaxed);
        slot.a.store(a, Ordering::Relaxed);
        slot.b.store(b, Ordering::Relaxed);
        slot.kind.store(kind, Ordering::Release);
    }

    /// The marks, in time order, with their words (after the run).
    pub fn marks(&self) -> Vec<Mark> {
        let mut m: Vec<Mark> = self
            .marks
            .iter()
            .filter_map(|slot| {
                let kind = slot.kind.load(Ordering::Acquire);
                let moment = Moment::decode((kind, slot.a.load(Ordering::Relaxed), slot.b.load(Ordering::Relaxed)))?;
                Some(Mark::run(f64::from_bits(slot.t.load(Ordering::Relaxed)), moment.label()))
            })
            .collect();
        m.sort_by(|a, b| a.t.total_cmp(&b.t));
        m
    }

    /// The deadlock the watchdog found, if it found one.
    pub fn deadlock(&self) -> Option<Deadlock> {
        self.deadlock.get().cloned()
    }


    /// The counters' values now.
    pub fn counters(&self) -> Vec<u64> {
        self.counters.iter().map(|c| c.load(std::sync::atomic::Ordering::SeqCst)).collect()
    }
}
