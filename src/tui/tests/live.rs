//! Keep-fresh, the store watcher's reloads and the activity pane, on plain state.

use super::{app, profiles, token, NOW};
use crate::tui::action::Action;
use crate::tui::app::{App, Level};
use crate::tui::effect::Effect;
use crate::tui::event::EngineEvent;
use crate::{Error, Profile};
use serde_json::json;

/// The profiles keep-fresh asked to refresh.
fn kept(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::KeepFresh(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

fn fresh(name: &str, exp: i64) -> Profile {
    let mut p = profiles().into_iter().find(|p| p.profile == name).unwrap();
    p.access_token = Some(token(json!({"iat": exp - 3600, "exp": exp})));
    p
}

fn status(app: &App) -> (Level, String) {
    let s = app.status.clone().expect("a status line");
    (s.level, s.text)
}

#[test]
fn keep_fresh_refreshes_tokens_in_the_leeway_once_each() {
    let mut app = app();
    assert!(
        kept(&app.update(Action::Tick(NOW + 1))).is_empty(),
        "off by default"
    );
    let fx = app.update(Action::ToggleKeepFresh);
    assert_eq!(
        kept(&fx),
        ["expiring", "expired"],
        "valid and token-less ones stay"
    );
    assert_eq!(app.is_busy("expiring"), Some("refreshing"));
    assert!(
        kept(&app.update(Action::Tick(NOW + 2))).is_empty(),
        "in flight"
    );
    app.on_engine(EngineEvent::KeptFresh(
        "expiring".into(),
        Ok(fresh("expiring", NOW + 3602)),
    ));
    assert_eq!(status(&app).0, Level::Success);
    assert!(
        status(&app).1.starts_with("Kept 'expiring' fresh"),
        "{:?}",
        app.status
    );
    assert!(kept(&app.update(Action::Tick(NOW + 3))).is_empty());
    // The valid one enters the leeway 783 s later.
    assert_eq!(kept(&app.update(Action::Tick(NOW + 783))), ["valid"]);
}

#[test]
fn a_failure_shows_and_is_retried_later_and_later() {
    let mut app = app();
    app.update(Action::ToggleKeepFresh);
    let failed = || Err(Error::Other("the provider said invalid_grant".into()));
    app.on_engine(EngineEvent::KeptFresh("expired".into(), failed()));
    let (level, text) = status(&app);
    assert_eq!(level, Level::Error);
    assert!(
        text.contains("'expired' failed") && text.contains("next try in 10s"),
        "{text}"
    );
    assert_eq!(app.keep_fresh.waiting["expired"].failures, 1);
    // Not before ten seconds, then again; the second failure waits twenty.
    for t in 1..10 {
        assert!(!kept(&app.update(Action::Tick(NOW + t))).contains(&"expired".to_string()));
    }
    assert_eq!(kept(&app.update(Action::Tick(NOW + 10))), ["expired"]);
    app.on_engine(EngineEvent::KeptFresh("expired".into(), failed()));
    assert!(status(&app).1.contains("next try in 20s"));
    assert!(kept(&app.update(Action::Tick(NOW + 29))).is_empty());
    assert_eq!(kept(&app.update(Action::Tick(NOW + 30))), ["expired"]);
    // A success ends the waiting.
    app.on_engine(EngineEvent::KeptFresh(
        "expired".into(),
        Ok(fresh("expired", NOW + 3630)),
    ));
    assert!(app.keep_fresh.waiting.is_empty());
}

#[test]
fn a_refresh_token_the_provider_refused_is_never_sent_again_and_the_user_is_told() {
    let mut app = app();
    app.update(Action::ToggleKeepFresh);
    let refused = pancred_error_invalid_grant();
    app.on_engine(EngineEvent::KeptFresh("expired".into(), Err(refused)));
    let (level, text) = status(&app);
    assert_eq!(level, Level::Error);
    assert!(text.contains("authorize again"), "{text}");
    assert!(!text.contains("next try"), "{text}");
    for t in [10, 600, 86_400] {
        assert!(
            !kept(&app.update(Action::Tick(NOW + t))).contains(&"expired".to_string()),
            "re-sent a refused refresh token after {t} s"
        );
    }
    // Authorized again: the profile holds another refresh token, and keep-fresh resumes.
    let mut again = app
        .entries
        .iter()
        .find(|e| e.name() == "expired")
        .unwrap()
        .profile
        .clone();
    again.refresh_token = Some(crate::Secret::new("rt-after-login"));
    app.put_profile(again);
    assert!(kept(&app.update(Action::Tick(NOW + 86_401))).contains(&"expired".to_string()));
}

fn pancred_error_invalid_grant() -> Error {
    Error::Provider(crate::oauth::OAuthError::Refused {
        endpoint: "http://idp.example/token".into(),
        status: 400,
        error: "invalid_grant".into(),
        description: Some("grant request is invalid".into()),
    })
}

#[test]
fn a_provider_whose_tokens_live_shorter_than_the_leeway_is_not_asked_again_at_once() {
    let mut app = app();
    app.update(Action::ToggleKeepFresh);
    app.on_engine(EngineEvent::KeptFresh(
        "expired".into(),
        Ok(fresh("expired", NOW + 30)),
    ));
    assert_eq!(status(&app).0, Level::Error);
    assert!(kept(&app.update(Action::Tick(NOW + 1))).is_empty());
}

#[test]
fn a_profile_can_opt_out() {
    let mut app = app();
    let mut ps = profiles();
    ps.iter_mut()
        .for_each(|p| p.keep_fresh = p.profile != "expired");
    app.set_profiles(ps, None);
    assert_eq!(kept(&app.update(Action::ToggleKeepFresh)), ["expiring"]);
    assert!(
        kept(&app.update(Action::ToggleKeepFresh)).is_empty(),
        "toggled off"
    );
}
