//! Device authorization (RFC 8628) in the sandbox: `POST /device_authorization` hands out a
//! device code and a user code, the page at `/device` takes the user code (prefilled from
//! `verification_uri_complete`) with Approve and Deny, and the token endpoint answers the
//! device_code grant: `authorization_pending`, `slow_down`, `access_denied`, `expired_token`,
//! or tokens (once).

use super::consent::{escape, page_response};
use super::log::Entry;
use super::oauth2::{read_form, Seen};
use super::registry::{random_token, Registry, TokenSet};
use super::reply::{ApiError, Outcome};
use super::server::App;
use crate::rules::constant_time;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
const LIFETIME: i64 = 600;
/// Seconds between polls the sandbox asks for; a poll sooner than this is told to slow down.
pub const INTERVAL: i64 = 2;
/// Device codes kept at most (a loop asking for codes must not grow memory forever).
const MAX_DEVICES: usize = 1000;
/// RFC 8628 6.1: no vowels (no words), no look-alike letters.
const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Waiting,
    Approved,
    Denied,
    /// Tokens were handed out; the code is spent.
    Used,
}

pub(super) struct Device {
    client_id: String,
    scope: String,
    user_code: String,
    expires_at: i64,
    last_poll: Option<i64>,
    answer: Answer,
}

/// Device codes by device code.
#[derive(Default)]
pub(super) struct Devices(HashMap<String, Device>);

fn user_code() -> String {
    let pick = |_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char;
    let (a, b): (String, String) = ((0..4).map(pick).collect(), (0..4).map(pick).collect());
    format!("{a}-{b}")
}

/// What a person types, as the page compares it: case and dashes do not matter.
fn normalize(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Registry {
    fn start_device(&mut self, client_id: &str, scope: &str) -> (String, String) {
        let now = self.now();
        let devices = &mut self.devices.0;
        devices.retain(|_, d| d.expires_at > now - LIFETIME);
        if devices.len() >= MAX_DEVICES {
            devices.clear();
        }
        let (device_code, user_code) = (random_token("sbx-dc-"), user_code());
        devices.insert(
            device_code.clone(),
            Device {
                client_id: client_id.to_string(),
                scope: scope.to_string(),
                user_code: user_code.clone(),
                expires_at: now + LIFETIME,
                last_poll: None,
                answer: Answer::Waiting,
            },
        );
        (device_code, user_code)
    }

    fn device_by_user_code(&mut self, code: &str) -> Option<&mut Device> {
        let (now, code) = (self.now(), normalize(code));
        self.devices.0.values_mut().find(|d| {
            d.expires_at > now
                && d.answer == Answer::Waiting
                && constant_time::eq(&normalize(&d.user_code), &code)
        })
    }

    /// The device_code grant.
    pub(super) fn device_token(
        &mut self,
        client_id: &str,
        device_code: &str,
    ) -> Result<TokenSet, ApiError> {
        let now = self.now();
        let d = self
            .devices
            .0
            .get_mut(device_code)
            .filter(|d| d.client_id == client_id)
            .ok_or_else(|| ApiError::invalid_grant("unknown device code"))?;
        let too_soon = d.last_poll.is_some_and(|t| now - t < INTERVAL - 1);
        d.last_poll = Some(now);
        let pending = |e: &'static str, why: &str| ApiError::new(StatusCode::BAD_REQUEST, e, why);
        match d.answer {
            _ if d.expires_at <= now => Err(pending("expired_token", "the device code expired")),
            Answer::Used => Err(ApiError::invalid_grant("device code already used")),
            Answer::Denied => Err(pending("access_denied", "the user denied the request")),
            Answer::Waiting if too_soon => Err(pending("slow_down", "poll less often")),
            Answer::Waiting => Err(pending(
                "authorization_pending",
                "the user has not answered yet",
            )),
            Answer::Approved => {
                d.answer = Answer::Used;
                let scope = d.scope.clone();
                let grant = self.new_grant(client_id, &scope);
                Ok(self.issue(grant, self.lifetime))
            }
        }
    }
}

/// `POST /device_authorization`.
pub async fn authorize(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let mut seen = Seen::default();
    let result = (|| {
        let (form, auth) = read_form(&headers, &body, &mut seen)?;
        let mut reg = app.reg();
        reg.authenticate(&auth.id, auth.secret.as_deref())?;
        let scope = match form.get("scope").filter(|s| !s.trim().is_empty()) {
            Some(s) => s.clone(),
            None => reg
                .client(&auth.id)
                .map(|c| c.default_scope.clone())
                .unwrap_or_default(),
        };
        let (device_code, user_code) = reg.start_device(&auth.id, &scope);
        let page = format!("{}{}", app.base_url, super::DEVICE_PAGE_PATH);
        Ok(json!({
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": page,
            "verification_uri_complete": format!("{page}?user_code={user_code}"),
            "expires_in": LIFETIME,
            "interval": INTERVAL,
        }))
    })();
    let outcome = match result {
        Ok(body) => Outcome::ok(body, "device code issued"),
        Err(e) => Outcome::err(e),
    };
    outcome.finish(
        &app,
        Entry {
            method: "POST",
            path: super::DEVICE_AUTHORIZATION_PATH,
            client: seen.client.as_deref(),
            auth: seen.auth,
            ..Default::default()
        },
    )
}

/// `GET /device[?user_code=...]`: the page where a person enters the code and answers.
pub async fn page(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let q = super::params::form(q.unwrap_or_default().as_bytes()).unwrap_or_default();
    let code = q.get("user_code").cloned().unwrap_or_default();
    let known = app
        .reg()
        .device_by_user_code(&code)
        .map(|d| (d.client_id.clone(), d.scope.clone()));
    let about = match &known {
        Some((client, scope)) => format!(
            "<p><b>{}</b> asks for <code>{}</code> as <b>{}</b>.</p>",
            escape(client),
            escape(scope),
            escape(&app.reg().subject)
        ),
        None => "<p>Enter the code your device shows.</p>".into(),
    };
    app.log.record(Entry {
        method: "GET",
        path: super::DEVICE_PAGE_PATH,
        outcome: "200 device page".into(),
        ..Default::default()
    });
    page_response(
        StatusCode::OK,
        format!(
            "<!doctype html><meta charset=\"utf-8\"><title>pancred sandbox: device login</title>\
             <body style=\"font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto\">\
             <h1>Device login</h1>{about}\
             <form method=\"post\" action=\"{}\">\
             <p><label>Code <input name=\"user_code\" value=\"{}\" autocomplete=\"off\" \
             style=\"font-size:1.5rem;letter-spacing:.2rem\"></label></p>\
             <button name=\"decision\" value=\"approve\">Approve</button> \
             <button name=\"decision\" value=\"deny\">Deny</button></form></body>",
            super::DEVICE_PAGE_PATH,
            escape(&code)
        ),
    )
}

/// `POST /device`: the person's answer for a user code.
pub async fn decide(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let form = super::params::form(&body).unwrap_or_default();
    let code = form.get("user_code").cloned().unwrap_or_default();
    let decision = form.get("decision").map(String::as_str);
    let answered = {
        let mut reg = app.reg();
        match (reg.device_by_user_code(&code), decision) {
            (Some(d), Some("approve")) => {
                d.answer = Answer::Approved;
                Some((d.client_id.clone(), true))
            }
            (Some(d), Some("deny")) => {
                d.answer = Answer::Denied;
                Some((d.client_id.clone(), false))
            }
            _ => None,
        }
    };
    let (status, text, note) = match &answered {
        Some((_, true)) => (
            StatusCode::OK,
            "Approved. Return to your device: it is logged in.",
            "200 approved",
        ),
        Some((_, false)) => (
            StatusCode::OK,
            "Denied. The device is told so.",
            "200 denied",
        ),
        None => (
            StatusCode::BAD_REQUEST,
            "No device is waiting for this code: it is wrong, expired or already answered.",
            "400 unknown user code",
        ),
    };
    app.log.record(Entry {
        method: "POST",
        path: super::DEVICE_PAGE_PATH,
        client: answered.as_ref().map(|(c, _)| c.as_str()),
        outcome: note.into(),
        ..Default::default()
    });
    page_response(
        status,
        format!(
            "<!doctype html><meta charset=\"utf-8\"><title>pancred sandbox: device login</title>\
             <body style=\"font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto\">\
             <h1>Device login</h1><p>{text}</p></body>"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_are_typeable() {
        let c = user_code();
        assert_eq!(c.len(), 9);
        assert!(c
            .chars()
            .all(|ch| ch == '-' || ALPHABET.contains(&(ch as u8))));
        assert_eq!(normalize("bcdf-ghjk"), normalize("BCDFGHJK"));
    }
}
