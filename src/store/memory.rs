//! A store that keeps everything in memory: tests, demos, and library users who persist elsewhere.

use super::{ProfileLock, Store, StoreError};
use crate::profile::Profile;
use std::collections::HashSet;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[derive(Default)]
struct State {
    profiles: Vec<Profile>,
    default: Option<String>,
    /// Bumped by every write: the change token.
    writes: u64,
}

#[derive(Default)]
struct Locks {
    held: Mutex<HashSet<String>>,
    freed: Condvar,
}

#[derive(Default, Clone)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
    locks: Arc<Locks>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_profiles(profiles: impl IntoIterator<Item = Profile>) -> Self {
        let store = Self::new();
        store.state().profiles = profiles.into_iter().collect();
        store
    }

    /// The same store with `name` as its default profile.
    pub fn with_default(self, name: &str) -> Self {
        self.state().default = Some(name.to_string());
        self
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-written profile: every write is one push/replace.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct MemoryLock {
    name: String,
    locks: Arc<Locks>,
}

impl ProfileLock for MemoryLock {}

impl Drop for MemoryLock {
    fn drop(&mut self) {
        let mut held = self.locks.held.lock().unwrap_or_else(|e| e.into_inner());
        held.remove(&self.name);
        self.locks.freed.notify_all();
    }
}

impl Store for MemoryStore {
    fn kind(&self) -> &'static str {
        "memory"
    }

    fn location(&self) -> String {
        "nothing is saved".into()
    }

    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        Ok(self
            .state()
            .profiles
            .iter()
            .find(|p| p.profile == name)
            .cloned())
    }

    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        Ok(self.state().profiles.clone())
    }

    fn upsert(&self, profile: &Profile) -> Result<(), StoreError> {
        let mut st = self.state();
        super::check_name(&profile.profile, || {
            Ok(st.profiles.iter().any(|p| p.profile == profile.profile))
        })?;
        match st
            .profiles
            .iter_mut()
            .find(|p| p.profile == profile.profile)
        {
            Some(slot) => *slot = profile.clone(),
            None => st.profiles.push(profile.clone()),
        }
        st.writes += 1;
        Ok(())
    }

    fn remove(&self, name: &str) -> Result<bool, StoreError> {
        let mut st = self.state();
        st.writes += 1;
        let before = st.profiles.len();
        st.profiles.retain(|p| p.profile != name);
        if st.default.as_deref() == Some(name) {
            st.default = None;
        }
        Ok(st.profiles.len() != before)
    }

    fn rename(&self, old: &str, new: &str) -> Result<bool, StoreError> {
        let mut st = self.state();
        if !st.profiles.iter().any(|p| p.profile == old) {
            return Ok(false);
        }
        st.writes += 1;
        st.profiles.retain(|p| p.profile != new);
        for p in st.profiles.iter_mut().filter(|p| p.profile == old) {
            p.profile = new.to_string();
        }
        if st.default.as_deref() == Some(old) {
            st.default = Some(new.to_string());
        }
        Ok(true)
    }

    fn default_profile(&self) -> Result<Option<String>, StoreError> {
        Ok(self.state().default.clone())
    }

    fn set_default_profile(&self, name: &str) -> Result<(), StoreError> {
        let mut st = self.state();
        st.default = Some(name.to_string());
        st.writes += 1;
        Ok(())
    }

    fn change_token(&self) -> Result<Option<u64>, StoreError> {
        Ok(Some(self.state().writes))
    }

    fn lock(&self, name: &str, timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError> {
        let deadline = Instant::now() + timeout;
        let mut held = self.locks.held.lock().unwrap_or_else(|e| e.into_inner());
        while held.contains(name) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::LockTimeout {
                    waited: timeout,
                    what: format!("profile '{name}'"),
                });
            }
            held = self
                .locks
                .freed
                .wait_timeout(held, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        held.insert(name.to_string());
        Ok(Box::new(MemoryLock {
            name: name.to_string(),
            locks: self.locks.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_replaces_by_name() {
        let s = MemoryStore::new();
        let mut p = Profile::new("a");
        s.upsert(&p).unwrap();
        p.client_id = Some("x".into());
        s.upsert(&p).unwrap();
        assert_eq!(s.list().unwrap().len(), 1);
        assert_eq!(
            s.load("a").unwrap().unwrap().client_id.as_deref(),
            Some("x")
        );
        assert!(s.remove("a").unwrap());
        assert!(!s.remove("a").unwrap());
    }

    #[test]
    fn lock_excludes_until_dropped() {
        let s = MemoryStore::new();
        let g = s.lock("a", Duration::from_millis(10)).unwrap();
        assert!(matches!(
            s.lock("a", Duration::from_millis(20)),
            Err(StoreError::LockTimeout { .. })
        ));
        let _other = s.lock("b", Duration::from_millis(10)).unwrap();
        drop(g);
        s.lock("a", Duration::from_millis(10)).unwrap();
    }
}
