//! Applying a rescue: when the profile as stored now is the one the rescue belongs to, its tokens
//! go in; when the store holds another grant, the store's copy wins and the file is set aside
//! (never deleted: it may hold the only live refresh token of a grant); when the profile is
//! missing from a store that can forget ([`crate::store::Store::can_forget`]), the rescue waits
//! for it to come back.

use super::{Engine, Rescued};
use crate::profile::Profile;
use crate::text::Safe;
use std::path::{Path, PathBuf};

/// What to do with a rescue, given the profile as stored now.
enum Fate {
    /// The store still holds the spent refresh token: the rescued tokens go in.
    Apply,
    /// The store already holds the rescued refresh token (a late write, or another process).
    Stored,
    /// The profile is missing from a store that forgets: the rescue waits for it.
    Absent,
    /// The profile was removed, or holds another grant: the store's copy wins.
    Superseded(&'static str),
}

fn fate(current: Option<&Profile>, r: &Rescued, forgets: bool) -> Fate {
    let Some(p) = current else {
        return if forgets {
            Fate::Absent
        } else {
            Fate::Superseded("the profile was removed")
        };
    };
    if r.refresh_token.is_some() && p.refresh_token == r.refresh_token {
        return Fate::Stored;
    }
    if p.refresh_token == r.spent_refresh_token {
        return Fate::Apply;
    }
    Fate::Superseded("the store holds a different refresh token (a new login)")
}

fn put_tokens(p: &mut Profile, r: &Rescued) {
    if r.refresh_token.is_some() {
        p.refresh_token = r.refresh_token.clone();
    }
    p.access_token = r.access_token.clone();
    p.expires_at = r.expires_at;
}

/// Where a superseded rescue file is kept: beside it, named after the time it was set aside.
fn set_aside_path(path: &Path, now: i64) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!("{stem}.superseded-{now}.json"))
}

impl Engine {
    /// Whether a rescue file waits for `name` (no read of it; cheap when there is no folder).
    pub(crate) fn rescue_waiting(&self, name: &str) -> bool {
        // Most users never have a rescue: look for the folder before hashing the store's name
        // (a cached `pancred token` should not pay for SHA-256's start-up).
        if !self.rescue_dir().is_some_and(|d| d.is_dir()) {
            return false;
        }
        self.rescue_path(name).is_some_and(|p| p.exists())
    }

    /// Applies a pending rescue of `profile` to the store (the caller holds the lock). Left in
    /// place when the store still refuses, or when the profile is missing from a store that can
    /// forget; [`Engine::with_rescue`] then serves its tokens.
    pub(crate) async fn settle_rescue(&self, profile: &str) {
        let Some((path, rescued)) = self.read_rescue(profile) else {
            return;
        };
        let (store, name) = (self.store.clone(), profile.to_string());
        let Ok(current) = crate::engine::blocking(move || store.load(&name)).await else {
            return;
        };
        match fate(current.as_ref(), &rescued, self.store.can_forget()) {
            Fate::Apply => {
                let mut p = current.unwrap_or_else(|| Profile::new(profile));
                put_tokens(&mut p, &rescued);
                let store = self.store.clone();
                if let Err(e) = crate::engine::blocking(move || store.upsert(&p)).await {
                    self.notice(format!(
                        "the new tokens of profile '{}' are still kept in {} ({e}); they are used from there",
                        Safe(profile),
                        path.display()
                    ));
                    return;
                }
                self.rescue_stored(profile, &path, &rescued);
            }
            Fate::Stored => {
                let _ = std::fs::remove_file(&path);
            }
            Fate::Absent => self.notice(format!(
                "profile '{}' is missing from the {} store, which can forget what it holds (an \
                 eviction, a restart without persistence): that is not a removal. Its newest \
                 tokens stay in {}. Bring the profile back (`pancred import --from FILE` or \
                 `pancred init --from FILE --write --profile {}`) and pancred stores them into it \
                 in the same write, whatever refresh token comes back with it; `{}` drops \
                 them.",
                Safe(profile),
                self.store.kind(),
                path.display(),
                Safe(profile),
                crate::text::pancred_command(profile, "remove"),
            )),
            Fate::Superseded(why) => {
                let aside = set_aside_path(&path, self.now());
                let kept = std::fs::rename(&path, &aside).is_ok();
                self.notice(format!(
                    "did not apply the tokens of profile '{}' kept since {}: {why} since they were \
                     saved; the store's copy is used. {}",
                    Safe(profile),
                    crate::clock::format_utc(rescued.saved_at),
                    if kept {
                        format!("The file is set aside as {} (delete it once that grant is no longer wanted).", aside.display())
                    } else {
                        format!("The file stays at {}.", path.display())
                    }
                ));
            }
        }
    }

    fn rescue_stored(&self, profile: &str, path: &Path, rescued: &Rescued) {
        let _ = std::fs::remove_file(path);
        self.notice(format!(
            "stored the tokens of profile '{}' kept in {} since {} (the file is removed)",
            Safe(profile),
            path.display(),
            crate::clock::format_utc(rescued.saved_at)
        ));
    }

    /// For a write under the lock: when a rescue waits for `next` (it holds the spent refresh
    /// token, or it brings a profile the store had forgotten back without its tokens), its
    /// tokens go into `next`, so the write that brings a profile back never stores a spent
    /// refresh token. Returns what [`Engine::rescue_written`] needs once the write succeeded.
    pub(crate) fn rescue_into(&self, next: &mut Profile, was_missing: bool) -> Option<PathBuf> {
        if !self.rescue_waiting(&next.profile) {
            return None;
        }
        let (path, rescued) = self.read_rescue(&next.profile)?;
        let apply = match fate(Some(next), &rescued, self.store.can_forget()) {
            Fate::Apply | Fate::Stored => true,
            // Recreated by hand (`init`) after the store forgot it: the rescue is its grant.
            Fate::Superseded(_) => {
                was_missing && self.store.can_forget() && next.refresh_token.is_none()
            }
            Fate::Absent => false,
        };
        if !apply {
            return None;
        }
        put_tokens(next, &rescued);
        Some(path)
    }

    /// After a successful write that carried a rescue's tokens: the file goes.
    pub(crate) fn rescue_written(&self, profile: &str, path: &Path) {
        if let Some((_, rescued)) = self.read_rescue(profile) {
            self.rescue_stored(profile, path, &rescued);
        }
    }

    /// `pancred remove`: a waiting rescue goes with the profile (the caller holds the lock).
    pub(crate) fn drop_rescue(&self, profile: &str) {
        if !self.rescue_waiting(profile) {
            return;
        }
        if let Some(path) = self.rescue_path(profile) {
            if std::fs::remove_file(&path).is_ok() {
                self.notice(format!(
                    "removed the tokens of profile '{}' that were waiting in {}",
                    Safe(profile),
                    path.display()
                ));
            }
        }
    }

    /// The profile as stored, with the tokens of a rescue not yet applied (so the spent refresh
    /// token is never used while a rescue waits).
    pub(crate) fn with_rescue(&self, name: &str, stored: Option<Profile>) -> Option<Profile> {
        if !self.rescue_waiting(name) {
            return stored;
        }
        let Some((_, rescued)) = self.read_rescue(name) else {
            return stored;
        };
        match (
            fate(stored.as_ref(), &rescued, self.store.can_forget()),
            stored,
        ) {
            (Fate::Apply, Some(mut p)) => {
                put_tokens(&mut p, &rescued);
                Some(p)
            }
            (_, stored) => stored,
        }
    }
}
