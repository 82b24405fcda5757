//! The standard dialect: discovery (OpenID Connect and RFC 8414), the token endpoint with RFC 6749
//! form bodies and three client authentication methods, RFC 7009 revocation, and a userinfo
//! endpoint that says whether an access token is still good.

use super::log::Entry;
use super::params::{self, required, Params};
use super::reply::{ApiError, Outcome};
use super::server::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::Arc;

pub fn discovery_document(base: &str) -> Value {
    json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}{}", super::OAUTH2_AUTHORIZE_PATH),
        "token_endpoint": format!("{base}{}", super::TOKEN_PATH),
        "revocation_endpoint": format!("{base}{}", super::REVOKE_PATH),
        "device_authorization_endpoint": format!("{base}{}", super::DEVICE_AUTHORIZATION_PATH),
        "userinfo_endpoint": format!("{base}{}", super::USERINFO_PATH),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", super::device::GRANT_TYPE],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": ["openid", "profile", "offline_access"],
        "subject_types_supported": ["public"],
    })
}

pub async fn discovery(State(app): State<Arc<App>>) -> Response {
    let body = discovery_document(&app.base_url);
    Outcome::ok(body, "discovery document").finish(
        &app,
        Entry {
            method: "GET",
            path: super::DISCOVERY_PATH,
            ..Default::default()
        },
    )
}

/// Which client is calling and how it proved it (RFC 6749 2.3, one method per request).
pub(super) struct ClientAuth {
    pub id: String,
    pub secret: Option<String>,
    pub method: &'static str,
}

fn client_auth(headers: &HeaderMap, form: &Params) -> Result<ClientAuth, ApiError> {
    let basic = params::basic_credentials(headers)?;
    let form_id = form.get("client_id").cloned();
    match (basic, form.get("client_secret")) {
        (Some(_), Some(_)) => Err(ApiError::invalid_request(
            "more than one client authentication method (Basic header and client_secret)",
        )),
        (Some((id, secret)), None) => {
            if form_id.is_some_and(|f| f != id) {
                return Err(ApiError::invalid_request(
                    "client_id in the body differs from the Basic header",
                ));
            }
            Ok(ClientAuth {
                id,
                secret: Some(secret),
                method: "client_secret_basic",
            })
        }
        (None, Some(secret)) => Ok(ClientAuth {
            id: form_id.ok_or_else(|| ApiError::invalid_client("missing client_id"))?,
            secret: Some(secret.clone()),
            method: "client_secret_post",
        }),
        (None, None) => Ok(ClientAuth {
            id: form_id.ok_or_else(|| ApiError::invalid_client("missing client_id"))?,
            secret: None,
            method: "none",
        }),
    }
}

/// What a form endpoint learned about the request before it succeeded or failed, for the log.
#[derive(Default)]
pub(super) struct Seen {
    pub grant: Option<String>,
    pub hint: Option<String>,
    pub client: Option<String>,
    pub auth: Option<&'static str>,
}

pub(super) fn read_form(
    headers: &HeaderMap,
    body: &[u8],
    seen: &mut Seen,
) -> Result<(Params, ClientAuth), ApiError> {
    params::require_content_type(headers, "application/x-www-form-urlencoded")?;
    let form = params::form(body)?;
    seen.grant = form.get("grant_type").cloned();
    seen.hint = form.get("token_type_hint").cloned();
    seen.client = form.get("client_id").cloned();
    let auth = client_auth(headers, &form)?;
    seen.client = Some(auth.id.clone());
    seen.auth = Some(auth.method);
    Ok((form, auth))
}

/// `POST /token`.
pub async fn token(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut seen = Seen::default();
    let result = (|| {
        let (form, auth) = read_form(&headers, &body, &mut seen)?;
        let mut reg = app.reg();
        reg.authenticate(&auth.id, auth.secret.as_deref())?;
        let get = |k: &str| form.get(k).map(String::as_str);
        let tokens = match required(get("grant_type"), "grant_type")? {
            "authorization_code" => reg.exchange_code(
                &auth.id,
                required(get("code"), "code")?,
                get("redirect_uri"),
                get("code_verifier"),
            )?,
            super::device::GRANT_TYPE => {
                reg.device_token(&auth.id, required(get("device_code"), "device_code")?)?
            }
            "refresh_token" => reg.refresh(
                &auth.id,
                required(get("refresh_token"), "refresh_token")?,
                get("scope"),
            )?,
            other => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    format!("grant_type '{}' is not supported", params::short(other)),
                ))
            }
        };
        Ok(tokens.to_json())
    })();
    let outcome = match result {
        Ok(body) => Outcome::ok(body, "tokens issued"),
        Err(e) => Outcome::err(e),
    };
    outcome.finish(
        &app,
        Entry {
            method: "POST",
            path: super::TOKEN_PATH,
            grant: seen.grant.as_deref(),
            client: seen.client.as_deref(),
            auth: seen.auth,
            ..Default::default()
        },
    )
}

/// `POST /revoke` (RFC 7009): 200 whether or not the token was known.
pub async fn revoke(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut seen = Seen::default();
    let result = (|| {
        let (form, auth) = read_form(&headers, &body, &mut seen)?;
        let token = required(form.get("token").map(String::as_str), "token")?;
        let mut reg = app.reg();
        reg.authenticate(&auth.id, auth.secret.as_deref())?;
        Ok(reg.revoke(&auth.id, token))
    })();
    let outcome = match result {
        Ok(note) => Outcome::ok(json!({}), note),
        Err(e) => Outcome::err(e),
    };
    outcome.finish(
        &app,
        Entry {
            method: "POST",
            path: super::REVOKE_PATH,
            hint: seen.hint.as_deref(),
            client: seen.client.as_deref(),
            auth: seen.auth,
            ..Default::default()
        },
    )
}

/// `GET /userinfo` with `Authorization: Bearer`: the token's subject while it is good.
pub async fn userinfo(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let result = params::authorization(&headers, "Bearer")
        .ok_or_else(|| ApiError::invalid_token("missing Authorization: Bearer <access token>"))
        .and_then(|t| app.reg().check_access(t));
    let client = result.as_ref().ok().map(|c| c.client_id.clone());
    let outcome = match result {
        Ok(c) => Outcome::ok(
            json!({"sub": c.sub, "client_id": c.client_id, "scope": c.scope, "exp": c.exp}),
            "access token is good",
        ),
        Err(e) => Outcome::err(e),
    };
    outcome.finish(
        &app,
        Entry {
            method: "GET",
            path: super::USERINFO_PATH,
            client: client.as_deref(),
            auth: Some("bearer"),
            ..Default::default()
        },
    )
}
