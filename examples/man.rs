//! Writes pancred's man pages (`pancred.1`, `pancred-SUBCOMMAND.1`) into a folder:
//! `cargo run --example man -- OUTDIR`.

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: man OUTDIR");
        std::process::exit(2);
    };
    match pancred::cli::man::write_pages(std::path::Path::new(&dir)) {
        Ok(paths) => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            for p in paths {
                // A closed pipe (`| head`) is not an error worth a panic.
                let _ = writeln!(out, "{}", p.display());
            }
        }
        Err(e) => {
            eprintln!("man: {e}");
            std::process::exit(1);
        }
    }
}
