//! The page's side of a whole program's run (the Program mode's Run): the
//! run slot (one run at a time, taken before anything is awaited), the
//! lines shown as they are printed, and the run into the page state. The
//! run itself is [`crate::program_run`]'s.

use crate::runner::{self, RunError, Slot};
use crate::state::{Action, Console, State};
use std::cell::Cell;
use std::rc::Rc;
use threadlab::program::{Line, ProgramSpec};
use yew::UseReducerDispatcher;

/// The console is drawn again at most this often while lines arrive (a
/// program printing in a loop must not draw the page for every line).
const DRAW_EVERY_MS: u32 = 100;

/// Runs `spec` as the page's run: refused while another runs; its lines
/// shown live; its run, or why it could not run, shown at the end.
pub async fn run(spec: ProgramSpec, dispatch: UseReducerDispatcher<State>) {
    let slot = match Slot::take() {
        Ok(slot) => slot,
        Err(e) => return dispatch.dispatch(Action::Invalid(e.to_string())),
    };
    let console = Console::default();
    dispatch.dispatch(Action::ProgramStarted(console.clone()));
    let (lines, asked) = (console.0.clone(), Rc::new(Cell::new(false)));
    let on_line = {
        let dispatch = dispatch.clone();
        move |line: Line| {
            lines.borrow_mut().push(line);
            if !asked.replace(true) {
                let (dispatch, lines, asked) = (dispatch.clone(), lines.clone(), asked.clone());
                gloo_timers::callback::Timeout::new(DRAW_EVERY_MS, move || {
                    asked.set(false);
                    let n = lines.borrow().len();
                    dispatch.dispatch(Action::ProgramPrinted(n));
                })
                .forget();
            }
        }
    };
    let outcome = crate::program_run::run(spec, on_line).await;
    // Cancel frees the slot at once (and ends every worker).
    let cancelled = !runner::is_running();
    drop(slot);
    match outcome {
        Ok(run) => dispatch.dispatch(Action::ProgramFinished(Rc::new(run))),
        Err(_) if cancelled => dispatch.dispatch(Action::Failed(RunError::Cancelled.to_string())),
        Err(message) => dispatch.dispatch(Action::Failed(message)),
    }
}
