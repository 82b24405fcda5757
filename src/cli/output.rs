//! How profiles look on stdout: aligned text for people, JSON for programs. Secrets never appear.

use crate::secret::MASK;
use crate::summary::{format_utc, ProfileSummary};
use crate::Error;
use serde::Serialize;
use std::io::Write;

pub fn print_json<T: Serialize>(value: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Other(e.to_string()))?;
    println!("{text}");
    Ok(())
}

pub fn list_table(rows: &[ProfileSummary]) -> String {
    let name_w = rows
        .iter()
        .map(|r| r.profile.chars().count())
        .max()
        .unwrap_or(0)
        .max("PROFILE".len());
    let mut out = format!(
        "  {:<name_w$}  {:<8}  {:<8}  TIME LEFT\n",
        "PROFILE", "DIALECT", "STATE"
    );
    for r in rows {
        out.push_str(&format!(
            "{} {:<name_w$}  {:<8}  {:<8}  {}\n",
            if r.default { "*" } else { " " },
            r.profile,
            r.dialect,
            r.state.as_str(),
            r.time_left()
        ));
    }
    out
}

fn presence(has: bool) -> &'static str {
    if has {
        MASK
    } else {
        "-"
    }
}

pub fn show_text(s: &ProfileSummary, store: &str) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let mut lines: Vec<(&str, String)> = vec![
        (
            "profile",
            format!("{}{}", s.profile, if s.default { " (default)" } else { "" }),
        ),
        ("store", store.to_string()),
        ("dialect", s.dialect.to_string()),
        ("client_id", opt(&s.client_id)),
        ("client_secret", presence(s.has_client_secret).into()),
        ("refresh_token", presence(s.has_refresh_token).into()),
        ("access_token", presence(s.has_access_token).into()),
        ("developer_token", presence(s.has_developer_token).into()),
        ("state", s.state.as_str().into()),
        ("time left", s.time_left()),
        (
            "expires at",
            s.expires_at.map(format_utc).unwrap_or_else(|| "-".into()),
        ),
    ];
    if s.dialect == "oauth2" {
        lines.push(("grant", s.grant.into()));
        lines.push(("client_auth", s.client_auth.into()));
        lines.push(("issuer", opt(&s.issuer)));
        lines.push(("revoke_url", opt(&s.revoke_url)));
    } else {
        lines.push(("developer_token_url", s.developer_token_url.clone()));
        lines.push(("instance_id", opt(&s.instance_id)));
        lines.push(("region", opt(&s.region)));
    }
    lines.push((
        "auth_base_url",
        if s.auth_base_url.is_empty() {
            "-".into()
        } else {
            s.auth_base_url.clone()
        },
    ));
    lines.push(("token_url", opt(&s.token_url)));
    lines.push(("redirect_uri", opt(&s.redirect_uri)));
    lines.push(("scope", opt(&s.scope)));
    if !s.auth_params.is_empty() {
        lines.push((
            "auth_params",
            serde_json::Value::Object(s.auth_params.clone()).to_string(),
        ));
    }
    if !s.cache_token {
        lines.push(("cache_token", "false".into()));
    }
    if let Some(d) = &s.device_authorization_url {
        lines.push(("device_authorization_url", d.clone()));
    }
    if !s.git_hosts.is_empty() {
        lines.push(("git_hosts", s.git_hosts.join(", ")));
    }
    for (k, v) in &s.claims {
        lines.push((k.as_str(), crate::jwt::claim_text(v)));
    }
    let w = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let claims_from = lines.len() - s.claims.len();
    let mut out = String::new();
    for (i, (k, v)) in lines.iter().enumerate() {
        if i == claims_from {
            out.push_str("claims:\n");
        }
        let indent = if i >= claims_from { "  " } else { "" };
        out.push_str(&format!("{indent}{k:<w$}  {v}\n"));
    }
    out
}

pub fn print_text(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`pancred list | head -1`) is not an error worth a message.
    let _ = out.write_all(text.as_bytes());
    Ok(())
}
