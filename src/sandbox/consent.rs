//! The authorization page both dialects share: the request is checked, the user sees who asks
//! for what, and Approve or Deny sends the browser back to the client's redirect URI with
//! `code` and `state`, or with `error=access_denied` (RFC 6749 4.1.2).

use super::log::Entry;
use super::params::{self, Params};
use super::registry::Authorization;
use super::server::App;
use crate::rules::loopback::loopback_redirect;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

const PAGE: &str = include_str!("../../assets/sandbox-consent.html");

pub async fn pancloud(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    authorize(&app, super::PANCLOUD_AUTHORIZE_PATH, q, false)
}

pub async fn oauth2(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    authorize(&app, super::OAUTH2_AUTHORIZE_PATH, q, true)
}

/// A request that cannot be trusted to redirect (unknown client, bad redirect URI) gets a page.
enum Refusal {
    Page(String),
    Redirect(Box<Authorization>, &'static str, String),
}

fn authorize(app: &App, path: &str, query: Option<String>, require_pkce: bool) -> Response {
    let p = params::form(query.unwrap_or_default().as_bytes());
    let client = p.as_ref().ok().and_then(|p| p.get("client_id").cloned());
    let outcome = p
        .map_err(|e| Refusal::Page(e.description))
        .and_then(|p| check(app, &p, require_pkce));
    let (resp, summary) = match outcome {
        Ok(auth) => {
            let pkce = if auth.code_challenge.is_some() {
                "S256"
            } else {
                "not used"
            };
            let mut reg = app.reg();
            let subject = reg.subject.clone();
            let page = PAGE
                .replace("{{client_id}}", &escape(&auth.client_id))
                .replace("{{scope}}", &escape(&auth.scope))
                .replace("{{redirect_uri}}", &escape(&auth.redirect_uri))
                .replace("{{pkce}}", pkce)
                .replace("{{subject}}", &escape(&subject))
                .replace("{{issuer}}", &escape(&app.base_url));
            let id = reg.begin_consent(auth);
            (
                page_response(StatusCode::OK, page.replace("{{consent_id}}", &id)),
                "200 consent page".to_string(),
            )
        }
        Err(Refusal::Page(why)) => (
            error_page(&why),
            format!("400 refused without redirect: {why}"),
        ),
        Err(Refusal::Redirect(auth, error, why)) => (
            redirect(&auth, &[("error", error), ("error_description", &why)]),
            format!("303 redirected with error={error}: {why}"),
        ),
    };
    app.log.record(Entry {
        method: "GET",
        path,
        client: client.as_deref(),
        outcome: summary,
        ..Default::default()
    });
    resp
}

fn check(app: &App, p: &Params, require_pkce: bool) -> Result<Authorization, Refusal> {
    let client_id = p
        .get("client_id")
        .ok_or_else(|| Refusal::Page("missing client_id".into()))?;
    let default_scope = app
        .reg()
        .client(client_id)
        .map(|c| c.default_scope.clone())
        .ok_or_else(|| Refusal::Page(format!("unknown client '{}'", params::short(client_id))))?;
    let redirect_uri = p
        .get("redirect_uri")
        .ok_or_else(|| Refusal::Page("missing redirect_uri".into()))?;
    if loopback_redirect(redirect_uri).is_err() {
        return Err(Refusal::Page(
            "redirect_uri must be an http:// URL on 127.0.0.0/8, [::1] or localhost".into(),
        ));
    }
    let auth = Authorization {
        client_id: client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        scope: p.get("scope").cloned().unwrap_or(default_scope),
        state: p.get("state").cloned(),
        code_challenge: p.get("code_challenge").cloned(),
    };
    let refuse = |error, why: &str| {
        Err(Refusal::Redirect(
            Box::new(auth.clone()),
            error,
            why.to_string(),
        ))
    };
    if p.get("response_type").map(String::as_str) != Some("code") {
        return refuse("unsupported_response_type", "response_type must be code");
    }
    match (
        &auth.code_challenge,
        p.get("code_challenge_method").map(String::as_str),
    ) {
        (None, _) if require_pkce => {
            return refuse(
                "invalid_request",
                "PKCE required: send code_challenge with code_challenge_method=S256",
            )
        }
        (None, Some(_)) => {
            return refuse(
                "invalid_request",
                "code_challenge_method without code_challenge",
            )
        }
        (Some(_), m) if m != Some("S256") => {
            return refuse("invalid_request", "code_challenge_method must be S256")
        }
        (Some(c), _)
            if c.len() != 43
                || !c
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            return refuse(
                "invalid_request",
                "code_challenge is not a base64url SHA-256 hash",
            )
        }
        _ => {}
    }
    Ok(auth)
}

/// `POST /consent`: the user's answer.
pub async fn decide(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let p = params::form(&body).unwrap_or_default();
    let decision = p.get("decision").map(String::as_str);
    let auth = match decision {
        Some("approve") | Some("deny") => p
            .get("consent_id")
            .and_then(|id| app.reg().take_consent(id)),
        _ => None,
    };
    let (resp, client, summary) = match (auth, decision) {
        (Some(auth), Some("approve")) => {
            let code = app.reg().issue_code(auth.clone());
            (
                redirect(&auth, &[("code", &code)]),
                Some(auth.client_id),
                "303 approved: code issued".to_string(),
            )
        }
        (Some(auth), _) => (
            redirect(
                &auth,
                &[
                    ("error", "access_denied"),
                    ("error_description", "the user denied the request"),
                ],
            ),
            Some(auth.client_id),
            "303 denied: error=access_denied".to_string(),
        ),
        (None, _) => {
            let why = "this request was already answered, has expired, or is not one this sandbox made; start again from pancred";
            (error_page(why), None, format!("400 {why}"))
        }
    };
    app.log.record(Entry {
        method: "POST",
        path: super::CONSENT_PATH,
        client: client.as_deref(),
        outcome: summary,
        ..Default::default()
    });
    resp
}

/// 303 to the client's redirect URI with `extra` and the request's `state` added to its query.
fn redirect(auth: &Authorization, extra: &[(&str, &str)]) -> Response {
    let mut url = match url::Url::parse(&auth.redirect_uri) {
        Ok(u) => u,
        Err(_) => return error_page("bad redirect_uri"),
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in extra {
            q.append_pair(k, v);
        }
        if let Some(s) = &auth.state {
            q.append_pair("state", s);
        }
    }
    let mut resp = (
        StatusCode::SEE_OTHER,
        Html("Redirecting back to the client..."),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    secure(resp)
}

fn error_page(why: &str) -> Response {
    let page = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>pancred sandbox: request refused</title>\
         <body style=\"font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto\">\
         <h1>Request refused</h1><p>{}</p></body>",
        escape(why)
    );
    page_response(StatusCode::BAD_REQUEST, page)
}

pub(super) fn page_response(status: StatusCode, page: String) -> Response {
    secure((status, Html(page)).into_response())
}

/// No framing (clickjacking the Approve button), no scripts, no caching.
fn secure(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
