//! The environment panel: what machine and browser the numbers come from.

use threadlab::results::Environment;
use yew::prelude::*;

pub fn environment_panel(env: &Environment) -> Html {
    html! {
        <section class="environment" aria-labelledby="env-title">
            <h2 id="env-title">{ "Your machine" }</h2>
            <dl>
                <dt>{ "Cores" }</dt><dd id="env-cores">{ env.cores }</dd>
                <dt>{ "Browser" }</dt><dd>{ &env.browser }</dd>
                <dt>{ "Cross-origin isolated" }</dt>
                <dd id="env-isolated">{ if env.cross_origin_isolated { "yes" } else { "no" } }</dd>
                <dt>{ "Timer resolution" }</dt><dd>{ format!("{} ms", env.timer_resolution_ms) }</dd>
            </dl>
            if let Some(why) = &env.threads_unavailable {
                <p class="warning" role="note">{ format!("Threads are unavailable here: {why}") }</p>
            }
        </section>
    }
}
