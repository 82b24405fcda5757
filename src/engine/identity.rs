//! Identity pinning (see [`crate::profile::identity`]): applied where a login's or a refresh's
//! tokens are about to be stored, under the profile's lock. A refusal stores nothing.

use super::Engine;
use crate::oauth::OAuthError;
use crate::profile::identity::pin;
use crate::secret::Secret;
use crate::text::Safe;
use crate::{Error, Profile};

impl Engine {
    /// Records the ID token's identity in `current` when it has none (or `switch`); refuses
    /// (exit 4) one that names another subject than the pinned one.
    pub(super) fn pin_identity(
        &self,
        current: &mut Profile,
        id_token: Option<&Secret>,
        switch: bool,
    ) -> Result<(), Error> {
        match pin(current.identity.as_ref(), id_token, switch) {
            Ok(Some(found)) => {
                current.identity = Some(found);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(found) => {
                let pinned = current.identity.clone().unwrap_or_default();
                Err(Error::Provider(OAuthError::Other(format!(
                    "the provider answered for subject '{}' ({}), but profile '{}' belongs to \
                     subject '{}' ({}); nothing was stored. Log in as that account, or run \
                     `pancred --profile '{}' login --new-identity` to switch this profile to the new one",
                    Safe(&found.sub),
                    Safe(&found.iss),
                    Safe(&current.profile),
                    Safe(&pinned.sub),
                    Safe(&pinned.iss),
                    Safe(&current.profile),
                ))))
            }
        }
    }
}
