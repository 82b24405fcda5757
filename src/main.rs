#![forbid(unsafe_code)]

fn main() {
    std::process::exit(pancred::cli::run());
}
