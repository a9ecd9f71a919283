//! The paragraph that says what a run's numbers mean, in the learner's
//! words. Every sentence about the run is chosen by, and quotes, what was
//! measured: nothing here is written before the numbers exist.

use crate::experiment::{Experiment, Model};
use crate::summary::{Environment, ModelSummary};
use crate::stats::{best_speedup, times};
use crate::text::ms;
use crate::summary::Status;
use crate::verdict::{Claim, GIL_BOUND};

/// Start-up times further apart than this factor are "more"; closer, "about
/// the same".
const STARTUP_APART: f64 = 1.25;

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A paragraph explaining the outcome in the learner's words, from the
/// measured numbers only.
pub fn explain(exp: &Experiment, env: &Environment, models: &[ModelSummary]) -> String {
    let ran = |m: Model| models.iter().find(|s| s.model == m && s.ran());
    let speed = |m: Model| ran(m).and_then(|s| s.speedup);
    let mut out = Vec::new();
    let cpu = exp.workload.cpu_bound();
    let on = match &exp.sweep {
        Some(s) => {
            let (first, last) = (s.workers.first().copied().unwrap_or(1), s.workers.last().copied().unwrap_or(1));
            format!("{first} to {last} workers (a sweep: each model is shown at its fastest count)")
        }
        None => plural(exp.workers, "worker", "workers"),
    };
    out.push(format!("{} of {} on {on}.", plural(exp.tasks, "task", "tasks"), exp.workload.describe()));
    // A lesson about a mistake or a crash is not about speed: no speed-ups,
    // no "best possible", only what its own workload says.
    let about_speed = matches!(
        Claim::of(exp),
        None | Some(Claim::GilBlocksCpuThreads | Claim::ProcessesParallelCpu | Claim::FreeThreadsParallelCpu | Claim::ThreadsSuitIo | Claim::UseThemTogether | Claim::TooManyWorkers | Claim::LoadBalancing)
    );
    if !about_speed {
        out.extend(exp.workload.explain(&exp.shape(), models));
        out.extend(failures(models));
        return out.join(" ");
    }
    for m in [Model::ThreadsGil, Model::Threads, Model::Processes] {
        if let Some(s) = speed(m) {
            out.push(format!("{} finished {s:.2}× as fast as sequential.", m.label()));
        }
    }
    if let Some(s) = speed(Model::ThreadsGil) {
        out.push(match (cpu, s <= GIL_BOUND) {
            (true, true) => "With the GIL only one thread computes at a time, so these CPU-bound threads took about as long as a plain loop.".into(),
            (true, false) => format!(
                "That is more than the GIL allows CPU-bound threads ({s:.2}×, where one thread at a time gives about 1×): the sequential run was probably slowed by something else on the machine; run it again."
            ),
            (false, _) if s >= 1.5 => "Blocking I/O releases the GIL, so the threads waited at the same time even with the GIL.".into(),
            (false, _) => format!("Blocking I/O releases the GIL, yet the threads' waits overlapped little here ({s:.2}×): the tasks computed more than they waited."),
        });
        if let (true, Some(p)) = (cpu, speed(Model::Processes)) {
            out.push(format!("Processes each have their own GIL: they reached {p:.2}×."));
        }
    }
    out.extend(exp.workload.explain(&exp.shape(), models));
    // A sweep's chart draws the ideal at every count: no one "best possible".
    if (speed(Model::Threads).is_some() || speed(Model::Processes).is_some()) && exp.sweep.is_none() {
        let at_once = exp.workers.min(exp.tasks).min(if cpu { env.cores.max(1) } else { u32::MAX });
        let best = times(best_speedup(exp.tasks, at_once));
        if cpu {
            let rounds = if exp.tasks % at_once.max(1) == 0 { String::new() } else { format!(" ({} in rounds of {at_once})", plural(exp.tasks, "task", "tasks")) };
            out.push(format!(
                "CPU-bound work can only go as fast as the cores that run it: with {} and {}, the best possible is about {best}×{rounds}.",
                plural(env.cores, "core", "cores"),
                plural(exp.workers, "worker", "workers"),
            ));
            if env.cores <= 1 {
                out.push("This machine reports a single core, so no model can run tasks at the same time and no speed-up is expected.".into());
            }
        } else {
            out.push(format!(
                "I/O-bound tasks spend their time waiting, not computing, so {} can wait at the same time even on {}: the best possible is about {best}×.",
                plural(exp.workers, "worker", "workers"),
                plural(env.cores, "core", "cores"),
            ));
        }
    }
    out.extend(startup(models));
    out.extend(failures(models));
    out.join(" ")
}

/// A sentence for each model that failed, did not run, or returned wrong
/// results, each ending in its own full stop.
fn failures(models: &[ModelSummary]) -> Vec<String> {
    let stop = |s: &str| if s.ends_with(['.', '!', '?']) { "" } else { "." };
    models
        .iter()
        .filter_map(|m| match &m.status {
            Status::Ran if !m.correct => {
                let problems = m.problems.join("; ");
                Some(format!("{} returned wrong results: {problems}{}", m.label, stop(&problems)))
            }
            Status::Failed { error } => Some(format!("{} ran and failed: {error}{}", m.label, stop(error))),
            status => status.why_not().map(|why| format!("{} did not run: {why}{}", m.label, stop(&why))),
        })
        .collect()
}

/// What starting the pools cost, said from the figures: which pool took
/// longer here, not which "should".
fn startup(models: &[ModelSummary]) -> Option<String> {
    let took = |m: Model| models.iter().find(|s| s.model == m).and_then(|s| s.startup_ms);
    let procs = took(Model::Processes)?;
    let threads = [Model::ThreadsGil, Model::Threads].into_iter().find_map(|m| took(m).map(|t| (m, t)));
    Some(match threads {
        None => format!("Starting the process pool took {}, not counted in its bars.", ms(procs)),
        Some((_, t)) if procs > t * STARTUP_APART => {
            format!("Starting the process pool took {} and the threads pool {} (not counted in the bars): here processes cost more to start.", ms(procs), ms(t))
        }
        Some((_, t)) if t > procs * STARTUP_APART => format!(
            "Starting the threads pool took {} and the process pool {} (not counted in the bars): in a browser each thread is a Web Worker too, so threads cost as much to start as processes, or more.",
            ms(t),
            ms(procs)
        ),
        Some((_, t)) => format!("Starting the process pool took {} and the threads pool {} (not counted in the bars): about the same, as in a browser each thread is a Web Worker too.", ms(procs), ms(t)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Spread;
    use crate::workloads::{count_loop::CountLoop, sleep::Sleep, Workload};

    fn env(cores: u32) -> Environment {
        Environment { cores, ..Environment::default() }
    }

    fn ran(model: Model, speedup: f64, startup_ms: Option<f64>) -> ModelSummary {
        let mut s = ModelSummary::not_run(model, 2, Status::Ran);
        s.correct = true;
        s.speedup = Some(speedup);
        s.wall_ms = Some(Spread { median: 100.0 / speedup, min: 100.0 / speedup, max: 100.0 / speedup });
        s.startup_ms = startup_ms;
        s
    }

    fn cpu(tasks: u32, workers: u32) -> Experiment {
        Experiment { workload: Workload::Loop(CountLoop { size: 1_000_000 }), tasks, workers, ..Experiment::default() }
    }

    #[test]
    fn the_gil_sentence_follows_the_numbers() {
        let one_at_a_time = explain(&cpu(8, 2), &env(2), &[ran(Model::Sequential, 1.0, None), ran(Model::ThreadsGil, 1.02, None)]);
        assert!(one_at_a_time.contains("only one thread computes at a time"), "{one_at_a_time}");
        let faster = explain(&cpu(8, 2), &env(2), &[ran(Model::Sequential, 1.0, None), ran(Model::ThreadsGil, 1.9, None)]);
        assert!(!faster.contains("about as long as a plain loop"), "a 1.9× run is not 'about as long': {faster}");
        assert!(faster.contains("more than the GIL allows CPU-bound threads (1.90×"), "{faster}");
        // Processes are named only when they ran.
        assert!(!one_at_a_time.contains("Processes each have"), "{one_at_a_time}");
        let with_procs = explain(&cpu(8, 2), &env(2), &[ran(Model::ThreadsGil, 1.0, None), ran(Model::Processes, 1.8, Some(10.0))]);
        assert!(with_procs.contains("Processes each have their own GIL: they reached 1.80×"), "{with_procs}");
    }

    #[test]
    fn best_possible_agrees_with_the_verdict_rounds() {
        // 9 tasks on 8 workers and 8 cores go in two rounds: 4.5×, not 8×.
        let e = cpu(9, 8);
        let text = explain(&e, &env(8), &[ran(Model::Sequential, 1.0, None), ran(Model::Threads, 4.4, None)]);
        assert!(text.contains("the best possible is about 4.5×"), "{text}");
        assert!(text.contains("in rounds of 8"), "{text}");
        let even = explain(&cpu(8, 8), &env(8), &[ran(Model::Threads, 7.0, None)]);
        assert!(even.contains("about 8×."), "{even}");
    }

    #[test]
    fn start_up_is_worded_from_the_figures() {
        let e = cpu(8, 2);
        let threads_slower = explain(&e, &env(2), &[ran(Model::Threads, 1.8, Some(113.0)), ran(Model::Processes, 1.8, Some(40.0))]);
        assert!(!threads_slower.contains("processes cost more to start"), "{threads_slower}");
        assert!(threads_slower.contains("Starting the threads pool took 113 ms and the process pool 40.0 ms"), "{threads_slower}");
        let procs_slower = explain(&e, &env(2), &[ran(Model::Threads, 1.8, Some(20.0)), ran(Model::Processes, 1.8, Some(90.0))]);
        assert!(procs_slower.contains("here processes cost more to start"), "{procs_slower}");
    }

    #[test]
    fn a_sweep_says_its_counts_not_one() {
        let e = Experiment { sweep: Some(crate::experiment::Sweep { workers: vec![1, 2, 8] }), ..cpu(8, 2) };
        let text = explain(&e, &env(2), &[ran(Model::Threads, 1.8, Some(20.0))]);
        assert!(text.contains("on 1 to 8 workers (a sweep"), "{text}");
        assert!(!text.contains("on 2 workers"), "{text}");
    }

    #[test]
    fn a_mistake_is_not_explained_as_a_speed_up() {
        let e = Experiment::from_value(&serde_json::json!({ "workload": { "kind": "deadlock" }, "workers": 2, "models": ["threads_gil", "threads"] }), 2).unwrap();
        let text = explain(&e, &env(2), &[ran(Model::ThreadsGil, 1.0, Some(50.0)), ran(Model::Threads, 1.9, Some(50.0))]);
        assert!(!text.contains("I/O-bound tasks spend their time waiting"), "{text}");
        assert!(!text.contains("as fast as sequential"), "{text}");
    }

    #[test]
    fn a_failed_model_ran_and_sentences_end() {
        let e = Experiment { workload: Workload::Sleep(Sleep { ms: 10 }), ..cpu(4, 2) };
        let mut crashed = ModelSummary::not_run(Model::Sequential, 1, Status::Failed { error: "task 3 crashed".into() });
        crashed.correct = false;
        let mut wrong = ran(Model::Threads, 1.9, None);
        wrong.correct = false;
        wrong.problems = vec!["876,292 updates lost".into()];
        let text = explain(&e, &env(2), &[crashed, wrong, ran(Model::Processes, 1.9, None)]);
        assert!(text.contains("Sequential ran and failed: task 3 crashed."), "{text}");
        assert!(!text.contains("Sequential did not run"), "{text}");
        assert!(text.contains("876,292 updates lost."), "sentences must not run together: {text}");
    }
}
