//! The claims of the seed articles an experiment can test, and what a
//! verdict on one is: below the workloads, so a workload that owns a claim
//! (the convoy, the crash, the mistakes) judges it in its own module. The
//! generic claims and the choice of claim are [`crate::verdict`]'s.

use crate::model::{Model, Shape};
use crate::summary::{Environment, ModelSummary};
use serde::{Deserialize, Serialize};

/// A claim of the seed articles that an experiment can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Claim {
    /// The GIL keeps CPU-bound threads from running faster than a plain loop.
    GilBlocksCpuThreads,
    /// Processes run CPU-bound work in parallel, on every core.
    ProcessesParallelCpu,
    /// Without a GIL, threads run CPU-bound work in parallel too.
    FreeThreadsParallelCpu,
    /// Threads suit I/O-bound work, GIL or not: waits overlap.
    ThreadsSuitIo,
    /// Under the GIL an I/O-bound thread waits behind a CPU-bound one.
    ConvoyEffect,
    /// A crash in a thread may take the whole process down; processes are isolated.
    CrashIsolation,
    /// Threads share memory, so passing data costs nothing; processes must
    /// copy it to each other, which costs time.
    CommunicationCost,
    /// Threads share one memory; each process has its own, with its own
    /// copy of the data.
    MemoryFootprint,
    /// Threads for I/O inside processes for CPU: the two used together.
    UseThemTogether,
    /// Threads that update shared data without synchronisation lose updates.
    RaceCondition,
    /// A lock around a shared update keeps every update (the learner's
    /// Python task that updates a global).
    LockGuardsUpdates,
    /// Threads that take two locks in opposite orders can deadlock.
    Deadlock,
    /// Without `join()` the main program reads results before they exist.
    ForgottenJoin,
    /// More workers than cores do not help, and processes cost more to start.
    TooManyWorkers,
    /// Uneven tasks: handing out one task at a time keeps every worker busy;
    /// equal blocks fixed in advance leave some idle.
    LoadBalancing,
}

impl Claim {
    /// The claim in the seeds' words.
    pub fn text(self) -> &'static str {
        match self {
            Claim::GilBlocksCpuThreads => "The GIL keeps CPU-bound threads from running faster than a plain loop.",
            Claim::ProcessesParallelCpu => "Processes give true parallelism for CPU-bound work: each has its own interpreter and GIL.",
            Claim::FreeThreadsParallelCpu => "Without the GIL (free-threaded Python), threads run CPU-bound work in parallel.",
            Claim::ThreadsSuitIo => "Threads suit I/O-bound work: a thread waiting for I/O releases the GIL, so waits overlap.",
            Claim::ConvoyEffect => "Under the GIL, an I/O-bound thread waits behind a CPU-bound one (the convoy effect).",
            Claim::CrashIsolation => "A crash in one thread takes the whole process down; a crashed process takes down only itself.",
            Claim::CommunicationCost => "Threads share memory, so handing them data is fast; processes must copy it to each other, which is slower.",
            Claim::MemoryFootprint => "Threads share one memory; each process has its own memory, with its own copy of the data.",
            Claim::UseThemTogether => "Threads and processes work well together: threads for the waiting inside processes for the computing.",
            Claim::TooManyWorkers => "Creating too many processes does not pay: beyond the cores more workers do not help, and every process costs time to start.",
            Claim::ForgottenJoin => "Without join(), the main program carries on while its threads still run, and reads results that are not there yet.",
            Claim::Deadlock => "Threads that take two locks in opposite orders can deadlock, each waiting for the lock the other holds; taking them in one order cannot.",
            Claim::RaceCondition => "Threads that update shared data without synchronisation lose updates (a race condition); processes share no data to race on.",
            Claim::LockGuardsUpdates => "Threads that update a shared global without a lock can lose updates; with `with lock:` around the update they lose none.",
            Claim::LoadBalancing => "When tasks cost different amounts, a pool that hands out one task at a time keeps every worker busy; splitting the work into equal parts in advance leaves workers idle.",
        }
    }
}

/// How a model's time compares with the plain loop's, read from its
/// speed-up: the one home of "faster / about the same / slower", which the
/// GIL verdict ([`crate::verdict::GIL_BOUND`]) and a learner's prediction
/// ([`crate::predict`]) both judge by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    Faster,
    Same,
    Slower,
}

impl Pace {
    /// A speed-up within this factor of 1× either way is "about the same"
    /// (start-up and noise); beyond it, faster or slower.
    pub const SAME_WITHIN: f64 = 1.25;

    /// The pace of a model with speed-up `s` over sequential.
    pub fn of(s: f64) -> Pace {
        if s > Pace::SAME_WITHIN {
            Pace::Faster
        } else if s < 1.0 / Pace::SAME_WITHIN {
            Pace::Slower
        } else {
            Pace::Same
        }
    }

    /// As a learner says it, after "would be" / "was".
    pub fn words(self) -> &'static str {
        match self {
            Pace::Faster => "faster than sequential",
            Pace::Same => "about as fast as sequential",
            Pace::Slower => "slower than sequential",
        }
    }
}

/// A claim, whether it held here, and why, with the figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub claim: String,
    /// `None`: this run cannot tell (the text says why).
    pub held: Option<bool>,
    pub text: String,
}

/// What a judgement reads: the claim, the experiment's shape, the machine,
/// every model's summary; and what any verdict adds (a noisy machine).
pub struct Judging<'a> {
    pub claim: Claim,
    pub exp: Shape<'a>,
    pub env: &'a Environment,
    pub models: &'a [ModelSummary],
    /// Tasks that can run at the same time (workers, at most tasks).
    pub parallel: u32,
    /// " Repeats of … differed by …": appended to a verdict on timing.
    pub noise_note: String,
}

impl Judging<'_> {
    /// The verdict on this claim.
    pub fn verdict(&self, held: Option<bool>, text: String) -> Option<Verdict> {
        Some(Verdict { claim: self.claim.text().to_string(), held, text })
    }

    /// Why model `m`, which this claim needs, gives nothing to judge: it
    /// did not run (and why) or was not run.
    pub fn missing(&self, m: Model) -> String {
        let say = |m: Model| {
            self.models.iter().find(|s| s.model == m).map_or_else(
                || format!("{} was not run", m.label()),
                |s| format!("{} did not give a result ({})", s.label, s.status.why_not().unwrap_or_else(|| "its results were wrong".into())),
            )
        };
        format!("Cannot tell: {}.", say(m))
    }
}
