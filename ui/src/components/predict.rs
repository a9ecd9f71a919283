//! Predict, then run: the questions a run answers, asked before it as radio
//! groups (keyboard and tap), and after it each answer judged by the core
//! ([`threadlab::predict`]) against what was measured.

use crate::state::Action;
use threadlab::predict::{questions, Judged, Prediction};
use threadlab::Experiment;
use yew::prelude::*;

/// The questions `exp` asks, with the answers chosen so far; `required`
/// (`predict=1`): Run waits for every answer.
pub fn ask(exp: &Experiment, prediction: &Prediction, required: bool, running: bool, on_action: &Callback<Action>) -> Html {
    let qs = questions(exp);
    if qs.is_empty() {
        return Html::default();
    }
    let intro = if required { "Predict first: Run starts once you have answered." } else { "Predict first (optional): a result you predicted is one you remember." };
    html! {
        <div class="predict" role="group" aria-labelledby="predict-title">
            <p id="predict-title" class="predict-title"><strong>{ "Your prediction" }</strong>{ " · " }{ intro }</p>
            { for qs.iter().map(|q| {
                let key = q.key();
                let chosen = prediction.answer(key);
                html! {
                    <fieldset class="question" data-about={key}>
                        <legend>{ q.text() }</legend>
                        { for q.answers().iter().map(|&a| {
                            let id = format!("predict-{key}-{}", a.as_str());
                            let onchange = on_action.reform(move |_: Event| Action::Predict(key, a));
                            html! {
                                <label for={id.clone()} class="choice">
                                    <input type="radio" id={id} name={format!("predict-{key}")} value={a.as_str()}
                                        checked={chosen == Some(a)} {onchange} disabled={running} />
                                    { a.label() }
                                </label>
                            }
                        }) }
                    </fieldset>
                }
            }) }
        </div>
    }
}

/// After the run: each answer and whether the numbers agreed.
pub fn judged(prediction: &[Judged]) -> Html {
    if prediction.is_empty() {
        return Html::default();
    }
    html! {
        <div class="prediction" role="status">
            <h3>{ "Your prediction" }</h3>
            <ul>
                { for prediction.iter().map(|j| {
                    let (class, mark) = match j.held {
                        Some(true) => ("held", "✓"),
                        Some(false) => ("not-held", "✗"),
                        None => ("cannot-tell", "?"),
                    };
                    html! {
                        <li class={class} data-about={j.about.clone()} data-held={j.held.map_or("null".to_string(), |h| h.to_string())}>
                            <span class="mark" aria-hidden="true">{ mark }</span>{ " " }{ &j.text }
                        </li>
                    }
                }) }
            </ul>
        </div>
    }
}
