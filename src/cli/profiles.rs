//! `list`, `show`, `remove`, `use`.

use super::output::{list_table, print_json, print_text, show_text};
use super::prompt::confirm;
use super::Context;
use crate::summary::ProfileSummary;
use crate::text::Safe;
use crate::Error;

pub fn list(ctx: &Context, json: bool) -> Result<(), Error> {
    let store = ctx.store()?;
    let default = store.default_profile()?;
    let now = ctx.now();
    let rows: Vec<ProfileSummary> = store
        .list()?
        .iter()
        .map(|p| {
            ProfileSummary::new(
                p,
                default.as_deref() == Some(&p.profile),
                now,
                ctx.global.leeway,
            )
        })
        .collect();
    if json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        eprintln!(
            "No profiles in the {} store ({}). Add one with `pancred init --from FILE --write` or `pancred generate`.",
            store.kind(),
            store.location()
        );
        ctx.import_hint(None);
        return Ok(());
    }
    print_text(&list_table(&rows))
}

pub fn show(ctx: &Context, json: bool) -> Result<(), Error> {
    let (store, profile) = ctx.existing()?;
    let is_default = store.default_profile()?.as_deref() == Some(&profile.profile);
    let summary = ProfileSummary::new(&profile, is_default, ctx.now(), ctx.global.leeway);
    if json {
        return print_json(&summary);
    }
    print_text(&show_text(
        &summary,
        &format!("{}: {}", store.kind(), store.location()),
    ))
}

pub fn remove(ctx: &Context, yes: bool) -> Result<(), Error> {
    let store = ctx.store()?;
    let name = ctx.profile_name(&store)?;
    if !yes && !confirm(&format!("Delete PROFILE '{}'", Safe(&name)))? {
        eprintln!("Nothing deleted.");
        return Err(Error::Cancelled);
    }
    if store.remove(&name)? {
        eprintln!(
            "Deleted profile '{}' from {}.",
            Safe(&name),
            Safe(&store.location())
        );
        Ok(())
    } else {
        Err(super::context::missing(&store, name))
    }
}

pub fn use_profile(ctx: &Context, name: &str) -> Result<(), Error> {
    let store = ctx.store()?;
    if store.load(name)?.is_none() {
        return Err(super::context::missing(&store, name.to_string()));
    }
    store.set_default_profile(name)?;
    eprintln!("Default profile is now '{}'.", Safe(name));
    Ok(())
}
