//! Putting profiles into a store: `init` (summit.py -C --R0 FILE --write), `generate`
//! (credentials_generate.py).

use super::context::read_input;
use super::context::Context;
use super::output::{print_json, print_text, show_text};
use super::prompt::{ask, ask_secret, confirm};
use crate::config::block_on;
use crate::engine::{check_name, Forget, ProfilePatch};
use crate::profile::{Profile, DEFAULT_PROFILE};
use crate::summary::ProfileSummary;
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
    Ok(map)
}

pub fn init(ctx: &Context, from: &Path, write: bool, json: bool) -> Result<(), Error> {
    let mut fields = read_init_file(from)?;
    let from_file = match fields.remove("profile") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        Some(_) => {
            return Err(Error::Usage(format!(
                "{}: \"profile\" must be a non-empty string",
                from.display()
            )))
        }
    };
    let patch = ProfilePatch::from_fields(fields)
        .map_err(|e| Error::Usage(format!("{}: {e}", from.display())))?;
    let name = ctx
        .global
        .profile
        .clone()
        .or(from_file)
        .or_else(|| ctx.explicit_profile())
        .unwrap_or_else(|| DEFAULT_PROFILE.to_string());
    check_name(&name).map_err(|e| Error::Usage(format!("{}: {e}", from.display())))?;
    let engine = ctx.engine()?;
    let store = engine.store();
    // Like pancloud's upsert: the file's fields replace, the profile's other fields stay. The
    // engine applies them to the profile as stored when it writes, under the profile's lock.
    let profile = if write {
        let patch = public_client_default(&engine, &name, patch);
        let key_in_file = patch.set.contains_key("client_key") && store.kind() == "file";
        let saved = block_on(engine.save(&name, patch))?;
        if key_in_file {
            eprintln!(
                "pancred: warning: profile '{name}' keeps its private key (client_key) in the \
                 credentials file {}, where any program that reads that file finds it; the OS \
                 keyring (--store keyring) keeps it apart, or name a key file in client_key_file",
                store.location()
            );
        }
        eprintln!(
            "{} profile '{name}' in {}.",
            if saved.created {
                "Wrote"
            } else if saved.written {
                "Updated"
            } else {
                "Nothing to change in"
            },
            store.location()
        );
        saved.profile
    } else {
        let base = store.load(&name)?.unwrap_or_else(|| Profile::new(&name));
        let preview = patch
            .apply(&base)
            .map_err(|e| Error::Usage(format!("{}: {e}", from.display())))?;
        eprintln!(
            "Checked {}: this is what `--write` would store (nothing written).",
            from.display()
        );
        preview
    };
    warn_key_files(&profile);
    let summary = ProfileSummary::new(
        &profile,
        store.default_profile()?.as_deref() == Some(&name),
        ctx.now(),
        ctx.global.leeway,
    );
    if json {
        print_json(&summary)
    } else {
        print_text(&show_text(
            &profile,
            &summary,
            &format!("{}: {}", store.kind(), store.location()),
            None,
        ))
    }
}

/// An mTLS profile whose certificate or key file is missing, unreadable or mismatched: said now
/// (a warning: the files may be put in place later), as `token` would refuse it.
fn warn_key_files(p: &Profile) {
    if !p.client_auth.is_mtls() {
        return;
    }
    let checked = crate::oauth::mtls::files(p)
        .and_then(|(cert, key)| crate::oauth::mtls::identity(&cert, &key).map(|_| ()));
    if let Err(e) = checked {
        eprintln!(
            "pancred: warning: {}",
            crate::text::safe_lines(&e.to_string())
        );
    }
}

/// A public client (a client_id, no secret) whose file does not choose `client_auth` gets
/// `none` when the issuer's metadata lists it: otherwise the default, client_secret_basic, would
/// fail at the first login asking for a secret the client does not have.
fn public_client_default(
    engine: &crate::Engine,
    name: &str,
    mut patch: ProfilePatch,
) -> ProfilePatch {
    use crate::profile::{Dialect, Grant};
    if patch.set.contains_key("client_auth") || patch.unset.iter().any(|f| f == "client_auth") {
        return patch;
    }
    let base = engine
        .store()
        .load(name)
        .ok()
        .flatten()
        .unwrap_or_else(|| Profile::new(name));
    let Ok(p) = patch.apply(&base) else {
        return patch;
    };
    let public = p.dialect == Dialect::OAuth2
        && p.grant == Grant::AuthorizationCode
        && p.client_id.is_some()
        && p.client_secret.is_none()
        && p.client_auth.uses_secret()
        && p.issuer.is_some();
    if !public {
        return patch;
    }
    let allowed = block_on(async {
        let caller = engine.caller()?;
        let e = crate::oauth::discovery::endpoints(
            &caller,
            &p,
            crate::oauth::discovery::Need::Authorization,
        )
        .await?;
        Ok(e.token_auth_methods.iter().any(|m| m == "none"))
    });
    if let Ok(true) = allowed {
        eprintln!(
            "client_auth: none (a public client: it has no client_secret, and the issuer's metadata allows none)"
        );
        patch
            .set
            .insert("client_auth".into(), Value::String("none".into()));
    }
    patch
}

pub fn generate(ctx: &Context) -> Result<(), Error> {
    let engine = ctx.engine()?;
    let suggested = ctx.profile_name(&engine)?;
    let client_id = ask("CLIENT_ID: ")?.trim().to_string();
    let client_secret = ask_secret("CLIENT_SECRET: ")?;
    let refresh_token = ask_secret("REFRESH_TOKEN: ")?;
    let answer = ask(&format!("PROFILE [{suggested}]: "))?;
    let name = match answer.trim() {
        "" => suggested,
        n => n.to_string(),
    };
    check_name(&name).map_err(Error::Usage)?;
    if !confirm(&format!("Write credentials to PROFILE '{name}'"))? {
        eprintln!("Nothing written.");
        return Err(Error::Cancelled);
    }
    // The three answers replace what is stored (an empty one clears it); a cached access token
    // from the old credentials no longer belongs here.
    let mut patch = ProfilePatch {
        forget: Forget::AccessToken,
        ..Default::default()
    };
    let mut put = |field: &str, value: Option<String>| match value {
        Some(v) => {
            patch.set.insert(field.into(), Value::String(v));
        }
        None => patch.unset.push(field.into()),
    };
    put("client_id", (!client_id.is_empty()).then_some(client_id));
    put(
        "client_secret",
        client_secret.map(|s| s.expose().to_string()),
    );
    put(
        "refresh_token",
        refresh_token.map(|s| s.expose().to_string()),
    );
    block_on(engine.save(&name, patch))?;
    eprintln!("Wrote profile '{name}' to {}.", engine.store().location());
    Ok(())
}
