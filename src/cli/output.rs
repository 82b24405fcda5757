//! How profiles look on stdout: aligned text for people, JSON for programs. Secrets never appear.

use super::context::ChosenBy;
use crate::clock::format_utc;
use crate::env;
use crate::profile::{fields, Profile};
use crate::resolve::{Resolved, Source};
use crate::secret::MASK;
use crate::summary::ProfileSummary;
use crate::text::safe;
use crate::Error;
use serde::Serialize;
use std::io::Write;

pub fn print_json<T: Serialize>(value: &T) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Other(e.to_string()))?;
    print_line(&text)
}

/// `text` and a line break on stdout, for an answer a program waits for (a token, a URL, JSON):
/// one that cannot be written is an error (exit 1), never a panic.
pub fn print_line(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| Error::Other(format!("cannot write to standard output: {e}")))
}

/// Every string that came from a store or a token goes through [`safe`]: a name holding a newline
/// or an escape sequence is shown escaped, and cannot forge a row or drive the terminal.
pub fn list_table(rows: &[ProfileSummary]) -> String {
    let name_w = rows
        .iter()
        .map(|r| safe(&r.profile).chars().count())
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
            safe(&r.profile),
            r.dialect.as_str(),
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
        crate::summary::NOT_SET
    }
}

/// `show`'s text; `chosen_by` says what selected the profile.
pub fn show_text(p: &Profile, s: &ProfileSummary, store: &str, chosen_by: Option<&str>) -> String {
    let mut lines: Vec<(&str, String)> = vec![
        (
            "profile",
            format!("{}{}", s.profile, if s.default { " (default)" } else { "" }),
        ),
        ("store", store.to_string()),
        ("state", s.state.as_str().into()),
        ("time left", s.time_left()),
        (
            "expires at",
            s.expires_at
                .map(format_utc)
                .unwrap_or_else(|| crate::summary::NOT_SET.into()),
        ),
    ];
    if let Some(by) = chosen_by {
        lines.insert(1, ("chosen by", by.to_string()));
    }
    if let Some(b) = s.token_binding {
        lines.push(("token binding", b.describe().into()));
    }
    if let Some(to) = &p.moved_to {
        // Left behind by `import`: where its tokens are now.
        lines.push(("tokens moved to", to.clone()));
    }
    for f in fields::shown_fields(p) {
        let value = if f.is_secret() {
            presence(p.secret(f.name).is_some()).to_string()
        } else {
            p.setting_text(f.name)
                .unwrap_or_else(|| crate::summary::NOT_SET.into())
        };
        lines.push((f.name, value));
    }
    // Times as dates, as the TUI shows them.
    for k in s.claims.keys() {
        lines.push((k.as_str(), crate::jwt::claim_display(&s.claims, k)));
    }
    let w = lines
        .iter()
        .map(|(k, _)| safe(k).chars().count())
        .max()
        .unwrap_or(0);
    let claims_from = lines.len() - s.claims.len();
    let mut out = String::new();
    for (i, (k, v)) in lines.iter().enumerate() {
        if i == claims_from {
            out.push_str("claims:\n");
        }
        let indent = if i >= claims_from { "  " } else { "" };
        out.push_str(&format!("{indent}{:<w$}  {}\n", safe(k), safe(v)));
    }
    out
}

/// Where `token` and `refresh` would take each credential from, when it is not the store:
/// `show` says so, since the stored values shown above are then not the ones used.
pub fn sources_text(r: &Resolved) -> String {
    let rows = source_rows(r);
    if rows.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "credentials from {} (used by token and refresh; the stored profile's credentials are not used):\n",
        match r.source {
            Source::Explicit => "the command line",
            _ => "PAN_* variables",
        }
    );
    for (field, value, origin) in rows {
        out.push_str(&format!("  {field:<15}  {value}  ({origin})\n"));
    }
    out
}

/// `(field, shown value, where from)` for each credential outside the store.
fn source_rows(r: &Resolved) -> Vec<(&'static str, String, &'static str)> {
    let c = &r.credentials;
    let mask = |present: bool| presence(present).to_string();
    let mut rows = match r.source {
        Source::Store => Vec::new(),
        Source::Environment => vec![
            (
                "client_id",
                c.client_id
                    .clone()
                    .unwrap_or_else(|| crate::summary::NOT_SET.into()),
                env::CLIENT_ID,
            ),
            (
                "client_secret",
                mask(c.client_secret.is_some()),
                env::CLIENT_SECRET,
            ),
            (
                "refresh_token",
                mask(c.refresh_token.is_some()),
                env::REFRESH_TOKEN,
            ),
            (
                "access_token",
                mask(c.access_token.is_some()),
                env::ACCESS_TOKEN,
            ),
        ],
        Source::Explicit => vec![
            (
                "client_id",
                c.client_id
                    .clone()
                    .unwrap_or_else(|| crate::summary::NOT_SET.into()),
                "--client-id",
            ),
            (
                "client_secret",
                mask(c.client_secret.is_some()),
                "--client-secret-file",
            ),
            (
                "refresh_token",
                mask(c.refresh_token.is_some()),
                "--refresh-token-file",
            ),
            (
                "access_token",
                mask(c.access_token.is_some()),
                "--access-token-file",
            ),
        ],
    };
    if r.developer_token_source == Some(Source::Environment) {
        rows.push(("developer_token", MASK.into(), env::DEVELOPER_TOKEN));
    }
    rows
}

/// `show --json`: the profile's summary plus where the credentials in use come from.
#[derive(Serialize)]
pub struct ShowJson<'a> {
    #[serde(flatten)]
    summary: &'a ProfileSummary,
    /// `store`, `environment` or `explicit`.
    credentials_source: &'static str,
    /// For each credential not taken from the store: where it comes from (never its value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    credential_origins: Vec<Origin>,
    /// What selected the profile.
    chosen_by: ChosenByJson,
}

/// `show --json`'s `chosen_by`: `by` is `flag`, `environment`, `rule`, `store_default` or
/// `builtin`; a rule also gives its number in the file, its kind, its pattern and the file.
#[derive(Serialize)]
struct ChosenByJson {
    by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
}

#[derive(Serialize)]
struct Origin {
    field: &'static str,
    present: bool,
    from: &'static str,
}

pub fn show_json<'a>(summary: &'a ProfileSummary, r: &Resolved, by: &ChosenBy) -> ShowJson<'a> {
    let rule = match by {
        ChosenBy::Rule(c) => Some(c),
        _ => None,
    };
    ShowJson {
        chosen_by: ChosenByJson {
            by: by.key(),
            rule: rule.map(|c| c.rule.number),
            kind: rule.map(|c| c.rule.kind),
            pattern: rule.map(|c| c.rule.written.clone()),
            file: rule.map(|c| c.file.display().to_string()),
        },
        summary,
        credentials_source: r.source.as_str(),
        credential_origins: source_rows(r)
            .into_iter()
            .map(|(field, value, from)| Origin {
                field,
                present: value != "-",
                from,
            })
            .collect(),
    }
}

pub fn print_text(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`pancred list | head -1`) is not an error worth a message.
    let _ = out.write_all(text.as_bytes());
    Ok(())
}
