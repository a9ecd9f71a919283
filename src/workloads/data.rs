//! Data: each task reads its share of one input buffer (a CRC-32 of its
//! bytes) and then computes for a while. Threads read the input where it
//! lies, in the memory they share; a process must first receive its share
//! (a structured clone, or a transfer that empties the sender's buffer) and
//! copy it into its own memory. The communication lesson.

use super::count_loop::{sum_loop, PYTHON_LOOP};
use super::mixed::PYTHON_COMPUTE_FOR;
use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::data;
use crate::error::ExperimentError;
use crate::model::{Model, Shape};
use crate::summary::ModelSummary;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};

pub const MIN_BYTES: u64 = 1 << 10;
/// 256 MB: the page keeps the input, the threads' shared memory (1 GiB at
/// most) or the sequential worker holds a copy, and each process its share.
pub const MAX_BYTES: u64 = 256 << 20;
pub const MAX_CPU_MS: u64 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Data {
    /// The whole input, in bytes, shared out between the tasks.
    pub bytes: u64,
    /// Computing after reading, per task, in ms of this machine.
    pub cpu_ms: u64,
    /// How the page sends each process its share.
    pub send: Send,
}

/// How an input reaches a process worker (`postMessage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Send {
    /// A structured clone: the bytes are copied; the sender keeps its own.
    Clone,
    /// A transfer: the buffer moves without a copy; the sender's is emptied.
    Transfer,
}

pub const SENDS: &[&str] = &["clone", "transfer"];

impl Kind for Data {
    const LABEL: &'static str = "Data: read an input, then compute";
    const FIELDS: &'static [Field] = &[
        Field {
            key: "bytes",
            label: "Input size (bytes, shared out between the tasks)",
            hint: "1 KB is 1024, 1 MB is 1048576, 64 MB is 67108864. Processes receive their share; threads read it in place.",
            default: "16777216",
            input: Input::Whole { min: MIN_BYTES, max: MAX_BYTES },
        },
        Field {
            key: "cpu_ms",
            label: "CPU ms per task, after reading",
            hint: "Work that does not depend on the input's size: what processes can save.",
            default: "50",
            input: Input::Whole { min: 0, max: MAX_CPU_MS },
        },
        Field {
            key: "send",
            label: "How processes receive their share",
            hint: "clone copies it (the page keeps its own); transfer moves it without a copy (the page's buffer is emptied).",
            default: "clone",
            input: Input::Choice(SENDS),
        },
    ];

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        let send = match p.text("send").trim().to_lowercase().as_str() {
            "clone" => Send::Clone,
            "transfer" => Send::Transfer,
            other => {
                return Err(ExperimentError::Workload {
                    field: "workload.send".into(),
                    message: format!("`workload.send` must be \"clone\" or \"transfer\" (got \"{}\")", crate::text::clip(other, 40)),
                })
            }
        };
        Ok(Data { bytes: p.whole("bytes")?, cpu_ms: p.whole("cpu_ms")?, send })
    }
}

/// `bytes` as a learner reads it: "64 MB", "1.5 KB".
pub fn size(bytes: u64) -> String {
    let (n, unit) = match bytes {
        b if b >= 1 << 30 => (b as f64 / (1u64 << 30) as f64, "GB"),
        b if b >= 1 << 20 => (b as f64 / (1u64 << 20) as f64, "MB"),
        b if b >= 1 << 10 => (b as f64 / 1024.0, "KB"),
        b => return format!("{b} bytes"),
    };
    if n.fract() == 0.0 || n >= 100.0 {
        format!("{n:.0} {unit}")
    } else {
        format!("{n:.1} {unit}")
    }
}

impl Task for Data {
    fn cpu_bound(&self) -> bool {
        true
    }
    fn cost(&self) -> Cost {
        Cost::Ms(self.cpu_ms)
    }
    fn needs_calibration(&self) -> bool {
        self.cpu_ms > 0
    }
    fn input_bytes(&self) -> u64 {
        self.bytes
    }
    fn transfers_input(&self) -> bool {
        self.send == Send::Transfer
    }
    fn not_hybrid(&self) -> Option<&'static str> {
        Some("compares threads and processes, and processes × threads has no input of its own")
    }
    fn run(&self, machine: &Machine, _: u32, w: &mut Worker) -> Output {
        let value = data::checksum(w.input());
        std::hint::black_box(sum_loop(machine.iterations(self.cpu_ms), &mut || w.tick()));
        value.into()
    }
    fn expected(&self, _: &Machine, tasks: u32) -> Vec<Option<u64>> {
        (0..tasks).map(|i| Some(data::checksum_of(data::chunk(self.bytes, tasks, i)))).collect()
    }
    fn describe(&self) -> String {
        let send = match self.send {
            Send::Clone => "cloned",
            Send::Transfer => "transferred",
        };
        format!("data: a {} input shared out, {} ms of CPU per task, {send} to processes", size(self.bytes), self.cpu_ms)
    }
    fn explain(&self, _: &Shape, models: &[ModelSummary]) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(c) = models.iter().find(|m| m.model == Model::Processes && m.ran()).and_then(|m| m.communication.as_ref()) {
            out.push(format!(
                "Processes received {} in all and spent {:.1} ms moving it (sending, copying into their own memory) against {:.1} ms computing; threads read the same bytes in place and moved none.",
                size(c.bytes_moved),
                c.moving_ms,
                c.computing_ms
            ));
        }
        if self.send == Send::Transfer {
            out.push("A transfer hands the buffer over without copying it: the page's own buffer is empty afterwards (it made a fresh one for each repeat).".into());
        }
        out
    }
    fn python(&self, _: &Machine) -> PythonTask {
        let helpers = format!(
            "{PYTHON_LOOP}\n{PYTHON_COMPUTE_FOR}\n\
BYTES = {bytes}\nDATA = (bytes(range(251)) * (BYTES // 251 + 1))[:BYTES]  # byte i is i % 251, as on the page\n\n\n\
def inputs(shared_memory):\n    \"\"\"Each task's share of DATA: threads get a view of it (nothing copied);\n    a process pool pickles each share to its worker (a copy, as a structured\n    clone is). Python has no transfer; multiprocessing.shared_memory is its\n    zero-copy way.\"\"\"\n    view = memoryview(DATA) if shared_memory else DATA\n    return [view[BYTES * i // TASKS:BYTES * (i + 1) // TASKS] for i in range(TASKS)]\n",
            bytes = self.bytes
        );
        let body = format!(
            "    value = zlib.crc32(data)  # read every byte of the share\n    compute_for({})  # then compute, whatever the input's size\n    return value\n",
            self.cpu_ms
        );
        PythonTask { helpers, body, same_values: true, crashes: false, takes_input: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(1024), "1 KB");
        assert_eq!(size(1536), "1.5 KB");
        assert_eq!(size(64 << 20), "64 MB");
        assert_eq!(size(256 << 20), "256 MB");
        assert_eq!(size(1000), "1000 bytes");
    }
}
