//! A profile as the outside world may see it: every secret reduced to "is it there".
//! The CLI's `--json`, its tables and the TUI all read this, never a raw [`Profile`].

use crate::clock::format_span;
use crate::jwt;
use crate::profile::{ClientAuth, Dialect, Grant, Profile, TokenState};
use crate::seconds;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileSummary {
    pub profile: String,
    pub default: bool,
    pub dialect: Dialect,
    pub client_id: Option<String>,
    pub has_client_secret: bool,
    pub has_refresh_token: bool,
    pub has_access_token: bool,
    pub has_developer_token: bool,
    pub expires_at: Option<i64>,
    pub expires_in: Option<i64>,
    pub state: TokenState,
    pub client_auth: ClientAuth,
    pub auth_base_url: String,
    pub token_url: Option<String>,
    pub revoke_url: Option<String>,
    pub issuer: Option<String>,
    pub developer_token_url: String,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub instance_id: Option<String>,
    pub region: Option<String>,
    pub auth_params: Map<String, Value>,
    pub cache_token: bool,
    pub grant: Grant,
    pub device_authorization_url: Option<String>,
    pub git_hosts: Vec<String>,
    /// The access token's claims that are safe to show (sub, aud, scope, iat, exp, iss, ...).
    pub claims: Map<String, Value>,
}

/// Claims shown to users; the rest of the payload may hold anything.
pub const SHOWN_CLAIMS: &[&str] = &[
    "sub",
    "aud",
    "scope",
    "scp",
    "iat",
    "exp",
    "iss",
    "client_id",
    "azp",
    "jti",
];

impl ProfileSummary {
    pub fn new(p: &Profile, is_default: bool, now: i64, leeway: i64) -> Self {
        let expires_at = p.effective_expires_at();
        let claims = p
            .access_token
            .as_ref()
            .and_then(|t| jwt::claims(t.expose()))
            .map(|c| {
                c.into_iter()
                    .filter(|(k, _)| SHOWN_CLAIMS.contains(&k.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        ProfileSummary {
            profile: p.profile.clone(),
            default: is_default,
            dialect: p.dialect,
            client_id: p.client_id.clone(),
            has_client_secret: p.client_secret.is_some(),
            has_refresh_token: p.refresh_token.is_some(),
            has_access_token: p.access_token.is_some(),
            has_developer_token: p.developer_token.is_some(),
            expires_at,
            expires_in: expires_at.map(|e| seconds::left(e, now)),
            state: p.token_state(now, leeway),
            client_auth: p.client_auth,
            auth_base_url: p.auth_base_url().to_string(),
            token_url: p.token_url.clone(),
            revoke_url: p.revoke_url.clone(),
            issuer: p.issuer.clone(),
            developer_token_url: p.developer_token_url().to_string(),
            redirect_uri: p.redirect_uri.clone(),
            scope: p.scope.clone(),
            instance_id: p.instance_id.clone(),
            region: p.region.clone(),
            auth_params: p.auth_params.clone(),
            cache_token: p.cache_token,
            grant: p.grant,
            device_authorization_url: p.device_authorization_url.clone(),
            git_hosts: p.git_hosts.clone(),
            claims,
        }
    }

    /// `14m 03s`, `expired 5m 10s ago`, `no token`, `unknown`.
    pub fn time_left(&self) -> String {
        match (self.has_access_token, self.expires_in) {
            (false, _) => "no token".into(),
            (true, None) => "unknown".into(),
            (true, Some(s)) if s <= 0 => format!("expired {} ago", format_span(s)),
            (true, Some(s)) => format_span(s),
        }
    }

    /// Fraction of the token's lifetime used, from `iat` to `exp`, when both are known.
    pub fn lifetime_used(&self, now: i64) -> Option<f64> {
        let exp = self.expires_at?;
        let iat = jwt::claim_seconds(&self.claims, "iat")?;
        (exp > iat).then(|| {
            (seconds::left(now, iat) as f64 / seconds::left(exp, iat) as f64).clamp(0.0, 1.0)
        })
    }
}

/// `2026-11-29 17:08:57 UTC`.
pub fn format_utc(ts: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(ts);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} UTC")
}

/// The first and last instants RFC 3339 can write (its years have four digits).
pub const RFC3339_MIN: i64 = -62_167_219_200;
pub const RFC3339_MAX: i64 = 253_402_300_799;

/// `2026-11-29T17:08:57Z` (RFC 3339, as Kubernetes and JSON APIs write times). A time outside
/// years 0000 to 9999 is clamped to the nearest one RFC 3339 can write (an expiry "in 10,000
/// years" is one in 9999), so the text is always a valid timestamp.
pub fn rfc3339_utc(ts: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(ts.clamp(RFC3339_MIN, RFC3339_MAX));
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// Unix seconds as (year, month, day, hour, minute, second) in UTC, without a date crate
/// (Howard Hinnant's civil-from-days).
fn civil(ts: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::make_unsigned;
    use crate::secret::Secret;
    use serde_json::json;

    #[test]
    fn utc_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_795_972_137), "2026-11-29 17:08:57 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(rfc3339_utc(1_795_972_137), "2026-11-29T17:08:57Z");
    }

    #[test]
    fn rfc3339_for_every_time() {
        assert_eq!(rfc3339_utc(RFC3339_MAX), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(RFC3339_MAX + 1), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339_utc(RFC3339_MIN), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(i64::MIN), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn summary_hides_secrets_and_reads_claims() {
        let now = 1_000_000;
        let mut p = Profile::new("lab");
        p.client_secret = Some(Secret::new("sekrit"));
        p.access_token = Some(Secret::new(make_unsigned(
            &json!({"exp": now + 843, "iat": now - 57, "sub": "alice", "private": "x"}),
        )));
        let s = ProfileSummary::new(&p, true, now, 60);
        let text = serde_json::to_string(&s).unwrap();
        assert!(
            !text.contains("sekrit") && !text.contains(p.access_token.as_ref().unwrap().expose())
        );
        assert!(!s.claims.contains_key("private"));
        assert_eq!(s.expires_in, Some(843));
        assert_eq!(s.time_left(), "14m 03s");
        assert_eq!(s.state, TokenState::Valid);
        assert!((s.lifetime_used(now).unwrap() - 57.0 / 900.0).abs() < 1e-9);
    }

    /// Numbers at the edges, from a file (`expires_at`) or a token (`exp`, `iat`): no panic, and
    /// a state and a countdown that make sense.
    #[test]
    fn extreme_numbers_never_panic() {
        let edges = [
            json!(i64::MIN),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e300),
            json!(-1e300),
            json!("9e99"),
            json!(-1),
            json!(0.5),
        ];
        for now in [0, 1_700_000_000, i64::MIN, i64::MAX] {
            for exp in &edges {
                for iat in &edges {
                    for stored in [None, Some(i64::MIN), Some(i64::MAX)] {
                        let mut p = Profile::new("p");
                        p.expires_at = stored;
                        p.access_token =
                            Some(Secret::new(make_unsigned(&json!({"exp": exp, "iat": iat}))));
                        let s = ProfileSummary::new(&p, false, now, 60);
                        let _ = (s.time_left(), s.lifetime_used(now));
                        let _ = s.expires_at.map(format_utc);
                        let mut q = p.clone();
                        q.set_access_token(Secret::new("opaque"), Some(i64::MAX), now);
                        q.set_access_token(Secret::new("opaque"), Some(i64::MIN), now);
                    }
                }
            }
        }
        let mut p = Profile::new("p");
        p.access_token = Some(Secret::new("opaque"));
        p.expires_at = Some(i64::MAX);
        let s = ProfileSummary::new(&p, false, i64::MIN, 60);
        assert_eq!((s.state, s.expires_in), (TokenState::Valid, Some(i64::MAX)));
        p.expires_at = Some(i64::MIN);
        let s = ProfileSummary::new(&p, false, i64::MAX, 60);
        assert_eq!(
            (s.state, s.expires_in),
            (TokenState::Expired, Some(i64::MIN))
        );
    }
}
