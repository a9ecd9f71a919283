//! Prints the landing markup (`app::Landing`: the masthead and the open
//! lesson gallery) as HTML, rendered natively by the app's own components.
//! scripts/build.sh writes it to `pkg/landing.html`, which the page carries
//! in `#app` (scripts/assets.mjs), so its text paints before the wasm has
//! loaded; the app then draws the same in its place.

use threadlab_ui::app::Landing;
use yew::LocalServerRenderer;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a single-threaded runtime");
    let html = runtime.block_on(LocalServerRenderer::<Landing>::new().hydratable(false).render());
    println!("{html}");
}
