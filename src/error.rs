//! Why an experiment was refused, in sentences that name the field and the
//! allowed range, and the readers of numbers that produce them: below every
//! module that checks input (experiments, workloads' parameters, links).

use crate::limits::FORMAT_VERSION;
use crate::model::Model;
use crate::text::{clip, group};
use serde_json::{Map, Value};
use std::fmt;

/// Why an experiment was refused. `Display` is the sentence shown to people.
#[derive(Debug, Clone, PartialEq)]
pub enum ExperimentError {
    NotJson(String),
    NotAnObject,
    Missing(String),
    NotANumber { field: String, got: String },
    OutOfRange { field: String, min: u64, max: u64, got: String },
    NotAFraction { field: String, got: String },
    OutOfRangeFraction { field: String, min: f64, max: f64, got: String },
    NotABool { field: String, got: String },
    /// `of` is what has the keys ("an experiment"), `keys` the ones it has.
    UnknownKey { key: String, suggestion: Option<String>, of: &'static str, keys: &'static [&'static str] },
    /// `kinds`: every workload kind there is, for the message.
    UnknownWorkload { got: String, suggestion: Option<String>, kinds: Vec<&'static str> },
    UnknownModel(String),
    NoModels,
    UnsupportedVersion(u64),
    TooMuchWork { estimate: String, limit: String },
    /// A workload's own rule, in its own words (a recipe it cannot read,
    /// too few workers for it), and the field that breaks it.
    Workload { field: String, message: String },
    /// Program text that cannot run (the python workload's code): the
    /// message names the field, the line and column (1-based; 0 when the
    /// error has no place, e.g. no `def task(i)`), for an editor to mark.
    Code { field: String, message: String, line: u32, col: u32 },
    NotCalibrated,
    /// A prediction that is not one of the questions' answers
    /// (`prediction.threads_gil`); `allowed` lists what is.
    Prediction { field: String, got: String, allowed: String },
}

impl fmt::Display for ExperimentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ExperimentError::*;
        match self {
            NotJson(e) => write!(f, "The experiment is not valid JSON: {e}"),
            NotAnObject => write!(f, "The experiment must be a JSON object like {{\"workload\": {{\"kind\": \"loop\", \"size\": 10000000}}, \"tasks\": 8}}"),
            Missing(field) => write!(f, "The experiment needs a `{field}`"),
            NotANumber { field, got } => write!(f, "`{field}` must be a whole number (got {got})"),
            OutOfRange { field, min, max, got } => {
                write!(f, "`{field}` must be between {} and {} (got {got})", group(*min), group(*max))
            }
            NotAFraction { field, got } => write!(f, "`{field}` must be a number (got {got})"),
            OutOfRangeFraction { field, min, max, got } => write!(f, "`{field}` must be between {min} and {max} (got {got})"),
            NotABool { field, got } => write!(f, "`{field}` must be true or false (got {got})"),
            UnknownKey { key, suggestion, of, keys } => {
                write!(f, "Unknown key `{key}`")?;
                match suggestion {
                    Some(s) => write!(f, ": did you mean `{s}`?"),
                    None => write!(f, " ({of} has {})", keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
                }
            }
            UnknownWorkload { got, suggestion: Some(s), .. } => write!(f, "Unknown workload kind {got}: did you mean \"{s}\"?"),
            UnknownWorkload { got, suggestion: None, kinds } => {
                let kinds: Vec<String> = kinds.iter().map(|k| format!("\"{k}\"")).collect();
                write!(f, "Unknown workload kind {got}: use {}", kinds.join(", "))
            }
            UnknownModel(m) => {
                let models: Vec<String> = Model::ALL.iter().map(|m| format!("\"{m}\"")).collect();
                write!(f, "Unknown model {m}: use {}", models.join(", "))
            }
            Workload { message, .. } | Code { message, .. } => f.write_str(message),
            Prediction { field, got, allowed } => write!(f, "`{field}` must be {allowed} (got {got})"),
            NotCalibrated => write!(f, "This workload sizes CPU work in milliseconds and needs this machine's measured loop speed"),
            NoModels => write!(f, "Choose at least one model to run"),
            UnsupportedVersion(v) => write!(f, "Experiment format version {v} is not supported (this page reads version {FORMAT_VERSION})"),
            TooMuchWork { estimate, limit } => {
                write!(f, "This experiment is too large for a browser tab: one sequential run would take {estimate}, the limit is {limit}. Use fewer tasks or a smaller size.")
            }
        }
    }
}

impl std::error::Error for ExperimentError {}

impl ExperimentError {
    /// Program text in `field` that cannot run: the sentence names the
    /// field and, when there is one (`line` > 0), the place; whatever it
    /// quotes of the text is shown safely (no control characters, not much).
    pub fn code(field: &str, line: u32, col: u32, what: &str) -> ExperimentError {
        let what = clip(what, 160);
        let place = if line > 0 { format!(" (line {line}, column {col})") } else { String::new() };
        ExperimentError::Code { field: field.into(), message: format!("`{field}`{place}: {what}"), line, col }
    }

    /// The field this error is about (`workload.size`, `tasks`, ...), if one.
    /// Where in a field's text the error is, for an editor: (line,
    /// column), 1-based (a [`ExperimentError::Code`] with a place).
    pub fn position(&self) -> Option<(u32, u32)> {
        match self {
            ExperimentError::Code { line, col, .. } if *line > 0 => Some((*line, *col)),
            _ => None,
        }
    }

    pub fn field(&self) -> Option<&str> {
        use ExperimentError::*;
        match self {
            Missing(f) => Some(f),
            NotANumber { field, .. } | OutOfRange { field, .. } | NotAFraction { field, .. } => Some(field),
            OutOfRangeFraction { field, .. } | NotABool { field, .. } | Workload { field, .. } => Some(field),
            Code { field, .. } | Prediction { field, .. } => Some(field),
            UnknownKey { key, .. } => Some(key),
            UnknownWorkload { .. } => Some("workload"),
            UnknownModel(_) | NoModels => Some("models"),
            // The most direct way to make an experiment smaller.
            TooMuchWork { .. } => Some("tasks"),
            NotJson(_) | NotAnObject | UnsupportedVersion(_) | NotCalibrated => None,
        }
    }
}

/// How much of a wrong value a message repeats.
pub(crate) const ECHO: usize = 40;

/// A value read as a number: the number (if it is one) and how to show what
/// was given in a message.
fn read_number(v: &Value) -> (Option<f64>, String) {
    // Accept "8" as well as 8: links and form fields are strings.
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => python_number(s.trim()),
        _ => None,
    };
    // Show "-4" typed in a form field as -4, and "lots" as "lots".
    let got = match (v, n) {
        (Value::String(s), Some(_)) => clip(s.trim(), ECHO),
        _ => clip(&v.to_string(), ECHO),
    };
    (n.filter(|n| n.is_finite()), got)
}

/// A number as a learner types it, Python's spellings included: `8`, `0.5`,
/// `1e9`, `1_000_000` (digits grouped by underscores), `1,000,000` (by
/// commas, in threes) and `10**7` (a power of whole numbers).
fn python_number(s: &str) -> Option<f64> {
    if let Some((base, exp)) = s.split_once("**") {
        let (base, exp) = (python_number(base.trim())?, python_number(exp.trim())?);
        let whole = |x: f64| x.fract() == 0.0 && (0.0..=1e6).contains(&x);
        return (whole(base) && whole(exp) && exp <= 64.0).then(|| base.powf(exp)).filter(|n| n.is_finite());
    }
    let digits_between = |sep: char| {
        let parts: Vec<&str> = s.split(sep).collect();
        parts.len() > 1 && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    let plain = if s.contains('_') && digits_between('_') {
        s.replace('_', "")
    } else if s.contains(',') {
        // Thousands in threes only: "1,5" is not a number here.
        let parts: Vec<&str> = s.split(',').collect();
        let grouped = (1..=3).contains(&parts[0].len()) && parts[1..].iter().all(|p| p.len() == 3) && digits_between(',');
        if !grouped {
            return None;
        }
        s.replace(',', "")
    } else {
        s.to_string()
    };
    plain.parse::<f64>().ok()
}

/// A whole number in `min..=max`; `field` names it in messages.
pub fn whole_in(v: &Value, field: &str, min: u64, max: u64) -> Result<u64, ExperimentError> {
    let (n, got) = read_number(v);
    let n = n.filter(|n| n.fract() == 0.0).ok_or_else(|| ExperimentError::NotANumber { field: field.into(), got: got.clone() })?;
    if n < min as f64 || n > max as f64 {
        return Err(ExperimentError::OutOfRange { field: field.into(), min, max, got });
    }
    Ok(n as u64)
}

pub(crate) fn present<'a>(obj: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    obj.get(field).filter(|v| !v.is_null())
}

/// A whole number field in `min..=max`, or `default` when absent.
pub(crate) fn whole(obj: &Map<String, Value>, field: &str, min: u64, max: u64, default: u64) -> Result<u64, ExperimentError> {
    present(obj, field).map_or(Ok(default), |v| whole_in(v, field, min, max))
}

/// A number that may have a fraction (a switch interval of 0.5 ms).
pub(crate) fn number(obj: &Map<String, Value>, field: &str, min: f64, max: f64, default: f64) -> Result<f64, ExperimentError> {
    let Some(v) = present(obj, field) else {
        return Ok(default);
    };
    let (n, got) = read_number(v);
    let n = n.ok_or_else(|| ExperimentError::NotAFraction { field: field.into(), got: got.clone() })?;
    if n < min || n > max {
        return Err(ExperimentError::OutOfRangeFraction { field: field.into(), min, max, got });
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_in_python_s_spellings() {
        for (given, want) in [("8", 8.0), ("10**7", 1e7), ("10 ** 7", 1e7), ("1_000_000", 1e6), ("1,000,000", 1e6), ("1e9", 1e9), ("0.5", 0.5), ("12,345", 12345.0)] {
            assert_eq!(python_number(given), Some(want), "{given}");
        }
        for bad in ["1,5", "1,0000", ",000", "1__0", "_1", "2**-1", "2**0.5", "10**1000", "lots", "1e999"] {
            assert_eq!(python_number(bad).filter(|n| n.is_finite()), None, "{bad}");
        }
        assert_eq!(whole_in(&json!("10**7"), "workload.size", 1, 10_000_000_000).unwrap(), 10_000_000);
        assert_eq!(whole_in(&json!("1,000,000"), "workload.size", 1, 10_000_000_000).unwrap(), 1_000_000);
        assert!(whole_in(&json!("1,5"), "workers", 1, 64).is_err());
    }
}
