//! `import` and `export`: whole pancloud credentials files in and out of the selected store.
//! Both move tokens by default (one refresh token never lives in two places); `--copy` keeps
//! both copies and says what that costs.

use super::context::Context;
use super::output::print_text;
use crate::config::block_on;
use crate::engine::{ImportMode, Imported};
use crate::store::StoreView;
use crate::text::{count, Safe};
use crate::Error;
use std::path::Path;

fn mode(copy: bool) -> ImportMode {
    if copy {
        ImportMode::Copy
    } else {
        ImportMode::Move
    }
}

pub fn import(ctx: &Context, from: Option<&Path>, copy: bool, replace: bool) -> Result<(), Error> {
    let path = match from {
        Some(p) => p.to_path_buf(),
        None => ctx.config.store.pancloud_file()?,
    };
    let engine = ctx.engine()?;
    // A cache that may evict (memcached) is never the only home of a grant: the file keeps it.
    let evicts = engine.store().kind() == "memcached";
    let mut out = block_on(engine.import_replacing(&path, mode(copy || evicts), replace))?;
    if out.already_here {
        // No keyring (or --store file): the file is the store, and its profiles are in use.
        eprintln!(
            "{} is the store pancred uses here already: its profiles work as they are, nothing to import.\n\
             To move them into another store, name it, e.g. `pancred --store sqlite import` \
             (or start a keyring and run `pancred import` again).",
            path.display()
        );
        return Ok(());
    }
    for name in &out.shadowed {
        eprintln!(
            "skipped a second document for profile '{}' in {}: pancloud reads only the first, and so does import",
            Safe(name),
            path.display()
        );
    }
    if out.total == 0 {
        if let Some(found) = other_tables(&path) {
            eprintln!(
                "{} has no profiles in its \"{}\" table, where pancloud keeps them; it holds {found}. \
                 TinyDB 4 writes to \"_default\": pancloud 1.5 needs tinydb<4. Nothing imported.",
                path.display(),
                crate::store::file::TABLE
            );
            return Ok(());
        }
    }
    let store = engine.store();
    let here = format!("the {} store ({})", store.kind(), store.location());
    let there = path.display().to_string();
    report(
        &mut out,
        "Imported",
        STATUS_WORDS[3],
        &there,
        &here,
        copy,
        &store,
    )?;
    if evicts && !copy {
        eprintln!(
            "memcached may evict any item, so {there} keeps its tokens too (a cache is never the \
             only home of a grant); refresh through one of them only."
        );
    }
    if !out.moved.is_empty() {
        eprintln!(
            "Their tokens now live only in {here}; {there} keeps the settings, without tokens.\n\
             Programs that read the file (pancloud) get tokens from pancred: `pancred exec -- CMD` \
             hands them PAN_ACCESS_TOKEN; `pancred export --to {there}` moves the tokens back."
        );
    }
    // A client secret is a setting to pancloud, so it stays in the file: say so, once.
    let file = StoreView::file(&path);
    let secrets_left: Vec<String> = out
        .copied
        .iter()
        .filter(|(n, _)| matches!(file.load(n), Ok(Some(p)) if p.client_secret.is_some()))
        .map(|(n, _)| format!("'{}'", Safe(n)))
        .collect();
    if !secrets_left.is_empty() && store.kind() != "file" {
        eprintln!(
            "note: the client secret of {} is still in {there} in plain text (pancloud reads it \
             there; the file is private to you, 0600); if only pancred uses it, remove it from \
             the file by hand.",
            secrets_left.join(", ")
        );
    }
    Ok(())
}

pub fn export(ctx: &Context, to: &Path, copy: bool, replace: bool) -> Result<(), Error> {
    let engine = ctx.engine()?;
    let mut out = block_on(engine.export_replacing(to, mode(copy), replace))?;
    if out.already_here {
        eprintln!(
            "{} is the selected store itself: nothing to export.",
            to.display()
        );
        return Ok(());
    }
    let store = engine.store();
    let here = format!("the {} store ({})", store.kind(), store.location());
    let there = to.display().to_string();
    let file = StoreView::file(to);
    report(
        &mut out,
        "Exported",
        STATUS_WORDS[4],
        &here,
        &there,
        copy,
        &file,
    )?;
    if !out.moved.is_empty() {
        eprintln!(
            "Their tokens now live only in {there} (pancloud reads it; so does \
             `pancred --credentials-file {there}`); {here} keeps the settings, without tokens."
        );
    }
    Ok(())
}

/// The tables of a TinyDB file other than pancloud's, with their sizes, when any holds documents:
/// what a file with no profiles holds instead.
fn other_tables(path: &Path) -> Option<String> {
    let root: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let tables: Vec<String> = root
        .as_object()?
        .iter()
        .filter(|(name, _)| name.as_str() != crate::store::file::TABLE)
        .filter_map(|(name, t)| Some((name, t.as_object()?.len())))
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("\"{}\" ({})", Safe(name), count(n, "document")))
        .collect();
    (!tables.is_empty()).then(|| tables.join(", "))
}

/// What each profile's line on stdout says happened to it (the README lists them).
pub const STATUS_WORDS: [&str; 5] = [
    "moved",
    "moved, replacing",
    "replaced",
    "imported",
    "exported",
];

/// One line per profile on stdout, then what happened on stderr.
fn report(
    out: &mut Imported,
    done: &str,
    plain: &str,
    from: &str,
    to: &str,
    copy: bool,
    dest: &StoreView,
) -> Result<(), Error> {
    if out.total == 0 {
        eprintln!("{from} holds no profiles; nothing to do.");
        return Ok(());
    }
    let mut lines = String::new();
    for (name, existed) in &out.copied {
        let verb = match (out.moved.contains(name), *existed) {
            (true, true) => STATUS_WORDS[1],
            (true, false) => STATUS_WORDS[0],
            (false, true) => STATUS_WORDS[2],
            (false, false) => plain,
        };
        lines.push_str(&format!("{verb} {}\n", Safe(name)));
    }
    print_text(&lines)?;
    for (name, alt) in &out.renamed {
        eprintln!(
            "'{}' in {to} holds a different refresh token (another grant), which is kept: the one \
             from {from} is stored as '{}'. To replace '{}' instead, run again with --replace.",
            Safe(name),
            Safe(alt),
            Safe(name)
        );
    }
    if let Some((name, e)) = out.failed.take() {
        // Say exactly how far it got: what is done stays done, the rest was not tried.
        eprintln!(
            "{done} {} of {} from {from} before profile '{}' failed; the others were not tried.",
            out.copied.len(),
            count(out.total, "profile"),
            Safe(&name),
        );
        return Err(e);
    }
    let kept = out.copied.len() - out.gone.len();
    eprintln!("{done} {} from {from} into {to}.", count(kept, "profile"));
    if !out.gone.is_empty() {
        let moved = out.gone.iter().filter(|n| out.moved.contains(n)).count();
        let left = if moved == 0 {
            format!("{from} still holds them")
        } else {
            format!("{moved} of them had their tokens moved out of {from}")
        };
        eprintln!(
            "warning: {} more were written but are already gone from {to}: it evicted them (it is \
             full). Give the server more memory (memcached -m), or keep fewer profiles there; \
             {left}.",
            out.gone.len()
        );
    }
    let live_twice = out
        .copied
        .iter()
        .any(|(n, _)| matches!(dest.load(n), Ok(Some(p)) if p.refresh_token.is_some()));
    if copy && live_twice {
        eprintln!(
            "warning: --copy: each copied refresh token now lives in two places. The first refresh \
             through one spends it; a refresh through the other then fails, and at a provider that \
             detects reuse it ends the whole grant. Refresh through one of them only."
        );
    }
    if let Some(d) = &out.default_set {
        eprintln!(
            "'{}' is the default profile in {to} too, as it was in {from}.",
            Safe(d)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_readme_names_every_status_word() {
        let readme = include_str!("../../README.md");
        for word in super::STATUS_WORDS {
            assert!(
                readme.contains(&format!("`{word}`")),
                "README lacks `{word}`"
            );
        }
    }
}
