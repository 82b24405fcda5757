//! Engine results, mouse, resize, reveal and the form's validation, on plain state.

use super::{app, profiles, selected, token, NOW};
use crate::engine::PendingAuthorization;
use crate::tui::action::{from_mouse, Action};
use crate::tui::app::{App, Level, Mode, SecretField};
use crate::tui::authorize::{parse_pasted, AuthPhase, Started};
use crate::tui::clipboard::osc52;
use crate::tui::effect::Effect;
use crate::tui::event::EngineEvent;
use crate::tui::form::Form;
use crate::{Error, Profile, TokenState};
use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use serde_json::json;

fn status(app: &App) -> (Level, String) {
    let s = app.status.clone().expect("a status line");
    (s.level, s.text)
}

/// The state and the TIME LEFT text the list shows for `name`.
fn entry_state(app: &App, name: &str) -> (TokenState, String) {
    let e = app.entry(name).unwrap();
    (
        e.state(app.now, app.leeway),
        e.summary.time_left_at(app.now),
    )
}

#[test]
fn countdowns_follow_the_clock() {
    let mut app = app();
    assert_eq!(
        entry_state(&app, "valid"),
        (TokenState::Valid, "14m 03s".into())
    );
    app.update(Action::Tick(NOW + 800));
    assert_eq!(
        entry_state(&app, "valid"),
        (TokenState::Expiring, "43s".into())
    );
    app.update(Action::Tick(NOW + 900));
    assert_eq!(
        entry_state(&app, "valid"),
        (TokenState::Expired, "expired 57s ago".into())
    );
    assert_eq!(
        entry_state(&app, "new-client"),
        (TokenState::Missing, "no token".into())
    );
}

#[test]
fn a_refresh_replaces_the_token_and_the_countdown_restarts() {
    let mut app = app();
    app.select(0);
    assert_eq!(selected(&app), "expired");
    let fx = app.update(Action::Refresh);
    assert!(matches!(fx.as_slice(), [Effect::Refresh(n)] if n == "expired"));
    assert!(app.animating());
    let mut p = profiles().remove(2);
    assert_eq!(p.profile, "expired");
    p.access_token = Some(token(json!({"iat": NOW, "exp": NOW + 3600})));
    app.on_engine(EngineEvent::Refreshed("expired".into(), Ok(p)));
    assert_eq!(
        entry_state(&app, "expired"),
        (TokenState::Valid, "1h 00m".into())
    );
    assert_eq!(app.is_busy("expired"), None);
    assert!(!app.animating());
    assert_eq!(
        status(&app),
        (
            Level::Success,
            "Refreshed 'expired': token valid for 1h 00m".into()
        )
    );
    assert_eq!(selected(&app), "expired");
}

#[test]
fn a_failed_call_shows_in_the_status_line_and_changes_nothing() {
    let mut app = app();
    app.select(0);
    app.update(Action::Refresh);
    app.on_engine(EngineEvent::Refreshed(
        "expired".into(),
        Err(Error::Other("invalid_grant: refresh token revoked".into())),
    ));
    assert_eq!(
        status(&app),
        (
            Level::Error,
            "Refresh of 'expired' failed: invalid_grant: refresh token revoked".into()
        )
    );
    assert_eq!(entry_state(&app, "expired").0, TokenState::Expired);
    assert!(app.busy.is_empty());
    assert!(!app.quit);
}

#[test]
fn a_busy_profile_refuses_a_second_call() {
    let mut app = app();
    app.update(Action::Refresh);
    let fx = app.update(Action::Refresh);
    assert!(fx.is_empty());
    assert_eq!(status(&app).0, Level::Error);
}

fn pending() -> PendingAuthorization {
    PendingAuthorization {
        profile: "valid".into(),
        url: "https://id.example/authorize?client_id=cid&state=abc".into(),
        state: "abc".into(),
        pkce_verifier: None,
        redirect_uri: None,
        issuer: None,
        iss_required: false,
    }
}

fn started(pending: PendingAuthorization) -> Started {
    Started {
        pending,
        listening: None,
        note: None,
    }
}

#[test]
fn authorize_waits_then_exchanges_a_pasted_url() {
    let mut app = app();
    app.select(3);
    app.update(Action::Authorize);
    let fx = app.on_engine(EngineEvent::AuthorizationStarted(
        "valid".into(),
        Ok(started(pending())),
    ));
    assert!(matches!(fx.as_slice(), [Effect::OpenBrowser(u)] if u.contains("state=abc")));
    app.update(Action::Paste(
        "http://127.0.0.1:8765/callback?code=xyz&state=abc\n".into(),
    ));
    let fx = app.update(Action::Submit);
    assert!(matches!(fx.as_slice(), [Effect::Exchange { code, .. }] if code.expose() == "xyz"));
    let mut p = profiles().remove(0);
    p.access_token = Some(token(json!({"exp": NOW + 600})));
    app.on_engine(EngineEvent::Authorized("valid".into(), Ok(p)));
    assert_eq!(app.mode.name(), "normal");
    assert_eq!(
        entry_state(&app, "valid"),
        (TokenState::Valid, "10m 00s".into())
    );
}

#[test]
fn a_failed_exchange_keeps_the_dialog_open_to_try_again() {
    let mut app = app();
    app.update(Action::Authorize);
    let name = selected(&app);
    app.on_engine(EngineEvent::AuthorizationStarted(
        name.clone(),
        Ok(started(pending())),
    ));
    app.update(Action::Paste("abc-code".into()));
    app.update(Action::Submit);
    app.on_engine(EngineEvent::Authorized(
        name,
        Err(Error::Other("invalid_grant".into())),
    ));
    let Mode::Authorize(a) = &app.mode else {
        panic!("dialog closed")
    };
    assert_eq!(a.phase, AuthPhase::Waiting);
    assert_eq!(a.error.as_deref(), Some("invalid_grant"));
}

#[test]
fn a_result_for_a_cancelled_authorization_is_ignored() {
    let mut app = app();
    app.update(Action::Authorize);
    app.update(Action::Cancel);
    let fx = app.on_engine(EngineEvent::AuthorizationStarted(
        selected(&app),
        Ok(started(pending())),
    ));
    assert!(fx.is_empty());
    assert_eq!(app.mode.name(), "normal");
}

#[test]
fn pasted_codes_and_urls() {
    assert_eq!(parse_pasted(" c0de \n", "s").unwrap().expose(), "c0de");
    let url = "http://localhost:1/cb?code=abc&state=s";
    assert_eq!(parse_pasted(url, "s").unwrap().expose(), "abc");
    assert!(parse_pasted(url, "other").is_err());
    let denied = "http://localhost:1/cb?error=access_denied&state=s";
    assert!(parse_pasted(denied, "s")
        .unwrap_err()
        .contains("access_denied"));
    assert!(parse_pasted("", "s").is_err());
    assert!(parse_pasted("two words", "s").is_err());
}

#[test]
fn reveal_cycles_through_present_secrets_and_a_move_hides_it() {
    let mut app = app();
    app.select(3); // valid: client secret, refresh and access tokens
    app.update(Action::Reveal);
    assert_eq!(app.revealed, Some(SecretField::ClientSecret));
    app.update(Action::Reveal);
    assert_eq!(app.revealed, Some(SecretField::RefreshToken));
    app.update(Action::Reveal);
    assert_eq!(app.revealed, Some(SecretField::AccessToken));
    app.update(Action::Reveal);
    assert_eq!(app.revealed, None);
    app.update(Action::Reveal);
    app.update(Action::Up);
    assert_eq!(app.revealed, None);
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }
}

#[test]
fn clicks_select_rows_and_the_wheel_moves() {
    let mut app = app();
    // Row 0 is the header, 1 the list border, 2 the column titles: profiles start at row 3.
    let click = mouse(MouseEventKind::Down(MouseButton::Left), 10, 5);
    assert_eq!(from_mouse(click, &app), Some(Action::Select(2)));
    app.update(Action::Select(2));
    assert_eq!(selected(&app), "new-client");
    let below = mouse(MouseEventKind::Down(MouseButton::Left), 10, 20);
    assert_eq!(from_mouse(below, &app), None);
    let wheel = mouse(MouseEventKind::ScrollDown, 10, 10);
    assert_eq!(from_mouse(wheel, &app), Some(Action::Down));
    let wheel_detail = mouse(MouseEventKind::ScrollDown, 100, 10);
    assert_eq!(from_mouse(wheel_detail, &app), Some(Action::DetailDown));
    app.mode = Mode::Confirm(crate::tui::app::ConfirmKind::Delete {
        profile: "x".into(),
    });
    assert_eq!(from_mouse(click, &app), None, "a dialog takes the mouse");
}

fn many(n: usize) -> Vec<Profile> {
    (0..n).map(|i| Profile::new(format!("p{i:05}"))).collect()
}

#[test]
fn the_selection_stays_visible_when_moving_and_resizing() {
    let mut app = app();
    app.set_profiles(many(1000), None);
    app.update(Action::Bottom);
    let rows = app.list_rows();
    assert_eq!(app.offset, 1000 - rows);
    app.update(Action::Top);
    assert_eq!(app.offset, 0);
    for _ in 0..40 {
        app.update(Action::Down);
    }
    assert!(app.selected >= app.offset && app.selected < app.offset + rows);
    app.update(Action::Resize(80, 12));
    let rows = app.list_rows();
    assert!(rows < 10);
    assert!(app.selected >= app.offset && app.selected < app.offset + rows);
}

#[test]
fn filter_matches_names_dialects_and_client_ids() {
    let mut app = app();
    app.update(Action::StartFilter);
    for c in "oauth2".chars() {
        app.update(Action::Char(c));
    }
    assert_eq!(app.view.len(), 1);
    assert_eq!(selected(&app), "expiring");
}

#[test]
fn saving_reloads_and_selects_the_saved_profile() {
    let mut app = app();
    app.update(Action::New);
    for c in "lab".chars() {
        app.update(Action::Char(c));
    }
    let fx = app.update(Action::Submit);
    let [Effect::Save {
        name,
        new_name,
        created,
        ..
    }] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    assert_eq!((name.as_str(), new_name.as_str()), ("lab", "lab"));
    assert!(created);
    let fx = app.on_engine(EngineEvent::Saved("lab".into(), Ok(())));
    assert!(matches!(fx.as_slice(), [Effect::Load]));
    let mut all = profiles();
    all.push(Profile::new("lab"));
    app.on_engine(EngineEvent::Loaded(Ok((all, None))));
    assert_eq!(selected(&app), "lab");
}

#[test]
fn editing_keeps_secrets_unless_replaced_and_renames() {
    let original = profiles().remove(0);
    let mut form = Form::new(Some(original.clone()), vec!["valid".into(), "other".into()]);
    form.focus = 0;
    form.type_char('2');
    let done = form.validate().expect("valid form");
    assert_eq!(
        (done.name.as_str(), done.new_name.as_str()),
        ("valid", "valid2")
    );
    // Nothing but the name changed: the patch touches no field, secrets and tokens included.
    assert!(done.patch.is_empty(), "{:?}", done.patch);
    assert!(!done.created);
    form.fields[3].value = "new-secret".into();
    let done = form.validate().unwrap();
    assert_eq!(done.patch.set.len(), 1);
    assert_eq!(done.patch.set["client_secret"], "new-secret");
    // Applied to the profile as stored now, the patch keeps a token rotated meanwhile.
    let mut rotated = original.clone();
    rotated.refresh_token = Some(crate::Secret::new("rotated-meanwhile"));
    let saved = done.patch.apply(&rotated).unwrap();
    assert_eq!(saved.refresh_token.unwrap().expose(), "rotated-meanwhile");
    assert_eq!(saved.client_secret.unwrap().expose(), "new-secret");
}

#[test]
fn clearing_a_setting_unsets_it_and_the_form_accepts_any_loopback_address() {
    let original = profiles().remove(0);
    let mut form = Form::new(Some(original), vec![]);
    let set = |f: &mut Form, key: &str, v: &str| {
        f.fields.iter_mut().find(|x| x.key == key).unwrap().value = v.into();
    };
    set(&mut form, "redirect_uri", "http://127.0.0.2:8765/cb");
    set(&mut form, "scope", "");
    let done = form.validate().expect("127.0.0.0/8 is loopback");
    assert_eq!(done.patch.set["redirect_uri"], "http://127.0.0.2:8765/cb");
}

#[test]
fn the_form_refuses_bad_input() {
    let mut form = Form::new(None, vec!["taken".into()]);
    let set = |f: &mut Form, key: &str, v: &str| {
        f.fields.iter_mut().find(|x| x.key == key).unwrap().value = v.into();
    };
    set(&mut form, "profile", "taken");
    set(&mut form, "dialect", "oauth2");
    set(&mut form, "redirect_uri", "http://example.com/cb");
    set(&mut form, "auth_base_url", "ftp://x");
    set(&mut form, "issuer", "not a url");
    assert!(form.validate().is_none());
    let err = |f: &Form, key: &str| {
        f.fields
            .iter()
            .find(|x| x.key == key)
            .unwrap()
            .error
            .clone()
    };
    assert_eq!(err(&form, "profile").unwrap(), "'taken' already exists");
    assert!(err(&form, "redirect_uri").unwrap().contains("use https"));
    assert!(err(&form, "auth_base_url")
        .unwrap()
        .contains("only http and https"));
    assert!(err(&form, "issuer").unwrap().starts_with("not a URL"));
    assert_eq!(form.focus, 0, "focus goes to the first error");
    set(&mut form, "profile", "fine");
    set(&mut form, "redirect_uri", "http://127.0.0.1:8765/cb");
    set(&mut form, "auth_base_url", "");
    set(&mut form, "issuer", "");
    assert!(form.validate().is_none());
    assert!(err(&form, "token_url").unwrap().contains("oauth2 needs"));
    set(&mut form, "token_url", "https://id.example/token");
    assert_eq!(form.validate().unwrap().new_name, "fine");
}

/// The form checks URLs with the provider calls' rule: it once refused 127.0.0.2, which the
/// engine accepts.
#[test]
fn the_form_and_the_engine_agree_on_urls() {
    for url in [
        "http://127.0.0.2:8765/cb",
        "http://LOCALHOST/cb",
        "http://[::1]:1/cb",
        "http://example.com/cb",
        "http://[::ffff:127.0.0.1]/cb",
        "ftp://x",
    ] {
        for insecure_ok in [false, true] {
            assert_eq!(
                crate::tui::form::check_url(url, insecure_ok).is_ok(),
                crate::oauth::transport::check_url(url, insecure_ok).is_ok(),
                "{url} (allow_insecure_http: {insecure_ok})"
            );
        }
    }
    assert!(crate::tui::form::check_url("http://127.0.0.2:8765/cb", false).is_ok());
}

#[test]
fn making_default_moves_the_star() {
    let mut app = app();
    let fx = app.update(Action::MakeDefault);
    assert!(matches!(fx.as_slice(), [Effect::SetDefault(n)] if n == "expired"));
    app.on_engine(EngineEvent::DefaultSet("expired".into(), Ok(())));
    assert!(app.entry("expired").unwrap().summary.default);
    assert!(!app.entry("valid").unwrap().summary.default);
}

#[test]
fn copy_without_a_token_is_an_error_not_an_effect() {
    let mut app = app();
    app.select(1);
    app.update(Action::Down);
    assert_eq!(selected(&app), "new-client");
    assert!(app.update(Action::Copy).is_empty());
    assert_eq!(status(&app).0, Level::Error);
}

#[test]
fn osc52_carries_the_text_in_base64() {
    assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
}

#[test]
fn a_store_that_cannot_be_read_is_reported() {
    let mut app = app();
    app.on_engine(EngineEvent::Loaded(Err(Error::Other(
        "permission denied".into(),
    ))));
    assert_eq!(
        status(&app),
        (
            Level::Error,
            "Cannot read the store: permission denied".into()
        )
    );
    assert!(!app.loading);
}
