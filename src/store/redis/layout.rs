//! The store's layout in Redis: the name of every key and the document each profile key holds.
//! The Redis store and the small executable's plain reader (`plain/`) both name keys and read
//! profiles through this one place, so they can never disagree on where a profile lives or
//! what a stored document means.

use super::topology;
use crate::profile::Profile;
use crate::store::StoreError;

/// The keys of one store, under its prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    prefix: String,
}

impl Layout {
    /// The layout under `prefix` (`PANCRED_REDIS_PREFIX`). In a Cluster every key of a store
    /// lives in one hash slot, so the prefix gets a hash tag when it has none.
    pub(super) fn new(prefix: &str, cluster: bool) -> Self {
        Layout {
            prefix: match cluster {
                true => topology::cluster_prefix(prefix),
                false => prefix.to_string(),
            },
        }
    }

    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The profile's document (a JSON string).
    pub(super) fn profile(&self, name: &str) -> String {
        format!("{}profile:{name}", self.prefix)
    }

    /// The sorted set of profile names.
    pub(super) fn index(&self) -> String {
        format!("{}profiles", self.prefix)
    }

    /// The counter behind the index's scores.
    pub(super) fn seq(&self) -> String {
        format!("{}seq", self.prefix)
    }

    /// The default profile's name.
    pub(super) fn default_profile(&self) -> String {
        format!("{}default", self.prefix)
    }

    /// Bumped by every write.
    pub(super) fn version(&self) -> String {
        format!("{}version", self.prefix)
    }

    /// The profile's refresh lock.
    pub(super) fn lock(&self, name: &str) -> String {
        format!("{}lock:{name}", self.prefix)
    }

    /// The store's location as messages and the rescue file name it (`shown`: the URL without
    /// its password). Both readers give the same, so a rescue written by one is found by the
    /// other.
    pub(super) fn location(&self, shown: &str) -> String {
        format!("{shown} (keys {}*)", self.prefix)
    }

    /// The profile `name` from its key's document (`shown`: the server, for messages).
    pub(super) fn parse(&self, shown: &str, name: &str, json: &str) -> Result<Profile, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt {
            location: format!("{shown} key {}", self.profile(name)),
            what,
        };
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            corrupt(format!(
                "not a JSON profile ({e}); it was left as it is: fix it, or delete the key"
            ))
        })?;
        let profile = Profile::from_json(value).map_err(corrupt)?;
        if profile.profile != name {
            return Err(corrupt(format!(
                "holds profile '{}', not '{name}'",
                profile.profile
            )));
        }
        Ok(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sit_under_the_prefix_and_a_cluster_prefix_holds_a_hash_tag() {
        let one = Layout::new("team:", false);
        assert_eq!(one.profile("work"), "team:profile:work");
        assert_eq!(one.default_profile(), "team:default");
        assert_eq!(one.lock("work"), "team:lock:work");
        let many = Layout::new("team:", true);
        assert_eq!(many.profile("work"), "{team}:profile:work");
        assert_eq!(
            many.location("redis+cluster://h:1"),
            "redis+cluster://h:1 (keys {team}:*)"
        );
    }

    #[test]
    fn a_document_for_another_profile_is_corrupt() {
        let l = Layout::new("p:", false);
        let doc = r#"{"profile":"other","dialect":"oauth2"}"#;
        let e = l.parse("redis://h/", "work", doc).unwrap_err();
        assert!(e.to_string().contains("holds profile 'other'"), "{e}");
        assert!(l.parse("redis://h/", "work", "<html>").is_err());
        assert_eq!(
            l.parse("redis://h/", "other", doc).unwrap().profile,
            "other"
        );
    }
}
