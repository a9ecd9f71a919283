//! The experiment in Python: the program that runs the same tasks on the
//! same pools with `concurrent.futures`, to copy and run.

use super::copy::CopyButton;
use threadlab::{python, Experiment, Machine};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub experiment: Experiment,
    pub machine: Machine,
    /// This machine's cores: how many processes CPython would run at once.
    pub cores: u32,
}

#[function_component(PythonCode)]
pub fn python_code(p: &Props) -> Html {
    let code = python::program(&p.experiment, &p.machine, p.cores);
    let short = python::short(&p.experiment, &p.machine, p.cores);
    let estimate = python::estimate_sentence(&p.experiment, p.cores);
    let sized = python::sizing_sentence(&p.experiment, p.cores);
    let note = p.experiment.workload.python_note();
    html! {
        <details class="python">
            <summary>{ "The same experiment in Python" }</summary>
            <p class="hint">{ "Both run as they stand (python3 experiment.py). CPython's interpreter runs a loop 50 to 100 times slower than the page's WebAssembly: where the page's work would keep CPython busy for more than seconds, SCALE makes each task smaller. The tests run both under CPython; the complete program returns the values ThreadLab's tasks return at its size." }</p>
            if let Some(estimate) = estimate {
                <p class="python-estimate" role="note">{ estimate }</p>
            }
            if let Some(sized) = sized {
                <p class="python-sizing" role="note">{ sized }</p>
            }
            if let Some(note) = note {
                <p class="note" role="note">{ note }</p>
            }
            if let Some(short) = short.clone() {
                <h3 class="python-title">{ "The few lines that matter" }</h3>
                <CopyButton text={short.clone()} class={classes!("secondary", "copy-python-short")} what="code" />
                <pre class="python-short"><code class="language-python">{ short }</code></pre>
            }
            <details class="python-complete" open={short.is_none()}>
                <summary>{ "The complete program: every model, warm-up, repeats, checks" }</summary>
                <CopyButton text={code.clone()} class={classes!("secondary", "copy-python")} what="code" />
                <pre><code class="language-python">{ code }</code></pre>
            </details>
        </details>
    }
}
