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
}

impl Engine {
    /// Imports every profile of a pancloud credentials file into this engine's store, each
    /// under both stores' locks (a refresh through the file meanwhile is neither lost nor
    /// duplicated); the source's default becomes the default here when there is none yet.
    pub async fn import(&self, path: &Path, mode: ImportMode) -> Result<Imported> {
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
        self.take_from(source, mode, &mut out).await?;
        Ok(out)
    }

    /// `export`: every profile of this engine's store into a pancloud credentials file, the
    /// reverse of [`Engine::import`] (a move unless `mode` is `Copy`).
    pub async fn export(&self, path: &Path, mode: ImportMode) -> Result<Imported> {
        let mut out = self.outcome_for(path);
        if out.already_here {
            return Ok(out);
        }
        let file = Engine::new(Arc::new(FileStore::new(path)))
            .with_clock(self.clock.clone())
            .with_lock_timeout(self.lock_timeout);
        file.take_from(self.store.clone(), mode, &mut out).await?;
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
            if let Err(e) = self.import_one(&source, &name, mode, &whereto, out).await {
                out.failed = Some((name, e));
                return Ok(());
            }
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
        let mut existed = false;
        let mut copy = p.clone();
        copy.moved_to = None;
        self.update(name, |stored| {
            existed = stored.is_some();
            // The file's settings replace ours, but a file without tokens (moved here before, or
            // never authorized) never takes away the tokens this store holds.
            if let Some(here) = stored.filter(|_| !carries_tokens) {
                copy.refresh_token = here.refresh_token;
                copy.access_token = here.access_token;
                copy.expires_at = here.expires_at;
            }
            Ok(Some(copy))
        })
        .await?;
        out.copied.push((name.to_string(), existed));
        if mode == ImportMode::Move && carries_tokens {
            let mut left: Profile = p;
            left.forget_access_token();
            left.refresh_token = None;
            left.pkce_verifier = None;
            left.moved_to = Some(format!(
                "{whereto}, by `pancred import` at {}",
                crate::clock::format_utc(self.now())
            ));
            let src = source.clone();
            blocking(move || src.upsert(&left)).await?;
            out.moved.push(name.to_string());
        }
        Ok(())
    }
}
