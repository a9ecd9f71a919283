//! The environment panel: what machine and browser the numbers come from.

use threadlab::results::Environment;
use yew::prelude::*;

/// `new_tab`: this experiment's link, offered where threads cannot run here
/// (a frame in a page without isolation can often be isolated in a tab).
pub fn environment_panel(env: &Environment, new_tab: Option<&str>) -> Html {
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
                if let Some(url) = new_tab {
                    <p><a class="button secondary open-tab" href={url.to_string()} target="_blank" rel="noopener">{ "Open in a new tab" }</a></p>
                }
            }
        </section>
    }
}
