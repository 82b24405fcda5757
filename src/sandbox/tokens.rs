//! Tokens and what happens to them: grants with rotating refresh tokens, signed access tokens,
//! revocation (for the life of the process) and developer-token redemption.

use super::registry::{random_token, Grant, Refresh, Registry, TokenSet};
use super::reply::ApiError;
use super::signer::AccessClaims;
use crate::rules::constant_time;
use crate::secret::Secret;
use axum::http::StatusCode;
use std::collections::HashSet;

impl Registry {
    /// The refresh_token grant with rotation: the token used is spent, and using it again
    /// revokes the whole grant (the usual defence against a stolen refresh token).
    pub fn refresh(
        &mut self,
        client_id: &str,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> Result<TokenSet, ApiError> {
        let entry = self
            .refresh
            .get_mut(refresh_token)
            .ok_or_else(|| ApiError::invalid_grant("unknown refresh token"))?;
        let g = entry.grant as usize;
        if self.grants[g].client_id != client_id {
            return Err(ApiError::invalid_grant(
                "refresh token was issued to another client",
            ));
        }
        if self.grants[g].revoked {
            return Err(ApiError::invalid_grant("refresh token has been revoked"));
        }
        if entry.used {
            self.grants[g].revoked = true;
            return Err(ApiError::invalid_grant(
                "refresh token already used (it was rotated); the grant is now revoked",
            ));
        }
        entry.used = true;
        if let Some(asked) = scope.filter(|s| !s.trim().is_empty()) {
            let granted: HashSet<&str> = self.grants[g].scope.split_whitespace().collect();
            if !asked.split_whitespace().all(|s| granted.contains(s)) {
                entry.used = false;
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_scope",
                    "scope exceeds what was granted",
                ));
            }
            let mut set = self.issue(g as u64, self.lifetime);
            set.scope = asked.to_string();
            return Ok(set);
        }
        Ok(self.issue(g as u64, self.lifetime))
    }

    /// RFC 7009: revokes a token this client holds; anything else is quietly ignored.
    /// Returns what was revoked, for the log.
    pub fn revoke(&mut self, client_id: &str, token: &str) -> &'static str {
        if let Some(r) = self.refresh.get(token) {
            let g = &mut self.grants[r.grant as usize];
            if g.client_id == client_id {
                g.revoked = true;
                return "revoked refresh token and its grant";
            }
            return "token belongs to another client; nothing revoked";
        }
        if let Some(claims) = self.signer.verify(token) {
            if claims.client_id == client_id {
                self.revoked_access.insert(claims.jti);
                return "revoked access token";
            }
            return "token belongs to another client; nothing revoked";
        }
        "unknown token; nothing revoked"
    }

    pub fn redeem_developer_token(&mut self, token: &str) -> Result<TokenSet, ApiError> {
        let subject = self
            .developer_tokens
            .iter()
            .find(|d| constant_time::eq(d.token.expose(), token))
            .map(|d| d.subject.clone())
            .ok_or_else(|| ApiError::invalid_token("unknown developer token"))?;
        let now = self.now();
        let (access_token, exp) =
            self.sign(None, "developer-token", &subject, "", now, self.lifetime);
        Ok(TokenSet {
            access_token,
            refresh_token: None,
            expires_in: self.lifetime,
            expires_at: exp,
            scope: String::new(),
        })
    }

    /// An access token's claims when it is ours, unexpired and not revoked.
    pub fn check_access(&self, token: &str) -> Result<AccessClaims, ApiError> {
        let claims = self
            .signer
            .verify(token)
            .ok_or_else(|| ApiError::invalid_token("not a token issued by this sandbox"))?;
        if claims.exp <= self.now() {
            return Err(ApiError::invalid_token("access token expired"));
        }
        let grant_revoked = matches!(self.access.get(&claims.jti), Some(Some(g)) if self.grants[*g as usize].revoked);
        if grant_revoked || self.revoked_access.contains(&claims.jti) {
            return Err(ApiError::invalid_token("access token revoked"));
        }
        Ok(claims)
    }

    pub fn new_grant(&mut self, client_id: &str, scope: &str) -> u64 {
        self.grants.push(Grant {
            client_id: client_id.to_string(),
            subject: self.subject.clone(),
            scope: scope.to_string(),
            revoked: false,
        });
        (self.grants.len() - 1) as u64
    }

    /// A new access token and refresh token for a grant; `lifetime` may be negative (demo tokens
    /// that start expired).
    pub fn issue(&mut self, grant: u64, lifetime: i64) -> TokenSet {
        let now = self.now();
        let (client_id, subject, scope) = {
            let g = &self.grants[grant as usize];
            (g.client_id.clone(), g.subject.clone(), g.scope.clone())
        };
        let (access_token, exp) =
            self.sign(Some(grant), &client_id, &subject, &scope, now, lifetime);
        let rt = random_token("sbx-rt-");
        self.refresh
            .insert(rt.clone(), Refresh { grant, used: false });
        TokenSet {
            access_token,
            refresh_token: Some(Secret::new(rt)),
            expires_in: exp - now,
            expires_at: exp,
            scope,
        }
    }

    fn sign(
        &mut self,
        grant: Option<u64>,
        client_id: &str,
        subject: &str,
        scope: &str,
        now: i64,
        lifetime: i64,
    ) -> (Secret, i64) {
        let jti = uuid::Uuid::new_v4().to_string();
        // A demo token made to expire early was issued a full lifetime before its expiry.
        let iat = now.min(now + lifetime - self.lifetime);
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            sub: subject.to_string(),
            aud: client_id.to_string(),
            client_id: client_id.to_string(),
            scope: scope.to_string(),
            iat,
            exp: now + lifetime,
            jti: jti.clone(),
        };
        self.access.insert(jti, grant);
        (Secret::new(self.signer.sign(&claims)), claims.exp)
    }
}
