//! The summary chart: one horizontal bar per model (median wall time), a
//! whisker for min–max over repeats, and the speed-up over sequential.
//! SVG with a title, a description and the results table as its data.

use super::ms;
use threadlab::verdict::timing_warnings;
use threadlab::{Model, Results};
use yew::prelude::*;

/// The model's colour (its spec's: one home).
pub fn colour(m: Model) -> &'static str {
    m.spec().colour
}

/// A speed-up as a table shows it: `1.95×`, or `–` for none.
pub fn speedup(s: Option<f64>) -> String {
    s.map_or_else(|| "–".into(), |s| format!("{s:.2}×"))
}

/// A round axis maximum at or above `v`: 1, 2, 2.5 or 5 times a power of ten.
pub fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * p).find(|&x| x >= v).unwrap_or(10.0 * p)
}

/// The chart's width and margins in its own units: on a wide screen, and
/// on a phone (drawn about 1:1 there, so its text stays readable instead
/// of shrinking with a wide drawing).
const WIDE: (f64, f64, f64) = (720.0, 150.0, 170.0);
const NARROW: (f64, f64, f64) = (360.0, 118.0, 118.0);
const ROW: f64 = 44.0;
const TOP: f64 = 10.0;

pub fn bar_chart(r: &Results) -> Html {
    #[allow(non_snake_case)]
    let (WIDTH, LEFT, RIGHT) = if crate::page::narrow() { NARROW } else { WIDE };
    let max = r.models.iter().filter_map(|m| m.wall_ms.map(|w| w.max)).fold(0.0, f64::max);
    let axis = nice_max(max);
    let plot = WIDTH - LEFT - RIGHT;
    let x = |v: f64| LEFT + plot * v / axis;
    let height = TOP + ROW * r.models.len() as f64 + 36.0;
    let desc = r
        .models
        .iter()
        .map(|m| match (&m.wall_ms, m.speedup) {
            (Some(w), Some(s)) => format!("{}: {} median, {:.2} times sequential", m.label, ms(w.median), s),
            (Some(w), None) => format!("{}: {} median", m.label, ms(w.median)),
            _ => format!("{}: did not run", m.label),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let ticks: Vec<f64> = (0..=4).map(|i| axis * i as f64 / 4.0).collect();
    let warnings_of: Vec<Vec<String>> = r.models.iter().map(|m| timing_warnings(m, &r.environment)).collect();
    let warnings: Vec<&String> = warnings_of.iter().flatten().collect();
    html! {
        <figure class="chart">
            <svg viewBox={format!("0 0 {WIDTH} {height}")} role="img" aria-labelledby="chart-title chart-desc" class="bar-chart">
                <title id="chart-title">{ format!("Wall time per model, {} (shorter is faster)", r.experiment.workload.describe()) }</title>
                <desc id="chart-desc">{ desc }</desc>
                { for ticks.iter().map(|&t| html! {
                    <g class="tick">
                        <line x1={x(t).to_string()} x2={x(t).to_string()} y1={TOP.to_string()} y2={(height - 30.0).to_string()} />
                        <text x={x(t).to_string()} y={(height - 14.0).to_string()} text-anchor="middle">{ ms(t) }</text>
                    </g>
                }) }
                { for r.models.iter().enumerate().map(|(i, m)| {
                    let y = TOP + ROW * i as f64;
                    let warns = &warnings_of[i];
                    let mid = y + ROW / 2.0;
                    html! {
                        <g class="row" data-model={m.model.as_str()}>
                            <text class="label" x={(LEFT - 10.0).to_string()} y={(mid + 5.0).to_string()} text-anchor="end">{ &m.label }</text>
                            if let Some(w) = &m.wall_ms {
                                <rect class="bar" data-model={m.model.as_str()} x={LEFT.to_string()} y={(y + 8.0).to_string()}
                                    width={(x(w.median) - LEFT).max(1.0).to_string()} height={(ROW - 16.0).to_string()}
                                    fill={colour(m.model)} rx="3">
                                    <title>{ format!("{}: median {}, min {}, max {}", m.label, ms(w.median), ms(w.min), ms(w.max)) }</title>
                                </rect>
                                <line class="whisker" x1={x(w.min).to_string()} x2={x(w.max).to_string()} y1={mid.to_string()} y2={mid.to_string()} />
                                <text class="value" x={(x(w.max.max(w.median)) + 8.0).to_string()} y={(mid + 5.0).to_string()}>
                                    { format!("{}{}", ms(w.median), m.speedup.map(|s| format!(" · {s:.2}×")).unwrap_or_default()) }
                                    if !warns.is_empty() {
                                        <tspan class="warn">{ " ⚠" }<title>{ warns.join("\n") }</title></tspan>
                                    }
                                </text>
                            } else {
                                <text class="unavailable" x={LEFT.to_string()} y={(mid + 5.0).to_string()}>{ "did not run (see the table)" }</text>
                            }
                        </g>
                    }
                }) }
            </svg>
            <figcaption>
                { "Bars: median wall time over repeats; thin line: fastest to slowest repeat; × : speed-up over sequential." }
                if !r.sweep.is_empty() {
                    <span class="sweep-counts">{ format!(" Each model at its fastest count of the sweep: {}.",
                        r.models.iter().map(|m| format!("{} with {} worker{}", m.label, m.workers, if m.workers == 1 { "" } else { "s" })).collect::<Vec<_>>().join(", ")) }</span>
                }
            </figcaption>
            if !warnings.is_empty() {
                <ul class="chart-warnings">
                    { for warnings.iter().map(|w| html! { <li>{ format!("⚠ {w}") }</li> }) }
                </ul>
            }
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::nice_max;

    #[test]
    fn axis_maximum_is_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(812.0), 1000.0);
        assert_eq!(nice_max(180.0), 200.0);
        assert_eq!(nice_max(2100.0), 2500.0);
        assert_eq!(nice_max(40.0), 50.0);
    }
}
