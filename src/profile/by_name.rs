//! A profile's fields read by name, as the field table ([`super::fields`]) names them: flags,
//! secrets, and settings as text for people or for editing.

use super::fields::is_secret;
use super::Profile;
use serde_json::Value;

impl Profile {
    /// A flag (a [`super::fields::Kind::Bool`] field) by name, its default when unset.
    pub fn flag(&self, name: &str) -> Option<bool> {
        match name {
            "cache_token" => Some(self.cache_token),
            "keep_fresh" => Some(self.keep_fresh),
            "allow_insecure_http" => Some(self.allow_insecure_http),
            "dpop" => Some(self.dpop),
            _ => None,
        }
    }

    /// A secret field by name.
    pub fn secret(&self, name: &str) -> Option<&crate::Secret> {
        match name {
            "client_secret" => self.client_secret.as_ref(),
            "refresh_token" => self.refresh_token.as_ref(),
            "access_token" => self.access_token.as_ref(),
            "developer_token" => self.developer_token.as_ref(),
            "pkce_verifier" => self.pkce_verifier.as_ref(),
            "id_token" => self.id_token.as_ref(),
            "dpop_key" => self.dpop_key.as_ref(),
            "client_key" => self.client_key.as_ref(),
            _ => None,
        }
    }

    /// A setting as text for people (never a secret): the stored value, or the default in force
    /// where the dialect has one. `None` when unset.
    pub fn setting_text(&self, name: &str) -> Option<String> {
        match name {
            "dialect" => return Some(self.dialect.as_str().into()),
            "client_auth" => return Some(self.client_auth.as_str().into()),
            "grant" => return Some(self.grant.as_str().into()),
            "auth_base_url" => {
                return Some(self.auth_base_url().to_string()).filter(|s| !s.is_empty())
            }
            "developer_token_url" => return Some(self.developer_token_url().to_string()),
            _ => {}
        }
        if is_secret(name) {
            return None;
        }
        match self.to_json().get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            Value::Object(m) if m.is_empty() => None,
            Value::Array(items) if items.is_empty() => None,
            Value::Array(items) => Some(
                items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            other => Some(other.to_string()),
        }
    }

    /// The setting as stored (no defaults filled in), as the form shows it for editing.
    pub fn stored_text(&self, name: &str) -> String {
        match name {
            "dialect" => self.dialect.as_str().into(),
            "client_auth" => self.client_auth.as_str().into(),
            "grant" => self.grant.as_str().into(),
            _ if is_secret(name) => String::new(),
            _ => match self.to_json().get(name) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            },
        }
    }
}
