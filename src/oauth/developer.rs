//! pancloud's developer-token service: POST with `Authorization: Bearer <developer_token>`,
//! the answer carries an access token (the service keeps everything else).

use super::{Caller, OAuthError, TokenResponse};
use crate::profile::Profile;
use crate::secret::Secret;

pub async fn redeem(
    c: &Caller,
    p: &Profile,
    developer_token: &Secret,
) -> Result<TokenResponse, OAuthError> {
    let url = p.developer_token_url().to_string();
    c.token_call(&url, p.allow_insecure_http, |r| {
        r.bearer_auth(developer_token.expose())
    })
    .await
}
