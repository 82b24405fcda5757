//! The settings of the grants that present a token the machine holds (see `oauth::grants`).

use serde::{Deserialize, Serialize};

/// What the jwt_bearer (RFC 7523 §2.1) and token_exchange (RFC 8693) grants send, and where
/// they read the token they present: a file or a command, read again for each request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantInputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion_file: Option<String>,
    /// A command whose output is the assertion (run with `sh -c`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion_command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_token_file: Option<String>,
    /// A command whose output is the subject token (run with `sh -c`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_token_command: Option<String>,
    /// Default `urn:ietf:params:oauth:token-type:jwt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_token_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// RFC 8707 resource indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
}
