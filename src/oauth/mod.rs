//! Talking to providers: the pancloud dialect, standard OAuth 2.0, developer tokens.

/// A provider call that failed. Carries the provider's `error` / `error_description` when it sent them.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    Other(String),
}
