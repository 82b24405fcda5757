//! The pancloud dialect (the Application Framework API, JSON bodies) and the developer-token
//! redemption service, exactly as pancloud's `Credentials` calls them.

use super::log::Entry;
use super::params::{self, json_str, required};
use super::reply::{ApiError, Outcome};
use super::server::App;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;

/// `POST /api/oauth2/RequestToken`: `authorization_code` and `refresh_token` grants.
pub async fn request_token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut grant = None;
    let mut client = None;
    let outcome = (|| {
        params::require_content_type(&headers, "application/json")?;
        let b = params::json_object(&body)?;
        grant = json_str(&b, "grant_type")?.map(str::to_string);
        client = json_str(&b, "client_id")?.map(str::to_string);
        let client_id = required(json_str(&b, "client_id")?, "client_id")?;
        let secret = required(json_str(&b, "client_secret")?, "client_secret")?;
        let mut reg = app.reg();
        reg.authenticate(client_id, Some(secret))?;
        let tokens = match required(json_str(&b, "grant_type")?, "grant_type")? {
            "authorization_code" => reg.exchange_code(
                client_id,
                required(json_str(&b, "code")?, "code")?,
                Some(required(json_str(&b, "redirect_uri")?, "redirect_uri")?),
                json_str(&b, "code_verifier")?,
            )?,
            "refresh_token" => reg.refresh(
                client_id,
                required(json_str(&b, "refresh_token")?, "refresh_token")?,
                None,
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
    let outcome = match outcome {
        Ok(body) => Outcome::ok(body, "tokens issued"),
        Err(e) => Outcome::err(e),
    };
    outcome.finish(
        &app,
        Entry {
            method: "POST",
            path: super::PANCLOUD_TOKEN_PATH,
            grant: grant.as_deref(),
            client: client.as_deref(),
            auth: Some("body"),
            ..Default::default()
        },
    )
}

/// `POST /api/oauth2/RevokeToken`: `{client_id, client_secret, token, token_type_hint}`.
pub async fn revoke_token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut client = None;
    let mut hint = None;
    let outcome = (|| {
        params::require_content_type(&headers, "application/json")?;
        let b = params::json_object(&body)?;
        client = json_str(&b, "client_id")?.map(str::to_string);
        let client_id = required(json_str(&b, "client_id")?, "client_id")?;
        let secret = required(json_str(&b, "client_secret")?, "client_secret")?;
        let token = required(json_str(&b, "token")?, "token")?;
        let h = required(json_str(&b, "token_type_hint")?, "token_type_hint")?;
        if h != "access_token" && h != "refresh_token" {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_token_type",
                "token_type_hint must be access_token or refresh_token",
            ));
        }
        hint = Some(h.to_string());
        let mut reg = app.reg();
        reg.authenticate(client_id, Some(secret))?;
        Ok(reg.revoke(client_id, token))
    })();
    let outcome = match outcome {
        Ok(note) => Outcome::ok(json!({}), note),
        Err(e) => Outcome::err(e),
    };
    outcome.finish(
        &app,
        Entry {
            method: "POST",
            path: super::PANCLOUD_REVOKE_PATH,
            hint: hint.as_deref(),
            client: client.as_deref(),
            auth: Some("body"),
            ..Default::default()
        },
    )
}

/// `POST /request_token` with `Authorization: Bearer <developer token>`: an access token only.
pub async fn developer_token(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let outcome = match params::authorization(&headers, "Bearer") {
        None => Outcome::err(ApiError::invalid_token(
            "missing Authorization: Bearer <developer token>",
        )),
        Some(token) => match app.reg().redeem_developer_token(token) {
            Ok(t) => Outcome::ok(
                json!({
                    "access_token": t.access_token.expose(),
                    "token_type": "Bearer",
                    "expires_in": t.expires_in,
                }),
                "access token issued",
            ),
            Err(e) => Outcome::err(e),
        },
    };
    outcome.finish(
        &app,
        Entry {
            method: "POST",
            path: super::DEVELOPER_TOKEN_PATH,
            auth: Some("bearer"),
            ..Default::default()
        },
    )
}
