//! `pancred`: answers a cached token itself, and runs `pancred-full` (installed beside it) for
//! every other command line (see `pancred::cli::front`).
//!
//! Where the standard library reads the arguments without its own start-up (glibc Linux and
//! macOS hand them to it), the C runtime calls `main` directly: the Rust runtime's start-up (a
//! read of `/proc/self/maps` for the stack guard, an alternate signal stack, the standard streams
//! checked) was a quarter of a cached token's time (`benches/token-vs-oidc-agent.sh`), and what
//! this executable does needs none of it. Elsewhere (musl, the BSDs, Windows) it is an ordinary
//! Rust program. Either way `front::run` makes a write to a closed pipe an error, not a death.
// (A test build keeps the harness's own entry point.)
#![cfg_attr(
    all(
        not(test),
        any(all(target_os = "linux", target_env = "gnu"), target_os = "macos")
    ),
    no_main
)]
#![deny(unsafe_code)]

#[cfg(all(
    not(test),
    any(all(target_os = "linux", target_env = "gnu"), target_os = "macos")
))]
#[allow(unsafe_code)] // the program's entry point, named for the C runtime; it reads no pointer
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::os::raw::c_int,
    _argv: *const *const std::os::raw::c_char,
) -> std::os::raw::c_int {
    // (The arguments are read through `std::env::args_os`, which the standard library keeps on
    // these platforms; `exit` flushes standard output as a Rust `main` would.)
    std::process::exit(pancred::cli::front::run())
}

#[cfg(not(all(
    not(test),
    any(all(target_os = "linux", target_env = "gnu"), target_os = "macos")
)))]
fn main() {
    std::process::exit(pancred::cli::front::run())
}
