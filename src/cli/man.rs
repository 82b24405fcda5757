//! Man pages from the same clap definition as `--help`: `pancred.1` and one page per subcommand
//! (`pancred-token.1`...), each with the environment variables ([`crate::env::TABLE`]) and the
//! exit statuses ([`super::exit::EXIT_CODES`]). `cargo run --example man -- OUTDIR` writes them.

use super::exit::{EXEC_NOTE, EXIT_CODES};
use roff::{bold, roman, Roff};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Every page: its file name and its roff text.
pub fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let top = super::help::command();
    let mut pages = vec![page(top.clone().after_help(None::<&'static str>))?];
    for sub in top.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(page(sub.clone())?);
    }
    Ok(pages)
}

/// Writes every page into `dir` (created if missing); returns their paths.
// Documentation files for a package, into a folder the packager names: no store, no secret.
#[allow(clippy::disallowed_methods)]
pub fn write_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, text) in pages()? {
        let path = dir.join(name);
        std::fs::File::create(&path)?.write_all(&text)?;
        written.push(path);
    }
    Ok(written)
}

fn page(cmd: clap::Command) -> std::io::Result<(String, Vec<u8>)> {
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("pancred {}", env!("CARGO_PKG_VERSION")))
        .manual("pancred manual");
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        man.render_subcommands_section(&mut out)?;
    }
    if cmd.get_after_help().is_some() || cmd.get_after_long_help().is_some() {
        man.render_extra_section(&mut out)?;
    }
    extra_sections().to_writer(&mut out)?;
    if cmd.get_version().is_some() {
        man.render_version_section(&mut out)?;
    }
    Ok((man.get_filename(), out))
}

/// ENVIRONMENT and EXIT STATUS, from their tables.
fn extra_sections() -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["ENVIRONMENT"]);
    for v in crate::env::TABLE.iter().filter(|v| v.listed) {
        roff.control("TP", []);
        roff.text([bold(v.name)]);
        let mut help = v.help.to_string();
        if !v.default.is_empty() {
            help.push_str(&format!(" [default: {}]", v.default));
        }
        roff.text([roman(help)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in EXIT_CODES {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(*meaning)]);
    }
    roff.control("PP", []);
    roff.text([roman(EXEC_NOTE)]);
    roff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_subcommand_each_with_environment_and_exit_status() {
        let pages = pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for want in [
            "pancred.1",
            "pancred-token.1",
            "pancred-doctor.1",
            "pancred-login.1",
        ] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        let subcommands = super::super::help::command().get_subcommands().count();
        assert_eq!(pages.len(), subcommands + 1);
        for (name, text) in &pages {
            let text = String::from_utf8_lossy(text);
            assert!(text.contains(".SH ENVIRONMENT"), "{name}");
            assert!(text.contains(".SH \"EXIT STATUS\""), "{name}");
            assert!(text.contains("PANCRED_STORE"), "{name}");
        }
    }
}
