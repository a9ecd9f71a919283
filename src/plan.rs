//! What a press of Run does, step by step, decided before anything runs.
//!
//! A [`Plan`] is one experiment or several (the interval sweep; later,
//! worker sweeps); each experiment expands to [`Step`]s: get every model's
//! pool ready and warm it up, then the timed repeats, interleaving the models
//! so a slow moment of the machine touches all of them alike. The page's
//! runner only carries the steps out.

use crate::experiment::{Experiment, ExperimentError, Model};
use crate::gil::DEFAULT_SWITCH_INTERVAL_MS;

/// One thing the runner does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Get the model's pool of `workers` workers ready (its start-up time is
    /// measured and reported apart from the runs).
    Prepare { model: Model, workers: u32 },
    /// One untimed run, so the browser has optimised the code before the
    /// timed repeats (its first calls run in a baseline compiler).
    WarmUp { model: Model },
    /// Timed repeat `repeat` (from 1) of `model`.
    Repeat { model: Model, repeat: u32 },
}

/// The steps of one experiment. Models in `unavailable` (threads on a page
/// that is not cross-origin isolated) get no steps.
pub fn steps(exp: &Experiment, unavailable: &[Model]) -> Vec<Step> {
    let models: Vec<Model> = exp.models.iter().copied().filter(|m| !unavailable.contains(m)).collect();
    let mut out = Vec::new();
    let warm = exp.workload.cpu_bound() && warm_up(exp).is_some();
    for &model in &models {
        let workers = if model == Model::Sequential { 1 } else { exp.workers };
        out.push(Step::Prepare { model, workers });
        if warm {
            out.push(Step::WarmUp { model });
        }
    }
    for repeat in 1..=exp.repeats {
        out.extend(models.iter().map(|&model| Step::Repeat { model, repeat }));
    }
    out
}

/// The experiment a warm-up runs: one task per worker, once, validated.
/// `None` where the workload fixes its tasks at more than one a worker (the
/// race, the join, the deadlock): one task a worker is not an experiment of
/// theirs, so they get no warm-up rather than a whole untimed run.
pub fn warm_up(exp: &Experiment) -> Option<Experiment> {
    let tasks = exp.tasks.min(exp.workers);
    let warm = exp
        .revised(|e| {
            e.insert("tasks".into(), tasks.into());
            e.insert("repeats".into(), 1.into());
            e.remove("sweep");
        })
        .ok()?;
    (warm.tasks <= warm.workers).then_some(warm)
}

/// Tasks the timed repeats of an experiment run (for progress).
pub fn timed_tasks(exp: &Experiment, unavailable: &[Model]) -> u32 {
    let models = exp.models.iter().filter(|m| !unavailable.contains(m)).count() as u32;
    models * exp.repeats * exp.tasks
}

/// GIL switch intervals the convoy sweep compares, in ms.
pub const SWEEP_INTERVALS_MS: [f64; 5] = [1.0, 2.0, DEFAULT_SWITCH_INTERVAL_MS, 10.0, 20.0];

/// What one press of a Run button runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// One experiment, every model it names.
    Single(Experiment),
    /// The same experiment on threads + GIL at several switch intervals,
    /// once each (how the convoy's latency follows the interval).
    IntervalSweep { base: Experiment, intervals: Vec<f64> },
    /// The same experiment once per worker count (its `sweep`), each on
    /// freshly started pools, so that starting them is measured at every
    /// count.
    WorkerSweep { base: Experiment, counts: Vec<u32> },
}

impl Plan {
    pub fn interval_sweep(base: Experiment) -> Plan {
        Plan::IntervalSweep { base, intervals: SWEEP_INTERVALS_MS.to_vec() }
    }

    /// The experiments, in the order they run, each validated as it is
    /// derived from the one asked for.
    pub fn experiments(&self) -> Result<Vec<Experiment>, ExperimentError> {
        match self {
            Plan::Single(e) => Ok(vec![e.clone()]),
            Plan::WorkerSweep { base, counts } => counts
                .iter()
                .map(|&workers| {
                    base.revised(|e| {
                        e.insert("workers".into(), workers.into());
                        e.remove("sweep");
                    })
                })
                .collect(),
            Plan::IntervalSweep { base, intervals } => intervals
                .iter()
                .map(|&interval| {
                    base.revised(|e| {
                        e.insert("switch_interval_ms".into(), interval.into());
                        e.insert("models".into(), serde_json::json!([Model::ThreadsGil]));
                        e.insert("repeats".into(), 1.into());
                        e.remove("sweep");
                    })
                })
                .collect(),
        }
    }

    /// What Run does for `exp`: once, or once per count of its sweep.
    pub fn of(exp: &Experiment) -> Plan {
        match &exp.sweep {
            Some(s) => Plan::WorkerSweep { base: exp.clone(), counts: s.workers.clone() },
            None => Plan::Single(exp.clone()),
        }
    }

    /// Whether each experiment starts on fresh pools.
    pub fn fresh_pools(&self) -> bool {
        matches!(self, Plan::WorkerSweep { .. })
    }

    /// Tasks all the timed repeats run (for progress).
    pub fn timed_tasks(&self, unavailable: &[Model]) -> u32 {
        self.experiments().unwrap_or_default().iter().map(|e| timed_tasks(e, unavailable)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::{count_loop::CountLoop, sleep::Sleep, Workload};

    fn exp(workload: Workload, models: Vec<Model>, repeats: u32) -> Experiment {
        Experiment { workload, models, repeats, tasks: 4, workers: 3, ..Experiment::default() }
    }

    #[test]
    fn pools_are_prepared_and_warmed_first_then_repeats_interleave() {
        let e = exp(Workload::Loop(CountLoop { size: 10 }), vec![Model::Sequential, Model::Processes], 2);
        use Step::*;
        assert_eq!(
            steps(&e, &[]),
            vec![
                Prepare { model: Model::Sequential, workers: 1 },
                WarmUp { model: Model::Sequential },
                Prepare { model: Model::Processes, workers: 3 },
                WarmUp { model: Model::Processes },
                Repeat { model: Model::Sequential, repeat: 1 },
                Repeat { model: Model::Processes, repeat: 1 },
                Repeat { model: Model::Sequential, repeat: 2 },
                Repeat { model: Model::Processes, repeat: 2 },
            ]
        );
        assert_eq!(warm_up(&e).unwrap().tasks, 3);
    }

    #[test]
    fn a_warm_up_is_one_task_a_worker_or_none() {
        let race = Experiment::from_value(&serde_json::json!({ "workload": { "kind": "race" }, "workers": 2 }), 2).unwrap();
        assert!(race.tasks > race.workers);
        assert_eq!(warm_up(&race), None, "the race's tasks follow its workers: no whole untimed run");
        assert!(!steps(&race, &[]).iter().any(|s| matches!(s, Step::WarmUp { .. })));
        let join = Experiment::from_value(&serde_json::json!({ "workload": { "kind": "join" }, "workers": 2 }), 2).unwrap();
        assert_eq!(warm_up(&join), None);
    }

    #[test]
    fn waiting_work_needs_no_warm_up_and_unavailable_models_no_steps() {
        let e = exp(Workload::Sleep(Sleep { ms: 1 }), vec![Model::ThreadsGil, Model::Threads, Model::Processes], 1);
        let s = steps(&e, &[Model::ThreadsGil, Model::Threads]);
        assert_eq!(s, vec![Step::Prepare { model: Model::Processes, workers: 3 }, Step::Repeat { model: Model::Processes, repeat: 1 }]);
        assert_eq!(timed_tasks(&e, &[Model::ThreadsGil, Model::Threads]), 4);
        assert_eq!(timed_tasks(&e, &[]), 12);
    }

    #[test]
    fn a_sweep_derives_validated_experiments() {
        let base = Experiment { sweep: Some(crate::experiment::Sweep { workers: vec![1, 2, 4] }), ..exp(Workload::Loop(CountLoop { size: 10 }), vec![Model::Threads], 1) };
        let exps = Plan::of(&base).experiments().unwrap();
        assert_eq!(exps.iter().map(|e| e.workers).collect::<Vec<_>>(), vec![1, 2, 4]);
        assert!(exps.iter().all(|e| e.sweep.is_none()));
        // A derived experiment the validator refuses is an error, not a run.
        let crash = Experiment::from_value(&serde_json::json!({ "workload": { "kind": "crash", "task": 3 }, "tasks": 4, "workers": 2 }), 2).unwrap();
        let bad = Plan::WorkerSweep { base: Experiment { workers: 2, ..crash }, counts: vec![0] };
        assert!(bad.experiments().is_err());
    }

    #[test]
    fn an_interval_sweep_runs_threads_with_the_gil_once_per_interval() {
        let base = exp(Workload::Sleep(Sleep { ms: 1 }), Model::ALL.to_vec(), 3);
        let plan = Plan::interval_sweep(base);
        let exps = plan.experiments().unwrap();
        assert_eq!(exps.iter().map(|e| e.switch_interval_ms).collect::<Vec<_>>(), SWEEP_INTERVALS_MS.to_vec());
        assert!(exps.iter().all(|e| e.models == vec![Model::ThreadsGil] && e.repeats == 1));
        assert_eq!(plan.timed_tasks(&[]), 5 * 4);
    }
}
