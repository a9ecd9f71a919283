//! A worker-count sweep: speed-up against workers, one line per model
//! (median, with the spread of the repeats as a whisker), the ideal
//! (y = x: twice the workers, twice as fast) dashed, the core count
//! marked; and a table of every count with its wall time and what
//! starting the workers cost. Drawn as wide as it is shown (its words keep
//! their size on a phone).

use super::chart::{colour, nice_max};
use super::{ms, use_fit_width, Run};
use threadlab::results::SweepPoint;
use threadlab::model::Pool;
use threadlab::{Model, Results};
use yew::prelude::*;

/// Drawn this wide at most (a wider screen scales it up), and at least.
const WIDE: f64 = 720.0;
const LEAST: f64 = 200.0;
const HEIGHT: f64 = 280.0;
/// The plot's margins (the class wall's chart has the same).
pub(crate) const LEFT: f64 = 56.0;
pub(crate) const RIGHT: f64 = 20.0;
pub(crate) const TOP: f64 = 16.0;
pub(crate) const BOTTOM: f64 = 40.0;

/// What a model took at one count, starting its workers included (a pool
/// starts before its run; a process per task starts inside it): (median,
/// slowest, fastest), in ms.
fn total(p: &SweepPoint, m: Model) -> Option<(f64, f64, f64)> {
    let s = p.models.iter().find(|s| s.model == m && s.correct)?;
    let w = s.wall_ms?;
    let start = if m.pool() == Pool::ProcessPerTask { 0.0 } else { s.spawn_ms.unwrap_or(0.0) };
    Some((w.median + start, w.max + start, w.min + start))
}

/// Each model's speed-up at each count over one common baseline: the first
/// model's time at the smallest count, starting included, so the lines
/// compare with each other: (count, median, slowest, fastest).
fn speedups(points: &[SweepPoint], m: Model, base: f64) -> Vec<(u32, f64, f64, f64)> {
    points.iter().filter_map(|p| total(p, m).map(|(med, slow, fast)| (p.workers, base / med, base / slow, base / fast))).collect()
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub results: Run,
}

#[function_component(ScalingChart)]
pub fn scaling_chart(p: &Props) -> Html {
    let svg = use_node_ref();
    #[allow(non_snake_case)]
    let WIDTH = use_fit_width(&svg, WIDE, LEAST);
    drawn(&p.results, WIDTH, svg)
}

#[allow(non_snake_case)]
fn drawn(r: &Results, WIDTH: f64, svg: NodeRef) -> Html {
    let points = &r.sweep;
    if points.is_empty() {
        return html! {};
    }
    let models: Vec<(Model, String)> = points[0].models.iter().map(|m| (m.model, m.label.clone())).collect();
    let Some((base_label, base)) = models.iter().find_map(|(m, label)| total(&points[0], *m).map(|t| (label.clone(), t.0))) else {
        return html! {};
    };
    let series: Vec<_> = models.iter().map(|(m, label)| (*m, label.clone(), speedups(points, *m, base))).collect();
    let smallest = points[0].workers.max(1) as f64;
    let largest = points.last().map_or(1, |p| p.workers).max(2) as f64;
    let cores = r.environment.cores.max(1);
    let observed = series.iter().flat_map(|(_, _, s)| s.iter().map(|p| p.3)).fold(1.0, f64::max);
    let top = nice_max(observed.max(f64::from(cores) / smallest).max(2.0) * 1.15);
    // Workers on a log2 scale: 1, 2, 4, … spaced evenly.
    let x = |n: f64| LEFT + (WIDTH - LEFT - RIGHT) * ((n / smallest).log2() / (largest / smallest).log2().max(1e-9));
    let y = |v: f64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - v.min(top) / top);
    // The ideal up to the top of the chart (it leaves the chart there).
    let ideal: Vec<String> = (0..=64)
        .map(|i| smallest * (largest / smallest).powf(i as f64 / 64.0))
        .filter(|n| n / smallest <= top)
        .map(|n| format!("{:.1},{:.1}", x(n), y(n / smallest)))
        .collect();
    let cx = (f64::from(cores) >= smallest && f64::from(cores) <= largest).then(|| x(f64::from(cores)));
    html! {
        <figure class="scaling">
            <svg ref={svg} viewBox={format!("0 0 {WIDTH} {HEIGHT}")} class="scaling-chart" role="img">
                <title>{ format!("Speed-up against the number of workers, per model, starting the workers included, over {base_label} with {}", points[0].workers) }</title>
                { for (0..=4).map(|k| {
                    let v = top * k as f64 / 4.0;
                    html! {
                        <g class="tick">
                            <line x1={LEFT.to_string()} x2={(WIDTH - RIGHT).to_string()} y1={y(v).to_string()} y2={y(v).to_string()} />
                            <text x={(LEFT - 6.0).to_string()} y={(y(v) + 4.0).to_string()} text-anchor="end">{ format!("{v}×") }</text>
                        </g>
                    }
                }) }
                <polyline class="ideal" points={ideal.join(" ")} />
                if let Some(cx) = cx {
                    <g class="cores">
                        <line x1={cx.to_string()} x2={cx.to_string()} y1={TOP.to_string()} y2={(HEIGHT - BOTTOM).to_string()} />
                        // Beside the line, on its left near the right edge.
                        if cx > WIDTH - RIGHT - 70.0 {
                            <text x={(cx - 4.0).to_string()} y={(TOP + 10.0).to_string()} text-anchor="end">{ format!("{cores} cores") }</text>
                        } else {
                            <text x={(cx + 4.0).to_string()} y={(TOP + 10.0).to_string()}>{ format!("{cores} cores") }</text>
                        }
                    </g>
                }
                { for points.iter().map(|p| html! {
                    <text class="count" x={x(f64::from(p.workers.max(1))).to_string()} y={(HEIGHT - BOTTOM + 18.0).to_string()} text-anchor="middle">{ p.workers }</text>
                }) }
                <text class="axis" x={((LEFT + WIDTH) / 2.0).to_string()} y={(HEIGHT - 4.0).to_string()} text-anchor="middle">{ "workers" }</text>
                { for series.iter().map(|(m, label, s)| {
                    let line: Vec<String> = s.iter().map(|(n, v, ..)| format!("{:.1},{:.1}", x(f64::from(*n)), y(*v))).collect();
                    html! {
                        <g class="series" data-model={m.as_str()} stroke={colour(*m)} fill={colour(*m)}>
                            <polyline points={line.join(" ")} />
                            { for s.iter().map(|(n, v, lo, hi)| html! {
                                <g class="point">
                                    <line class="spread" x1={x(f64::from(*n)).to_string()} x2={x(f64::from(*n)).to_string()} y1={y(*lo).to_string()} y2={y(*hi).to_string()} />
                                    <circle cx={x(f64::from(*n)).to_string()} cy={y(*v).to_string()} r="4">
                                        <title>{ format!("{label}, {n} workers: {v:.2}×") }</title>
                                    </circle>
                                </g>
                            }) }
                        </g>
                    }
                }) }
            </svg>
            <figcaption>
                <ul class="legend">
                    { for models.iter().map(|(m, label)| html! { <li>{ super::swatch(colour(*m)) }{ label }</li> }) }
                    <li><span class="swatch ideal"></span>{ "ideal (y = x)" }</li>
                </ul>
                { format!("Speed-up over {base_label} with {} worker{} ({}), counting what starting each model's workers took, so the lines compare (median; the whisker: slowest to fastest repeat). Workers on a doubling scale.", points[0].workers, if points[0].workers == 1 { "" } else { "s" }, ms(base)) }
            </figcaption>
            <table class="scaling-table cards">
                <caption>{ "Every count: wall time, and what starting the workers cost (a pool: before its run; a process per task: inside it, per worker)" }</caption>
                <thead><tr>
                    <th scope="col">{ "Workers" }</th>
                    { for models.iter().map(|(_, label)| html! { <th scope="col">{ label }</th> }) }
                </tr></thead>
                <tbody>
                { for points.iter().map(|p| html! {
                    <tr data-workers={p.workers.to_string()}>
                        <th scope="row" data-label="Workers">{ p.workers }</th>
                        { for p.models.iter().map(|m| html! {
                            <td data-model={m.model.as_str()} data-label={m.label.clone()}>{
                                match (m.wall_ms, m.spawn_ms, m.spawn_share) {
                                    (Some(w), Some(s), Some(share)) => format!("{} (start {}, {:.0} %)", ms(w.median), ms(s), 100.0 * share),
                                    (Some(w), _, _) => ms(w.median),
                                    _ => "–".into(),
                                }
                            }</td>
                        }) }
                    </tr>
                }) }
                </tbody>
            </table>
        </figure>
    }
}


