//! One component a file. `Controls` is a component (it owns callbacks); the
//! chart, table and environment panel are plain functions of their data.

pub mod chart;
pub mod compare;
pub mod controls;
pub mod copy;
pub mod editor;
pub mod environment;
pub mod export;
pub mod lessons;
pub mod memory;
pub mod predict;
pub mod program;
pub mod program_results;
pub mod python;
pub mod scaling;
pub mod share;
pub mod table;
pub mod timeline;
pub mod verdict;
pub mod wall;

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

/// The width (CSS px) to lay a chart out for: the width `node` has on the
/// page, at least `least` and at most `wide`. A chart drawn as wide as it is
/// shown keeps its words at their CSS size; only a wider screen scales the
/// `wide` drawing up. Follows the element as it resizes (a phone turned).
#[yew::hook]
pub fn use_fit_width(node: &yew::NodeRef, wide: f64, least: f64) -> f64 {
    use wasm_bindgen::{closure::Closure, JsCast};
    let first = if crate::page::narrow() { least.max(340.0).min(wide) } else { wide };
    let width = yew::use_state_eq(|| first);
    {
        let (node, width) = (node.clone(), width.clone());
        yew::use_effect_with(node.clone(), move |_| {
            let fit = move |w: f64| (w > 0.0).then(|| w.floor().clamp(least, wide));
            let el = node.cast::<web_sys::Element>();
            if let Some(w) = el.as_ref().and_then(|e| fit(e.client_width() as f64)) {
                width.set(w);
            }
            let observer = el.and_then(|el| {
                let (measured, width) = (el.clone(), width.clone());
                let callback = Closure::<dyn Fn()>::new(move || {
                    if let Some(w) = fit(measured.client_width() as f64) {
                        width.set(w);
                    }
                });
                let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
                observer.observe(&el);
                Some((observer, callback))
            });
            move || {
                if let Some((observer, _callback)) = observer {
                    observer.disconnect();
                }
            }
        });
    }
    *width
}

/// An SVG arrow head (`<defs>` with marker `id`), for a graph's edges
/// (`marker-end="url(#id)"`, filled by the style sheet's `.arrow-head`).
pub fn arrow_head(id: &'static str) -> yew::Html {
    yew::html! {
        <defs>
            <marker id={id} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head" />
            </marker>
        </defs>
    }
}
