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

/// Calls method `name` of `target` with `args` (a DOM method web-sys is not
/// built with here); nothing if it has none.
fn call(target: &JsValue, name: &str, args: &js_sys::Array) {
    if let Some(f) = js_sys::Reflect::get(target, &name.into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) {
        let _ = f.apply(target, args);
    }
}

fn find(selector: &str) -> Option<web_sys::Element> {
    window().document()?.query_selector(selector).ok().flatten()
}

/// Scrolls the first element matching `selector` into view (`block`:
/// "nearest" or "start"); `false` if there is none.
pub fn scroll_to(selector: &str, block: &str) -> bool {
    let Some(el) = find(selector) else { return false };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"block".into(), &block.into());
    call(&el, "scrollIntoView", &js_sys::Array::of1(&options));
    true
}

/// Moves keyboard focus to the first element matching `selector`, without
/// scrolling (the caller scrolls).
pub fn focus(selector: &str) {
    if let Some(el) = find(selector) {
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"preventScroll".into(), &true.into());
        call(&el, "focus", &js_sys::Array::of1(&options));
    }
}

/// Whether keyboard focus went nowhere: on the page's body (the control
/// that had it was removed), or on a control now disabled.
pub fn focus_lost() -> bool {
    let Some(doc) = window().document() else { return false };
    match doc.active_element() {
        None => true,
        Some(el) => el.tag_name() == "BODY" || el.has_attribute("disabled"),
    }
}

/// Whether this page is cross-origin isolated.
pub fn isolated() -> bool {
    js_sys::Reflect::get(&window(), &"crossOriginIsolated".into()).ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Whether this page owes its isolation to the static build's service
/// worker (its host sends no isolation headers).
pub fn isolated_by_service_worker() -> bool {
    let sw = js_sys::Reflect::get(&window().navigator(), &"serviceWorker".into()).ok();
    let controller = sw.and_then(|sw| js_sys::Reflect::get(&sw, &"controller".into()).ok()).filter(|c| c.is_object());
    let url = controller.and_then(|c| js_sys::Reflect::get(&c, &"scriptURL".into()).ok()).and_then(|u| u.as_string());
    isolated() && url.is_some_and(|u| u.contains("isolation-sw"))
}

/// Whether the page is used by touch alone (no pointer that hovers): what
/// hints should say ("tap", not "hover").
pub fn touch_only() -> bool {
    let w: JsValue = window().into();
    let Some(f) = js_sys::Reflect::get(&w, &"matchMedia".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()) else { return false };
    f.call1(&w, &"(hover: none)".into()).ok().and_then(|m| js_sys::Reflect::get(&m, &"matches".into()).ok()).and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Whether the page is as narrow as a phone's (charts are drawn for it).
pub fn narrow() -> bool {
    window().inner_width().ok().and_then(|w| w.as_f64()).is_some_and(|w| w < 640.0)
}
