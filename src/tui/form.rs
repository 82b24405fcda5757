//! The new/edit profile form: fields, typing, and validation into a [`Profile`].

use crate::profile::{ClientAuth, Dialect, Profile};
use crate::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Typed characters show as dots; empty on edit keeps the stored value.
    Secret,
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub kind: FieldKind,
    pub value: String,
    pub hint: &'static str,
    pub error: Option<String>,
}

pub struct Form {
    /// The profile being edited; `None` for a new one.
    pub original: Option<Profile>,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Names already taken (a new or renamed profile may not reuse one).
    pub taken: Vec<String>,
}

const DIALECTS: &[&str] = &["pancloud", "oauth2"];
const CLIENT_AUTHS: &[&str] = &["client_secret_basic", "client_secret_post", "none"];
const URL_FIELDS: &[&str] = &[
    "issuer",
    "auth_base_url",
    "token_url",
    "revoke_url",
    "redirect_uri",
];

fn field(key: &'static str, kind: FieldKind, value: Option<&str>, hint: &'static str) -> Field {
    Field {
        key,
        kind,
        value: value.unwrap_or_default().to_string(),
        hint,
        error: None,
    }
}

impl Form {
    pub fn new(original: Option<Profile>, taken: Vec<String>) -> Self {
        use FieldKind::*;
        let p = original.clone().unwrap_or_else(|| Profile::new(""));
        let stored = |s: &Option<crate::Secret>| {
            if s.is_some() {
                "stored; leave empty to keep, type to replace"
            } else {
                "none stored"
            }
        };
        let fields = vec![
            field("profile", Text, Some(&p.profile), "a name, e.g. lab"),
            field(
                "dialect",
                Choice(DIALECTS),
                Some(p.dialect.as_str()),
                "←/→ to change",
            ),
            field("client_id", Text, p.client_id.as_deref(), ""),
            field("client_secret", Secret, None, stored(&p.client_secret)),
            field("refresh_token", Secret, None, stored(&p.refresh_token)),
            field(
                "client_auth",
                Choice(CLIENT_AUTHS),
                Some(p.client_auth.as_str()),
                "oauth2 only; ←/→ to change",
            ),
            field(
                "issuer",
                Text,
                p.issuer.as_deref(),
                "oauth2: discovers the endpoints",
            ),
            field("auth_base_url", Text, p.auth_base_url.as_deref(), ""),
            field(
                "token_url",
                Text,
                p.token_url.as_deref(),
                "pancloud: API base; oauth2: token endpoint",
            ),
            field("revoke_url", Text, p.revoke_url.as_deref(), "oauth2 only"),
            field(
                "redirect_uri",
                Text,
                p.redirect_uri.as_deref(),
                "e.g. http://127.0.0.1:8765/callback",
            ),
            field("scope", Text, p.scope.as_deref(), ""),
            field(
                "instance_id",
                Text,
                p.instance_id.as_deref(),
                "pancloud only",
            ),
            field("region", Text, p.region.as_deref(), "pancloud only"),
        ];
        Form {
            original,
            fields,
            focus: 0,
            taken,
        }
    }

    pub fn is_new(&self) -> bool {
        self.original.is_none()
    }

    pub fn focused(&mut self) -> &mut Field {
        &mut self.fields[self.focus]
    }

    pub fn next(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len();
    }

    pub fn prev(&mut self) {
        self.focus = (self.focus + self.fields.len() - 1) % self.fields.len();
    }

    pub fn type_char(&mut self, c: char) {
        let f = self.focused();
        match f.kind {
            FieldKind::Choice(_) if c == ' ' => self.cycle(),
            FieldKind::Choice(_) => {}
            _ if c.is_control() => {}
            _ => {
                f.value.push(c);
                f.error = None;
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        // A pasted value is one line: a trailing newline would otherwise submit or corrupt it.
        for c in text.trim().chars().filter(|c| !c.is_control()) {
            self.type_char(c);
        }
    }

    pub fn backspace(&mut self) {
        let f = self.focused();
        if !matches!(f.kind, FieldKind::Choice(_)) {
            f.value.pop();
            f.error = None;
        }
    }

    pub fn clear(&mut self) {
        let f = self.focused();
        if !matches!(f.kind, FieldKind::Choice(_)) {
            f.value.clear();
        }
    }

    pub fn cycle(&mut self) {
        let f = self.focused();
        if let FieldKind::Choice(options) = f.kind {
            let i = options.iter().position(|o| *o == f.value).unwrap_or(0);
            f.value = options[(i + 1) % options.len()].to_string();
        }
    }

    pub fn value(&self, key: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.trim())
            .unwrap_or_default()
    }

    fn set_error(&mut self, key: &str, msg: String) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.key == key) {
            f.error = Some(msg);
        }
    }

    /// Checks every field; on success the profile to store, else the errors sit on their fields
    /// and focus moves to the first one.
    pub fn validate(&mut self) -> Option<Profile> {
        for f in &mut self.fields {
            f.error = None;
        }
        let name = self.value("profile").to_string();
        let original_name = self.original.as_ref().map(|p| p.profile.clone());
        if name.is_empty() {
            self.set_error("profile", "a profile needs a name".into());
        } else if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
            self.set_error("profile", "no spaces or control characters".into());
        } else if original_name.as_deref() != Some(&name) && self.taken.contains(&name) {
            self.set_error("profile", format!("'{name}' already exists"));
        }
        let dialect = match self.value("dialect") {
            "oauth2" => Dialect::OAuth2,
            _ => Dialect::Pancloud,
        };
        let insecure_ok = self
            .original
            .as_ref()
            .is_some_and(|p| p.allow_insecure_http);
        for key in URL_FIELDS {
            if let Err(e) = check_url(self.value(key), insecure_ok) {
                self.set_error(key, e);
            }
        }
        if dialect == Dialect::OAuth2
            && self.value("token_url").is_empty()
            && self.value("issuer").is_empty()
        {
            self.set_error(
                "token_url",
                "oauth2 needs a token_url or an issuer to discover it".into(),
            );
        }
        if let Some(first) = self.fields.iter().position(|f| f.error.is_some()) {
            self.focus = first;
            return None;
        }
        let mut p = self.original.clone().unwrap_or_else(|| Profile::new(""));
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        p.profile = name;
        p.dialect = dialect;
        p.client_id = opt(self.value("client_id"));
        if let Some(s) = Secret::non_empty(self.value("client_secret")) {
            p.client_secret = Some(s);
        }
        if let Some(s) = Secret::non_empty(self.value("refresh_token")) {
            p.refresh_token = Some(s);
        }
        p.client_auth = match self.value("client_auth") {
            "client_secret_post" => ClientAuth::ClientSecretPost,
            "none" => ClientAuth::None,
            _ => ClientAuth::ClientSecretBasic,
        };
        p.issuer = opt(self.value("issuer"));
        p.auth_base_url = opt(self.value("auth_base_url"));
        p.token_url = opt(self.value("token_url"));
        p.revoke_url = opt(self.value("revoke_url"));
        p.redirect_uri = opt(self.value("redirect_uri"));
        p.scope = opt(self.value("scope"));
        p.instance_id = opt(self.value("instance_id"));
        p.region = opt(self.value("region"));
        Some(p)
    }
}

/// Empty is fine; otherwise the endpoint policy of the provider calls ([`crate::rules::url_policy`]).
pub fn check_url(value: &str, insecure_ok: bool) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    crate::rules::url_policy::check_endpoint(value, insecure_ok)
        .map(|_| ())
        .map_err(|refusal| refusal.to_string())
}
