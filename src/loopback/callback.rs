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
pub(crate) fn judge_query(query: &str, expected_state: &str) -> Verdict {
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
        Some(s) if constant_time::eq(&s, expected_state) => {}
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
pub fn parse_pasted(text: &str, expected_state: &str) -> Result<Callback, LoopbackError> {
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
    match judge_query(&query, expected_state) {
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
            matches!(judge_query("code=c&state=s1", "s1"), Verdict::Final(Ok(c)) if c.code.expose() == "c")
        );
        assert!(matches!(
            judge_query("code=c&state=s2", "s1"),
            Verdict::Rejected { .. }
        ));
        assert!(matches!(
            judge_query("code=c", "s1"),
            Verdict::Rejected { .. }
        ));
        assert!(matches!(
            judge_query("code=c&state=s1&state=s1", "s1"),
            Verdict::Rejected { .. }
        ));
        assert!(matches!(
            judge_query("state=s1", "s1"),
            Verdict::Rejected { .. }
        ));
        assert!(matches!(
            judge_query("error=access_denied&state=x", "s1"),
            Verdict::Rejected { .. }
        ));
        match judge_query(
            "error=access_denied&error_description=no+way&state=s1",
            "s1",
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
