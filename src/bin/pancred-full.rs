//! The whole program: every command, the TUI and the demo. `pancred` answers a cached token
//! itself and runs this for everything else (see `pancred::cli::front`).
#![forbid(unsafe_code)]

fn main() {
    std::process::exit(pancred::cli::run());
}
