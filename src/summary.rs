//! A profile as the outside world may see it: every secret reduced to "is it there".
//! The CLI's `--json`, its tables and the TUI all read this, never a raw [`Profile`].

use crate::clock::format_span;
use crate::jwt;
use crate::profile::binding::TokenBinding;
use crate::profile::{ClientAuth, Dialect, Grant, Profile, TokenState};
use crate::seconds;
use serde::Serialize;
use serde_json::{Map, Value};

/// How a setting or secret that is not there is shown, by the CLI and the TUI alike.
pub const NOT_SET: &str = "-";

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
    pub auth_base_url: Option<String>,
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
    /// What the access token is bound to (`dpop`, `mtls`), or null for a bearer token.
    pub token_binding: Option<TokenBinding>,
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
            auth_base_url: Some(p.auth_base_url().to_string()).filter(|u| !u.is_empty()),
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
            token_binding: p.token_binding(),
            claims,
        }
    }

    /// The time left when the summary was made ([`time_left_text`]).
    pub fn time_left(&self) -> String {
        time_left_text(self.has_access_token, self.expires_in)
    }

    /// The token's state at `now`, from what the summary holds: a countdown moves without
    /// decoding the token again.
    pub fn state_at(&self, now: i64, leeway: i64) -> TokenState {
        TokenState::of(self.has_access_token, self.expires_at, now, leeway)
    }

    /// [`time_left_text`] at `now`.
    pub fn time_left_at(&self, now: i64) -> String {
        time_left_text(self.has_access_token, self.left_at(now))
    }

    fn left_at(&self, now: i64) -> Option<i64> {
        self.expires_at.map(|e| seconds::left(e, now))
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

/// `14m 03s`, `expired 5m 10s ago`, `no token`, `unknown` (a token without a known expiry), from
/// the seconds left on the access token.
pub fn time_left_text(has_token: bool, left: Option<i64>) -> String {
    match (has_token, left) {
        (false, _) => "no token".into(),
        (true, None) => "unknown".into(),
        (true, Some(s)) if s <= 0 => format!("expired {} ago", format_span(s)),
        (true, Some(s)) => format_span(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::format_utc;
    use crate::jwt::make_unsigned;
    use crate::secret::Secret;
    use serde_json::json;

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

    /// The summary's live state (the TUI's countdowns) is the profile's, at every second around
    /// the edges of the leeway and of the expiry, and its time left is the CLI's.
    #[rstest::rstest]
    #[case::no_token(None, None)]
    #[case::opaque_without_expiry(Some("opaque"), None)]
    #[case::opaque_with_expires_at(Some("opaque"), Some(1_000_100))]
    #[case::jwt(Some("jwt"), Some(1_000_030))]
    fn live_state_is_the_profile_rule(#[case] token: Option<&str>, #[case] exp: Option<i64>) {
        let built = 1_000_000;
        let mut p = Profile::new("p");
        p.access_token = token.map(|t| match (t, exp) {
            ("jwt", Some(e)) => Secret::new(make_unsigned(&json!({ "exp": e }))),
            _ => Secret::new(t),
        });
        p.expires_at = exp;
        let s = ProfileSummary::new(&p, false, built, 60);
        assert_eq!(s.time_left_at(built), s.time_left());
        for now in built - 5..built + 200 {
            assert_eq!(s.state_at(now, 60), p.token_state(now, 60), "at {now}");
            assert_eq!(
                s.time_left_at(now),
                ProfileSummary::new(&p, false, now, 60).time_left(),
                "at {now}"
            );
        }
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
