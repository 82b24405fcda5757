//! `pancred`: answers a cached token itself, and runs `pancred-full` (installed beside it) for
//! every other command line (see `pancred::cli::front`).
//!
//! `no_main`: the C runtime calls `main` directly. The Rust runtime's start-up (a read of
//! `/proc/self/maps` for the stack guard, an alternate signal stack, the standard streams checked)
//! was a quarter of a cached token's time (`benches/token-vs-oidc-agent.sh`). What this
//! executable does needs none of it; `pancred-full` has it all. One difference shows: a write to
//! a closed pipe ends this process by SIGPIPE, as it does a C program's.
// (A test build keeps the harness's own entry point.)
#![cfg_attr(not(test), no_main)]
#![deny(unsafe_code)]

#[cfg(not(test))]
use std::os::raw::{c_char, c_int};

#[cfg(not(test))]
#[allow(unsafe_code)] // the program's entry point, named for the C runtime; it reads no pointer
#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    // (The arguments are read through `std::env::args_os`, which the standard library keeps;
    // `exit` flushes standard output as a Rust `main` would.)
    std::process::exit(pancred::cli::front::run())
}
