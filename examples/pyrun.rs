//! Run a Python file with ThreadLab's interpreter: `cargo run --release --example pyrun -- file.py`
fn main() {
    let path = std::env::args().nth(1).expect("a .py file");
    let src = std::fs::read_to_string(path).expect("readable");
    let p = match threadlab::pyvm::Program::compile(&src) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    };
    let mut host = threadlab::pyvm::StdHost::default();
    let r = p.run_module(&mut host);
    print!("{}", host.out);
    if let Err(e) = r {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
