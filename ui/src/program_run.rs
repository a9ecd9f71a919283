//! PLACEHOLDER (H3's branch only): H2's `ui/src/program_run.rs` replaces
//! this file at merge. It runs a whole program on the workers; until it is
//! built, a run says so.

use threadlab::program::{Line, ProgramRun, ProgramSpec};

/// Runs `spec` on the workers, calling `on_line` with each printed line as
/// it is printed; `Err`: the run could not happen (the message says why).
pub async fn run(spec: ProgramSpec, on_line: impl Fn(Line) + 'static) -> Result<ProgramRun, String> {
    let _ = (spec, on_line);
    Err("Running whole programs is not built yet in this build of ThreadLab.".into())
}
