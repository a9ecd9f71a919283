//! One component a file. `Controls` is a component (it owns callbacks); the
//! chart, table and environment panel are plain functions of their data.

pub mod chart;
pub mod compare;
pub mod controls;
pub mod copy;
pub mod environment;
pub mod export;
pub mod lessons;
pub mod memory;
pub mod picture;
pub mod python;
pub mod scaling;
pub mod share;
pub mod sweep;
pub mod table;
pub mod timeline;
pub mod verdict;

pub use threadlab::text::ms;

use std::rc::Rc;
use threadlab::Results;

/// A run's results as a component's prop. Results never change once made,
/// so two are the same when they are the same allocation: comparing every
/// figure instead (`Rc`'s own `==`: every task's picture, every timeline)
/// took 70 ms of the main thread on each render of a component holding one.
#[derive(Clone)]
pub struct Run(pub Rc<Results>);

impl PartialEq for Run {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}

impl std::ops::Deref for Run {
    type Target = Results;
    fn deref(&self) -> &Results {
        &self.0
    }
}

/// A legend's colour key. Drawn, not styled: the page's content security
/// policy refuses inline `style` attributes (docs/deploying.md).
pub fn swatch(colour: &str) -> yew::Html {
    yew::html! {
        <svg class="swatch" viewBox="0 0 1 1" aria-hidden="true" focusable="false"><rect width="1" height="1" fill={colour.to_string()} /></svg>
    }
}
