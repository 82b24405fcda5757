//! Who a profile's grant belongs to: the issuer and subject (`iss`, `sub`) of the first ID token
//! it received. A later login or refresh that returns another subject is refused unless the
//! user asks to switch (`pancred login --new-identity`): a token of someone else's account must
//! never be handed out under this profile's name (the GitHub CLI refuses the same).

use crate::jwt;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default)]
    pub iss: String,
    #[serde(default)]
    pub sub: String,
}

impl Identity {
    /// The issuer and subject an ID token names (both needed).
    pub fn of_id_token(id_token: &Secret) -> Option<Identity> {
        let claims = jwt::claims(id_token.expose())?;
        let text = |k: &str| claims.get(k)?.as_str().map(str::to_string);
        Some(Identity {
            iss: text("iss")?,
            sub: text("sub")?,
        })
    }
}

/// What a new token response means for the pinned identity: `Ok(Some(id))` to record, `Ok(None)`
/// when nothing changes (no ID token, or the same subject), `Err(found)` when it names another
/// subject than the pinned one and `switch` was not asked.
pub fn pin(
    pinned: Option<&Identity>,
    id_token: Option<&Secret>,
    switch: bool,
) -> Result<Option<Identity>, Identity> {
    let Some(found) = id_token.and_then(Identity::of_id_token) else {
        return Ok(None);
    };
    match pinned {
        Some(p) if *p == found => Ok(None),
        Some(_) if !switch => Err(found),
        _ => Ok(Some(found)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(sub: &str) -> Secret {
        Secret::new(jwt::make_unsigned(
            &json!({"iss": "https://idp", "sub": sub}),
        ))
    }

    #[test]
    fn the_first_subject_is_pinned_and_another_refused() {
        let alice = Identity {
            iss: "https://idp".into(),
            sub: "alice".into(),
        };
        assert_eq!(
            pin(None, Some(&token("alice")), false),
            Ok(Some(alice.clone()))
        );
        assert_eq!(pin(Some(&alice), Some(&token("alice")), false), Ok(None));
        assert_eq!(pin(Some(&alice), None, false), Ok(None));
        let bob = pin(Some(&alice), Some(&token("bob")), false).unwrap_err();
        assert_eq!(bob.sub, "bob");
        assert_eq!(pin(Some(&alice), Some(&token("bob")), true), Ok(Some(bob)));
    }
}
