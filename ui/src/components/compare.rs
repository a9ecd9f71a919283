//! Their run vs yours: the sharer's wall times (carried by the link) next
//! to this machine's, per model, as a chart and a table.

use super::chart::{colour, nice_max, speedup};
use super::ms;
use threadlab::link::SharedRun;
use threadlab::{Model, Results};
use yew::prelude::*;

const WIDTH: f64 = 720.0;
const LEFT: f64 = 150.0;
const RIGHT: f64 = 150.0;
const ROW: f64 = 52.0;


/// `theirs` against `yours` (when the visitor ran the same experiment).
pub fn their_run_vs_yours(theirs: &SharedRun, yours: Option<&Results>) -> Html {
    let models: Vec<Model> = Model::ALL.into_iter().filter(|m| theirs.model(*m).is_some() || yours.and_then(|r| r.model(*m)).is_some_and(|s| s.wall_ms.is_some())).collect();
    let mine = |m: Model| yours.and_then(|r| r.model(m)).and_then(|s| s.wall_ms.map(|w| (w.median, s.speedup)));
    let max = models.iter().flat_map(|&m| [theirs.model(m).map(|t| t.median_ms), mine(m).map(|y| y.0)]).flatten().fold(0.0, f64::max);
    let axis = nice_max(max);
    let x = |v: f64| LEFT + (WIDTH - LEFT - RIGHT) * v / axis;
    let height = ROW * models.len() as f64 + 40.0;
    let machine = |cores: u32, browser: &str| format!("{cores} core{}, {browser}", if cores == 1 { "" } else { "s" });
    html! {
        <section class="compare" aria-labelledby="compare-title">
            <h2 id="compare-title">{ "Their run vs yours" }</h2>
            <p class="machines">
                { format!("Theirs: {}.", machine(theirs.cores, &theirs.browser)) }
                if let Some(r) = yours {
                    { format!(" Yours: {}.", machine(r.environment.cores, &r.environment.browser)) }
                } else {
                    { " Press Run to measure yours: the same experiment, on this machine." }
                }
            </p>
            if !theirs.prediction.is_empty() {
                <p class="their-prediction">{ "Their prediction: " }{ theirs.prediction.iter().map(|c| c.short()).collect::<Vec<_>>().join("; ") }{ "." }</p>
            }
            <svg class="compare-chart" viewBox={format!("0 0 {WIDTH} {height}")} role="img" aria-labelledby="compare-chart-title">
                <title id="compare-chart-title">{ "Median wall time per model: their run (light) and yours (solid)" }</title>
                { for models.iter().enumerate().map(|(i, &m)| {
                    let y = 6.0 + ROW * i as f64;
                    let bar = |who: &str, v: f64, dy: f64, label: String| html! {
                        <g class={classes!("bar-pair", who.to_string())} data-model={m.as_str()}>
                            <rect class={who.to_string()} x={LEFT.to_string()} y={(y + dy).to_string()} width={(x(v) - LEFT).max(1.0).to_string()}
                                height="18" rx="3" fill={colour(m)} fill-opacity={if who == "theirs" { "0.45" } else { "1" }} />
                            <text class="value" x={(x(v) + 6.0).to_string()} y={(y + dy + 14.0).to_string()}>{ label }</text>
                        </g>
                    };
                    html! {
                        <g class="row">
                            <text class="label" x={(LEFT - 10.0).to_string()} y={(y + 24.0).to_string()} text-anchor="end">{ m.label() }</text>
                            if let Some(t) = theirs.model(m) {
                                { bar("theirs", t.median_ms, 2.0, format!("theirs {} · {}", ms(t.median_ms), speedup(t.speedup))) }
                            }
                            if let Some((v, s)) = mine(m) {
                                { bar("yours", v, 24.0, format!("yours {} · {}", ms(v), speedup(s))) }
                            }
                        </g>
                    }
                }) }
            </svg>
            <table class="compare-table cards">
                <caption>{ "Median wall time and speed-up over sequential, per model" }</caption>
                <thead><tr>
                    <th scope="col">{ "Model" }</th>
                    <th scope="col">{ "Theirs" }</th><th scope="col">{ "Their speed-up" }</th>
                    <th scope="col">{ "Yours" }</th><th scope="col">{ "Your speed-up" }</th>
                </tr></thead>
                <tbody>
                { for models.iter().map(|&m| {
                    let t = theirs.model(m);
                    html! {
                        <tr data-model={m.as_str()}>
                            <th scope="row">{ m.label() }</th>
                            <td class="theirs" data-label="Theirs">{ t.map_or_else(|| "–".into(), |t| ms(t.median_ms)) }</td>
                            <td data-label="Their speed-up">{ speedup(t.and_then(|t| t.speedup)) }</td>
                            <td class="yours" data-label="Yours">{ mine(m).map_or_else(|| "–".into(), |(v, _)| ms(v)) }</td>
                            <td data-label="Your speed-up">{ speedup(mine(m).and_then(|(_, s)| s)) }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </section>
    }
}
