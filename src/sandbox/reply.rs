//! What the sandbox answers: token responses and OAuth error bodies (RFC 6749 section 5),
//! always with `Cache-Control: no-store`.

use super::log::Entry;
use super::server::App;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// An OAuth error: the status, the `error` code and a description that never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        ApiError {
            status,
            error,
            description: description.into(),
        }
    }
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", d)
    }
    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", d)
    }
    pub fn invalid_grant(d: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", d)
    }
    pub fn invalid_token(d: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_token", d)
    }
}

/// A handler's result plus what the request log should say about it.
pub struct Outcome {
    pub result: Result<Value, ApiError>,
    /// A short success note for the log (`tokens issued`, `revoked refresh token`); never a value.
    pub note: &'static str,
}

impl Outcome {
    pub fn ok(body: Value, note: &'static str) -> Self {
        Outcome {
            result: Ok(body),
            note,
        }
    }
    pub fn err(e: ApiError) -> Self {
        Outcome {
            result: Err(e),
            note: "",
        }
    }

    pub fn status(&self) -> StatusCode {
        match &self.result {
            Ok(_) => StatusCode::OK,
            Err(e) => e.status,
        }
    }

    /// `200 tokens issued` or `400 invalid_grant: refresh token already used`.
    pub fn summary(&self) -> String {
        match &self.result {
            Ok(_) => format!("{} {}", self.status().as_u16(), self.note),
            Err(e) => format!("{} {}: {}", e.status.as_u16(), e.error, e.description),
        }
    }

    /// Logs the request with this outcome and answers it.
    pub fn finish(self, app: &App, mut entry: Entry<'_>) -> Response {
        entry.outcome = self.summary();
        let basic = entry.auth == Some("client_secret_basic");
        app.log.record(entry);
        self.into_response(basic)
    }

    pub fn into_response(self, basic_challenge: bool) -> Response {
        let mut resp = match self.result {
            Ok(body) => (StatusCode::OK, axum::Json(body)).into_response(),
            Err(e) => {
                let body = json!({"error": e.error, "error_description": e.description});
                let mut r = (e.status, axum::Json(body)).into_response();
                if e.status == StatusCode::UNAUTHORIZED {
                    let challenge = if basic_challenge {
                        "Basic realm=\"pancred sandbox\""
                    } else {
                        "Bearer realm=\"pancred sandbox\""
                    };
                    r.headers_mut().insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static(challenge),
                    );
                }
                r
            }
        };
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        resp
    }
}
