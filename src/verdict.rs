//! Whether a claim of the seed articles held on this machine, judged from
//! the measured numbers only, and said in a sentence or two with them.
//!
//! Every run gets a verdict on the claim its experiment tests
//! ([`Claim::of`]): `held` is `Some(true)` or `Some(false)` when the numbers
//! decide it, and `None` (with the reason) when this run cannot tell: one
//! core, times too short for the timer, repeats that disagree too much.

use crate::experiment::{Experiment, Model};
use crate::summary::{Environment, ModelSummary};
use crate::stats::{best_speedup, times};
use crate::text::ms;
pub use crate::claim::{Claim, Judging, Pace, Verdict};


impl Claim {
    /// The claim an experiment tests: what its workload and models can show.
    pub fn of(exp: &Experiment) -> Option<Claim> {
        let has = |m: Model| exp.models.contains(&m);
        // A claim of the workload's own (the convoy, the crash, the mistakes).
        if let Some(own) = exp.workload.claim(&exp.shape()) {
            return Some(own);
        }
        if exp.sweep.is_some() {
            return Some(Claim::TooManyWorkers);
        }
        if exp.models.iter().any(|m| m.static_split()) {
            return Some(Claim::LoadBalancing);
        }
        if has(Model::Hybrid) {
            return (has(Model::Processes) || has(Model::ThreadsGil)).then_some(Claim::UseThemTogether);
        }
        if exp.workload.input_bytes() > 0 {
            // With the loop to compare against, what moving data costs in
            // time; without it, what holding it costs in memory.
            let threads = has(Model::Threads) || has(Model::ThreadsGil);
            return match (threads && has(Model::Processes), has(Model::Sequential)) {
                (false, _) => None,
                (true, true) => Some(Claim::CommunicationCost),
                (true, false) => Some(Claim::MemoryFootprint),
            };
        }
        if !has(Model::Sequential) {
            return None;
        }
        Some(match (exp.workload.cpu_bound(), has(Model::ThreadsGil), has(Model::Processes), has(Model::Threads)) {
            (true, true, _, _) => Claim::GilBlocksCpuThreads,
            (true, false, true, _) => Claim::ProcessesParallelCpu,
            (true, false, false, true) => Claim::FreeThreadsParallelCpu,
            (false, true, _, _) | (false, false, _, true) => Claim::ThreadsSuitIo,
            _ => return None,
        })
    }
}


/// Threads + GIL on CPU-bound work at most this much faster than the loop
/// still ran one thread at a time (the rest is noise and start-up): not
/// [`Pace::Faster`].
pub const GIL_BOUND: f64 = Pace::SAME_WITHIN;
/// Repeats that disagree by more than this (max − min over median) make a
/// close call unreliable.
const NOISY: f64 = 0.10;
/// Below this many bytes a task, moving them costs less than the message
/// that carries them: too little to judge what moving data costs.
const SMALL_SHARE: u64 = 64 << 10;
/// A measured time within this many timer steps is too short to compare.
const TIMER_STEPS: f64 = 20.0;

/// What a model's times warn of, for its bar: a time too short for this
/// page's timer (with a size that would do), or repeats that disagree.
pub fn timing_warnings(m: &ModelSummary, env: &Environment) -> Vec<String> {
    let Some(w) = m.wall_ms else { return Vec::new() };
    let mut out = Vec::new();
    let enough = TIMER_STEPS * env.timer_resolution_ms;
    if env.timer_resolution_ms > 0.0 && w.median < enough {
        let times = (enough / w.median.max(1e-6)).ceil().max(2.0);
        out.push(format!(
            "{}: {} is under {TIMER_STEPS:.0} steps of this page's {} ms timer, too short to time; a size about {times:.0}× larger would do",
            m.label,
            ms(w.median),
            env.timer_resolution_ms
        ));
    }
    let spread = (w.max - w.min) / w.median.max(1e-9);
    if spread > NOISY {
        out.push(format!("{}: repeats differ by {:.0} % ({} to {}): a noisy machine, read with care", m.label, spread * 100.0, ms(w.min), ms(w.max)));
    }
    out
}

fn model<'a>(models: &'a [ModelSummary], m: Model) -> Option<&'a ModelSummary> {
    models.iter().find(|s| s.model == m && s.ran() && s.correct)
}

/// Judges the claim `exp` tests against the numbers of its run.
pub fn judge(exp: &Experiment, env: &Environment, models: &[ModelSummary]) -> Option<Verdict> {
    let claim = Claim::of(exp)?;
    let verdict = |held: Option<bool>, text: String| Some(Verdict { claim: claim.text().to_string(), held, text });
    let seq = model(models, Model::Sequential);
    let parallel = exp.workers.min(exp.tasks);
    let cores = env.cores.max(1);
    // Reasons this run cannot tell, in the order a learner can act on them.
    if let Some(s) = seq.and_then(|s| s.wall_ms) {
        if env.timer_resolution_ms > 0.0 && s.median < TIMER_STEPS * env.timer_resolution_ms {
            return verdict(
                None,
                format!(
                    "Cannot tell: the sequential run took {:.2} ms, under {TIMER_STEPS:.0} steps of this page's {} ms timer. Use a larger size.",
                    s.median, env.timer_resolution_ms
                ),
            );
        }
    }
    let noisy =
        models.iter().filter_map(|m| m.wall_ms.map(|w| (m, (w.max - w.min) / w.median.max(1e-9)))).fold(None::<(&ModelSummary, f64)>, |worst, (m, spread)| {
            match worst {
                Some((_, s)) if s >= spread => worst,
                _ => Some((m, spread)),
            }
        });
    let noise_note = noisy
        .filter(|(_, s)| *s > NOISY)
        .map(|(m, s)| format!(" Repeats of {} differed by {:.0} %: a noisy machine, so read this with care.", m.label, s * 100.0))
        .unwrap_or_default();
    let speedup = |m: Model| model(models, m).and_then(|s| s.speedup);
    // Why a model this claim needs has no speed-up: it did not run (and why),
    // or its results were wrong.
    let missing = |m: Model| -> String {
        let why = |s: &ModelSummary| {
            s.status.why_not().unwrap_or_else(|| if s.correct { "it has no time to compare".into() } else { "its results were wrong".into() })
        };
        let say = |m: Model| {
            models
                .iter()
                .find(|s| s.model == m)
                .map_or_else(|| format!("{} was not run", m.label()), |s| format!("{} did not give a time ({})", s.label, why(s)))
        };
        let seq_ok = seq.is_some_and(|s| s.speedup.is_some());
        if seq_ok {
            format!("Cannot tell: {}.", say(m))
        } else {
            format!("Cannot tell: {}.", say(Model::Sequential))
        }
    };
    // The best speed-up with `best` tasks at a time (in rounds).
    let ideal = |best: u32| best_speedup(exp.tasks, best);
    let cx = Judging { claim, exp: exp.shape(), env, models, parallel, noise_note: noise_note.clone() };

    match claim {
        Claim::GilBlocksCpuThreads => {
            let Some(s) = speedup(Model::ThreadsGil) else {
                return verdict(None, missing(Model::ThreadsGil));
            };
            if parallel.min(cores) < 2 {
                let why = if cores < 2 {
                    "this machine reports one core, so no two threads could compute at once even without the GIL".to_string()
                } else {
                    format!("{parallel} worker runs one task at a time, GIL or not")
                };
                return verdict(None, format!("Cannot tell: {why}. Threads + GIL finished {s:.2}× as fast as sequential."));
            }
            let held = Pace::of(s) != Pace::Faster;
            let mut text = if held {
                format!("Threads + GIL took {:.2}× the sequential time (speed-up {s:.2}×): only one thread ran Python code at a time.", 1.0 / s)
            } else {
                format!("Threads + GIL finished {s:.2}× as fast as sequential, more than the GIL should allow.")
            };
            if let Some(free) = speedup(Model::Threads).filter(|_| cores > 1 && parallel > 1) {
                text.push_str(&format!(" The same threads without the GIL reached {free:.2}×."));
            }
            verdict(Some(held), text + &noise_note)
        }
        Claim::ProcessesParallelCpu | Claim::FreeThreadsParallelCpu => {
            let m = if claim == Claim::ProcessesParallelCpu { Model::Processes } else { Model::Threads };
            let label = if m == Model::Processes { "Processes" } else { "Threads without the GIL" };
            let Some(s) = speedup(m) else {
                return verdict(None, missing(m));
            };
            let best = parallel.min(cores);
            if best < 2 {
                let why = if cores < 2 {
                    "this machine reports one core, so no two tasks can run at the same time".to_string()
                } else {
                    format!("{parallel} worker{} can run only one task at a time", if parallel == 1 { "" } else { "s" })
                };
                return verdict(None, format!("Cannot tell: {why}. {label} finished {s:.2}× as fast as sequential, as expected without parallelism."));
            }
            let ideal = ideal(best);
            let held = s >= 0.6 * ideal;
            let at_best = times(ideal);
            let text = if held {
                format!("{label} finished {s:.2}× as fast as sequential, with {best} tasks at a time on {cores} cores (at best {at_best}×).")
            } else {
                format!("{label} reached only {s:.2}× with {best} tasks at a time on {cores} cores (at best {at_best}×): start-up, messages or other programs on the machine took the difference.")
            };
            verdict(Some(held), text + &noise_note)
        }
        Claim::ThreadsSuitIo => {
            let m = if exp.models.contains(&Model::ThreadsGil) { Model::ThreadsGil } else { Model::Threads };
            let Some(s) = speedup(m) else {
                return verdict(None, missing(m));
            };
            if parallel < 2 {
                return verdict(None, format!("Cannot tell: with {parallel} worker only one wait happens at a time ({s:.2}×)."));
            }
            let held = s >= 0.6 * ideal(parallel) || s >= 2.0;
            let gil = if m == Model::ThreadsGil { "Threads + GIL" } else { "Threads" };
            let text = if held {
                format!(
                    "{gil} finished {s:.2}× as fast as sequential with {parallel} workers, even on {cores} core{}: waiting threads hold no GIL, so their waits overlapped.",
                    if cores == 1 { "" } else { "s" }
                )
            } else {
                format!("{gil} reached only {s:.2}× with {parallel} workers: the work computed more than it waited.")
            };
            verdict(Some(held), text + &noise_note)
        }
        Claim::CommunicationCost => {
            let threads = [Model::Threads, Model::ThreadsGil].into_iter().find_map(|m| model(models, m));
            let (Some(t), Some(p)) = (threads, model(models, Model::Processes)) else {
                return verdict(None, missing(if threads.is_none() { Model::Threads } else { Model::Processes }));
            };
            let (Some(c), Some(tw), Some(pw)) = (p.communication.as_ref(), t.wall_ms, p.wall_ms) else {
                return verdict(None, "Cannot tell: the run recorded no communication.".into());
            };
            let moved = crate::workloads::data::size(c.bytes_moved);
            if c.bytes_moved < SMALL_SHARE * u64::from(exp.tasks) {
                return verdict(
                    None,
                    format!(
                        "Cannot tell: {moved} is too little data to cost anything measurable. Processes spent {} moving it, mostly the messages' own latency, not the bytes. Try 16 MB or more.",
                        ms(c.moving_ms)
                    ),
                );
            }
            let rate = c.bytes_moved as f64 / (c.moving_ms.max(1e-3) / 1e3) / (1u64 << 30) as f64;
            let held = c.bytes_moved > 0 && pw.median > tw.median;
            let mut text = format!(
                "Processes received {moved} and spent {} moving it (about {rate:.1} GB/s, {:.0} % of their task time); they finished in {}. {} read the same bytes in place (0 bytes moved) and finished in {}.",
                ms(c.moving_ms),
                100.0 * c.moving_ms / (c.moving_ms + c.computing_ms).max(1e-9),
                ms(pw.median),
                t.label,
                ms(tw.median)
            );
            if !held {
                text.push_str(" Here moving the data cost too little to show: try a larger input.");
            }
            if let Some(cross) = crossover(exp, models) {
                text.push(' ');
                text.push_str(&cross);
            }
            verdict(Some(held), text + &noise_note)
        }
        Claim::MemoryFootprint => {
            let threads = [Model::Threads, Model::ThreadsGil].into_iter().find_map(|m| model(models, m));
            let (Some(t), Some(p)) = (threads, model(models, Model::Processes)) else {
                return verdict(None, missing(if threads.is_none() { Model::Threads } else { Model::Processes }));
            };
            let (Some(tm), Some(pm)) = (t.memory.as_ref(), p.memory.as_ref()) else {
                return verdict(None, "Cannot tell: the workers did not report their memory (only a browser can).".into());
            };
            let size = crate::workloads::data::size;
            let held = tm.memories.len() == 1 && pm.memories.len() > 1 && pm.total() > tm.total();
            let each: Vec<String> = pm.memories.iter().map(|b| size(*b)).collect();
            let page = if pm.page_input_bytes > 0 {
                format!(", plus the page's own {} copy of the input it sends from", size(pm.page_input_bytes))
            } else {
                String::new()
            };
            let text = format!(
                "{} shared one memory of {} between {} threads, the input in it once. Processes had {} memories ({}), each with its share of the input copied in{page}: {} in all, {:.1}× as much.",
                t.label,
                size(tm.total()),
                tm.threads_per_memory,
                pm.memories.len(),
                each.join(" + "),
                size(pm.total()),
                pm.total() as f64 / tm.total().max(1) as f64
            );
            verdict(Some(held), text)
        }
        Claim::UseThemTogether => {
            let Some(h) = model(models, Model::Hybrid).and_then(|s| s.wall_ms.map(|w| (s, w))) else {
                return verdict(None, missing(Model::Hybrid));
            };
            let others: Vec<(&ModelSummary, f64)> = [Model::ThreadsGil, Model::Threads, Model::Processes]
                .into_iter()
                .filter_map(|m| model(models, m))
                .filter_map(|s| s.wall_ms.map(|w| (s, w.median)))
                .collect();
            let Some(&(best, best_ms)) = others.iter().min_by(|a, b| a.1.total_cmp(&b.1)) else {
                return verdict(None, missing(Model::Processes));
            };
            let (p, t) = (exp.workers.min(exp.tasks), exp.threads_per_process);
            let held = h.1.median < best_ms;
            let all: Vec<String> = others.iter().map(|(s, t)| format!("{} {}", s.label, ms(*t))).collect();
            let text = if held {
                format!(
                    "{p} processes of {t} threads each finished in {}, {:.2}× as fast as the best single model ({}): processes computed in parallel while the threads inside each overlapped their waits.",
                    ms(h.1.median),
                    best_ms / h.1.median.max(1e-9),
                    all.join(", ")
                )
            } else {
                format!(
                    "{p} processes of {t} threads each took {}, no faster than {} ({}): the work waited too little for threads inside processes to help.",
                    ms(h.1.median),
                    best.label,
                    all.join(", ")
                )
            };
            verdict(Some(held), text + &noise_note)
        }
        // Judged from the sweep's points (judge_sweep).
        Claim::TooManyWorkers => None,
        Claim::LoadBalancing => {
            if parallel < 2 {
                return verdict(None, "Cannot tell: with one worker there is nothing to balance. Use 2 workers or more.".into());
            }
            if cores < 2 {
                return verdict(None, "Cannot tell: this machine reports one core, so the workers take turns on it and any split of the work takes as long.".into());
            }
            let pairs: Vec<(&ModelSummary, &ModelSummary)> = [(Model::Threads, Model::ThreadsStatic), (Model::Processes, Model::ProcessesStatic)]
                .into_iter()
                .filter_map(|(d, s)| Some((model(models, d)?, model(models, s)?)))
                .filter(|(d, s)| d.wall_ms.is_some() && s.wall_ms.is_some())
                .collect();
            let Some(&(_, first_static)) = pairs.first() else {
                let split = models.iter().find(|m| m.model.static_split()).map_or(Model::ThreadsStatic, |m| m.model);
                return verdict(None, missing(if split == Model::ThreadsStatic { Model::Threads } else { Model::Processes }));
            };
            let busy = first_static.busy_ms_by_worker();
            let (most, least) = (
                busy.iter().copied().fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a }),
                busy.iter().copied().fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a }),
            );
            let mut text = format!(
                "In {}, split into equal blocks in advance, worker {} computed for {} while worker {} was done after {} and sat idle.",
                first_static.label,
                most.0,
                ms(most.1),
                least.0,
                ms(least.1)
            );
            let mut held = true;
            for (d, s) in &pairs {
                let (dw, sw) = (d.wall_ms.map_or(0.0, |w| w.median), s.wall_ms.map_or(0.0, |w| w.median));
                held &= dw * 1.05 < sw;
                text.push_str(&format!(" {} took {}; handed out one task at a time, {} took {} ({:.2}× as fast).", s.label, ms(sw), d.label, ms(dw), sw / dw.max(1e-9)));
            }
            if !held {
                text.push_str(if most.1 > 1.5 * least.1 {
                    " The blocks were uneven, but the tasks were too short for handing them out one at a time to pay (each hand-over costs a message to a process): use a larger image or more iterations."
                } else {
                    " Here the blocks cost about the same: make the tasks more uneven (a Mandelbrot image with more iterations)."
                });
            }
            verdict(Some(held), text + &noise_note)
        }
        Claim::ConvoyEffect | Claim::CrashIsolation | Claim::ForgottenJoin | Claim::Deadlock | Claim::RaceCondition | Claim::LockGuardsUpdates => exp.workload.judge(&cx),

    }
}

/// Judges a worker-count sweep: where adding workers stopped helping, each
/// model's best count, and what starting workers cost at the largest count.
pub fn judge_sweep(exp: &Experiment, env: &Environment, points: &[crate::summary::SweepPoint]) -> Option<Verdict> {
    let claim = Claim::of(exp).filter(|c| *c == Claim::TooManyWorkers)?;
    let verdict = |held: Option<bool>, text: String| Some(Verdict { claim: claim.text().to_string(), held, text });
    let cores = env.cores.max(1);
    let (first, last) = (points.first()?, points.last()?);
    if points.len() < 2 {
        return verdict(None, "Cannot tell: a sweep needs two worker counts or more.".into());
    }
    let wall = |p: &crate::summary::SweepPoint, m: Model| p.models.iter().find(|s| s.model == m && s.correct).and_then(|s| s.wall_ms).map(|w| w.median);
    let spawn = |p: &crate::summary::SweepPoint, m: Model| p.models.iter().find(|s| s.model == m).and_then(|s| s.spawn_ms);
    let mut sentences = Vec::new();
    let mut knees = Vec::new();
    for s in &first.models {
        let m = s.model;
        let times: Vec<(u32, f64)> = points.iter().filter_map(|p| wall(p, m).map(|w| (p.workers, w))).collect();
        let Some(&(best_n, best)) = times.iter().min_by(|a, b| a.1.total_cmp(&b.1)) else { continue };
        // The knee: the first count no larger count beats by more than 10 %.
        let knee = times.iter().find(|(n, w)| times.iter().filter(|(k, _)| k > n).all(|(_, later)| *later > 0.9 * w)).map_or(best_n, |(n, _)| *n);
        knees.push((m, knee));
        let at_most = times.last().map(|&(n, w)| (n, w)).filter(|(n, _)| *n != best_n);
        let mut text = format!("{}: fastest with {best_n} worker{} ({})", s.label, if best_n == 1 { "" } else { "s" }, ms(best));
        if let Some((n, w)) = at_most {
            text.push_str(&format!(", {} with {n}", ms(w)));
        }
        sentences.push(text);
    }
    // Where more workers stop helping a warm pool (a process per task
    // keeps gaining from more at once: it hides its starts).
    let pooled: Vec<u32> = knees.iter().filter(|(m, _)| *m != Model::ProcessPerTask).map(|(_, k)| *k).collect();
    let knee = pooled.iter().copied().max().or_else(|| knees.iter().map(|(_, k)| *k).max()).unwrap_or(1);
    let proc_spawn = spawn(last, Model::Processes);
    let thread_spawn = [Model::Threads, Model::ThreadsGil].into_iter().find_map(|m| spawn(last, m));
    let per_task_slower = match (wall(last, Model::ProcessPerTask), wall(last, Model::Processes)) {
        (Some(p), Some(pool)) => Some(p > pool),
        _ => None,
    };
    let processes_knee = knees.iter().find(|(m, _)| *m == Model::Processes).map(|(_, k)| *k);
    let held = processes_knee.or(pooled.first().copied()).is_some_and(|k| k <= 2 * cores) && per_task_slower.unwrap_or(true);
    let mut text = format!("Adding workers stopped helping at {knee} on this {cores}-core machine. {}.", sentences.join("; "));
    if let (Some(p), Some(t)) = (proc_spawn, thread_spawn) {
        text.push_str(&format!(" Starting {} processes took {}, {} threads {}", last.workers, ms(p), last.workers, ms(t)));
        text.push_str(if t < p {
            ": threads are cheaper to create."
        } else {
            ": in a browser a thread is a Web Worker too, with its own copy of the engine to start, so threads cost as much to create here (in CPython a thread starts far faster than a process)."
        });
    } else if let Some(p) = proc_spawn {
        text.push_str(&format!(" Starting {} processes took {}.", last.workers, ms(p)));
    }
    if per_task_slower == Some(true) {
        text.push_str(" A process per task paid a start for every task: slower than a warm pool.");
    }
    verdict(Some(held), text)
}

/// Where processes stop paying off, extrapolated from this run's measured
/// rates (and said to be): each byte more costs what moving a byte cost
/// here, spread over the workers that received in parallel; what processes
/// saved on the computing stays the same (the CPU work does not grow with
/// the input; reading it, which every model pays, is left out).
fn crossover(exp: &Experiment, models: &[ModelSummary]) -> Option<String> {
    let size = crate::workloads::data::size;
    let seq = model(models, Model::Sequential)?.wall_ms?.median;
    let p = model(models, Model::Processes)?;
    let c = p.communication.as_ref()?;
    if c.bytes_moved == 0 || c.moving_ms <= 0.0 {
        return None;
    }
    let parallel = f64::from(exp.workers.min(exp.tasks).max(1));
    let per_byte = c.moving_ms / parallel / c.bytes_moved as f64;
    let saved = seq - p.wall_ms?.median;
    let at = c.input_bytes as f64 + saved / per_byte;
    Some(if saved <= 0.0 && at <= 0.0 {
        format!("Processes did not pay off even before moving any data ({} slower than sequential).", ms(-saved))
    } else if saved <= 0.0 {
        format!(
            "At this size processes no longer paid off: by this run's rates they stop paying off above about {} of input for this much computing.",
            size(at as u64)
        )
    } else {
        format!(
            "By this run's rates (moving {:.2} ms per MB per worker), processes stop paying off above about {} of input for this much computing.",
            per_byte * (1u64 << 20) as f64,
            size(at.min(1e15) as u64)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Status;
    use crate::stats::{Latency, Spread};
    use crate::workloads::{convoy::Convoy, count_loop::CountLoop, sleep::Sleep, Workload};

    fn summary(model: Model, median: f64, spread: f64, speedup: f64) -> ModelSummary {
        ModelSummary {
            runs_ms: vec![median],
            wall_ms: Some(Spread { median, min: median, max: median * (1.0 + spread) }),
            speedup: Some(speedup),
            correct: true,
            ..ModelSummary::not_run(model, 2, Status::Ran)
        }
    }

    fn env(cores: u32) -> Environment {
        Environment { cores, timer_resolution_ms: 0.005, ..Environment::default() }
    }

    fn cpu(models: Vec<Model>) -> Experiment {
        Experiment { workload: Workload::Loop(CountLoop { size: 100_000_000 }), tasks: 8, workers: 2, models, ..Experiment::default() }
    }

    #[test]
    fn the_gil_claim_is_judged_from_the_speedup() {
        let e = cpu(Model::DEFAULT.to_vec());
        let runs = |gil: f64| {
            vec![summary(Model::Sequential, 800.0, 0.01, 1.0), summary(Model::ThreadsGil, 800.0 / gil, 0.01, gil), summary(Model::Threads, 410.0, 0.01, 1.95)]
        };
        let v = judge(&e, &env(2), &runs(0.99)).unwrap();
        assert_eq!(v.held, Some(true));
        assert_eq!(v.claim, Claim::GilBlocksCpuThreads.text());
        assert_eq!(v.text, "Threads + GIL took 1.01× the sequential time (speed-up 0.99×): only one thread ran Python code at a time. The same threads without the GIL reached 1.95×.");
        let v = judge(&e, &env(2), &runs(1.8)).unwrap();
        assert_eq!(v.held, Some(false));
        assert!(v.text.starts_with("Threads + GIL finished 1.80× as fast as sequential"), "{}", v.text);
        // One core, or one worker: the GIL cannot be told apart from no parallelism.
        let v = judge(&e, &env(1), &runs(0.99)).unwrap();
        assert_eq!(v.held, None);
        assert!(v.text.contains("one core"), "{}", v.text);
        let v = judge(&Experiment { workers: 1, ..e.clone() }, &env(2), &runs(0.99)).unwrap();
        assert_eq!(v.held, None);
        // Threads that could not run: the reason, not "did not run correctly".
        let mut gone = runs(1.0);
        gone[1] = ModelSummary::not_run(Model::ThreadsGil, 2, Status::Unavailable { reason: "threads are unavailable: not isolated".into() });
        let v = judge(&e, &env(2), &gone).unwrap();
        assert_eq!(v.text, "Cannot tell: Threads + GIL did not give a time (threads are unavailable: not isolated).");
    }

    #[test]
    fn a_static_split_is_judged_against_handing_out_one_task_at_a_time() {
        use crate::record::TaskRecord;
        let e = Experiment { models: vec![Model::Threads, Model::ThreadsStatic], ..cpu(vec![]) };
        let task = |index: u32, worker: u32, ms: f64| TaskRecord { index, worker, start_ms: 0.0, end_ms: ms, value: 0, moved_bytes: 0, moving_ms: 0.0, extra: Default::default() };
        let runs = |dynamic: f64| {
            let mut split = summary(Model::ThreadsStatic, 300.0, 0.01, 1.0);
            split.tasks = vec![task(0, 0, 40.0), task(1, 0, 60.0), task(2, 1, 140.0), task(3, 1, 160.0)];
            vec![summary(Model::Threads, dynamic, 0.01, 1.0), split]
        };
        let v = judge(&e, &env(2), &runs(200.0)).unwrap();
        assert_eq!((v.held, v.claim.as_str()), (Some(true), Claim::LoadBalancing.text()));
        assert_eq!(
            v.text,
            "In Threads, static split, split into equal blocks in advance, worker 1 computed for 300 ms while worker 0 was done after 100 ms and sat idle. Threads, static split took 300 ms; handed out one task at a time, Threads (no GIL) took 200 ms (1.50× as fast)."
        );
        let v = judge(&e, &env(2), &runs(295.0)).unwrap();
        assert_eq!(v.held, Some(false), "within 5 %: not shown");
        assert!(v.text.ends_with("too short for handing them out one at a time to pay (each hand-over costs a message to a process): use a larger image or more iterations."), "{}", v.text);
        assert_eq!(judge(&e, &env(1), &runs(200.0)).unwrap().held, None, "one core");
        assert_eq!(judge(&Experiment { workers: 1, ..e }, &env(2), &runs(200.0)).unwrap().held, None, "one worker");
    }

    #[test]
    fn parallelism_needs_two_cores_to_be_judged() {
        let e = cpu(vec![Model::Sequential, Model::Processes]);
        let runs = vec![summary(Model::Sequential, 800.0, 0.01, 1.0), summary(Model::Processes, 410.0, 0.02, 1.94)];
        let v = judge(&e, &env(2), &runs).unwrap();
        assert_eq!((v.held, v.claim.as_str()), (Some(true), Claim::ProcessesParallelCpu.text()));
        assert_eq!(v.text, "Processes finished 1.94× as fast as sequential, with 2 tasks at a time on 2 cores (at best 2×).");
        // 9 tasks on 8 workers run in two rounds: 4.5× at best, and 4.39× holds.
        let e9 = Experiment { tasks: 9, workers: 8, ..e.clone() };
        let nine = vec![summary(Model::Sequential, 900.0, 0.01, 1.0), summary(Model::Processes, 205.0, 0.01, 4.39)];
        let v = judge(&e9, &env(8), &nine).unwrap();
        assert_eq!(v.held, Some(true), "{}", v.text);
        assert!(v.text.ends_with("(at best 4.5×)."), "{}", v.text);
        let single = vec![summary(Model::Sequential, 800.0, 0.01, 1.0), summary(Model::Processes, 800.0, 0.01, 1.0)];
        let v = judge(&e, &env(1), &single).unwrap();
        assert_eq!(v.held, None);
        assert!(v.text.contains("this machine reports one core"), "{}", v.text);
        let slow = vec![summary(Model::Sequential, 800.0, 0.01, 1.0), summary(Model::Processes, 700.0, 0.3, 1.14)];
        let v = judge(&e, &env(4), &slow).unwrap();
        assert_eq!(v.held, Some(false));
        assert!(v.text.contains("Repeats of Processes differed by 30 %"), "{}", v.text);
    }

    #[test]
    fn io_overlaps_and_too_short_runs_cannot_tell() {
        let e = Experiment {
            workload: Workload::Sleep(Sleep { ms: 100 }),
            tasks: 8,
            workers: 8,
            models: vec![Model::Sequential, Model::ThreadsGil],
            ..Experiment::default()
        };
        let runs = vec![summary(Model::Sequential, 800.0, 0.0, 1.0), summary(Model::ThreadsGil, 101.0, 0.0, 7.9)];
        let v = judge(&e, &env(2), &runs).unwrap();
        assert_eq!(v.held, Some(true));
        assert!(v.text.starts_with("Threads + GIL finished 7.90× as fast as sequential with 8 workers, even on 2 cores"), "{}", v.text);
        let tiny = vec![summary(Model::Sequential, 0.05, 0.0, 1.0), summary(Model::ThreadsGil, 0.05, 0.0, 1.0)];
        let v = judge(&e, &env(2), &tiny).unwrap();
        assert_eq!(v.held, None);
        assert!(v.text.starts_with("Cannot tell: the sequential run took 0.05 ms"), "{}", v.text);
    }

    #[test]
    fn the_convoy_is_judged_from_wake_up_latency() {
        use crate::extra::Extra;
        use crate::workloads::convoy::WakeupLatency;
        let e = Experiment {
            workload: Workload::Convoy(Convoy { cpu_ms: 400, io_ms: 1 }),
            tasks: 2,
            workers: 2,
            models: vec![Model::ThreadsGil, Model::Threads],
            ..Experiment::default()
        };
        let with = |gil_ms: f64| {
            let mut g = summary(Model::ThreadsGil, 400.0, 0.0, 1.0);
            g.extra = Extra::of(&WakeupLatency { latency_ms: Latency { median: gil_ms, p95: gil_ms, max: gil_ms, samples: 50 } });
            let mut t = summary(Model::Threads, 400.0, 0.0, 1.0);
            t.extra = Extra::of(&WakeupLatency { latency_ms: Latency { median: 0.08, p95: 0.1, max: 0.2, samples: 300 } });
            vec![g, t]
        };
        assert_eq!(judge(&e, &env(2), &with(5.2)).unwrap().held, Some(true));
        assert_eq!(judge(&e, &env(2), &with(0.1)).unwrap().held, Some(false));
        assert_eq!(Claim::of(&Experiment { models: vec![Model::Processes], ..e }), None);
    }

    fn data(models: Vec<Model>, bytes: u64) -> Experiment {
        use crate::workloads::data::{Data, Send};
        Experiment { workload: Workload::Data(Data { bytes, cpu_ms: 50, send: Send::Clone }), tasks: 8, workers: 2, models, ..Experiment::default() }
    }

    #[test]
    fn communication_is_judged_from_bytes_moved_and_times() {
        use crate::summary::Communication;
        let e = data(vec![Model::Sequential, Model::Threads, Model::Processes], 64 << 20);
        let comm = |moved: u64, moving_ms: f64| Some(Communication { input_bytes: 64 << 20, bytes_moved: moved, moving_ms, computing_ms: 160.0 });
        let runs = |proc_ms: f64| {
            vec![
                summary(Model::Sequential, 150.0, 0.01, 1.0),
                ModelSummary { communication: comm(0, 0.0), ..summary(Model::Threads, 80.0, 0.01, 1.9) },
                ModelSummary { communication: comm(64 << 20, 80.0), ..summary(Model::Processes, proc_ms, 0.01, 150.0 / proc_ms) },
            ]
        };
        assert_eq!(Claim::of(&e), Some(Claim::CommunicationCost));
        let v = judge(&e, &env(2), &runs(130.0)).unwrap();
        assert_eq!(v.held, Some(true));
        assert!(v.text.starts_with("Processes received 64 MB and spent 80.0 ms moving it (about 0.8 GB/s, 33 % of their task time); they finished in 130 ms. Threads (no GIL) read the same bytes in place (0 bytes moved) and finished in 80.0 ms."), "{}", v.text);
        // Saved 20 ms; 80 ms for 64 MB over 2 workers is 0.625 ms a MB: 32 MB more.
        assert!(v.text.ends_with("processes stop paying off above about 96 MB of input for this much computing."), "{}", v.text);
        assert_eq!(judge(&e, &env(2), &runs(75.0)).unwrap().held, Some(false));
        // A few KB cost only the messages' latency: cannot tell.
        let small = data(e.models.clone(), 4096);
        let mut tiny = runs(130.0);
        tiny[2].communication = comm(4096, 5.0);
        let v = judge(&small, &env(2), &tiny).unwrap();
        assert_eq!(v.held, None);
        assert!(v.text.starts_with("Cannot tell: 4 KB is too little data"), "{}", v.text);
    }

    #[test]
    fn memory_and_threads_inside_processes_are_judged_from_their_figures() {
        use crate::summary::Footprint;
        let e = data(vec![Model::ThreadsGil, Model::Processes], 32 << 20);
        assert_eq!(Claim::of(&e), Some(Claim::MemoryFootprint));
        let fp = |memories: Vec<u64>, threads: u32, page: u64| Some(Footprint { memories, threads_per_memory: threads, page_input_bytes: page });
        let runs = vec![
            ModelSummary { memory: fp(vec![40 << 20], 2, 0), ..summary(Model::ThreadsGil, 10.0, 0.01, 1.0) },
            ModelSummary { memory: fp(vec![18 << 20, 18 << 20], 1, 32 << 20), ..summary(Model::Processes, 10.0, 0.01, 1.0) },
        ];
        let v = judge(&e, &env(2), &runs).unwrap();
        assert_eq!(v.held, Some(true));
        assert_eq!(v.text, "Threads + GIL shared one memory of 40 MB between 2 threads, the input in it once. Processes had 2 memories (18 MB + 18 MB), each with its share of the input copied in, plus the page's own 32 MB copy of the input it sends from: 68 MB in all, 1.7× as much.");

        let mixed = Experiment { models: vec![Model::ThreadsGil, Model::Processes, Model::Hybrid], ..cpu(vec![]) };
        assert_eq!(Claim::of(&mixed), Some(Claim::UseThemTogether));
        let runs = |hybrid: f64| {
            vec![summary(Model::ThreadsGil, 700.0, 0.01, 1.0), summary(Model::Processes, 690.0, 0.01, 1.0), summary(Model::Hybrid, hybrid, 0.01, 1.0)]
        };
        let v = judge(&mixed, &env(2), &runs(370.0)).unwrap();
        assert_eq!(v.held, Some(true));
        assert!(
            v.text.starts_with(
                "2 processes of 2 threads each finished in 370 ms, 1.86× as fast as the best single model (Threads + GIL 700 ms, Processes 690 ms)"
            ),
            "{}",
            v.text
        );
        assert_eq!(judge(&mixed, &env(2), &runs(800.0)).unwrap().held, Some(false));
    }

    #[test]
    fn a_sweep_is_judged_on_where_more_workers_stop_helping() {
        use crate::summary::{SweepModel, SweepPoint};
        use crate::stats::Spread;
        let e = Experiment { sweep: Some(crate::experiment::Sweep { workers: vec![1, 2, 8, 32] }), ..cpu(vec![Model::Threads, Model::Processes, Model::ProcessPerTask]) };
        assert_eq!(Claim::of(&e), Some(Claim::TooManyWorkers));
        let point = |workers: u32, t: f64, p: f64, per: f64, spawn: (f64, f64)| SweepPoint {
            workers,
            models: [(Model::Threads, t, spawn.0), (Model::Processes, p, spawn.1), (Model::ProcessPerTask, per, spawn.1 * 2.0)]
                .into_iter()
                .map(|(model, ms, sp)| SweepModel { model, label: model.label().into(), wall_ms: Some(Spread { median: ms, min: ms, max: ms }), runs_ms: vec![ms], spawn_ms: Some(sp), spawn_share: None, correct: true })
                .collect(),
        };
        let points = vec![point(1, 400.0, 410.0, 900.0, (5.0, 20.0)), point(2, 200.0, 205.0, 700.0, (8.0, 30.0)), point(8, 210.0, 230.0, 600.0, (20.0, 90.0)), point(32, 240.0, 300.0, 550.0, (60.0, 320.0))];
        let v = judge_sweep(&e, &env(2), &points).unwrap();
        assert_eq!(v.held, Some(true));
        assert!(v.text.starts_with("Adding workers stopped helping at 2 on this 2-core machine. Threads (no GIL): fastest with 2 workers (200 ms), 240 ms with 32; Processes: fastest with 2 workers (205 ms), 300 ms with 32; Process per task: fastest with 32 workers (550 ms)."), "{}", v.text);
        assert!(v.text.contains("Starting 32 processes took 320 ms, 32 threads 60.0 ms: threads are cheaper to create. A process per task paid a start for every task"), "{}", v.text);
    }
}
