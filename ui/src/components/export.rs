//! Take the results away: the results JSON (as the API returns it), CSV
//! (one row per model × repeat × worker count), every timeline as a
//! Perfetto / chrome://tracing trace, and the charts as SVG and PNG. The
//! files are made by the core (`threadlab::export`); `www/export.js` hands
//! them to the browser.

use super::Run;
use threadlab::export;
use threadlab::Results;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = threadlabExport, js_name = download)]
    fn js_download(name: &str, data: &str, mime: &str);
    #[wasm_bindgen(js_namespace = threadlabExport, js_name = svg, catch)]
    fn js_svg(selector: &str, name: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_namespace = threadlabExport, js_name = png, catch)]
    fn js_png(selector: &str, name: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(js_namespace = threadlabExport, js_name = today)]
    fn js_today() -> String;
    #[wasm_bindgen(js_namespace = threadlabExport, js_name = openInPerfetto)]
    fn js_open_in_perfetto(trace: &str, title: &str, file_name: &str);
}

/// Hands a file to the browser.
pub(crate) fn download(name: &str, data: &str, mime: &str) {
    js_download(name, data, mime);
}

/// Today's date as the browser has it (`YYYY-MM-DD`), for file names.
pub(crate) fn today() -> String {
    js_today()
}

/// Hands `trace` (Trace Event Format) to ui.perfetto.dev in a new tab.
pub(crate) fn open_in_perfetto(trace: &str, title: &str, file_name: &str) {
    js_open_in_perfetto(trace, title, file_name);
}

/// The chart `selector` as a PNG file.
pub(crate) fn png(selector: &str, name: &str) {
    if let Ok(p) = js_png(selector, name) {
        crate::page::detach(wasm_bindgen_futures::JsFuture::from(p));
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub results: Run,
}

#[function_component(Export)]
pub fn export_bar(p: &Props) -> Html {
    let r = p.results.clone();
    let name = move |what: &str, ext: &str| export::file_name(&r, what, &js_today(), ext);
    let file = |what: &'static str, ext: &'static str, mime: &'static str, make: fn(&Results) -> String| {
        let (r, name) = (p.results.clone(), name.clone());
        Callback::from(move |_| js_download(&name(what, ext), &make(&r), mime))
    };
    let json = file("results", "json", "application/json", |r| serde_json::to_string_pretty(r).unwrap_or_default());
    let csv = file("results", "csv", "text/csv", export::csv);
    let trace = file("trace", "json", "application/json", |r| export::trace(r).to_string());
    let has_timeline = p.results.models.iter().any(|m| m.timeline.is_some());
    let perfetto = {
        let (r, name) = (p.results.clone(), name.clone());
        Callback::from(move |_| js_open_in_perfetto(&export::trace(&r).to_string(), &format!("ThreadLab: {}", r.experiment.workload.describe()), &name("trace", "json")))
    };
    // The chart the page shows first: the sweep's, or the bars.
    let (selector, chart) = if p.results.sweep.is_empty() { ("svg.bar-chart", "chart") } else { ("svg.scaling-chart", "scaling") };
    let svg = {
        let name = name.clone();
        Callback::from(move |_| {
            let _ = js_svg(selector, &name(chart, "svg"));
        })
    };
    let png = Callback::from(move |_| {
        if let Ok(p) = js_png(selector, &name(chart, "png")) {
            crate::page::detach(wasm_bindgen_futures::JsFuture::from(p));
        }
    });
    html! {
        <div class="export" role="group" aria-label="Export">
            <span class="export-label">{ "Export:" }</span>
            <button type="button" class="export-json" onclick={json}>{ "Results (JSON)" }</button>
            <button type="button" class="export-csv" onclick={csv}>{ "Table (CSV)" }</button>
            if has_timeline {
                <button type="button" class="export-trace" onclick={trace} title="Trace Event Format: opens in ui.perfetto.dev and chrome://tracing">{ "Timelines (Perfetto trace)" }</button>
                <button type="button" class="open-perfetto" onclick={perfetto} title="Opens a tab that hands the trace to ui.perfetto.dev">{ "Open in Perfetto ↗" }</button>
            }
            <button type="button" class="export-svg" onclick={svg}>{ "Chart (SVG)" }</button>
            <button type="button" class="export-png" onclick={png}>{ "Chart (PNG)" }</button>
        </div>
    }
}
