//! Run a whole Python program with ThreadLab's interpreter, natively, as
//! the page runs it (threads on OS threads sharing one heap, processes as
//! children with their own): `cargo run --release --example pyrun -- file.py [--no-gil]`.
//! Prints the console (each line with who printed it and when), then the
//! run's summary and verdict.
#[cfg(not(target_family = "wasm"))]
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a .py file");
    let gil = !args.any(|a| a == "--no-gil");
    let program = std::fs::read_to_string(path).expect("readable");
    let spec = threadlab::program::ProgramSpec { program, gil, switch_interval_ms: threadlab::gil::DEFAULT_SWITCH_INTERVAL_MS };
    let run = match threadlab::program::session::run_native(spec) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2)
        }
    };
    for l in &run.console {
        let who = match &l.who.process {
            Some(p) => format!("{p}/{}", l.who.thread),
            None => l.who.thread.clone(),
        };
        println!("{:>9.1} ms  {who:<28} {}{}", l.t_ms, if l.stderr { "[stderr] " } else { "" }, l.text);
    }
    eprintln!(
        "wall {:.1} ms, {} thread(s), {} process(es), {} GIL switch(es), exit {:?}{}",
        run.wall_ms,
        run.threads,
        run.processes,
        run.gil_switches,
        run.exit_code,
        run.stopped.as_deref().map(|s| format!(", stopped: {s}")).unwrap_or_default()
    );
    for v in run.verdict.iter().chain(&run.deadlock) {
        eprintln!("{v}");
    }
    std::process::exit(run.exit_code.unwrap_or(1));
}

/// The program's threads are OS threads: natively only.
#[cfg(target_family = "wasm")]
fn main() {
    eprintln!("pyrun runs programs natively (their threads are OS threads)");
    std::process::exit(2);
}
