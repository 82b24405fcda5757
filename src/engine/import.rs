//! `import`: profiles of a pancloud credentials file into this engine's store. By default a
//! profile holding tokens is *moved*: the copy here gets the tokens and the file keeps its
//! settings with the tokens cleared and a `moved_to` note, so there are never two live copies of
//! one refresh token (at a provider with reuse detection, the second copy's next refresh would
//! revoke the whole grant). `ImportMode::Copy` keeps both, for whoever really wants that.

use super::{blocking, Engine};
use crate::profile::Profile;
use crate::store::file::FileStore;
use crate::store::SharedStore;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How many `NAME-imported-N` names are tried for a profile whose name holds another grant.
const MAX_ALTERNATIVES: u32 = 20;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImportMode {
    /// Tokens leave the file: the file's profile keeps its settings and says where they went.
    #[default]
    Move,
    /// Both stores keep the tokens (two live copies of one grant).
    Copy,
}

/// The outcome of [`Engine::import`].
#[derive(Debug, Default)]
pub struct Imported {
    pub source: PathBuf,
    /// Each profile imported, and whether it replaced one of the same name.
    pub copied: Vec<(String, bool)>,
    /// The profiles whose tokens left the file (a move).
    pub moved: Vec<String>,
    /// How many profiles the source holds.
    pub total: usize,
    /// Names with a second document in the source (pancloud reads only the first; so does import).
    pub shadowed: Vec<String>,
    /// The source's default profile, made the default here (there was none).
    pub default_set: Option<String>,
    /// The profile whose import failed; the ones after it were not tried.
    pub failed: Option<(String, Error)>,
    /// The file is this engine's store already: its profiles are in use as they are.
    pub already_here: bool,
    /// Profiles whose name here held a different refresh token (another grant): each incoming
    /// one was stored under the second name instead (without `replace`), and nothing was lost.
    pub renamed: Vec<(String, String)>,
    /// Profiles imported into a store that can forget and already gone from it when the import
    /// ended (memcached evicted them: it is full).
    pub gone: Vec<String>,
}

impl Engine {
    /// Imports every profile of a pancloud credentials file into this engine's store, each
    /// under both stores' locks (a refresh through the file meanwhile is neither lost nor
    /// duplicated); the source's default becomes the default here when there is none yet.
    pub async fn import(&self, path: &Path, mode: ImportMode) -> Result<Imported> {
        self.import_replacing(path, mode, false).await
    }

    /// [`Engine::import`]; with `replace`, a profile here that holds a different refresh token
    /// (another grant) is replaced, else the incoming one goes to `NAME-imported`.
    pub async fn import_replacing(
        &self,
        path: &Path,
        mode: ImportMode,
        replace: bool,
    ) -> Result<Imported> {
        if !path.is_file() {
            return Err(Error::Usage(format!(
                "{}: no such pancloud credentials file",
                path.display()
            )));
        }
        let mut out = self.outcome_for(path);
        if out.already_here {
            return Ok(out);
        }
        let source = Arc::new(FileStore::new(path));
        let src = source.clone();
        out.shadowed = blocking(move || Ok(src.shadowed_duplicates())).await?;
        self.take_from(source, mode, replace, &mut out).await?;
        Ok(out)
    }

    /// `export`: every profile of this engine's store into a pancloud credentials file, the
    /// reverse of [`Engine::import`] (a move unless `mode` is `Copy`).
    pub async fn export(&self, path: &Path, mode: ImportMode) -> Result<Imported> {
        self.export_replacing(path, mode, false).await
    }

    /// [`Engine::export`]; `replace` as for [`Engine::import_replacing`] (the file's profile of
    /// another grant is kept, the exported one goes to `NAME-imported` in the file).
    pub async fn export_replacing(
        &self,
        path: &Path,
        mode: ImportMode,
        replace: bool,
    ) -> Result<Imported> {
        let mut out = self.outcome_for(path);
        if out.already_here {
            return Ok(out);
        }
        let file = Engine::new(Arc::new(FileStore::new(path)))
            .with_clock(self.clock.clone())
            .with_lock_timeout(self.lock_timeout);
        file.take_from(self.store.clone(), mode, replace, &mut out)
            .await?;
        Ok(out)
    }

    /// An empty outcome for `path`, knowing whether it is this engine's own store already.
    fn outcome_for(&self, path: &Path) -> Imported {
        Imported {
            source: path.to_path_buf(),
            already_here: self.is_my_file(path),
            ..Default::default()
        }
    }

    /// Whether `path` is this engine's own store (the file store on that file).
    fn is_my_file(&self, path: &Path) -> bool {
        if self.store.kind() != "file" {
            return false;
        }
        let here = std::fs::canonicalize(self.store.location()).ok();
        here.is_some() && std::fs::canonicalize(path).ok() == here
    }

    /// Brings every profile of `source` into this engine's store.
    async fn take_from(
        &self,
        source: SharedStore,
        mode: ImportMode,
        replace: bool,
        out: &mut Imported,
    ) -> Result<()> {
        let src = source.clone();
        let (names, default) = blocking(move || {
            let names: Vec<String> = src.list()?.into_iter().map(|p| p.profile).collect();
            Ok((names, src.default_profile()?))
        })
        .await?;
        out.total = names.len();
        let whereto = format!(
            "the {} store ({})",
            self.store.kind(),
            self.store.location()
        );
        for name in names {
            let one = self.import_one(&source, &name, mode, replace, &whereto, out);
            if let Err(e) = one.await {
                out.failed = Some((name, e));
                return Ok(());
            }
        }
        if self.store.can_forget() {
            // A cache that is full evicts what it was just given: count what is really there.
            let (store, names) = (
                self.store.clone(),
                out.copied
                    .iter()
                    .map(|(n, _)| n.clone())
                    .collect::<Vec<_>>(),
            );
            out.gone = blocking(move || {
                let mut gone = Vec::new();
                for n in names {
                    if store.load(&n)?.is_none() {
                        gone.push(n);
                    }
                }
                Ok(gone)
            })
            .await?;
        }
        if let Some(d) = default {
            let store = self.store.clone();
            if blocking(move || store.default_profile()).await?.is_none()
                && out.copied.iter().any(|(n, _)| *n == d)
            {
                self.set_default(&d).await?;
                out.default_set = Some(d);
            }
        }
        Ok(())
    }

    async fn import_one(
        &self,
        source: &SharedStore,
        name: &str,
        mode: ImportMode,
        replace: bool,
        whereto: &str,
        out: &mut Imported,
    ) -> Result<()> {
        // The source's lock first, then ours: the profile as it is now, not as listed.
        let (src, owned, timeout) = (source.clone(), name.to_string(), self.lock_timeout);
        let _source_lock = blocking(move || src.lock(&owned, timeout)).await?;
        let (src, owned) = (source.clone(), name.to_string());
        let Some(p) = blocking(move || src.load(&owned)).await? else {
            return Ok(()); // removed meanwhile
        };
        let carries_tokens = p.refresh_token.is_some() || p.access_token.is_some();
        let mut target = name.to_string();
        let mut taken = self.take_one(&p, name, replace, carries_tokens).await?;
        if taken.is_none() {
            // A different grant lives under this name here: the incoming one goes beside it.
            for n in 1..=MAX_ALTERNATIVES {
                let alt = match n {
                    1 => format!("{name}-imported"),
                    n => format!("{name}-imported-{n}"),
                };
                crate::profile::name::check(&alt).map_err(Error::Usage)?;
                if let Some(t) = self.take_one(&p, &alt, false, carries_tokens).await? {
                    out.renamed.push((name.to_string(), alt.clone()));
                    (target, taken) = (alt, Some(t));
                    break;
                }
            }
        }
        let Some((existed, tokens_taken)) = taken else {
            return Err(Error::Usage(format!(
                "profile '{}' here and {MAX_ALTERNATIVES} profiles '{}-imported…' hold other grants; \
                 remove some, or pass --replace",
                crate::text::Safe(name),
                crate::text::Safe(name)
            )));
        };
        out.copied.push((target.clone(), existed));
        if mode == ImportMode::Move && tokens_taken {
            let mut left: Profile = p;
            left.forget_access_token();
            left.refresh_token = None;
            left.pkce_verifier = None;
            // The DPoP key goes with the tokens bound to it.
            left.dpop_key = None;
            let as_name = if target == name {
                String::new()
            } else {
                format!(" as profile '{target}'")
            };
            left.moved_to = Some(format!(
                "{whereto}{as_name}, by `pancred import` at {}",
                crate::clock::format_utc(self.now())
            ));
            let src = source.clone();
            blocking(move || src.upsert(&left)).await?;
            out.moved.push(name.to_string());
        }
        Ok(())
    }

    /// Writes the incoming profile `p` here as `name`, under its lock: `None` (nothing written)
    /// when `name` holds a different refresh token and `replace` is off; else whether a profile
    /// existed, and whether the incoming tokens were taken. Settings always come from `p`; a
    /// refresh token here is never taken away by one without a refresh token.
    async fn take_one(
        &self,
        p: &Profile,
        name: &str,
        replace: bool,
        carries_tokens: bool,
    ) -> Result<Option<(bool, bool)>> {
        let mut outcome = None;
        let mut copy = p.clone();
        copy.moved_to = None;
        self.update(name, |stored| {
            let existed = stored.is_some();
            let held = stored.as_ref().and_then(|h| h.refresh_token.clone());
            let other_grant =
                held.is_some() && p.refresh_token.is_some() && held != p.refresh_token;
            if other_grant && !replace {
                return Ok(None);
            }
            let keep_here = !carries_tokens || (held.is_some() && p.refresh_token.is_none());
            if let Some(here) = stored.filter(|_| keep_here) {
                copy.refresh_token = here.refresh_token;
                copy.access_token = here.access_token;
                copy.expires_at = here.expires_at;
                // The key the tokens kept here are bound to, and their type.
                copy.dpop_key = here.dpop_key;
                copy.token_type = here.token_type;
            }
            outcome = Some((existed, carries_tokens && !keep_here));
            Ok(Some(copy))
        })
        .await?;
        Ok(outcome)
    }
}
