//! Judging a redirect: is it the one callback this login waits for (RFC 6749 §4.1.2, RFC 8252)?

use super::LoopbackError;
use crate::rules::constant_time;
use crate::secret::Secret;
use url::Url;

/// The authorization the provider sent back, its `state` already checked.
#[derive(Debug, Clone)]
pub struct Callback {
    pub code: Secret,
    /// RFC 9207 issuer identification, when the provider sends it.
    pub iss: Option<String>,
}

/// What a callback must carry to end this login: its `state`, and (RFC 9207) the issuer an
/// `iss` must name, which must be there when the issuer's metadata promises it.
#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub state: String,
    pub issuer: Option<String>,
    pub iss_required: bool,
}

/// Only the state (a provider without issuer metadata, or a test).
impl From<&str> for Expected {
    fn from(state: &str) -> Self {
        Expected {
            state: state.to_string(),
            ..Default::default()
        }
    }
}

/// RFC 9207 §2.4 (the mix-up defence of RFC 9700 §4.4): an `iss` that is not the expected
/// issuer is refused, and so is a code without one when the metadata says the issuer always
/// sends it. An error without `iss` is let through as the provider's refusal: it carries no
/// code to mix up, ends the login all the same, and some providers that promise `iss` leave it
/// off their errors (django-oauth-toolkit 3.4 on access_denied).
fn check_iss(iss: Option<&str>, has_code: bool, expected: &Expected) -> Result<(), LoopbackError> {
    let Some(issuer) = &expected.issuer else {
        return Ok(());
    };
    match iss {
        Some(got) if got == issuer => Ok(()),
        Some(got) => Err(LoopbackError::IssuerMismatch {
            expected: issuer.clone(),
            got: Some(got.to_string()),
        }),
        None if expected.iss_required && has_code => Err(LoopbackError::IssuerMismatch {
            expected: issuer.clone(),
            got: None,
        }),
        None => Ok(()),
    }
}

/// What one request to the callback path means.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Ends the wait: the code, or the provider's refusal.
    Final(Result<Callback, LoopbackError>),
    /// Answered with an error page; the wait goes on.
    Rejected {
        status: u16,
        title: &'static str,
        message: String,
    },
}

/// Reads the query of a callback. Parameters may not repeat (RFC 6749 §3.1).
pub(crate) fn judge_query(query: &str, expected: &Expected) -> Verdict {
    let mut fields: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if fields.iter().any(|(seen, _)| *seen == k) {
            return reject(
                400,
                "Bad request",
                format!("the parameter '{k}' appears twice"),
            );
        }
        fields.push((k.into_owned(), v.into_owned()));
    }
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    // A redirect that is not ours (wrong or missing state) may not end the login: it could be
    // another tab, an old link, or a local program trying to inject its own code.
    match get("state") {
        Some(s) if constant_time::eq(&s, &expected.state) => {}
        Some(_) => {
            return reject(
                400,
                "Not this login",
                "the state parameter does not match the login pancred is waiting for; this page \
                 may be stale. pancred is still waiting."
                    .into(),
            )
        }
        None => {
            return reject(
                400,
                "Not this login",
                "the redirect carries no state parameter; pancred is still waiting.".into(),
            )
        }
    }
    // The state is ours, so this is the answer to this login; from the wrong issuer it may
    // carry an attacker's code (or the provider's error about one): it ends the login.
    let has_code = get("error").is_none();
    if let Err(e) = check_iss(get("iss").as_deref(), has_code, expected) {
        return Verdict::Final(Err(e));
    }
    if let Some(error) = get("error") {
        return Verdict::Final(Err(LoopbackError::Provider {
            error,
            description: get("error_description").filter(|d| !d.is_empty()),
        }));
    }
    match get("code").and_then(Secret::non_empty) {
        Some(code) => Verdict::Final(Ok(Callback {
            code,
            iss: get("iss"),
        })),
        None => reject(
            400,
            "No code",
            "the redirect has neither a code nor an error; pancred is still waiting.".into(),
        ),
    }
}

fn reject(status: u16, title: &'static str, message: String) -> Verdict {
    Verdict::Rejected {
        status,
        title,
        message,
    }
}

/// What a person pasted instead of waiting: the whole redirect URL (its state is checked), its
/// query string, or the bare code.
pub fn parse_pasted(text: &str, expected: impl Into<Expected>) -> Result<Callback, LoopbackError> {
    let expected = expected.into();
    let text = text.trim();
    if text.is_empty() {
        return Err(LoopbackError::Pasted("nothing was pasted".into()));
    }
    let query = if text.contains("://") {
        let url =
            Url::parse(text).map_err(|e| LoopbackError::Pasted(format!("not a URL ({e})")))?;
        url.query().unwrap_or_default().to_string()
    } else if text.contains('=') {
        text.trim_start_matches('?').to_string()
    } else if text.chars().any(char::is_whitespace) {
        return Err(LoopbackError::Pasted(
            "a code has no spaces; paste the redirect URL or just the code".into(),
        ));
    } else {
        return Ok(Callback {
            code: Secret::new(text),
            iss: None,
        });
    };
    match judge_query(&query, &expected) {
        Verdict::Final(result) => result,
        Verdict::Rejected { message, .. } => Err(LoopbackError::Pasted(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_matching_state_ends_the_wait() {
        assert!(
            matches!(judge_query("code=c&state=s1", &"s1".into()), Verdict::Final(Ok(c)) if c.code.expose() == "c")
        );
        assert!(matches!(
            judge_query("code=c&state=s2", &"s1".into()),
            Verdict::Rejected { .. }
        ));
        assert!(matches!(
            judge_query("code=c", &"s1".into()),
            Verdict::Rejected { .. }
        ));
        assert!(matches!(
            judge_query("code=c&state=s1&state=s1", &"s1".into()),
            Verdict::Rejected { .. }
        ));
        assert!(matches!(
            judge_query("state=s1", &"s1".into()),
            Verdict::Rejected { .. }
        ));
        assert!(matches!(
            judge_query("error=access_denied&state=x", &"s1".into()),
            Verdict::Rejected { .. }
        ));
        match judge_query(
            "error=access_denied&error_description=no+way&state=s1",
            &"s1".into(),
        ) {
            Verdict::Final(Err(LoopbackError::Provider { error, description })) => {
                assert_eq!(
                    (error.as_str(), description.as_deref()),
                    ("access_denied", Some("no way"))
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn iss_must_name_the_issuer_and_be_there_when_promised() {
        let mut expected = Expected {
            state: "s1".into(),
            issuer: Some("https://idp.example/o".into()),
            iss_required: false,
        };
        let ok = |q: &str, e: &Expected| matches!(judge_query(q, e), Verdict::Final(Ok(_)));
        let mismatch = |q: &str, e: &Expected| {
            matches!(
                judge_query(q, e),
                Verdict::Final(Err(LoopbackError::IssuerMismatch { .. }))
            )
        };
        assert!(ok(
            "code=c&state=s1&iss=https%3A%2F%2Fidp.example%2Fo",
            &expected
        ));
        assert!(ok("code=c&state=s1", &expected));
        assert!(mismatch(
            "code=c&state=s1&iss=https%3A%2F%2Fevil.example",
            &expected
        ));
        // RFC 9207: simple string comparison, no normalization.
        assert!(mismatch(
            "code=c&state=s1&iss=https%3A%2F%2Fidp.example%2Fo%2F",
            &expected
        ));
        // A forged iss does not even let an error through as the provider's.
        assert!(mismatch("error=access_denied&state=s1&iss=x", &expected));
        expected.iss_required = true;
        assert!(mismatch("code=c&state=s1", &expected));
        // An error without iss is the provider's refusal: no code, the login ends anyway.
        assert!(matches!(
            judge_query("error=access_denied&state=s1", &expected),
            Verdict::Final(Err(LoopbackError::Provider { .. }))
        ));
        let pasted = parse_pasted("http://127.0.0.1:5/cb?code=c&state=s1", expected.clone());
        assert!(matches!(
            pasted,
            Err(LoopbackError::IssuerMismatch { got: None, .. })
        ));
        // Without an issuer to compare with, iss is not checked.
        assert!(ok("code=c&state=s1&iss=anything", &"s1".into()));
    }

    #[test]
    fn pasted_urls_queries_and_codes() {
        let url = "http://127.0.0.1:5/cb?code=abc%2Fd&state=s1";
        assert_eq!(parse_pasted(url, "s1").unwrap().code.expose(), "abc/d");
        assert!(matches!(
            parse_pasted(url, "other"),
            Err(LoopbackError::Pasted(_))
        ));
        assert_eq!(
            parse_pasted("?code=x&state=s1", "s1")
                .unwrap()
                .code
                .expose(),
            "x"
        );
        assert_eq!(
            parse_pasted("  bare-code_1 \n", "s1")
                .unwrap()
                .code
                .expose(),
            "bare-code_1"
        );
        assert!(parse_pasted("two words", "s1").is_err());
        assert!(parse_pasted("", "s1").is_err());
    }
}
