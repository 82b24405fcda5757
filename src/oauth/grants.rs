//! The grants where a machine presents a token it already holds instead of a person logging in:
//! the JWT bearer grant (RFC 7523 §2.1) and token exchange (RFC 8693). The token presented is
//! read again for each request (a workload's projected token rotates under it): from a file, a
//! command's output, or GitHub Actions' OIDC endpoint.

use super::discovery::Endpoints;
use super::oauth2::token_request;
use super::{Caller, OAuthError, TokenResponse};
use crate::env::ActionsOidc;
use crate::profile::Profile;
use crate::secret::Secret;
use crate::text::Safe;
use std::path::Path;
use std::process::Stdio;

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// RFC 8693 §3: the default `subject_token_type`.
pub const JWT_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

/// The most a presented token may be (file or command output).
const MAX_TOKEN: u64 = 1024 * 1024;

/// What the environment offers a machine with no token of its own configured.
#[derive(Debug, Clone, Default)]
pub struct Ambient {
    /// GitHub Actions' OIDC token service (`ACTIONS_ID_TOKEN_REQUEST_URL` / `_TOKEN`).
    pub actions: Option<ActionsOidc>,
}

/// Which token a grant presents, and the profile fields that say where it is.
#[derive(Debug, Clone, Copy)]
struct Input {
    what: &'static str,
    file_field: &'static str,
    command_field: &'static str,
}

const ASSERTION: Input = Input {
    what: "assertion",
    file_field: "assertion_file",
    command_field: "assertion_command",
};

const SUBJECT_TOKEN: Input = Input {
    what: "subject token",
    file_field: "subject_token_file",
    command_field: "subject_token_command",
};

/// RFC 7523 §2.1: a token for the profile's signed assertion.
pub async fn jwt_bearer(
    c: &Caller,
    endpoints: &Endpoints,
    p: &Profile,
    ambient: &Ambient,
) -> Result<TokenResponse, OAuthError> {
    let i = &p.grant_inputs;
    let assertion = read(
        c,
        p,
        ambient,
        ASSERTION,
        i.assertion_file.as_deref(),
        i.assertion_command.as_deref(),
    )
    .await?;
    let mut form = vec![
        ("grant_type", JWT_BEARER.to_string()),
        ("assertion", assertion.expose().to_string()),
    ];
    push_scope_and_resource(&mut form, p);
    token_request(c, endpoints, p, form).await
}

/// RFC 8693: a token for the profile's subject token, for its `audience`, `resource`, `scope`.
pub async fn token_exchange(
    c: &Caller,
    endpoints: &Endpoints,
    p: &Profile,
    ambient: &Ambient,
) -> Result<TokenResponse, OAuthError> {
    let i = &p.grant_inputs;
    let subject = read(
        c,
        p,
        ambient,
        SUBJECT_TOKEN,
        i.subject_token_file.as_deref(),
        i.subject_token_command.as_deref(),
    )
    .await?;
    let mut form = vec![
        ("grant_type", TOKEN_EXCHANGE.to_string()),
        ("subject_token", subject.expose().to_string()),
        (
            "subject_token_type",
            i.subject_token_type
                .clone()
                .unwrap_or_else(|| JWT_TOKEN_TYPE.to_string()),
        ),
    ];
    if let Some(a) = i.audience.as_deref().filter(|a| !a.is_empty()) {
        form.push(("audience", a.to_string()));
    }
    push_scope_and_resource(&mut form, p);
    token_request(c, endpoints, p, form).await
}

fn push_scope_and_resource(form: &mut Vec<(&'static str, String)>, p: &Profile) {
    if let Some(r) = p.grant_inputs.resource.as_deref().filter(|r| !r.is_empty()) {
        form.push(("resource", r.to_string()));
    }
    if let Some(scope) = p.scope.as_deref().filter(|s| !s.trim().is_empty()) {
        form.push(("scope", scope.to_string()));
    }
}

/// The token to present: the file, else the command, else GitHub Actions' OIDC token.
async fn read(
    c: &Caller,
    p: &Profile,
    ambient: &Ambient,
    input: Input,
    file: Option<&str>,
    command: Option<&str>,
) -> Result<Secret, OAuthError> {
    let (text, from) = if let Some(file) = file {
        let from = format!("{} {}", input.file_field, Safe(file));
        let bytes = crate::files::read_regular(Path::new(file), MAX_TOKEN)
            .map_err(|e| OAuthError::Config(format!("{from}: {e}")))?
            .ok_or_else(|| OAuthError::Config(format!("{from}: no such file")))?;
        (String::from_utf8_lossy(&bytes).into_owned(), from)
    } else if let Some(command) = command {
        let from = format!("{} `{}`", input.command_field, Safe(command));
        (run(command, c.timeout(), &from).await?, from)
    } else if let Some(actions) = &ambient.actions {
        let audience = p.grant_inputs.audience.as_deref();
        return actions_token(c, actions, audience).await;
    } else {
        return Err(OAuthError::Config(format!(
            "grant {} needs the {what}: set {} (a file) or {} (a command that prints it), or \
             run in GitHub Actions with `permissions: id-token: write`",
            p.grant.as_str(),
            input.file_field,
            input.command_field,
            what = input.what,
        )));
    };
    let token = text.trim();
    if token.is_empty() {
        return Err(OAuthError::Config(format!(
            "{from} gave no {}: it is empty",
            input.what
        )));
    }
    Ok(Secret::new(token))
}

/// Runs `command` with `sh -c`; its standard output is the token. Its standard error is shown
/// (last line) when it fails, never its output.
async fn run(
    command: &str,
    timeout: std::time::Duration,
    from: &str,
) -> Result<String, OAuthError> {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| OAuthError::Config(format!("{from}: cannot start sh: {e}")))?;
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| {
            OAuthError::Config(format!("{from}: no answer within {} s", timeout.as_secs()))
        })?
        .map_err(|e| OAuthError::Config(format!("{from}: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Err(OAuthError::Config(format!(
            "{from} failed ({}){}",
            out.status,
            last.map(|l| format!(": {}", Safe(l.trim())))
                .unwrap_or_default()
        )));
    }
    if out.stdout.len() as u64 > MAX_TOKEN {
        return Err(OAuthError::Config(format!(
            "{from}: its output is too large"
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// GitHub Actions' OIDC token for `audience` (the job needs `id-token: write`).
async fn actions_token(
    c: &Caller,
    actions: &ActionsOidc,
    audience: Option<&str>,
) -> Result<Secret, OAuthError> {
    let mut url = url::Url::parse(&actions.url).map_err(|e| {
        OAuthError::Config(format!("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: {e}"))
    })?;
    if let Some(a) = audience.filter(|a| !a.is_empty()) {
        url.query_pairs_mut().append_pair("audience", a);
    }
    let shown = "GitHub Actions' OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL)";
    let checked = super::transport::check_url(url.as_str(), false)?;
    let request = c
        .client()
        .get(checked)
        .header(reqwest::header::ACCEPT, "application/json")
        .bearer_auth(actions.token.expose());
    let (_, _, map) = super::response::send_json_headers(request, url.as_str(), c.timeout(), false)
        .await
        .map_err(|e| OAuthError::Other(format!("{shown}: {e}")))?;
    map.get("value")
        .and_then(|v| v.as_str())
        .filter(|v| !v.is_empty())
        .map(Secret::new)
        .ok_or_else(|| OAuthError::Other(format!("{shown} answered without a token (`value`)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller::new(std::time::Duration::from_secs(5)).unwrap()
    }

    #[tokio::test]
    async fn a_command_gives_the_token_and_its_failure_is_named() {
        let p = Profile::new("p");
        let got = read(
            &caller(),
            &p,
            &Ambient::default(),
            ASSERTION,
            None,
            Some("echo ' a.b.c '"),
        )
        .await
        .unwrap();
        assert_eq!(got.expose(), "a.b.c");
        let e = read(
            &caller(),
            &p,
            &Ambient::default(),
            ASSERTION,
            None,
            Some("echo nope >&2; exit 3"),
        )
        .await
        .unwrap_err();
        assert!(e.is_config());
        assert!(
            e.to_string().contains("assertion_command") && e.to_string().contains("nope"),
            "{e}"
        );
        let e = read(
            &caller(),
            &p,
            &Ambient::default(),
            ASSERTION,
            None,
            Some("true"),
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[tokio::test]
    async fn nothing_configured_names_the_fields() {
        let mut p = Profile::new("p");
        p.grant = crate::profile::Grant::TokenExchange;
        let e = read(
            &caller(),
            &p,
            &Ambient::default(),
            SUBJECT_TOKEN,
            None,
            None,
        )
        .await
        .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("subject_token_file") && text.contains("subject_token_command"),
            "{text}"
        );
        let e = read(
            &caller(),
            &p,
            &Ambient::default(),
            SUBJECT_TOKEN,
            Some("/nonexistent/pancred-token"),
            None,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/pancred-token"), "{e}");
    }
}
