//! The code editor of a workload's program field (`Input::Code`): a
//! monospace text area with line numbers beside it, kept in step as it
//! scrolls (a long line scrolls inside it, sideways, the numbers staying
//! put), and the line of a syntax error marked there. Tab indents by
//! four spaces; Escape then Tab leaves the field (Shift+Tab always goes
//! back), so the keyboard is never trapped. The code is the text area's
//! value: never markup.

use web_sys::{HtmlElement, HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
    pub hint: String,
    pub disabled: bool,
    /// What is wrong with the code, and on which line (1-based), if known.
    pub error: Option<(String, Option<u32>)>,
    pub on_input: Callback<String>,
}

/// Four spaces, Python's indent.
const INDENT: &str = "    ";

/// Inserts `text` at the selection of `area` as typing would (undo keeps
/// it, an `input` event follows); where the browser cannot, by hand.
fn insert(area: &HtmlTextAreaElement, text: &str) {
    let typed = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlDocument>(d).ok())
        .and_then(|d| d.exec_command_with_show_ui_and_value("insertText", false, text).ok())
        .unwrap_or(false);
    if !typed {
        let (start, end) = (area.selection_start().ok().flatten().unwrap_or(0), area.selection_end().ok().flatten().unwrap_or(0));
        let _ = area.set_range_text_with_start_and_end(text, start, end);
        let at = start + text.encode_utf16().count() as u32;
        let _ = area.set_selection_range(at, at);
        if let Ok(e) = web_sys::InputEvent::new("input") {
            let _ = area.dispatch_event(&e);
        }
    }
}

/// The gutter's width, as the style sheet's class for the digits of the
/// last line's number (at least 2).
fn digits_class(lines: usize) -> Option<String> {
    let digits = lines.max(1).to_string().len();
    (digits > 2).then(|| format!("digits-{}", digits.min(6)))
}

#[function_component(CodeEditor)]
pub fn code_editor(p: &Props) -> Html {
    let gutter = use_node_ref();
    // Escape was the last key: the next Tab leaves the field.
    let escaped = use_mut_ref(|| false);
    let id = p.id;
    let oninput = p.on_input.reform(|e: InputEvent| e.target_unchecked_into::<HtmlTextAreaElement>().value());
    let onkeydown = {
        let escaped = escaped.clone();
        Callback::from(move |e: KeyboardEvent| {
            let leave = std::mem::replace(&mut *escaped.borrow_mut(), e.key() == "Escape");
            if e.key() == "Tab" && !e.shift_key() && !e.ctrl_key() && !e.alt_key() && !e.meta_key() && !leave {
                e.prevent_default();
                insert(&e.target_unchecked_into(), INDENT);
            }
        })
    };
    let onscroll = {
        let gutter = gutter.clone();
        Callback::from(move |e: Event| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            if let Some(g) = gutter.cast::<HtmlElement>() {
                g.set_scroll_top(area.scroll_top());
            }
        })
    };
    let lines = p.value.split('\n').count();
    // Sized to its content: a line to type on, up to 30 (then it scrolls).
    let rows = (lines + 1).clamp(6, 30).to_string();
    let (message, bad_line) = match &p.error {
        Some((m, line)) => (Some(m), *line),
        None => (None, None),
    };
    let described = if message.is_some() { format!("{id}-error {id}-hint") } else { format!("{id}-hint") };
    html! {
        <div class={classes!("field", "code-field", message.is_some().then_some("invalid"))}>
            <label for={id}>{ p.label }</label>
            <div class={classes!("code-editor", digits_class(lines))}>
                <div class="gutter" ref={gutter} aria-hidden="true">
                    { for (1..=lines.max(1)).map(|n| {
                        let bad = bad_line == Some(n as u32);
                        html! { <span class={classes!(bad.then_some("bad"))} title={bad.then_some("The error is on this line")}>{ n }</span> }
                    }) }
                </div>
                <textarea {id} class="code" spellcheck="false" autocapitalize="off" autocomplete="off" wrap="off" {rows}
                    value={p.value.clone()} {oninput} {onkeydown} {onscroll} disabled={p.disabled}
                    aria-invalid={message.is_some().then_some("true")} aria-describedby={described} />
            </div>
            if let Some(m) = message {
                <small class="field-error" id={format!("{id}-error")}>{ m }</small>
            }
            <small id={format!("{id}-hint")}>{ &p.hint }</small>
        </div>
    }
}
