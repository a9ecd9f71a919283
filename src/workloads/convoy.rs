//! The convoy effect: task 0 blocks for `io_ms` again and again and measures
//! how late it resumes, while the other tasks compute for `cpu_ms` of wall
//! time. One task per worker.

use super::count_loop::{sum_loop, triangle};
use crate::claim::{Claim, Judging, Verdict};
use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::extra::Extra;
use crate::model::{Model, Shape};
use crate::record::{ModelRun, TaskRecord};
use crate::stats::Latency;
use crate::summary::ModelSummary;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};

/// The CPU-bound tasks loop in chunks of this many iterations; their result
/// is a whole number of chunk totals.
pub const CHUNK: u64 = 1 << 20;
/// At most this many wake-ups are measured by the I/O task.
pub const MAX_WAKEUPS: usize = 4096;
pub const MAX_CPU_MS: u64 = 10_000;
pub const MAX_IO_MS: u64 = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Convoy {
    pub cpu_ms: u64,
    pub io_ms: u64,
}

/// What the I/O task returns beyond its count (its part of a task's
/// record): how late each wake-up resumed, in ms. The CPU-bound tasks
/// return none.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Wakeups {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub latencies_ms: Vec<f64>,
}

/// What a model's runs come to (its part of the summary): the I/O task's
/// wake-up latency over every repeat.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WakeupLatency {
    pub latency_ms: Latency,
}

/// How late each wake-up of a task resumed (ms; none for a CPU-bound task).
pub fn wakeups(task: &Extra) -> Vec<f64> {
    task.get::<Wakeups>().unwrap_or_default().latencies_ms
}

/// The wake-up latency of a model's summary, if it measured any.
pub fn latency(summary: &Extra) -> Option<Latency> {
    summary.get::<WakeupLatency>().map(|l| l.latency_ms)
}

impl Kind for Convoy {
    const LABEL: &'static str = "Convoy effect: I/O behind CPU";
    const FIELDS: &'static [Field] = &[
        Field {
            key: "cpu_ms",
            label: "CPU time of the CPU-bound tasks (ms)",
            hint: "Task 0 sleeps again and again and measures how late it wakes; one task per worker, the others compute this long.",
            default: "400",
            input: Input::Whole { min: 10, max: MAX_CPU_MS },
        },
        Field {
            key: "io_ms",
            label: "I/O wait of task 0 (ms)",
            hint: "How long each of its blocking waits lasts.",
            default: "1",
            input: Input::Whole { min: 0, max: MAX_IO_MS },
        },
    ];
    const TASKS_PER_WORKER: Option<u32> = Some(1);

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        Ok(Convoy { cpu_ms: p.whole("cpu_ms")?, io_ms: p.whole("io_ms")? })
    }
}

impl Task for Convoy {
    fn claim(&self, exp: &Shape) -> Option<Claim> {
        exp.models.contains(&Model::ThreadsGil).then_some(Claim::ConvoyEffect)
    }
    fn judge(&self, cx: &Judging) -> Option<Verdict> {
        let lat = |m: Model| cx.models.iter().find(|s| s.model == m).and_then(|s| latency(&s.extra));
        let Some(g) = lat(Model::ThreadsGil) else {
            return cx.verdict(None, "Cannot tell: threads + GIL measured no wake-ups.".into());
        };
        let baseline = [Model::Threads, Model::Processes].into_iter().filter_map(lat).map(|l| l.median).fold(f64::INFINITY, f64::min);
        let late = g.median >= 0.3 * cx.exp.switch_interval_ms;
        let held = late && (!baseline.is_finite() || g.median > 3.0 * baseline);
        let against = if baseline.is_finite() { format!(", against {baseline:.2} ms without the GIL") } else { String::new() };
        let text = if held {
            format!(
                "With the GIL the I/O task was back {:.2} ms late after each wait (median{against}): it queued behind the CPU-bound thread for up to one switch interval ({} ms).",
                g.median, cx.exp.switch_interval_ms
            )
        } else {
            format!("With the GIL the I/O task was back only {:.2} ms late (median{against}): no convoy showed in this run.", g.median)
        };
        cx.verdict(Some(held), text + &cx.noise_note)
    }
    fn cpu_bound(&self) -> bool {
        false
    }
    fn cost(&self) -> Cost {
        Cost::Ms(self.cpu_ms)
    }
    /// Sized in time: its Python waits or computes as long.
    fn python_ms(&self) -> Option<f64> {
        Some(self.cost().python_ms(0.0))
    }
    fn validate(&self, exp: &Shape) -> Result<(), ExperimentError> {
        if exp.workers < 2 {
            return Err(ExperimentError::Workload {
                field: "workers".into(),
                message: "The convoy experiment needs at least 2 workers: one waits for I/O, the others compute".into(),
            });
        }
        Ok(())
    }
    fn run(&self, _: &Machine, index: u32, w: &mut Worker) -> Output {
        if index == 0 {
            return probe(self.cpu_ms as f64 * 0.8, self.io_ms as f64, w);
        }
        // Compute for cpu_ms of wall time, so the CPU-bound tasks always
        // outlast the probe, whatever the GIL does to their pace.
        let start = w.now();
        let mut total: u64 = 0;
        loop {
            total = total.wrapping_add(sum_loop(CHUNK, &mut || w.tick()));
            if w.now() - start >= self.cpu_ms as f64 {
                break total.into();
            }
        }
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        // Timed work: no fixed value; see `check`.
        vec![None; tasks as usize]
    }
    fn check(&self, record: &TaskRecord, _: Option<u64>) -> Option<String> {
        let index = record.index;
        if index == 0 {
            return wakeups(&record.extra).is_empty().then(|| format!("task {index} measured no wake-ups"));
        }
        let chunk = triangle(CHUNK);
        (record.value == 0 || record.value % chunk != 0)
            .then(|| format!("task {index} returned {}, not a whole number of loop totals ({chunk})", record.value))
    }
    fn summarise(&self, _: &Shape, runs: &[ModelRun], _: Option<&ModelRun>) -> Extra {
        let all: Vec<f64> = runs.iter().flat_map(|r| r.tasks.iter().flat_map(|t| wakeups(&t.extra))).collect();
        Latency::of(&all).map_or_else(Extra::none, |latency_ms| Extra::of(&WakeupLatency { latency_ms }))
    }
    fn describe(&self) -> String {
        format!("convoy: one worker sleeps {} ms again and again while the others compute for {} ms", self.io_ms, self.cpu_ms)
    }
    fn python(&self, _: &Machine) -> PythonTask {
        PythonTask {
            helpers: super::count_loop::PYTHON_LOOP.into(),
            body: format!(
                "    if i == 0:  # the I/O-bound task: how late is it back after each wait?\n        late, start = [], time.perf_counter()\n        while (time.perf_counter() - start) * 1000 < {window}:\n            t = time.perf_counter()\n            time.sleep({io} / 1000)\n            late.append(max(0.0, (time.perf_counter() - t) * 1000 - {io}))\n        print(f\"  wake-up latency: median {{sorted(late)[len(late) // 2]:.2f}} ms over {{len(late)}} waits\")\n        return len(late)\n    total, start = 0, time.perf_counter()  # a CPU-bound task: compute for {cpu} ms\n    while (time.perf_counter() - start) * 1000 < {cpu}:\n        total = (total + count_loop({chunk})) % 2**64\n    return total\n",
                window = self.cpu_ms as f64 * 0.8,
                io = self.io_ms,
                cpu = self.cpu_ms,
                chunk = CHUNK / 64,
            ),
            // Timed work: wake-up counts and loop totals depend on the machine.
            same_values: false,
            crashes: false,
            takes_input: false,
        }
    }
    fn explain(&self, exp: &Shape, models: &[ModelSummary]) -> Vec<String> {
        let lat = |m: Model| models.iter().find(|s| s.model == m).and_then(|s| latency(&s.extra));
        let Some(g) = lat(Model::ThreadsGil) else { return vec![] };
        let others: Vec<String> = [Model::Threads, Model::Processes]
            .into_iter()
            .filter_map(|m| lat(m).map(|l| format!("{:.2} ms on {}", l.median, m.label())))
            .collect();
        vec![format!(
            "Convoy effect: after each {} ms wait the I/O task was back {:.2} ms late (median; 95th percentile {:.2} ms) with the GIL{}: it queues behind the CPU-bound thread until that one is asked to drop the GIL, up to one switch interval ({} ms).",
            self.io_ms,
            g.median,
            g.p95,
            if others.is_empty() { String::new() } else { format!(", against {}", others.join(" and ")) },
            exp.switch_interval_ms
        )]
    }
}

/// The I/O-bound task: block for `io_ms`, again and again for `window_ms`,
/// measuring each time how long after the wait ended the worker was running
/// again (with the GIL, where there is one).
fn probe(window_ms: f64, io_ms: f64, w: &mut Worker) -> Output {
    let start = w.now();
    let mut latencies_ms = Vec::with_capacity(MAX_WAKEUPS);
    while w.now() - start < window_ms && latencies_ms.len() < MAX_WAKEUPS {
        let requested = w.now();
        w.io(io_ms);
        latencies_ms.push((w.now() - requested - io_ms).max(0.0));
    }
    Output::with(latencies_ms.len() as u64, &Wakeups { latencies_ms })
}
