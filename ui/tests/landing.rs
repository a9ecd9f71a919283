//! The landing markup (`www/landing.html`): what the page is sent with in
//! `#app` (scripts/assets.mjs), so that the masthead and the open lesson
//! gallery paint before the wasm has loaded; the shell then draws the same
//! in its place (`tests/browser/first-minute.test.mjs`).
//!
//! It is the app's own [`Landing`] component rendered natively with Yew's
//! server-side rendering. The file is kept in the repository, checked here,
//! so that a first `npm start` does not compile Yew, web-sys and the UI
//! natively (a build of its own: about 40 s of a 2-core machine's first
//! start). This test renders it again and fails if the file differs;
//! `THREADLAB_UPDATE_LANDING=1` writes it instead:
//!
//! ```sh
//! THREADLAB_UPDATE_LANDING=1 cargo test -p threadlab-ui --features prerender --test landing
//! ```

use std::path::Path;
use threadlab_ui::app::Landing;
use yew::LocalServerRenderer;

fn rendered() -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a single-threaded runtime");
    let html = runtime.block_on(LocalServerRenderer::<Landing>::new().hydratable(false).render());
    format!("{html}\n")
}

#[test]
fn the_landing_markup_in_the_repository_is_the_landing_component_rendered() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../www/landing.html");
    let now = rendered();
    assert!(now.contains("<h1>ThreadLab</h1>") && now.contains("lesson"), "the masthead and the gallery: {now}");
    if std::env::var_os("THREADLAB_UPDATE_LANDING").is_some() {
        std::fs::write(&file, &now).expect("www/landing.html is writable");
        return;
    }
    let kept = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        kept == now,
        "www/landing.html is not the Landing component as it renders now (a lesson, the masthead or the gallery changed). \
         Write it again with: THREADLAB_UPDATE_LANDING=1 cargo test -p threadlab-ui --features prerender --test landing"
    );
}
