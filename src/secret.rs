//! Secrets as a newtype whose `Debug` and `Display` never show the value.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What masked secrets look like everywhere pancred shows them (pancloud's repr does the same).
pub const MASK: &str = "******";

/// A secret string: a client secret, a refresh, access or developer token.
///
/// The value leaves only through [`Secret::expose`], so a stray `{:?}` or `{}` prints `******`.
/// Serde sees the raw value: stores need it, and output code builds its own redacted views.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// An empty string means "not set", as in pancloud (`None` and `''` are both falsy there).
    pub fn non_empty(value: impl Into<String>) -> Option<Self> {
        let v = value.into();
        (!v.is_empty()).then_some(Secret(v))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_mask_the_value() {
        let s = Secret::new("hunter2-refresh");
        assert_eq!(format!("{s:?}"), MASK);
        assert_eq!(format!("{s}"), MASK);
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(******)");
        assert_eq!(s.expose(), "hunter2-refresh");
    }

    #[test]
    fn empty_is_not_a_secret() {
        assert!(Secret::non_empty("").is_none());
        assert!(Secret::non_empty("x").is_some());
    }
}
