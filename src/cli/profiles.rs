//! `list`, `show`, `remove`, `use`.

use super::context::Context;
use super::output::{list_table, print_json, print_text, show_json, show_text, sources_text};
use super::prompt::confirm;
use crate::config::block_on;
use crate::summary::ProfileSummary;
use crate::text::Safe;
use crate::Error;

pub fn list(ctx: &Context, json: bool) -> Result<(), Error> {
    let engine = ctx.engine()?;
    let store = engine.store();
    let default = Some(crate::profile::default_name(store.default_profile()?));
    let now = ctx.now();
    let mut profiles = store.list()?;
    profiles.sort_by(|a, b| crate::profile::name::shown_order(&a.profile, &b.profile));
    // A profile whose secrets could not be read is listed with its settings; say why, for it only.
    for p in &profiles {
        if let Some(why) = p
            .extra
            .get(crate::store::UNREADABLE_NOTE)
            .and_then(|v| v.as_str())
        {
            eprintln!(
                "pancred: warning: profile '{}': {}",
                Safe(&p.profile),
                crate::text::safe_lines(why)
            );
        }
    }
    let rows: Vec<ProfileSummary> = profiles
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
    let engine = ctx.engine()?;
    let selection = ctx.selection(&engine, super::context::Clue::Here)?;
    let store = engine.store();
    let Some(profile) = store.load(&selection.name)? else {
        return Err(super::context::missing(&engine, selection.name));
    };
    let is_default = crate::profile::default_name(store.default_profile()?) == profile.profile;
    let summary = ProfileSummary::new(&profile, is_default, ctx.now(), ctx.global.leeway);
    let resolved = ctx.resolve(Some(&profile))?;
    if json {
        return print_json(&show_json(&summary, &resolved, &selection.by));
    }
    let mut text = show_text(
        &profile,
        &summary,
        &format!("{}: {}", store.kind(), store.location()),
        Some(&selection.by.to_string()),
    );
    text.push_str(&sources_text(&resolved));
    print_text(&text)
}

pub fn remove(ctx: &Context, yes: bool) -> Result<(), Error> {
    let engine = ctx.engine()?;
    let name = ctx.profile_name(&engine)?;
    // Ask only about a profile that is there (the names alone: no secret is read).
    if !engine.store().profile_names()?.contains(&name) {
        return Err(super::context::missing(&engine, name));
    }
    if !yes && !confirm(&format!("Delete PROFILE '{}'", Safe(&name)))? {
        eprintln!("Nothing deleted.");
        return Err(Error::Cancelled);
    }
    if block_on(engine.remove(&name))? {
        eprintln!(
            "Deleted profile '{}' from {}.",
            Safe(&name),
            Safe(&engine.store().location())
        );
        Ok(())
    } else {
        Err(super::context::missing(&engine, name))
    }
}

pub fn use_profile(ctx: &Context, name: &str) -> Result<(), Error> {
    let engine = ctx.engine()?;
    block_on(engine.set_default(name))?;
    eprintln!("Default profile is now '{}'.", Safe(name));
    Ok(())
}

pub fn rename(ctx: &Context, old: &str, new: &str) -> Result<(), Error> {
    let engine = ctx.engine()?;
    block_on(engine.rename(old, new))?;
    eprintln!("Renamed profile '{}' to '{}'.", Safe(old), Safe(new));
    Ok(())
}
