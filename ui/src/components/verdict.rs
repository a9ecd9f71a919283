//! The verdict: whether the claim the experiment tests held on this
//! machine, in the core's words (`code` between backticks), with the figures.

use super::lessons::with_code;
use threadlab::verdict::Verdict;
use yew::prelude::*;

pub fn verdict_box(v: &Verdict) -> Html {
    let (class, mark, said) = match v.held {
        Some(true) => ("held", "✓", "Held on this machine"),
        Some(false) => ("not-held", "✗", "Did not hold on this machine"),
        None => ("cannot-tell", "?", "This run cannot tell"),
    };
    html! {
        <div class={classes!("verdict", class)} role="status" data-held={v.held.map_or("null".to_string(), |h| h.to_string())}>
            <p class="claim"><span class="mark" aria-hidden="true">{ mark }</span>{ " " }<strong>{ said }{ ": " }</strong>{ with_code(&v.claim) }</p>
            <p class="verdict-text">{ with_code(&v.text) }</p>
        </div>
    }
}
