//! Splitting a profile's JSON into what goes to the keyring and what goes to `profiles.json`.
//!
//! The split is generic over the JSON so that a secret field added to the table of fields ([`crate::profile::fields`]) later is
//! handled without touching this store, and an unknown field that looks like a secret (written
//! by a newer pancred, or kept from another program) stays out of the file as well.

use crate::profile::fields;
use serde_json::{Map, Value};

/// Name endings that mark an unknown field as a secret.
const SECRET_SUFFIXES: &[&str] = &["_secret", "_token", "password", "_key"];

/// Whether a profile field is kept in the keyring rather than in the file.
pub fn is_secret_field(name: &str) -> bool {
    if let Some(spec) = fields::spec(name) {
        return spec.is_secret();
    }
    SECRET_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// `(public, secrets)`: the profile document without its secrets, and the secrets alone.
/// Null and empty secrets are dropped: they mean "not set".
pub fn split(doc: Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    let mut public = Map::new();
    let mut secrets = Map::new();
    for (k, v) in doc {
        if is_secret_field(&k) {
            if !(v.is_null() || v.as_str() == Some("")) {
                secrets.insert(k, v);
            }
        } else {
            public.insert(k, v);
        }
    }
    (public, secrets)
}

/// The whole profile document again: the keyring's values win over anything in the file.
pub fn merge(mut public: Map<String, Value>, secrets: Map<String, Value>) -> Map<String, Value> {
    for (k, v) in secrets {
        public.insert(k, v);
    }
    public
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use serde_json::json;

    #[test]
    fn every_secret_field_goes_to_the_keyring() {
        let mut doc =
            json!({"profile": "p", "client_id": "cid", "expires_at": 42, "scope": "openid"});
        for f in fields::secret_fields() {
            doc[f] = json!(format!("s3cret-{f}"));
        }
        let p = Profile::from_json(doc).unwrap();
        let Value::Object(doc) = p.to_json() else {
            panic!("not an object")
        };
        let (public, secrets) = split(doc);
        for f in fields::secret_fields() {
            assert!(secrets.contains_key(f), "{f} not in the keyring part");
            assert!(!public.contains_key(f), "{f} in the file part");
        }
        assert_eq!(
            Value::Object(public.clone()),
            json!({"profile": "p", "client_id": "cid", "expires_at": 42, "scope": "openid"})
        );
        let back = Profile::from_json(Value::Object(merge(public, secrets))).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn unknown_secret_looking_fields_stay_out_of_the_file() {
        let doc = json!({"profile": "p", "id_token": "x", "api_key": "y", "db_password": "z",
                         "region": "eu", "someone_elses": 1});
        let Value::Object(doc) = doc else {
            unreachable!()
        };
        let (public, secrets) = split(doc);
        assert_eq!(
            Value::Object(public),
            json!({"profile": "p", "region": "eu", "someone_elses": 1})
        );
        assert_eq!(
            Value::Object(secrets),
            json!({"id_token": "x", "api_key": "y", "db_password": "z"})
        );
        // Known non-secret fields that end like secrets stay public.
        assert!(!is_secret_field("developer_token_url"));
    }
}
