//! Numbers of repeated measurements: spread and latency distribution. Pure
//! arithmetic; what they mean in words is [`crate::explain`].

use serde::{Deserialize, Serialize};

/// Median, minimum and maximum of repeated measurements.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// `None` for no samples. NaNs are ignored.
    pub fn of(samples: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 };
        Some(Spread { median, min: v[0], max: v[n - 1] })
    }
}

/// A latency distribution, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub median: f64,
    pub p95: f64,
    pub max: f64,
    pub samples: usize,
}

impl Latency {
    /// `None` for no (finite) samples.
    pub fn of(samples: &[f64]) -> Option<Latency> {
        let mut v: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Some(Latency { median: at(0.5), p95: at(0.95), max: v[v.len() - 1], samples: v.len() })
    }
}

/// The best speed-up `tasks` equal tasks can reach with `at_once` of them
/// running at the same time: they go in rounds of `at_once`, so 9 tasks 8
/// at a time take 2 rounds (4.5×, not 8×). The explanation and the verdict
/// both say "at best" from this.
pub fn best_speedup(tasks: u32, at_once: u32) -> f64 {
    let tasks = tasks.max(1);
    f64::from(tasks) / f64::from(tasks.div_ceil(at_once.max(1)))
}

/// `4.0` → "4", `4.5` → "4.5": a speed-up bound as a sentence shows it.
pub fn times(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_of_odd_and_even_counts() {
        assert_eq!(Spread::of(&[3.0, 1.0, 2.0]), Some(Spread { median: 2.0, min: 1.0, max: 3.0 }));
        assert_eq!(Spread::of(&[4.0, 1.0, 2.0, 3.0]), Some(Spread { median: 2.5, min: 1.0, max: 4.0 }));
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[f64::NAN, 5.0]), Some(Spread { median: 5.0, min: 5.0, max: 5.0 }));
    }

    #[test]
    fn best_speedup_goes_in_rounds() {
        assert_eq!(best_speedup(9, 8), 4.5);
        assert_eq!(best_speedup(8, 8), 8.0);
        assert_eq!(best_speedup(8, 2), 2.0);
        assert_eq!(best_speedup(3, 2), 1.5);
        assert_eq!(best_speedup(0, 0), 1.0);
        assert_eq!((times(4.0), times(4.5)), ("4".to_string(), "4.5".to_string()));
    }

    #[test]
    fn latency_percentiles() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        let l = Latency::of(&samples).unwrap();
        assert_eq!((l.median, l.p95, l.max, l.samples), (51.0, 95.0, 100.0, 100));
        assert_eq!(Latency::of(&[f64::INFINITY]), None);
    }
}

