//! `exec --serve`'s DPoP side (RFC 9449): `GET /dpop-proof?method=M&url=U[&nonce=N]` answers a
//! proof for the token `GET /token` answers, signed in this process (the key never reaches
//! CMD); `/token` names the token's type (`DPoP` for a bound token).

use crate::engine::Engine;
use crate::oauth::dpop;

pub const PATH: &str = "/dpop-proof";

/// The `token_type` to answer with the profile's token.
pub async fn token_type(engine: &Engine, profile: &str) -> &'static str {
    match engine.load(profile).await {
        Ok(Some(p)) if p.is_dpop_token() => dpop::TOKEN_TYPE,
        _ => "Bearer",
    }
}

/// The answer to `GET /dpop-proof?...`: status, and the proof (text) or a JSON error.
pub async fn answer(engine: &Engine, profile: &str, target: &str) -> (u16, String) {
    let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let (mut method, mut url, mut nonce) = (None, None, None);
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "method" => method = Some(v.into_owned()),
            "url" => url = Some(v.into_owned()),
            "nonce" => nonce = Some(v.into_owned()),
            _ => {}
        }
    }
    let (Some(method), Some(url)) = (method, url) else {
        return (
            400,
            super::serve::error_json("invalid_request", "ask GET /dpop-proof?method=M&url=U"),
        );
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return (
            400,
            super::serve::error_json("invalid_request", "method is an HTTP method such as GET"),
        );
    }
    let proof = async {
        let key = engine.dpop_key(profile).await?;
        let token = engine.fresh_access_token(profile).await?;
        Engine::dpop_proof_with(&key, &method, &url, Some(token.expose()), nonce.as_deref())
    };
    match proof.await {
        Ok(p) => (200, format!("{p}\n")),
        Err(e) => (
            400,
            super::serve::error_json("invalid_request", &crate::text::safe_lines(&e.to_string())),
        ),
    }
}
