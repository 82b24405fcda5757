//! Tests of the TUI on plain state: keys to actions to new state, engine results, and screens.

mod banner;
mod device;
mod flows;
mod form_rows;
mod key_table;
mod keys;
mod live;
mod panes;
mod screens;
mod wording;

use super::app::App;
use super::ui::theme::Theme;
use crate::jwt::make_unsigned;
use crate::profile::{Dialect, Profile};
use crate::Secret;
use serde_json::json;

/// The fixed "now" of every test: 2026-11-29 17:00:00 UTC.
pub const NOW: i64 = 1_795_971_600;
pub const STORE: &str = "file: /home/user/.config/pancloud/credentials.json";

pub fn token(claims: serde_json::Value) -> Secret {
    Secret::new(make_unsigned(&claims))
}

/// valid (14m 03s left, default), expiring (45s), expired (5m 10s ago), and one with no token.
pub fn profiles() -> Vec<Profile> {
    let mut valid = Profile::new("valid");
    valid.client_id = Some("cid-valid".into());
    valid.client_secret = Some(Secret::new("client-secret-VALUE"));
    valid.refresh_token = Some(Secret::new("refresh-token-VALUE"));
    valid.access_token = Some(token(json!({
        "sub": "alice", "aud": "api", "iss": "https://id.example", "scope": "logging",
        "iat": NOW - 57, "exp": NOW + 843
    })));
    valid.redirect_uri = Some("http://127.0.0.1:8765/callback".into());
    valid.scope = Some("logging-service:read".into());

    let mut expiring = Profile::new("expiring");
    expiring.dialect = Dialect::OAuth2;
    expiring.client_id = Some("cid-expiring".into());
    expiring.client_secret = Some(Secret::new("s2"));
    expiring.refresh_token = Some(Secret::new("r2"));
    expiring.token_url = Some("https://id.example/token".into());
    expiring.revoke_url = Some("https://id.example/revoke".into());
    expiring.access_token = Some(token(
        json!({"sub": "bob", "iat": NOW - 3555, "exp": NOW + 45}),
    ));

    let mut expired = Profile::new("expired");
    expired.client_id = Some("cid-expired".into());
    expired.refresh_token = Some(Secret::new("r3"));
    expired.access_token = Some(token(
        json!({"sub": "carol", "iat": NOW - 3910, "exp": NOW - 310}),
    ));

    let mut bare = Profile::new("new-client");
    bare.client_id = Some("cid-bare".into());
    vec![valid, expiring, expired, bare]
}

/// The app after the store load: sorted by name, so `expired` is selected first.
pub fn app() -> App {
    let mut app = App::new(STORE.into(), 60, NOW, (120, 35));
    app.theme = Theme::plain();
    app.set_profiles(profiles(), Some("valid".into()));
    app
}

pub fn selected(app: &App) -> String {
    app.selected_name().unwrap_or_default()
}
