//! Whole programs (issue 19) run natively, compared with the machine's python3.
#![cfg(all(feature = "pyvm", not(target_family = "wasm")))]

use threadlab::program::session::run_native;
use threadlab::program::{gallery, ProgramSpec, ProgramRun};

fn spec(src: &str) -> ProgramSpec {
    ProgramSpec { program: src.to_string(), gil: true, switch_interval_ms: 5.0 }
}

fn show(run: &ProgramRun) {
    for l in &run.console {
        eprintln!("{:8.1} {:?}/{} | {}", l.t_ms, l.who.process, l.who.thread, l.text);
    }
    for l in &run.lanes {
        eprintln!("lane {:?}/{} daemon={} unfinished={} spans={} marks={:?}", l.who.process, l.who.thread, l.daemon, l.unfinished, l.spans.len(), l.marks.iter().map(|m| &m.what).collect::<Vec<_>>());
    }
    eprintln!("wall {:.0} ms exit {:?} stopped {:?} verdict {:?} switches {}", run.wall_ms, run.exit_code, run.stopped, run.verdict, run.gil_switches);
}

#[test]
fn smoke() {
    for e in gallery::ALL {
        eprintln!("== {}", e.id);
        let run = run_native(spec(e.source)).unwrap();
        show(&run);
    }
}
