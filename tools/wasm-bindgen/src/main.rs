//! `threadlab-wasm-bindgen <input.wasm> <out dir>`: what
//! `wasm-bindgen --target web --no-typescript --out-dir <out dir> <input.wasm>`
//! does (every other option at wasm-bindgen-cli's default), for
//! scripts/build.sh.
use std::process::ExitCode;

use wasm_bindgen_cli_support::Bindgen;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir] = args.as_slice() else {
        eprintln!("usage: threadlab-wasm-bindgen <input.wasm> <out dir>");
        return ExitCode::from(2);
    };
    let run = || {
        let mut b = Bindgen::new();
        b.web(true)?;
        b.input_path(input)
            .typescript(false)
            // Bindgen::new() omits it; the command line keeps it.
            .omit_default_module_path(false)
            // The command line's default, whatever the environment says.
            .reference_types(false)
            .generate(out_dir)
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("threadlab-wasm-bindgen: {input}: {e:?}");
            ExitCode::FAILURE
        }
    }
}
