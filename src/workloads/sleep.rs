//! I/O-bound: a blocking wait of `ms` milliseconds, like `time.sleep` or
//! waiting for the network.

use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::record::TaskRecord;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};

/// Longest single blocking wait.
pub const MAX_MS: u64 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sleep {
    pub ms: u64,
}

impl Kind for Sleep {
    const LABEL: &'static str = "I/O: time.sleep";
    const FIELDS: &'static [Field] = &[Field {
        key: "ms",
        label: "Wait per task (ms)",
        hint: "Each task blocks for this long, like time.sleep or waiting for the network.",
        default: "100",
        input: Input::Whole { min: 0, max: MAX_MS },
    }];

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        Ok(Sleep { ms: p.whole("ms")? })
    }
}

impl Task for Sleep {
    fn cpu_bound(&self) -> bool {
        false
    }
    fn cost(&self) -> Cost {
        Cost::Ms(self.ms)
    }
    /// Sized in time: its Python waits or computes as long.
    fn python_ms(&self) -> Option<f64> {
        Some(self.cost().python_ms(0.0))
    }
    fn run(&self, _: &Machine, index: u32, w: &mut Worker) -> Output {
        w.io(self.ms as f64);
        u64::from(index).into()
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        (0..tasks).map(|i| Some(u64::from(i))).collect()
    }
    fn check(&self, record: &TaskRecord, expected: Option<u64>) -> Option<String> {
        if let Some(want) = expected.filter(|w| *w != record.value) {
            return Some(format!("task {} returned {} instead of {want}", record.index, record.value));
        }
        // Timers may fire a little early on coarse clocks; 1 ms of slack.
        (record.duration_ms() + 1.0 < self.ms as f64)
            .then(|| format!("task {} waited {:.1} ms instead of {} ms", record.index, record.duration_ms(), self.ms))
    }
    fn describe(&self) -> String {
        format!("I/O: time.sleep({} ms)", self.ms)
    }
    fn python(&self, _: &Machine) -> PythonTask {
        PythonTask { helpers: String::new(), body: format!("    time.sleep({} / 1000)\n    return i\n", self.ms), same_values: true, crashes: false, takes_input: false }
    }
}
