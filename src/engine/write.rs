//! Every write of a profile that is not a token exchange: save, rename, remove, the default,
//! import. Each takes the profile's lock (the one refreshes take), reads the profile as stored
//! now, and applies only what the caller changed, so a refresh token rotated by another process
//! in the meantime is never written over with an older one.

use super::{blocking, Engine};
use crate::profile::fields;
use crate::profile::Profile;
use crate::store::ProfileLock;
use crate::{Error, Result};
use serde_json::{Map, Value};

/// What a face asks to change in one profile: only the fields the user touched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfilePatch {
    /// New values, as JSON (the types of an `init` file). A secret not named here is kept.
    pub set: Map<String, Value>,
    /// Fields to clear.
    pub unset: Vec<String>,
    /// Tokens to forget, only ever because the user asked (new credentials, a new client).
    pub forget: Forget,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Forget {
    #[default]
    Nothing,
    /// The cached access token and its expiry.
    AccessToken,
    /// The access and refresh tokens.
    Tokens,
}

/// The outcome of [`Engine::save`].
#[derive(Debug, Clone)]
pub struct Saved {
    pub profile: Profile,
    pub created: bool,
    /// False when the patch changed nothing, so nothing was written.
    pub written: bool,
}

impl ProfilePatch {
    /// A patch from a JSON object of profile fields (an `init` file). Unknown or internal field
    /// names are a usage error listing the fields there are.
    pub fn from_fields(fields: Map<String, Value>) -> std::result::Result<Self, String> {
        let unknown: Vec<&str> = fields
            .keys()
            .map(String::as_str)
            .filter(|k| !fields::is_user_field(k))
            .collect();
        if !unknown.is_empty() {
            let known: Vec<&str> = fields::user_fields().map(|f| f.name).collect();
            return Err(format!(
                "unknown field(s) {}; the fields are: {}",
                unknown.join(", "),
                known.join(", ")
            ));
        }
        let mut patch = ProfilePatch::default();
        for (k, v) in fields {
            if v.is_null() || v.as_str() == Some("") {
                patch.unset.push(k);
            } else {
                patch.set.insert(k, v);
            }
        }
        Ok(patch)
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.unset.is_empty() && self.forget == Forget::Nothing
    }

    /// `base` with this patch applied; its name stays `base`'s.
    pub fn apply(&self, base: &Profile) -> std::result::Result<Profile, String> {
        let Value::Object(mut doc) = base.to_json() else {
            return Err("the stored profile is not an object".into());
        };
        for k in &self.unset {
            if k != "profile" {
                doc.remove(k);
            }
        }
        for (k, v) in &self.set {
            if k != "profile" {
                doc.insert(k.clone(), v.clone());
            }
        }
        let mut p = Profile::from_json(Value::Object(doc))?;
        p.profile = base.profile.clone();
        match self.forget {
            Forget::Nothing => {}
            Forget::AccessToken => p.forget_access_token(),
            Forget::Tokens => {
                p.forget_access_token();
                p.refresh_token = None;
            }
        }
        // Only what this patch sets is checked: a value stored earlier (by pancloud, say) is the
        // engine's to refuse when it is used, and must not block an unrelated edit.
        for name in self.set.keys() {
            if let (Some(spec), Some(text)) = (fields::spec(name), p.setting_text(name)) {
                if matches!(spec.kind, fields::Kind::Url | fields::Kind::KeyFile) {
                    fields::check_text(spec, &text, p.allow_insecure_http).map_err(|e| {
                        let hint = if e.contains("https") {
                            " (or set allow_insecure_http to true)"
                        } else {
                            ""
                        };
                        format!("{name}: {e}{hint}")
                    })?;
                }
            }
        }
        if self.set.contains_key("client_key") {
            if let Some(key) = &p.client_key {
                crate::client_key::ClientKey::from_pem(key.expose().as_bytes())
                    .map_err(|e| format!("client_key: {e}"))?;
            }
        }
        Ok(p)
    }
}

/// A profile name anyone can type and every store can hold.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    crate::profile::name::check(name)
}

impl Engine {
    /// The write primitive: under `name`'s lock, `f` gets the profile as stored now (`None` when
    /// there is none) and returns what to store (`None`: write nothing). Returns what was stored.
    pub async fn update<F>(&self, name: &str, f: F) -> Result<Option<Profile>>
    where
        F: FnOnce(Option<Profile>) -> Result<Option<Profile>>,
    {
        let _lock = self.lock(name).await?;
        let stored = self.load(name).await?;
        let was_missing = stored.is_none();
        let Some(mut next) = f(stored)? else {
            return Ok(None);
        };
        next.profile = name.to_string();
        // A profile coming back to a store that forgot it (an import of its old copy) gets the
        // tokens a rescue keeps for it in the same write: a spent refresh token is never stored.
        let rescue = self.rescue_into(&mut next, was_missing);
        self.upsert(next.clone()).await?;
        if let Some(path) = rescue {
            self.rescue_written(name, &path);
        }
        Ok(Some(next))
    }

    /// Applies `patch` to the profile as stored now (a new profile when there is none).
    pub async fn save(&self, name: &str, patch: ProfilePatch) -> Result<Saved> {
        let mut outcome = None;
        let written = self
            .update(name, |stored| {
                let created = stored.is_none();
                // A profile already stored keeps its name, whatever it is; a new one must pass.
                if created {
                    check_name(name).map_err(Error::Usage)?;
                }
                let base = stored.clone().unwrap_or_else(|| Profile::new(name));
                let next = patch
                    .apply(&base)
                    .map_err(|e| Error::Usage(format!("profile '{name}': {e}")))?;
                let changed = created || stored.as_ref() != Some(&next);
                outcome = Some((next.clone(), created));
                Ok(changed.then_some(next))
            })
            .await?;
        let (profile, created) = outcome.ok_or_else(|| Error::Other("nothing saved".into()))?;
        Ok(Saved {
            profile,
            created,
            written: written.is_some(),
        })
    }

    /// A new profile from `patch`; refused when the name was taken meanwhile.
    pub async fn create(&self, name: &str, patch: ProfilePatch) -> Result<Saved> {
        check_name(name).map_err(Error::Usage)?;
        let mut outcome = None;
        self.update(name, |stored| {
            if stored.is_some() {
                return Err(Error::Usage(format!(
                    "'{name}' already exists; remove it or choose another name"
                )));
            }
            let p = patch
                .apply(&Profile::new(name))
                .map_err(|e| Error::Usage(format!("profile '{name}': {e}")))?;
            outcome = Some(p.clone());
            Ok(Some(p))
        })
        .await?;
        let profile = outcome.ok_or_else(|| Error::Other("nothing saved".into()))?;
        Ok(Saved {
            profile,
            created: true,
            written: true,
        })
    }

    /// Renames `old` to `new`, default mark included, in one atomic write where the store can
    /// (file, Redis, memory) and never leaving zero copies where it cannot (the keyring). Run
    /// again after an interruption, it finishes the job.
    pub async fn rename(&self, old: &str, new: &str) -> Result<()> {
        check_name(new).map_err(Error::Usage)?;
        if old == new {
            return Ok(());
        }
        let _locks = self.lock_both(old, new).await?;
        let (a, b) = (self.load(old).await?, self.load(new).await?);
        let Some(a) = a else {
            // A rename that got as far as removing the old name is done.
            return match b {
                Some(_) => Ok(()),
                None => Err(self.no_such(old)),
            };
        };
        if let Some(b) = b {
            let mut copy = a.clone();
            copy.profile = new.to_string();
            if copy != b {
                return Err(Error::Usage(format!(
                    "'{new}' already exists; remove it or choose another name"
                )));
            }
            // An identical copy under the new name: a half-done rename to finish.
        }
        let (store, old_n, new_n) = (self.store.clone(), old.to_string(), new.to_string());
        if !blocking(move || store.rename(&old_n, &new_n)).await? {
            return Err(self.no_such(old));
        }
        Ok(())
    }

    /// Saves `patch` into `old` and then renames it to `new`, as the TUI form does.
    pub async fn save_as(&self, old: &str, new: &str, patch: ProfilePatch) -> Result<Saved> {
        if old != new {
            check_name(new).map_err(Error::Usage)?;
            if self.load(new).await?.is_some() {
                return Err(Error::Usage(format!(
                    "'{new}' already exists; remove it or choose another name"
                )));
            }
        }
        let mut saved = self.save(old, patch).await?;
        self.rename(old, new).await?;
        saved.profile.profile = new.to_string();
        Ok(saved)
    }

    /// Removes a profile under its lock; `false` when there was none.
    pub async fn remove(&self, name: &str) -> Result<bool> {
        let _lock = self.lock(name).await?;
        let (store, n) = (self.store.clone(), name.to_string());
        let removed = blocking(move || store.remove(&n)).await?;
        self.drop_rescue(name);
        Ok(removed)
    }

    /// Makes an existing profile the default (`pancred use`).
    pub async fn set_default(&self, name: &str) -> Result<()> {
        let _lock = self.lock(name).await?;
        if self.load(name).await?.is_none() {
            return Err(self.no_such(name));
        }
        let (store, n) = (self.store.clone(), name.to_string());
        blocking(move || store.set_default_profile(&n)).await
    }

    /// Both names' locks, always taken in the same order so two renames cannot deadlock.
    async fn lock_both(&self, a: &str, b: &str) -> Result<[Box<dyn ProfileLock>; 2]> {
        let (first, second) = if a <= b { (a, b) } else { (b, a) };
        let l1 = self.lock(first).await?;
        let l2 = self.lock(second).await?;
        Ok([l1, l2])
    }
}

#[cfg(test)]
mod tests;
