//! Sizes given as time: a CPU workload's size field may say "about 50 ms"
//! per task instead of a number. The page times one task of a probe size on
//! the visitor's machine (in a worker), then picks the size whose estimated
//! cost ([`Task::cost`](crate::workloads::Task::cost)) is the probe's scaled
//! by the time wanted over the time measured; the experiment then carries
//! that number, so a link or a result says how much work ran.
//!
//! ```text
//! timed(json)                         -> Some(field, ms) when a size is given as time
//! probe(json, field, iterations/ms)   -> the workload with a size of about PROBE_MS
//! resolve(json, field, probe, ms, probe_ms) -> the experiment JSON with the size
//! ```

use crate::experiment::{Experiment, ExperimentError};
use crate::workloads::{Cost, Input, Workload};
use serde_json::Value;

/// What the probe task aims to take: long enough to time well, short
/// enough not to be felt.
pub const PROBE_MS: f64 = 30.0;
/// Sizes in time: from this to this many ms per task.
pub const MIN_MS: f64 = 1.0;
pub const MAX_MS: f64 = 10_000.0;

/// "50ms", "50 ms", "~50ms", "about 50 ms": the milliseconds, if `v` is a
/// time (text only: a number is a size).
pub fn ms_of(v: &Value) -> Option<f64> {
    let s = v.as_str()?.trim().to_ascii_lowercase();
    let s = s.strip_prefix("about").or_else(|| s.strip_prefix('~')).unwrap_or(&s).trim();
    s.strip_suffix("ms")?.trim().parse::<f64>().ok().filter(|ms| ms.is_finite())
}

/// The size field given as time in the experiment JSON, and the ms; an
/// error when the workload cannot be sized in time, or the time is out of
/// range.
pub fn timed(exp: &Value) -> Result<Option<(&'static str, f64)>, ExperimentError> {
    let Some(workload) = exp.get("workload").filter(|w| w.is_object()) else { return Ok(None) };
    let Ok(fields) = Workload::fields_of(workload) else { return Ok(None) };
    for f in fields {
        let Some(ms) = workload.get(f.key).and_then(ms_of) else { continue };
        let field = format!("workload.{}", f.key);
        let is_size = matches!(f.input, Input::Whole { .. }) && fields.iter().find(|g| matches!(g.input, Input::Whole { .. })).is_some_and(|g| g.key == f.key);
        let cpu = Workload::from_value(&defaults(workload)).is_ok_and(|w| w.cpu_bound() && matches!(w.cost(), Cost::Iterations(_)));
        if !(is_size && cpu) {
            return Err(ExperimentError::Workload {
                field,
                message: format!("`workload.{}` cannot be given in ms: only a CPU workload's size can (as \"about 50 ms\")", f.key),
            });
        }
        if !(MIN_MS..=MAX_MS).contains(&ms) {
            return Err(ExperimentError::OutOfRangeFraction { field, min: MIN_MS, max: MAX_MS, got: format!("{ms} ms") });
        }
        return Ok(Some((f.key, ms)));
    }
    Ok(None)
}

/// Checks all of `exp` that needs no measurement, before anything runs: a
/// size given as time as time (a CPU workload's size, in range), and every
/// other field as the experiment would be with that size at its smallest.
/// Returns the field given as time and its ms, if one is.
pub fn check(exp: &Value, cores: u32) -> Result<Option<(&'static str, f64)>, ExperimentError> {
    let Some((field, ms)) = timed(exp)? else {
        return Experiment::from_value(exp, cores).map(|_| None);
    };
    let fields = Workload::fields_of(&exp["workload"])?;
    let Some(Input::Whole { min, .. }) = fields.iter().find(|f| f.key == field).map(|f| f.input) else {
        return Err(ExperimentError::Missing(format!("workload.{field}")));
    };
    let mut smallest = exp.clone();
    smallest["workload"][field] = min.into();
    Experiment::from_value(&smallest, cores)?;
    Ok(Some((field, ms)))
}

/// Whether field `field` of workload `kind` may be given as time.
pub fn can_time(kind: &str, field: &str) -> bool {
    let mut workload = serde_json::json!({ "kind": kind });
    workload[field] = "10ms".into();
    timed(&serde_json::json!({ "workload": workload })).is_ok_and(|t| t.is_some())
}

/// The workload with every time-valued field dropped (its default).
fn defaults(workload: &Value) -> Value {
    let mut w = workload.clone();
    if let Some(o) = w.as_object_mut() {
        o.retain(|_, v| ms_of(v).is_none());
    }
    w
}

/// The estimated cost (iterations) of `workload` with `field` = `size`.
fn cost_at(workload: &Value, field: &str, size: u64) -> Option<f64> {
    let mut w = defaults(workload);
    w[field] = size.into();
    match Workload::from_value(&w).ok()?.cost() {
        Cost::Iterations(n) => Some(n),
        Cost::Ms(_) => None,
    }
}

/// The size in `field`'s range whose estimated cost is closest to `cost`
/// (costs grow with size: bisection).
fn size_for_cost(workload: &Value, field: &str, cost: f64) -> Result<u64, ExperimentError> {
    let fields = Workload::fields_of(workload)?;
    let Some(Input::Whole { min, max }) = fields.iter().find(|f| f.key == field).map(|f| f.input) else {
        return Err(ExperimentError::Missing(format!("workload.{field}")));
    };
    let (mut lo, mut hi) = (min, max);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if cost_at(workload, field, mid).unwrap_or(f64::INFINITY) < cost {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// The probe: the experiment's workload with a size of about [`PROBE_MS`]
/// at the machine's loop speed (`iterations_per_ms`).
pub fn probe(exp: &Value, field: &str, iterations_per_ms: f64) -> Result<Value, ExperimentError> {
    let mut workload = defaults(&exp["workload"]);
    workload[field] = size_for_cost(&exp["workload"], field, PROBE_MS * iterations_per_ms)?.into();
    Ok(workload)
}

/// The experiment JSON with `field` sized so a task takes about `ms`, from
/// the probe (`probe`, run as one task, which took `probe_ms`). Where the
/// tasks share out one job (an image), the job is sized for `tasks` (the
/// experiment's, else `default_tasks`) tasks of about `ms` each.
pub fn resolve(exp: &Value, field: &str, probe: &Value, ms: f64, probe_ms: f64, default_tasks: u32) -> Result<Value, ExperimentError> {
    let probe_size = probe[field].as_u64().unwrap_or(1);
    let probe_cost = cost_at(probe, field, probe_size).unwrap_or(1.0);
    let shared = Workload::from_value(probe).is_ok_and(|w| w.splits_one_job());
    let tasks = exp.get("tasks").and_then(|t| t.as_f64().or_else(|| t.as_str()?.trim().parse().ok())).unwrap_or(f64::from(default_tasks)).max(1.0);
    let ms = if shared { ms * tasks } else { ms };
    let size = size_for_cost(&exp["workload"], field, probe_cost * ms / probe_ms.max(1e-3))?;
    let mut out = exp.clone();
    out["workload"][field] = size.into();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_size_in_time_does_not_skip_the_other_checks() {
        // Refused before any probe runs: the workers field is out of range.
        let bad = json!({ "workload": { "kind": "loop", "size": "about 50 ms" }, "workers": 0 });
        let err = check(&bad, 2).unwrap_err().to_string();
        assert!(err.contains("workers"), "{err}");
        let bad_model = json!({ "workload": { "kind": "primes", "size": "50ms" }, "models": ["threadz"] });
        assert!(check(&bad_model, 2).is_err());
        let good = json!({ "workload": { "kind": "loop", "size": "about 50 ms" }, "workers": 2 });
        assert_eq!(check(&good, 2).unwrap(), Some(("size", 50.0)));
        assert_eq!(check(&json!({ "workload": { "kind": "loop", "size": 1000 } }), 2).unwrap(), None);
        assert!(check(&json!({ "workload": { "kind": "sleep", "ms": "50ms" } }), 2).is_err());
    }

    #[test]
    fn times_are_read_in_several_spellings_and_numbers_are_not_times() {
        for s in ["50ms", "50 ms", "~50ms", "about 50 ms", " About 50ms "] {
            assert_eq!(ms_of(&json!(s)), Some(50.0), "{s}");
        }
        for v in [json!(50), json!("50"), json!("50s"), json!("ms"), json!("NaNms")] {
            assert_eq!(ms_of(&v), None, "{v}");
        }
    }

    #[test]
    fn only_a_cpu_workloads_size_can_be_given_in_time_within_range() {
        assert_eq!(timed(&json!({ "workload": { "kind": "primes", "size": "about 50 ms" } })).unwrap(), Some(("size", 50.0)));
        assert_eq!(timed(&json!({ "workload": { "kind": "primes", "size": 5000 } })).unwrap(), None);
        let sleep = timed(&json!({ "workload": { "kind": "sleep", "ms": "50ms" } })).unwrap_err();
        assert_eq!(sleep.field(), Some("workload.ms"));
        assert!(sleep.to_string().contains("only a CPU workload's size can"), "{sleep}");
        // Mandelbrot's size is its first whole field; iterations cannot be timed.
        assert!(timed(&json!({ "workload": { "kind": "mandelbrot", "iterations": "50ms" } })).is_err());
        assert_eq!(timed(&json!({ "workload": { "kind": "mandelbrot", "size": "50ms" } })).unwrap(), Some(("size", 50.0)));
        assert!(can_time("loop", "size") && can_time("primes", "size") && !can_time("sleep", "ms") && !can_time("mandelbrot", "iterations"));
        let far = timed(&json!({ "workload": { "kind": "loop", "size": "20000ms" } })).unwrap_err();
        assert_eq!(far.field(), Some("workload.size"));
    }

    #[test]
    fn the_size_scales_the_probes_cost_by_the_time_wanted() {
        let exp = json!({ "workload": { "kind": "loop", "size": "about 100 ms" }, "tasks": 4 });
        // A machine doing 1,000 loop iterations a ms: the probe is 30,000.
        let p = probe(&exp, "size", 1000.0).unwrap();
        assert_eq!(p, json!({ "kind": "loop", "size": 30_000 }));
        // The probe took 60 ms (the loop runs at half the speed measured): 100 ms is 50,000.
        let out = resolve(&exp, "size", &p, 100.0, 60.0, 4).unwrap();
        assert_eq!(out["workload"]["size"], json!(50_000));
        assert_eq!(out["tasks"], json!(4));
        // Primes cost more than linearly: twice the time is less than twice the size.
        let exp = json!({ "workload": { "kind": "primes", "size": "40ms" } });
        let p = probe(&exp, "size", 1e6).unwrap();
        let double = resolve(&exp, "size", &p, 60.0, 30.0, 4).unwrap()["workload"]["size"].as_u64().unwrap();
        let same = resolve(&exp, "size", &p, 30.0, 30.0, 4).unwrap()["workload"]["size"].as_u64().unwrap();
        assert!(same.abs_diff(p["size"].as_u64().unwrap()) <= 1, "{same} vs probe {}", p["size"]);
        assert!(double > same && double < 2 * same, "{double} vs {same}");
        // Beyond the field's range: its largest size.
        let huge = resolve(&json!({ "workload": { "kind": "primes", "size": "10000ms" } }), "size", &p, 10_000.0, 0.001, 4).unwrap();
        assert_eq!(huge["workload"]["size"], json!(crate::workloads::primes::MAX_SIZE));
        // An image shared out in tiles: 16 tiles of 30 ms are an image of 480 ms.
        let exp = json!({ "workload": { "kind": "mandelbrot", "size": "30ms" }, "tasks": 16 });
        let p = probe(&exp, "size", 1e6).unwrap();
        let image = resolve(&exp, "size", &p, 30.0, 30.0, 4).unwrap()["workload"]["size"].as_u64().unwrap();
        let ratio = (image as f64 / p["size"].as_u64().unwrap() as f64).powi(2);
        assert!((14.0..18.0).contains(&ratio), "16 × the pixels: {ratio}");
    }
}
