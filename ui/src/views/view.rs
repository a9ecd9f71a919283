//! What a workload's view is given, and the places on the page it may
//! fill: shared by the views (`views/<workload>.rs`), which never name
//! the registry (`views/mod.rs`).

use crate::state::SweepRow;
use std::rc::Rc;
use threadlab::Results;
use yew::prelude::*;

/// What the page shows and offers, as a view sees it.
pub struct Shown<'a> {
    /// The results shown.
    pub results: &'a Rc<Results>,
    /// The switch-interval sweep of these results, if one ran.
    pub sweep: Option<Rc<Vec<SweepRow>>>,
    /// A run is under way: a button that starts one is disabled.
    pub running: bool,
    /// Runs the switch-interval sweep of these results.
    pub on_sweep: Callback<()>,
    /// Threads can run on this page.
    pub threads: bool,
}

/// A workload's own view of its results, in the page's places (each
/// empty unless the view fills it). Drawn from the results (its
/// workload's typed outputs, read through the workload's module), never
/// from a field of the shared records.
pub trait View {
    /// Its key figure, first under the explanation (the convoy's wake-up
    /// latency).
    fn lead(&self, _: &Shown) -> Html {
        Html::default()
    }
    /// With the measurements, under the chart (the Mandelbrot pictures,
    /// the race's counters, the deadlock's wait-for graph).
    fn measured(&self, _: &Shown) -> Html {
        Html::default()
    }
    /// Under the results, a further experiment it offers (the convoy's
    /// switch-interval sweep). Not in an embed.
    fn further(&self, _: &Shown) -> Html {
        Html::default()
    }
}
