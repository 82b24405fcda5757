//! The selected profile's provider: its metadata (or token endpoint) answers, and this machine's
//! clock agrees with the provider's `Date` header. A skewed clock makes tokens look expired too
//! early or too late, and providers refuse assertions that seem to come from the future.

use super::{Check, TIMEOUT};
use crate::oauth::discovery::openid_url;
use crate::oauth::error::endpoint_label;
use crate::oauth::transport::{check_url, client, transport_error};
use crate::profile::{Dialect, Profile};

/// Past this many seconds apart, the clocks are reported (tokens' `exp` is checked in seconds,
/// and the default leeway is a minute).
pub const MAX_SKEW_SECS: i64 = 60;

/// The client's private key, for a profile that signs its client assertions with one
/// (`private_key_jwt`): found, private to the user, of a type pancred signs with. `None` for
/// other profiles.
pub fn client_key(profile: &Profile) -> Option<Check> {
    const NAME: &str = "client-key";
    if profile.client_auth != crate::profile::ClientAuth::PrivateKeyJwt {
        return None;
    }
    let from = match profile.client_key_file.as_deref() {
        Some(f) => format!("client_key_file {}", crate::text::Safe(f)),
        None => "client_key".to_string(),
    };
    Some(match crate::oauth::assertion::client_key(profile) {
        Ok(key) => Check::ok(NAME, format!("{from}: signs with {}", key.alg().as_str())),
        Err(e) => Check::fail(
            NAME,
            e.to_string(),
            "give client_key_file the absolute path of the client's private key (PEM, mode 0600)",
        ),
    })
}

/// The provider checks for `profile`, `now` being this machine's time (unix seconds).
pub async fn provider(profile: &Profile, now: i64) -> Vec<Check> {
    const NAME: &str = "provider";
    let (url, metadata) = match (&profile.issuer, &profile.token_url) {
        (Some(issuer), _) => (openid_url(issuer), true),
        (None, Some(token)) => (token.clone(), false),
        (None, None) if profile.dialect == Dialect::Pancloud => {
            (profile.auth_base_url().to_string(), false)
        }
        (None, None) => {
            let detail = format!(
                "profile '{}' names no issuer and no token_url",
                crate::text::Safe(&profile.profile)
            );
            return vec![
                Check::fail(NAME, detail, "set issuer (or token_url) in the profile"),
                Check::skip("clock", "no provider to compare with"),
            ];
        }
    };
    let label = endpoint_label(&url);
    if let Err(e) = check_url(&url, profile.allow_insecure_http) {
        return vec![
            Check::fail(NAME, e.to_string(), "correct the profile's URL"),
            Check::skip("clock", "no provider to compare with"),
        ];
    }
    let http = match client(TIMEOUT) {
        Ok(c) => c,
        Err(e) => return vec![Check::fail(NAME, e.to_string(), "")],
    };
    let answer = match http.get(&url).send().await {
        Ok(a) => a,
        Err(e) => {
            return vec![
                Check::fail(
                    NAME,
                    transport_error(&url, TIMEOUT, e).to_string(),
                    "check the network and the profile's issuer or token_url",
                ),
                Check::skip("clock", "the provider did not answer"),
            ]
        }
    };
    let status = answer.status();
    let date = answer
        .headers()
        .get(reqwest::header::DATE)
        .and_then(|d| d.to_str().ok())
        .map(str::to_string);
    let reached = if !metadata {
        Check::ok(NAME, format!("{label} answers (HTTP {})", status.as_u16()))
    } else if !status.is_success() {
        Check::fail(
            NAME,
            format!("the issuer's metadata at {label} answered HTTP {}", status.as_u16()),
            "check the profile's issuer (its metadata must be at ISSUER/.well-known/openid-configuration)",
        )
    } else {
        match answer.json::<serde_json::Value>().await {
            Ok(doc) if doc.get("token_endpoint").is_some() => {
                Check::ok(NAME, format!("the issuer's metadata at {label} answers"))
            }
            _ => Check::fail(
                NAME,
                format!("{label} answered, but not with OpenID metadata (no token_endpoint)"),
                "check the profile's issuer, or set token_url and auth_base_url in the profile",
            ),
        }
    };
    vec![reached, clock_skew(now, date.as_deref())]
}

/// How far this machine's clock (`now`) is from the one that wrote an HTTP `Date` header.
pub fn clock_skew(now: i64, date: Option<&str>) -> Check {
    const NAME: &str = "clock";
    let Some(date) = date else {
        return Check::skip(NAME, "the provider sent no Date header to compare with");
    };
    let Some(theirs) = httpdate::parse_http_date(date)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok())
    else {
        return Check::skip(NAME, "the provider's Date header is not a date");
    };
    let skew = now - theirs;
    let way = if skew > 0 { "ahead of" } else { "behind" };
    if skew.abs() > MAX_SKEW_SECS {
        Check::warn(
            NAME,
            format!(
                "this machine's clock is {}s {way} the provider's (its Date header): tokens will \
                 look expired too early or too late",
                skew.abs()
            ),
            "synchronise the clock (e.g. `timedatectl set-ntp true`, chrony or ntpd)",
        )
    } else {
        Check::ok(
            NAME,
            format!("within {}s of the provider's clock", skew.abs()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::Status;

    #[test]
    fn skew_is_measured_against_the_date_header() {
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let then = 784_111_777;
        assert_eq!(clock_skew(then + 5, Some(date)).status, Status::Ok);
        let ahead = clock_skew(then + 3600, Some(date));
        assert_eq!(ahead.status, Status::Warn);
        assert!(ahead.detail.contains("3600s ahead of"), "{}", ahead.detail);
        let behind = clock_skew(then - 61, Some(date));
        assert!(behind.detail.contains("61s behind"), "{}", behind.detail);
        assert_eq!(clock_skew(then, None).status, Status::Skip);
        assert_eq!(clock_skew(then, Some("yesterday")).status, Status::Skip);
    }
}
