//! The results document: what `window.threadlab.run` resolves to and the
//! page shows (the summaries, the explanation and the verdict), and the
//! summarising itself: checking each run against what its workload expects.
//! Records ([`crate::record`]) and summaries ([`crate::summary`]) are plain
//! data below; this is the top of the results layers.

use crate::experiment::{Experiment, Model, FORMAT_VERSION};
pub use crate::record::{LostTask, ModelRun, TaskRecord};
use crate::stats::Spread;
pub use crate::summary::{Communication, Environment, Footprint, ModelSummary, Partial, Status, SweepModel, SweepPoint};
use serde::{Deserialize, Serialize};



impl ModelRun {
    /// Problems with the results, as sentences; empty when all is correct.
    /// `expected` holds what each task must return ([`crate::experiment::Job::expected`]).
    pub fn check(&self, exp: &Experiment, expected: &[Option<u64>]) -> Vec<String> {
        let tasks = exp.tasks;
        let mut problems = Vec::new();
        let mut seen = vec![0u32; tasks as usize];
        for t in &self.tasks {
            match seen.get_mut(t.index as usize) {
                Some(n) => *n += 1,
                None => problems.push(format!("task {} does not exist", t.index)),
            }
        }
        for l in &self.lost {
            if !exp.workload.crashes(l.index) {
                problems.push(format!("task {} was lost: its process crashed ({}); the pool replaced it", l.index, l.error));
            }
            if let Some(n) = seen.get_mut(l.index as usize) {
                *n += 1;
            }
        }
        let missing = seen.iter().filter(|&&n| n == 0).count();
        if missing > 0 {
            problems.push(format!("{missing} of {tasks} tasks returned no result"));
        }
        let twice = seen.iter().filter(|&&n| n > 1).count();
        if twice > 0 {
            problems.push(format!("{twice} tasks ran more than once"));
        }
        for t in &self.tasks {
            let want = expected.get(t.index as usize).copied().flatten();
            if let Some(p) = exp.workload.check(t, want) {
                problems.push(p);
            }
        }
        problems.extend(exp.workload.check_run(&exp.shape(), self));
        problems.truncate(10);
        problems
    }
}

impl ModelSummary {
    /// Summarises the repeats of one model and checks every one of them.
    /// `expected` holds what each task must return.
    pub fn from_runs(exp: &Experiment, expected: &[Option<u64>], model: Model, runs: &[ModelRun], startup_ms: Option<f64>) -> ModelSummary {
        let runs_ms: Vec<f64> = runs.iter().map(|r| r.wall_ms).collect();
        let wall = Spread::of(&runs_ms);
        let mut problems: Vec<String> = Vec::new();
        for (i, run) in runs.iter().enumerate() {
            for p in run.check(exp, expected) {
                problems.push(if runs.len() > 1 { format!("repeat {}: {p}", i + 1) } else { p });
            }
        }
        problems.truncate(10);
        let median_run = wall.as_ref().and_then(|w| runs.iter().min_by(|a, b| (a.wall_ms - w.median).abs().total_cmp(&(b.wall_ms - w.median).abs())));
        let input = exp.workload.input_bytes();
        ModelSummary {
            model,
            label: model.label().to_string(),
            status: Status::Ran,
            workers: runs.first().map(|r| r.workers).unwrap_or(exp.workers),
            correct: problems.is_empty() && !runs.is_empty(),
            problems,
            wall_ms: wall,
            runs_ms,
            speedup: None,
            startup_ms,
            tasks: median_run.map(|r| r.tasks.clone()).unwrap_or_default(),
            lost: median_run.map(|r| r.lost.clone()).unwrap_or_default(),
            timeline: median_run.and_then(|r| r.timeline.clone()),
            communication: median_run.filter(|_| input > 0).map(|r| Communication::of(input, &r.tasks)),
            memory: None,
            extra: exp.workload.summarise(&exp.shape(), runs, median_run),
        }
    }
}

/// Everything one experiment produced: what `window.threadlab.run` resolves to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub version: u32,
    pub experiment: Experiment,
    pub environment: Environment,
    pub models: Vec<ModelSummary>,
    pub explanation: String,
    /// Whether the claim this experiment tests held here (`None`: the
    /// experiment tests none of the seeds' claims, e.g. a single model).
    #[serde(default)]
    pub verdict: Option<crate::verdict::Verdict>,
    /// A worker-count sweep: every count's figures, per model (the
    /// summaries above are each model's best count).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub sweep: Vec<SweepPoint>,
    /// Set when the run was cancelled: what is here is what finished before
    /// (a model's repeats that ran; a sweep's counts that ran).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub partial: Option<Partial>,
    /// The learner's prediction, each answer judged against these numbers
    /// ([`crate::predict`]); empty when none was made.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub prediction: Vec<crate::predict::Judged>,
}



/// Where a workload's values are not known beforehand but must equal the
/// sequential model's ([`crate::workloads::Task::compare_with_sequential`]):
/// each other model's task whose value differs from the sequential task's
/// is a problem, and the model is not correct. Compares the repeat each
/// summary shows.
fn compare_with_sequential(exp: &Experiment, models: &mut [ModelSummary]) {
    if !exp.workload.compare_with_sequential() {
        return;
    }
    let Some(seq) = models.iter().find(|m| m.model == Model::Sequential && m.ran()) else { return };
    let want: Vec<Option<TaskRecord>> = (0..exp.tasks).map(|i| seq.tasks.iter().find(|t| t.index == i).cloned()).collect();
    let shown = |t: &TaskRecord| t.extra.get::<ValueRepr>().map_or_else(|| t.value.to_string(), |r| r.repr);
    for m in models.iter_mut().filter(|m| m.model != Model::Sequential) {
        let wrong: Vec<String> = m
            .tasks
            .iter()
            .filter_map(|t| {
                let w = want.get(t.index as usize)?.as_ref()?;
                (w.value != t.value).then(|| format!("task {} returned {} here but {} in the sequential model", t.index, crate::text::clip(&shown(t), 60), crate::text::clip(&shown(w), 60)))
            })
            .collect();
        if !wrong.is_empty() {
            m.correct = false;
            m.problems.extend(wrong);
            m.problems.truncate(10);
        }
    }
}

/// A record's `repr` field (the python workload's returned value), for
/// messages.
#[derive(Deserialize)]
struct ValueRepr {
    repr: String,
}

impl Results {
    pub fn new(experiment: Experiment, environment: Environment, mut models: Vec<ModelSummary>) -> Results {
        compare_with_sequential(&experiment, &mut models);
        let base = models.iter().find(|m| m.model == Model::Sequential && m.ran() && m.correct).and_then(|m| m.wall_ms.as_ref().map(|w| w.median));
        for m in &mut models {
            m.speedup = match (base, &m.wall_ms) {
                (Some(b), Some(w)) if w.median > 0.0 && m.correct => Some(b / w.median),
                _ => None,
            };
        }
        let explanation = crate::explain::explain(&experiment, &environment, &models);
        let verdict = crate::verdict::judge(&experiment, &environment, &models);
        Results { version: FORMAT_VERSION, experiment, environment, models, explanation, verdict, sweep: Vec::new(), partial: None, prediction: Vec::new() }
    }

    /// The results of a worker-count sweep `exp` from one run per count:
    /// each model's summary at its best count, and every count's figures.
    pub fn of_sweep(exp: Experiment, runs: Vec<Results>) -> Results {
        let environment = runs.first().map(|r| r.environment.clone()).unwrap_or_default();
        let sweep: Vec<SweepPoint> = runs.iter().map(|r| SweepPoint { workers: r.experiment.workers, models: r.models.iter().map(SweepModel::of).collect() }).collect();
        let models: Vec<ModelSummary> = exp
            .models
            .iter()
            .filter_map(|&m| {
                let at = |r: &Results| r.model(m).filter(|s| s.correct).and_then(|s| s.wall_ms).map_or(f64::INFINITY, |w| w.median);
                let best = runs.iter().min_by(|a, b| at(a).total_cmp(&at(b)))?;
                best.model(m).cloned()
            })
            .collect();
        let explanation = crate::explain::explain(&exp, &environment, &models);
        let verdict = crate::verdict::judge_sweep(&exp, &environment, &sweep);
        let partial = runs.last().and_then(|r| r.partial);
        Results { version: FORMAT_VERSION, experiment: exp, environment, models, explanation, verdict, sweep, partial, prediction: Vec::new() }
    }

    /// These results with `p` judged against them.
    pub fn predicted(mut self, p: &crate::predict::Prediction) -> Results {
        self.prediction = crate::predict::judge(p, &self.experiment, &self.models, self.verdict.as_ref());
        self
    }

    pub fn model(&self, model: Model) -> Option<&ModelSummary> {
        self.models.iter().find(|m| m.model == model)
    }
}

