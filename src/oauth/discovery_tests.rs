//! Discovery's own tests.

use super::*;
use serde_json::json;

#[test]
fn well_known_urls() {
    assert_eq!(
        openid_url("https://idp.example/realms/a/"),
        "https://idp.example/realms/a/.well-known/openid-configuration"
    );
    assert_eq!(
        rfc8414_url("https://idp.example/realms/a").unwrap(),
        "https://idp.example/.well-known/oauth-authorization-server/realms/a"
    );
    assert_eq!(
        rfc8414_url("https://idp.example").unwrap(),
        "https://idp.example/.well-known/oauth-authorization-server"
    );
    assert_eq!(
        rfc8414_appended_url("https://idp.example/realms/a/"),
        "https://idp.example/realms/a/.well-known/oauth-authorization-server"
    );
}

#[test]
fn profile_endpoints_win_and_metadata_fills_the_rest() {
    let mut p = Profile::new("p");
    p.issuer = Some("https://idp.example/".into());
    p.token_url = Some("https://mine.example/token".into());
    let mut e = Endpoints::from_profile(&p);
    let meta = json!({"issuer": "https://idp.example", "token_endpoint": "https://idp.example/t",
                      "revocation_endpoint": "https://idp.example/r",
                      "authorization_response_iss_parameter_supported": true});
    merge(&mut e, meta.as_object().unwrap(), true);
    assert_eq!(e.token.as_deref(), Some("https://mine.example/token"));
    assert_eq!(e.revocation.as_deref(), Some("https://idp.example/r"));
    assert_eq!(e.issuer.as_deref(), Some("https://idp.example"));
    assert!(e.iss_parameter_supported);
    assert_eq!(e.cached, [Need::Revocation]);
    let err = e.authorization().unwrap_err().to_string();
    assert!(
        err.contains("set auth_base_url") && err.contains("authorization_endpoint"),
        "{err}"
    );
}
