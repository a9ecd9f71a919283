//! Crash isolation: one chosen task crashes (a panic, which in wasm is a
//! trap: the worker dies, as a process does on a segfault); the others
//! count like the seeds' loop.

use super::count_loop::{sum_loop, triangle, MAX_SIZE};
use crate::claim::{Claim, Judging, Verdict};
use crate::model::Model;
use crate::summary::ModelSummary;
use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::limits::MAX_TASKS;
use crate::model::Shape;
use crate::text::group;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crash {
    /// Loop iterations of every task that does not crash.
    pub size: u64,
    /// The task that crashes.
    pub task: u32,
}

impl Kind for Crash {
    const LABEL: &'static str = "Crash: one task crashes";
    const FIELDS: &'static [Field] = &[
        Field {
            key: "size",
            label: "Iterations per task",
            hint: "What the tasks that do not crash compute.",
            default: "30000000",
            input: Input::Whole { min: 1, max: MAX_SIZE },
        },
        Field {
            key: "task",
            label: "The task that crashes",
            hint: "Its worker dies, as a process does on a segfault.",
            default: "1",
            input: Input::Whole { min: 0, max: MAX_TASKS - 1 },
        },
    ];

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        Ok(Crash { size: p.whole("size")?, task: p.whole("task")? as u32 })
    }
    fn scaled(&self, factor: f64) -> Option<Self> {
        Some(Crash { size: super::task::scaled(self.size, factor), task: self.task })
    }
}

impl Task for Crash {
    fn claim(&self, exp: &Shape) -> Option<Claim> {
        exp.models.contains(&Model::Processes).then_some(Claim::CrashIsolation)
    }
    fn judge(&self, cx: &Judging) -> Option<Verdict> {
        let crash = self.task;
        let Some(p) = cx.models.iter().find(|s| s.model == Model::Processes) else {
            return None;
        };
        let others = cx.exp.tasks - 1;
        let isolated = p.ran() && p.correct && p.tasks.len() as u32 == others;
        let shared: Vec<&ModelSummary> = cx.models.iter().filter(|s| s.model != Model::Processes).collect();
        let all_down = shared.iter().all(|s| matches!(s.status, crate::summary::Status::Failed { .. }));
        let down: Vec<String> = shared.iter().filter(|s| !s.ran()).map(|s| s.label.clone()).collect();
        let held = isolated && all_down;
        let text = match (isolated, down.is_empty()) {
            (true, false) => format!(
                "Task {crash}'s crash took down all of {} (every task in it lost), while processes lost only task {crash}: the pool replaced that worker and the other {others} tasks completed.",
                down.join(" and ")
            ),
            (true, true) => format!("Processes lost only task {crash}: the pool replaced that worker and the other {others} tasks completed."),
            (false, _) => format!("Processes completed {} of the other {others} tasks after task {crash} crashed: {}", p.tasks.len(), p.status.why_not().unwrap_or_else(|| p.problems.join("; "))),
        };
        cx.verdict(Some(held), text)
    }
    fn cpu_bound(&self) -> bool {
        true
    }
    fn cost(&self) -> Cost {
        Cost::Iterations(self.size as f64)
    }
    fn python_ms(&self) -> Option<f64> {
        Some(self.cost().python_ms(super::count_loop::PYTHON_NS_PER_ITERATION))
    }
    fn validate(&self, exp: &Shape) -> Result<(), ExperimentError> {
        if self.task >= exp.tasks {
            return Err(ExperimentError::Workload {
                field: "workload.task".into(),
                message: format!("`workload.task` must be one of the {} tasks, 0 to {} (got {})", exp.tasks, exp.tasks - 1, self.task),
            });
        }
        Ok(())
    }
    fn run(&self, _: &Machine, index: u32, w: &mut Worker) -> Output {
        if index == self.task {
            panic!("task {index} crashed (on purpose: the crash lesson)");
        }
        sum_loop(self.size, &mut || w.tick()).into()
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        (0..tasks).map(|i| (i != self.task).then(|| triangle(self.size))).collect()
    }
    fn crashes(&self, index: u32) -> bool {
        index == self.task
    }
    fn describe(&self) -> String {
        format!("crash: task {} crashes, the others count to {}", self.task, group(self.size))
    }
    fn python(&self, _: &Machine) -> PythonTask {
        PythonTask {
            helpers: super::count_loop::PYTHON_LOOP.into(),
            body: format!(
                "    if i == {task}:\n        os._exit(70)  # the task crashes its process, as a segfault in C code would\n    return count_loop(scaled({size}))\n",
                task = self.task,
                size = self.size
            ),
            same_values: true,
            crashes: true,
            takes_input: false,
        }
    }
}
