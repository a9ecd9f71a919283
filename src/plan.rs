//! What a press of Run does, step by step, decided before anything runs.
//!
//! A [`Plan`] is one experiment or several (the interval sweep; later,
//! worker sweeps); each experiment expands to [`Step`]s: get every model's
//! pool ready and warm it up, then the timed repeats, interleaving the models
//! so a slow moment of the machine touches all of them alike. The page's
//! runner only carries the steps out.

use crate::experiment::{Experiment, Model};
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
    for &model in &models {
        let workers = if model == Model::Sequential { 1 } else { exp.workers };
        out.push(Step::Prepare { model, workers });
        if exp.workload.cpu_bound() {
            out.push(Step::WarmUp { model });
        }
    }
    for repeat in 1..=exp.repeats {
        out.extend(models.iter().map(|&model| Step::Repeat { model, repeat }));
    }
    out
}

/// The experiment a warm-up runs: one task per worker, once.
pub fn warm_up(exp: &Experiment) -> Experiment {
    Experiment { tasks: exp.tasks.min(exp.workers), repeats: 1, ..exp.clone() }
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

    /// The experiments, in the order they run.
    pub fn experiments(&self) -> Vec<Experiment> {
        match self {
            Plan::Single(e) => vec![e.clone()],
            Plan::WorkerSweep { base, counts } => counts.iter().map(|&workers| Experiment { workers, sweep: None, ..base.clone() }).collect(),
            Plan::IntervalSweep { base, intervals } => intervals
                .iter()
                .map(|&switch_interval_ms| Experiment { switch_interval_ms, models: vec![Model::ThreadsGil], repeats: 1, ..base.clone() })
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
        self.experiments().iter().map(|e| timed_tasks(e, unavailable)).sum()
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
        assert_eq!(warm_up(&e).tasks, 3);
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
    fn an_interval_sweep_runs_threads_with_the_gil_once_per_interval() {
        let base = exp(Workload::Sleep(Sleep { ms: 1 }), Model::ALL.to_vec(), 3);
        let plan = Plan::interval_sweep(base);
        let exps = plan.experiments();
        assert_eq!(exps.iter().map(|e| e.switch_interval_ms).collect::<Vec<_>>(), SWEEP_INTERVALS_MS.to_vec());
        assert!(exps.iter().all(|e| e.models == vec![Model::ThreadsGil] && e.repeats == 1));
        assert_eq!(plan.timed_tasks(&[]), 5 * 4);
    }
}
