//! `pancred dpop-proof`: a DPoP proof (RFC 9449) for one request a script makes itself, e.g.
//! `curl -H "Authorization: DPoP $(pancred token)" -H "DPoP: $(pancred dpop-proof --method GET --url URL)" URL`.

use super::context::Context;
use super::endpoint_client;
use super::interrupt::run_guarded;
use super::oauth_cmds::engine;
use super::output::print_line;
use crate::{Engine, Error};

pub struct ProofArgs<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub nonce: Option<&'a str>,
    /// A proof for the token endpoint: no access token, so no `ath`.
    pub no_token: bool,
}

pub fn dpop_proof(ctx: &Context, a: &ProofArgs) -> Result<(), Error> {
    if a.method.is_empty() || !a.method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(Error::Usage(format!(
            "--method must be an HTTP method such as GET or POST, not {:?}",
            crate::text::safe(a.method)
        )));
    }
    crate::oauth::dpop::htu(a.url).map_err(|e| Error::Usage(e.to_string()))?;
    // Under `exec --serve` (and no other profile or store asked for): its pancred holds the key
    // and signs. A proof for the token endpoint (no token) is the store's.
    if !a.no_token {
        if let Some(served) = super::cached::from_endpoint(ctx) {
            served?;
            let endpoint = &ctx.settings.endpoint;
            if let Some(proof) = endpoint_client::fetch_proof(endpoint, a.method, a.url, a.nonce) {
                return print_line(&proof?);
            }
        }
    }
    let (engine, name) = engine(ctx)?;
    let proof = run_guarded(&engine, async {
        let key = engine.dpop_key(&name).await?;
        // The same token `pancred token` prints now (refreshed first when stale).
        let token = match a.no_token {
            true => None,
            false => Some(engine.fresh_access_token(&name).await?),
        };
        Engine::dpop_proof_with(
            &key,
            a.method,
            a.url,
            token.as_ref().map(|t| t.expose()),
            a.nonce,
        )
    })?;
    print_line(&proof)
}
