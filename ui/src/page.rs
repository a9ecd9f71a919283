//! The page's address, the clipboard, the theme and the host page around an
//! embed: the browser effects links and embedding need, and nothing else.
//! What a link or a message *means* is decided by the core
//! (`threadlab::link`, `threadlab::embed`).

use std::future::Future;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

fn window() -> web_sys::Window {
    web_sys::window().expect("a page has a window")
}

/// The query of the page's address, with its `?`.
pub fn query() -> String {
    window().location().search().unwrap_or_default()
}

/// The page's address without query or fragment: what links start with.
pub fn base_url() -> String {
    let l = window().location();
    format!("{}{}", l.origin().unwrap_or_default(), l.pathname().unwrap_or_default())
}

/// A link to this page with `query` (without `?`).
pub fn url_with(query: &str) -> String {
    format!("{}?{query}", base_url())
}

/// Shows `query` in the address bar without adding a history entry.
pub fn replace_query(q: &str) {
    let wanted = format!("?{q}");
    if query() != wanted {
        if let Ok(h) = window().history() {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&wanted));
        }
    }
}

/// Copies `text` to the clipboard; `Err` where the browser refuses (no
/// permission in a frame, an insecure page): the caller shows the text.
pub async fn copy(text: &str) -> Result<(), String> {
    let clipboard = window().navigator().clipboard();
    JsFuture::from(clipboard.write_text(text)).await.map(|_| ()).map_err(crate::runner::message)
}

/// Sets `data-theme` on `<html>` (`None`: follow the visitor's preference).
pub fn set_theme(theme: Option<&str>) {
    if let Some(root) = window().document().and_then(|d| d.document_element()) {
        let _ = match theme {
            Some(t) => root.set_attribute("data-theme", t),
            None => root.remove_attribute("data-theme"),
        };
    }
}

/// The host page, when this page is framed.
fn parent() -> Option<web_sys::Window> {
    let w = window();
    let parent = w.parent().ok().flatten()?;
    (!js_sys::Object::is(&parent, &w)).then_some(parent)
}

pub fn framed() -> bool {
    parent().is_some()
}

fn to_js(v: &Value) -> JsValue {
    js_sys::JSON::parse(&v.to_string()).unwrap_or(JsValue::NULL)
}

/// Posts `message` to the host page (any origin: nothing in it is secret).
pub fn post_to_parent(message: &Value) {
    if let Some(p) = parent() {
        let _ = p.post_message(&to_js(message), "*");
    }
}

/// Calls `on_message(data)` for every message the host page (this frame's
/// parent, and no other window) posts, with the data as JSON (`None` when it
/// is not JSON-able: ignored by callers). Lives as long as the page.
pub fn listen(on_message: impl Fn(Option<Value>) + 'static) {
    let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        let from_host = match (e.source(), parent()) {
            (Some(source), Some(parent)) => js_sys::Object::is(&source, &parent),
            _ => false,
        };
        if !from_host {
            return; // a sibling frame, an opener, a popup: not the course page
        }
        let json = js_sys::JSON::stringify(&e.data()).ok().and_then(|s| s.as_string());
        on_message(json.and_then(|s| serde_json::from_str(&s).ok()));
    });
    let _ = window().add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
    handler.forget();
}

/// Calls `on_height(px)` whenever the page's content changes height.
/// Lives as long as the page.
pub fn observe_height(on_height: impl Fn(u32) + 'static) {
    let Some(doc) = window().document() else { return };
    let Some(body) = doc.body() else { return };
    let measure = move || {
        let h = window().document().and_then(|d| d.document_element()).map_or(0, |e| e.get_bounding_client_rect().height().ceil() as u32);
        on_height(h);
    };
    let callback = Closure::<dyn Fn()>::new(measure);
    if let Ok(observer) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
        observer.observe(&body);
    }
    callback.forget();
}

/// Runs a run's future to its end for its effects: the page shows its outcome.
pub fn detach<T: 'static>(run: impl Future<Output = T> + 'static) {
    wasm_bindgen_futures::spawn_local(async move {
        let _ = run.await;
    });
}
