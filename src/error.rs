//! The engine's top-level error, and the exit code each kind maps to (shared/SPEC.md).

use crate::oauth::OAuthError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad usage or a bad input file: exit 2.
    #[error("{0}")]
    Usage(String),
    /// Exit 3.
    #[error("Missing one or more required credentials for profile '{profile}': {}", missing.join(", "))]
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
    #[error("no profile '{profile}' in {location}")]
    NoSuchProfile { profile: String, location: String },
    /// Exit 130.
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Store(StoreError::Config(_)) => 2,
            Error::Provider(e) if e.is_config() => 2,
            Error::PartialCredentials { .. } => 3,
            Error::Provider(_) => 4,
            Error::Store(_) => 5,
            Error::Cancelled => 130,
            Error::NoSuchProfile { .. } | Error::Other(_) => 1,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
