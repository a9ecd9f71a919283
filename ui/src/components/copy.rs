//! A button that copies text to the clipboard and says whether it could.

use crate::page;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub text: AttrValue,
    /// The button's label.
    #[prop_or(AttrValue::Static("Copy"))]
    pub label: AttrValue,
    pub class: Classes,
    /// What it copies, for the messages: "link", "code", "text".
    pub what: &'static str,
}

#[function_component(CopyButton)]
pub fn copy_button(p: &Props) -> Html {
    let status = use_state(String::new);
    let onclick = {
        let (text, status, what) = (p.text.clone(), status.clone(), p.what);
        Callback::from(move |_: MouseEvent| {
            let (text, status) = (text.clone(), status.clone());
            wasm_bindgen_futures::spawn_local(async move {
                status.set(match page::copy(&text).await {
                    Ok(()) if what == "link" => "Link copied.".into(),
                    Ok(()) => "Copied.".into(),
                    Err(_) => format!("Your browser did not let the page copy: select the {what} and copy it."),
                });
            });
        })
    };
    html! {
        <>
            <button type="button" class={p.class.clone()} {onclick}>{ p.label.clone() }</button>
            <span class="copy-status" role="status">{ (*status).clone() }</span>
        </>
    }
}
