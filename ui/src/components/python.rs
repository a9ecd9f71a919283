//! The experiment in Python: the program that runs the same tasks on the
//! same pools with `concurrent.futures`, to copy and run.

use super::copy::CopyButton;
use threadlab::{python, Experiment, Machine};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub experiment: Experiment,
    pub machine: Machine,
}

#[function_component(PythonCode)]
pub fn python_code(p: &Props) -> Html {
    let code = python::program(&p.experiment, &p.machine);
    html! {
        <details class="python">
            <summary>{ "The same experiment in Python" }</summary>
            <p class="hint">{ "Runs as it stands (python3 experiment.py) and prints timings to compare with these. The tests run it under CPython and check it returns the same values." }</p>
            <CopyButton text={code.clone()} class={classes!("secondary", "copy-python")} what="code" />
            <pre><code class="language-python">{ code }</code></pre>
        </details>
    }
}
