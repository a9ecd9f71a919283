//! The race's view: what each counter said at the end, per model and
//! phase, against what it should have said.

use super::view::{Shown, View};
use threadlab::workloads::race::{counters, lost_words, PHASE_NAMES};
use threadlab::Results;
use yew::prelude::*;

/// The race's view.
pub struct Counters;

impl View for Counters {
    fn measured(&self, shown: &Shown) -> Html {
        race_table(shown.results)
    }
}

/// The race: what each counter said at the end, per model and phase.
fn race_table(r: &Results) -> Html {
    let threadlab::Workload::Race(race) = &r.experiment.workload else { return html! {} };
    let want = race.expected_total(r.experiment.tasks);
    html! {
        <table class="race-table cards">
            <caption>{ format!("The shared counters at the end: {} updates each should have received", threadlab::text::group(want)) }</caption>
            <thead><tr>
                <th scope="col">{ "Model" }</th>
                { for PHASE_NAMES.iter().map(|p| html! { <th scope="col">{ format!("With {p}") }</th> }) }
            </tr></thead>
            <tbody>
            { for r.models.iter().map(|m| (m, counters(&m.extra))).filter(|(_, c)| c.len() == PHASE_NAMES.len()).map(|(m, c)| html! {
                <tr data-model={m.model.as_str()}>
                    <th scope="row">{ &m.label }</th>
                    { for c.iter().zip(PHASE_NAMES).map(|(&c, p)| html! {
                        <td class={classes!("counter", if c == want { "ok" } else { "bad" })} data-label={format!("With {p}")}>
                            { format!("{} — {}", threadlab::text::group(c), lost_words(want, c)) }
                        </td>
                    }) }
                </tr>
            }) }
            </tbody>
        </table>
    }
}
