//! The experiment in Python: the program that runs the same tasks on the
//! same pools with `concurrent.futures`, to copy and run.

use crate::page;
use threadlab::{python, Experiment, Machine};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub experiment: Experiment,
    pub machine: Machine,
}

#[function_component(PythonCode)]
pub fn python_code(p: &Props) -> Html {
    let status = use_state(String::new);
    let code = python::program(&p.experiment, &p.machine);
    let onclick = {
        let (code, status) = (code.clone(), status.clone());
        Callback::from(move |_: MouseEvent| {
            let (code, status) = (code.clone(), status.clone());
            wasm_bindgen_futures::spawn_local(async move {
                status.set(match page::copy(&code).await {
                    Ok(()) => "Copied.".into(),
                    Err(_) => "Your browser did not let the page copy: select the code and copy it.".into(),
                });
            });
        })
    };
    html! {
        <details class="python">
            <summary>{ "The same experiment in Python" }</summary>
            <p class="hint">{ "Runs as it stands (python3 experiment.py) and prints timings to compare with these. The tests run it under CPython and check it returns the same values." }</p>
            <button type="button" class="secondary copy-python" {onclick}>{ "Copy" }</button>
            <span class="copy-status" role="status">{ (*status).clone() }</span>
            <pre><code class="language-python">{ code }</code></pre>
        </details>
    }
}
