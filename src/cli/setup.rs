//! Putting profiles into a store: `init` (summit.py -C --R0 FILE --write), `generate`
//! (credentials_generate.py) and `import` (a whole pancloud file).

use super::context::{check_new_name, read_input};
use super::output::{print_json, print_text, show_text};
use super::prompt::{ask, ask_secret, confirm};
use super::Context;
use crate::profile::{Profile, DEFAULT_PROFILE, FIELD_NAMES};
use crate::store::file::FileStore;
use crate::store::Store;
use crate::summary::ProfileSummary;
use crate::text::Safe;
use crate::Error;
use serde_json::{Map, Value};
use std::path::Path;

fn read_init_file(path: &Path) -> Result<Map<String, Value>, Error> {
    let text = read_input(path)?;
    let shown = path.display();
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Error::Usage(format!("{shown}: not valid JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(Error::Usage(format!(
            "{shown}: expected a JSON object of profile fields"
        )));
    };
    let unknown: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|k| !FIELD_NAMES.contains(k))
        .collect();
    if !unknown.is_empty() {
        return Err(Error::Usage(format!(
            "{shown}: unknown field(s) {}; the fields are: {}",
            unknown.join(", "),
            FIELD_NAMES.join(", ")
        )));
    }
    Ok(map)
}

pub fn init(ctx: &Context, from: &Path, write: bool, json: bool) -> Result<(), Error> {
    let fields = read_init_file(from)?;
    let from_file = match fields.get("profile") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => {
            return Err(Error::Usage(format!(
                "{}: \"profile\" must be a non-empty string",
                from.display()
            )))
        }
    };
    let name = ctx
        .global
        .profile
        .clone()
        .or(from_file)
        .or_else(|| {
            std::env::var("PANCRED_PROFILE")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
    let store = ctx.store()?;
    let existing = store.load(&name)?;
    check_new_name(&name, existing.is_some())?;
    // Like pancloud's upsert: the file's fields replace, the profile's other fields stay.
    let mut doc = existing
        .as_ref()
        .map(Profile::to_json)
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    for (k, v) in fields {
        doc.insert(k, v);
    }
    doc.insert("profile".into(), Value::String(name.clone()));
    let profile = Profile::from_json(Value::Object(doc))
        .map_err(|e| Error::Usage(format!("{}: {e}", from.display())))?;
    let summary = ProfileSummary::new(
        &profile,
        store.default_profile()?.as_deref() == Some(&name),
        ctx.now(),
        ctx.global.leeway,
    );
    if write {
        store.upsert(&profile)?;
        eprintln!(
            "{} profile '{}' in {}.",
            if existing.is_some() {
                "Updated"
            } else {
                "Wrote"
            },
            Safe(&name),
            store.location()
        );
    } else {
        eprintln!(
            "Checked {}: this is what `--write` would store (nothing written).",
            from.display()
        );
    }
    if json {
        print_json(&summary)
    } else {
        print_text(&show_text(
            &summary,
            &format!("{}: {}", store.kind(), store.location()),
        ))
    }
}

pub fn generate(ctx: &Context) -> Result<(), Error> {
    let store = ctx.store()?;
    let suggested = ctx.profile_name(&store)?;
    let client_id = ask("CLIENT_ID: ")?.trim().to_string();
    let client_secret = ask_secret("CLIENT_SECRET: ")?;
    let refresh_token = ask_secret("REFRESH_TOKEN: ")?;
    let answer = ask(&format!("PROFILE [{suggested}]: "))?;
    let name = match answer.trim() {
        "" => suggested,
        n => n.to_string(),
    };
    let stored = store.load(&name)?;
    check_new_name(&name, stored.is_some())?;
    if !confirm(&format!("Write credentials to PROFILE '{}'", Safe(&name)))? {
        eprintln!("Nothing written.");
        return Err(Error::Cancelled);
    }
    let mut profile = stored.unwrap_or_else(|| Profile::new(&name));
    profile.client_id = (!client_id.is_empty()).then_some(client_id);
    profile.client_secret = client_secret;
    profile.refresh_token = refresh_token;
    // New credentials: a cached access token from the old ones no longer belongs here.
    profile.forget_access_token();
    store.upsert(&profile)?;
    eprintln!("Wrote profile '{}' to {}.", Safe(&name), store.location());
    Ok(())
}

pub fn import(ctx: &Context, from: Option<&Path>) -> Result<(), Error> {
    let path = match from {
        Some(p) => p.to_path_buf(),
        None => crate::store::file::default_path()?,
    };
    if !path.is_file() {
        return Err(Error::Usage(format!(
            "{}: no such pancloud credentials file",
            path.display()
        )));
    }
    let source = FileStore::new(&path);
    let dest = ctx.store()?;
    if dest.kind() == "file" {
        let same = std::fs::canonicalize(&path).ok() == std::fs::canonicalize(dest.location()).ok();
        if same {
            return Err(Error::Usage(format!(
                "{} is already the selected store; choose another with --store",
                path.display()
            )));
        }
    }
    let profiles = source.list()?;
    for name in shadowed_duplicates(&path) {
        eprintln!(
            "skipped a second document for profile '{}' in {}: pancloud reads only the first, and so does import",
            Safe(&name),
            path.display()
        );
    }
    if profiles.is_empty() {
        eprintln!("{} holds no profiles; nothing to import.", path.display());
        return Ok(());
    }
    let mut lines = String::new();
    let mut refused = Vec::new();
    for (done, p) in profiles.iter().enumerate() {
        let old = dest.load(&p.profile);
        // A name no profile may have is not copied: the others are, and the command says which.
        if let Ok(old) = &old {
            if let Err(Error::Usage(why)) = check_new_name(&p.profile, old.is_some()) {
                eprintln!("skipped a profile of {}: {why}", path.display());
                refused.push(why);
                continue;
            }
        }
        let copied = old.and_then(|old| dest.upsert(p).map(|()| old.is_some()));
        match copied {
            Ok(existed) => lines.push_str(&format!(
                "{} {}\n",
                if existed { "replaced" } else { "imported" },
                Safe(&p.profile)
            )),
            Err(e) => {
                // Say exactly how far it got: what is copied stays copied, the rest was not tried.
                print_text(&lines)?;
                eprintln!(
                    "Copied {done} of {} profile(s) from {} before profile '{}' failed; the others were not copied.",
                    profiles.len(),
                    path.display(),
                    Safe(&p.profile)
                );
                return Err(e.into());
            }
        }
    }
    eprintln!(
        "Copied {} profile(s) from {} into the {} store ({}).",
        profiles.len() - refused.len(),
        path.display(),
        dest.kind(),
        dest.location()
    );
    print_text(&lines)?;
    if refused.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{} profile(s) of {} were not copied: their names break the rule (not empty, no control characters, no spaces at the ends, at most {} characters); rename them there first",
            refused.len(),
            path.display(),
            crate::profile::name::MAX_CHARS
        )))
    }
}

/// Profile names with more than one document in a pancloud file (TinyDB returns the first).
fn shadowed_duplicates(path: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let Ok(Value::Object(root)) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    let Some(Value::Object(table)) = root.get(crate::store::file::TABLE) else {
        return Vec::new();
    };
    let mut docs: Vec<(u128, &str)> = table
        .iter()
        .filter_map(|(id, d)| Some((id.parse().ok()?, d.get("profile")?.as_str()?)))
        .collect();
    docs.sort_unstable();
    let mut seen = std::collections::HashSet::new();
    docs.into_iter()
        .filter(|(_, name)| !seen.insert(*name))
        .map(|(_, name)| name.to_string())
        .collect()
}
