//! The one table of profile fields. The TUI form, the detail pane, `show`, `init`'s check of its
//! file, the engine's patches and the keyring's split of secrets from settings all read it, so
//! adding a field is the struct field plus one row here.

use super::{ClientAuth, Dialect, Profile};

/// Which dialects a field means something in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Both,
    Pancloud,
    OAuth2,
}

impl Applies {
    pub fn to(self, dialect: Dialect) -> bool {
        match self {
            Applies::Both => true,
            Applies::Pancloud => dialect == Dialect::Pancloud,
            Applies::OAuth2 => dialect == Dialect::OAuth2,
        }
    }
}

/// What a field holds, and so how it is edited and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Absolute http(s) URL; plain http only to loopback unless `allow_insecure_http`.
    Url,
    /// One of these words.
    Choice(&'static [&'static str]),
    Secret,
    Bool,
    Number,
    /// A JSON object.
    Object,
    /// A JSON array of strings.
    List,
    /// The absolute path of a private key file (PEM) of a type pancred signs with.
    KeyFile,
}

/// Who may set a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `init` files and the TUI form.
    Form,
    /// `init` files only.
    Init,
    /// pancred's own bookkeeping (an authorization in progress): never set by hand.
    Internal,
}

#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub applies: Applies,
    pub access: Access,
    /// The TUI form's hint under the field.
    pub hint: &'static str,
}

impl FieldSpec {
    pub fn is_secret(&self) -> bool {
        self.kind == Kind::Secret
    }
}

pub const DIALECTS: &[&str] = &["pancloud", "oauth2"];
pub const CLIENT_AUTHS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "none",
    "private_key_jwt",
    "client_secret_jwt",
    "tls_client_auth",
    "self_signed_tls_client_auth",
];
pub const GRANTS: &[&str] = &[
    "authorization_code",
    "client_credentials",
    "jwt_bearer",
    "token_exchange",
];

/// Settings of one client authentication or grant: `show` lists them only when set.
const SHOWN_WHEN_SET: &[&str] = &[
    "client_key_file",
    "client_key",
    "client_key_id",
    "client_cert_file",
    "assertion_file",
    "assertion_command",
    "subject_token_file",
    "subject_token_command",
    "subject_token_type",
    "audience",
    "resource",
];

const fn f(
    name: &'static str,
    kind: Kind,
    applies: Applies,
    access: Access,
    hint: &'static str,
) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        applies,
        access,
        hint,
    }
}

use Access::{Form, Init, Internal};
use Applies::{Both, OAuth2, Pancloud};

/// Every field, in the order the form and `show` present them.
pub const FIELDS: &[FieldSpec] = &[
    f("profile", Kind::Text, Both, Form, "a name, e.g. lab"),
    f(
        "dialect",
        Kind::Choice(DIALECTS),
        Both,
        Form,
        "←/→ to change",
    ),
    f("client_id", Kind::Text, Both, Form, ""),
    f("client_secret", Kind::Secret, Both, Form, ""),
    f("refresh_token", Kind::Secret, Both, Form, ""),
    f(
        "client_auth",
        Kind::Choice(CLIENT_AUTHS),
        OAuth2,
        Form,
        "oauth2 only; ←/→ to change",
    ),
    f(
        "client_key_file",
        Kind::KeyFile,
        OAuth2,
        Form,
        "private_key_jwt, mTLS: the private key (PEM), e.g. /home/me/.config/client.pem",
    ),
    // RFC 8705 mTLS: the client certificate; its key is client_key_file.
    f(
        "client_cert_file",
        Kind::Text,
        OAuth2,
        Form,
        "mTLS: client certificate (PEM)",
    ),
    f(
        "client_key_id",
        Kind::Text,
        OAuth2,
        Form,
        "private_key_jwt: the key's kid",
    ),
    // The key's PEM text, kept with the secrets (instead of client_key_file).
    f("client_key", Kind::Secret, OAuth2, Init, ""),
    f(
        "grant",
        Kind::Choice(GRANTS),
        OAuth2,
        Form,
        "oauth2: only authorization_code needs a login",
    ),
    // Inputs of the jwt_bearer and token_exchange grants.
    f(
        "assertion_file",
        Kind::Text,
        OAuth2,
        Form,
        "jwt_bearer: a file holding the assertion (a JWT)",
    ),
    f(
        "assertion_command",
        Kind::Text,
        OAuth2,
        Form,
        "jwt_bearer: a command printing the assertion",
    ),
    f(
        "subject_token_file",
        Kind::Text,
        OAuth2,
        Form,
        "token_exchange: a file holding the subject token",
    ),
    f(
        "subject_token_command",
        Kind::Text,
        OAuth2,
        Form,
        "token_exchange: a command printing the subject token",
    ),
    f(
        "subject_token_type",
        Kind::Text,
        OAuth2,
        Form,
        "token_exchange: e.g. urn:ietf:params:oauth:token-type:jwt",
    ),
    f(
        "audience",
        Kind::Text,
        OAuth2,
        Form,
        "jwt_bearer, token_exchange: the audience asked for",
    ),
    f(
        "resource",
        Kind::Text,
        OAuth2,
        Form,
        "jwt_bearer, token_exchange: the resource asked for",
    ),
    f(
        "issuer",
        Kind::Url,
        OAuth2,
        Form,
        "oauth2: discovers the endpoints",
    ),
    f("auth_base_url", Kind::Url, Both, Form, ""),
    f(
        "token_url",
        Kind::Url,
        Both,
        Form,
        "pancloud: API base; oauth2: token endpoint",
    ),
    f("revoke_url", Kind::Url, OAuth2, Form, "oauth2 only"),
    f(
        "redirect_uri",
        Kind::Url,
        Both,
        Form,
        "e.g. http://127.0.0.1:8765/callback",
    ),
    f("scope", Kind::Text, Both, Form, ""),
    f("instance_id", Kind::Text, Pancloud, Form, "pancloud only"),
    f("region", Kind::Text, Pancloud, Form, "pancloud only"),
    f("access_token", Kind::Secret, Both, Init, ""),
    f("developer_token", Kind::Secret, Pancloud, Init, ""),
    f("developer_token_url", Kind::Url, Pancloud, Init, ""),
    f("device_authorization_url", Kind::Url, OAuth2, Init, ""),
    f("git_hosts", Kind::List, Both, Init, ""),
    f("auth_params", Kind::Object, Both, Init, ""),
    f(
        "cache_token",
        Kind::Bool,
        Both,
        Form,
        "keep the access token in the store; Space to change",
    ),
    f(
        "keep_fresh",
        Kind::Bool,
        Both,
        Form,
        "the TUI refreshes it before it expires; Space to change",
    ),
    f("expires_at", Kind::Number, Both, Init, ""),
    f("allow_insecure_http", Kind::Bool, Both, Init, ""),
    f("pkce_verifier", Kind::Secret, OAuth2, Internal, ""),
    // Kept from the provider's answers; an init file may carry it back (a stored document re-used).
    f("id_token", Kind::Secret, OAuth2, Init, ""),
    f("pending_state", Kind::Text, Both, Internal, ""),
    f("pending_redirect_uri", Kind::Text, Both, Internal, ""),
    // When the access token alone was revoked: a later invalid_grant is then explained (RFC 7009).
    f("access_revoked_at", Kind::Number, OAuth2, Internal, ""),
    // Where `import` moved the tokens: the copy left behind says so.
    f("moved_to", Kind::Text, Both, Internal, ""),
    // Whose grant it is (`iss`, `sub` of the first ID token): written by logins and refreshes;
    // an init file may carry it back (a stored document re-used).
    f("identity", Kind::Object, Both, Init, ""),
    // RFC 9449 DPoP: the key pair is created under the profile's lock before the first token
    // request, and kept with the secrets.
    f(
        "dpop",
        Kind::Bool,
        OAuth2,
        Form,
        "oauth2: tokens bound to a key (DPoP); Space to change",
    ),
    f("dpop_key", Kind::Secret, OAuth2, Internal, ""),
    f("token_type", Kind::Text, OAuth2, Internal, ""),
];

pub fn spec(name: &str) -> Option<&'static FieldSpec> {
    FIELDS.iter().find(|f| f.name == name)
}

/// Fields that hold secrets (the keyring keeps them; nothing prints them).
pub fn secret_fields() -> impl Iterator<Item = &'static str> {
    FIELDS.iter().filter(|f| f.is_secret()).map(|f| f.name)
}

pub fn is_secret(name: &str) -> bool {
    spec(name).is_some_and(FieldSpec::is_secret)
}

/// Fields a user may set (in an `init` file, a form, a patch).
pub fn user_fields() -> impl Iterator<Item = &'static FieldSpec> {
    FIELDS.iter().filter(|f| f.access != Internal)
}

pub fn is_user_field(name: &str) -> bool {
    spec(name).is_some_and(|f| f.access != Internal)
}

/// The fields the TUI form edits, in order.
pub fn form_fields() -> impl Iterator<Item = &'static FieldSpec> {
    FIELDS.iter().filter(|f| f.access == Form)
}

/// The fields to show for `p` (in `show` and the TUI's detail pane), in table order: those that
/// apply to its dialect, secrets included (shown masked), flags and objects only when they differ
/// from their default. The name and the expiry are shown apart.
pub fn shown_fields(p: &Profile) -> impl Iterator<Item = &'static FieldSpec> + '_ {
    user_fields().filter(move |f| {
        f.applies.to(p.dialect)
            // The ID token is shown by the inspection, as claims.
            && !matches!(f.name, "profile" | "expires_at" | "id_token")
            && match f.kind {
                Kind::Bool | Kind::Object | Kind::List => p.setting_text(f.name).is_some(),
                _ if SHOWN_WHEN_SET.contains(&f.name) => p.setting_text(f.name).is_some(),
                // Shown when it is not the usual one: such a profile never logs in.
                _ if f.name == "grant" => !p.grant.needs_login(),
                _ => true,
            }
    })
}

/// Checks one field's text as typed (the form) against its kind; `insecure_ok` is the profile's
/// `allow_insecure_http`.
pub fn check_text(spec: &FieldSpec, value: &str, insecure_ok: bool) -> Result<(), String> {
    match spec.kind {
        Kind::Url => crate::rules::url_policy::check_setting(value, insecure_ok),
        Kind::KeyFile if !value.is_empty() => crate::client_key::check_file(value).map(|_| ()),
        Kind::Choice(options) if !value.is_empty() && !options.contains(&value) => {
            Err(format!("one of: {}", options.join(", ")))
        }
        _ => Ok(()),
    }
}

impl Dialect {
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "pancloud" => Some(Dialect::Pancloud),
            "oauth2" => Some(Dialect::OAuth2),
            _ => None,
        }
    }
}

impl ClientAuth {
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "client_secret_basic" => Some(ClientAuth::ClientSecretBasic),
            "client_secret_post" => Some(ClientAuth::ClientSecretPost),
            "none" => Some(ClientAuth::None),
            "tls_client_auth" => Some(ClientAuth::TlsClientAuth),
            "self_signed_tls_client_auth" => Some(ClientAuth::SelfSignedTlsClientAuth),
            "private_key_jwt" => Some(ClientAuth::PrivateKeyJwt),
            "client_secret_jwt" => Some(ClientAuth::ClientSecretJwt),
            _ => None,
        }
    }
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
