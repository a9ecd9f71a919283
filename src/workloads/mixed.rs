//! Mixed: a recipe of CPU and I/O steps, e.g. `cpu 20ms, io 50ms, x3`. CPU
//! steps are sized in milliseconds on the visitor's machine.

use super::count_loop::{sum_loop, triangle};
use super::task::{Cost, Field, Input, Kind, Machine, Output, Params, PythonTask, Task};
use crate::error::ExperimentError;
use crate::worker::Worker;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_STEPS: usize = 20;
pub const MAX_TIMES: u32 = 100;
pub const MAX_STEP_MS: u64 = 10_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mixed {
    pub recipe: Recipe,
}

/// One step of a recipe, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    Cpu(u64),
    Io(u64),
}

/// `steps`, run `times` times. Written and read as text,
/// `cpu 20ms, io 50ms, x3`, so links and the form can carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Recipe {
    pub steps: Vec<Step>,
    pub times: u32,
}

impl Kind for Mixed {
    const LABEL: &'static str = "Mixed: CPU and I/O steps";
    const FIELDS: &'static [Field] = &[Field {
        key: "recipe",
        label: "Recipe of each task",
        hint: "Steps `cpu <ms>` and `io <ms>`, then `xN` to repeat them. CPU ms are sized for this machine.",
        default: "cpu 20ms, io 50ms, x3",
        input: Input::Text,
    }];

    fn parse(p: &Params) -> Result<Self, ExperimentError> {
        let recipe = Recipe::parse(&p.text("recipe"))
            .map_err(|e| ExperimentError::Workload { field: "workload.recipe".into(), message: format!("The mixed recipe is not readable: {e}") })?;
        Ok(Mixed { recipe })
    }
}

impl Task for Mixed {
    fn cpu_bound(&self) -> bool {
        let (cpu, io) = self.recipe.totals_ms();
        cpu >= io
    }
    fn cost(&self) -> Cost {
        let (cpu, io) = self.recipe.totals_ms();
        Cost::Ms(cpu + io)
    }
    /// Sized in time: its Python waits or computes as long.
    fn python_ms(&self) -> Option<f64> {
        Some(self.cost().python_ms(0.0))
    }
    fn needs_calibration(&self) -> bool {
        true
    }
    fn run(&self, machine: &Machine, _: u32, w: &mut Worker) -> Output {
        let mut total: u64 = 0;
        for _ in 0..self.recipe.times {
            for step in &self.recipe.steps {
                match *step {
                    Step::Cpu(ms) => total = total.wrapping_add(sum_loop(machine.iterations(ms), &mut || w.tick())),
                    Step::Io(ms) => w.io(ms as f64),
                }
            }
        }
        total.into()
    }
    fn expected(&self, machine: &Machine, tasks: u32) -> Vec<Option<u64>> {
        let mut total: u64 = 0;
        for _ in 0..self.recipe.times {
            for step in &self.recipe.steps {
                if let Step::Cpu(ms) = *step {
                    total = total.wrapping_add(triangle(machine.iterations(ms)));
                }
            }
        }
        vec![Some(total); tasks as usize]
    }
    fn describe(&self) -> String {
        format!("mixed: {}", self.recipe)
    }
    fn python(&self, _: &Machine) -> PythonTask {
        // CPU steps compute for their milliseconds of this machine's CPython
        // (as the page computes for its milliseconds of wasm): the same
        // shares of computing and waiting, not the same loop counts, so the
        // values differ from the page's.
        let mut body = String::from("    total = 0\n");
        body.push_str(&format!("    for _ in range({}):\n", self.recipe.times));
        for step in &self.recipe.steps {
            body.push_str(&match *step {
                Step::Cpu(ms) => format!("        total = (total + compute_for({ms})) % 2**64  # cpu {ms}ms\n"),
                Step::Io(ms) => format!("        time.sleep({ms} / 1000)  # io {ms}ms\n"),
            });
        }
        body.push_str("    return total\n");
        let helpers = format!("{}\n{PYTHON_COMPUTE_FOR}", super::count_loop::PYTHON_LOOP);
        PythonTask { helpers, body, same_values: false, crashes: false, takes_input: false }
    }
}

/// Python that computes for `ms` of this machine's CPython (as the page's
/// CPU steps compute for their milliseconds), with the seeds' loop
/// ([`super::count_loop::PYTHON_LOOP`], which must come first).
pub const PYTHON_COMPUTE_FOR: &str = "def compute_for(ms):\n    total, end = 0, time.perf_counter() + ms / 1000\n    while time.perf_counter() < end:\n        total = (total + count_loop(1000)) % 2**64\n    return total\n";

impl Recipe {
    pub fn parse(text: &str) -> Result<Recipe, String> {
        let mut steps = Vec::new();
        let mut times = 1;
        for given in text.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            // What a message repeats of the input stays short and printable.
            let part = crate::text::clip(given, 40);
            let lower = given.to_lowercase();
            if let Some(n) = lower.strip_prefix(['x', '×', '*']) {
                times = n
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|t| (1..=MAX_TIMES).contains(t))
                    .ok_or_else(|| format!("`{part}`: the repeat count must be x1 to x{MAX_TIMES}"))?;
                continue;
            }
            let (kind, amount) = lower.split_at(lower.find(|c: char| c.is_ascii_digit() || c == '-').unwrap_or(lower.len()));
            let ms = amount.trim().trim_end_matches("ms").trim().parse::<u64>().ok().filter(|ms| *ms <= MAX_STEP_MS);
            let ms = ms.ok_or_else(|| format!("`{part}`: give a time of 0 to {MAX_STEP_MS} ms, like `cpu 20ms`"))?;
            steps.push(match kind.trim() {
                "cpu" => Step::Cpu(ms),
                "io" | "i/o" | "sleep" => Step::Io(ms),
                _ => return Err(format!("`{part}`: a step is `cpu <ms>` or `io <ms>`")),
            });
            if steps.len() > MAX_STEPS {
                return Err(format!("the recipe has more than {MAX_STEPS} steps"));
            }
        }
        if steps.is_empty() {
            return Err("the recipe has no steps: write e.g. `cpu 20ms, io 50ms, x3`".into());
        }
        Ok(Recipe { steps, times })
    }

    /// CPU and I/O milliseconds of one task.
    pub fn totals_ms(&self) -> (u64, u64) {
        let (mut cpu, mut io) = (0, 0);
        for s in &self.steps {
            match s {
                Step::Cpu(ms) => cpu += ms,
                Step::Io(ms) => io += ms,
            }
        }
        (cpu * u64::from(self.times), io * u64::from(self.times))
    }
}

impl fmt::Display for Recipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.steps.iter().enumerate() {
            let sep = if i > 0 { ", " } else { "" };
            match s {
                Step::Cpu(ms) => write!(f, "{sep}cpu {ms}ms")?,
                Step::Io(ms) => write!(f, "{sep}io {ms}ms")?,
            }
        }
        if self.times != 1 {
            write!(f, ", x{}", self.times)?;
        }
        Ok(())
    }
}

impl TryFrom<String> for Recipe {
    type Error = String;
    fn try_from(s: String) -> Result<Recipe, String> {
        Recipe::parse(&s)
    }
}

impl From<Recipe> for String {
    fn from(r: Recipe) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_read_and_write_as_text() {
        let r = Recipe::parse("cpu 20ms, io 50ms, x3").unwrap();
        assert_eq!(r, Recipe { steps: vec![Step::Cpu(20), Step::Io(50)], times: 3 });
        assert_eq!(r.to_string(), "cpu 20ms, io 50ms, x3");
        assert_eq!(Recipe::parse("CPU 5; sleep 10 ms; ×2").unwrap(), Recipe { steps: vec![Step::Cpu(5), Step::Io(10)], times: 2 });
        assert_eq!(r.totals_ms(), (60, 150));
        for bad in ["", "x3", "gpu 5ms", "cpu fast", "cpu 5ms, x0", "cpu 99999ms"] {
            assert!(Recipe::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = vec!["cpu 1ms"; MAX_STEPS + 1].join(", ");
        assert!(Recipe::parse(&long).unwrap_err().contains("more than 20 steps"));
    }

    #[test]
    fn cpu_steps_are_sized_by_the_machine() {
        let m = Mixed { recipe: Recipe::parse("cpu 2ms, io 0ms, x2").unwrap() };
        let machine = Machine { cpu_iterations_per_ms: Some(1000.0) };
        assert_eq!(m.expected(&machine, 2), vec![Some(2 * triangle(2000)); 2]);
    }
}
