//! The page's side of a whole program's run (the Program mode's Run): the
//! lines shown as they are printed, and the run into the page state. The
//! run itself, in the page's run slot (one run at a time, taken before
//! anything is awaited), is [`crate::program_run`]'s.

use crate::runner::{self, RunError};
use crate::state::{Action, Console, State};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use threadlab::link::ProgramLink;
use threadlab::program::{Line, ProgramRun, ProgramSpec};
use yew::UseReducerDispatcher;

/// The console is drawn again at most this often while lines arrive (a
/// program printing in a loop must not draw the page for every line).
const DRAW_EVERY_MS: u32 = 100;

/// Runs `spec` as the page's run (the Run button, `autorun`, a script's
/// `threadlab.run({program})`): the page shows the program, its lines as
/// they are printed, and its run, or why it could not run, at the end.
/// The slot is taken before this returns; `Err` while another run holds it.
pub fn run(spec: ProgramSpec, dispatch: UseReducerDispatcher<State>) -> impl Future<Output = Result<Rc<ProgramRun>, String>> {
    let busy = runner::is_running();
    let console = Console::default();
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
    let run = (!busy).then(|| {
        dispatch.dispatch(Action::ProgramStarted(console, ProgramLink { code: spec.program.clone(), gil: spec.gil }));
        crate::program_run::run(spec, on_line)
    });
    async move {
        let Some(run) = run else { return Err(RunError::Busy.to_string()) };
        match run.await {
            Ok(run) => {
                let run = Rc::new(run);
                dispatch.dispatch(Action::ProgramFinished(run.clone()));
                Ok(run)
            }
            Err(message) => {
                dispatch.dispatch(Action::Failed(message.clone()));
                Err(message)
            }
        }
    }
}
