//! The engine's top-level error. `Clone`, so one outcome can be handed to many waiters (the
//! single flight); the CLI maps each kind to its exit code (`cli::exit_code`).

use crate::oauth::OAuthError;
use crate::store::StoreError;
use crate::text::Safe;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Bad usage or a bad input file: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Exit 3.
    #[error("missing one or more required credentials for profile '{}': {}", Safe(profile), missing.join(", "))]
    PartialCredentials {
        profile: String,
        missing: Vec<&'static str>,
    },
    /// The provider refused or failed: exit 4 (a profile setting that is missing or unusable
    /// for the call, [`OAuthError::is_config`], is a local configuration problem: exit 2).
    #[error(transparent)]
    Provider(#[from] OAuthError),
    /// Exit 5.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no profile '{}' in {location}", Safe(profile))]
    NoSuchProfile { profile: String, location: String },
    /// Exit 130.
    #[error("cancelled")]
    Cancelled,
    /// A login is needed and cannot start here (no terminal, `--login never`...): exit 6.
    #[error(
        "profile '{}' needs a login, which cannot start here ({why}); run: {command}",
        Safe(profile)
    )]
    LoginNeeded {
        profile: String,
        why: String,
        command: String,
    },
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<crate::files::FileError> for Error {
    fn from(e: crate::files::FileError) -> Self {
        Error::Store(e.into())
    }
}

impl From<crate::env::BadSetting> for Error {
    fn from(e: crate::env::BadSetting) -> Self {
        Error::Usage(e.0)
    }
}
