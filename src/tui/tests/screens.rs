//! Screens, drawn on a TestBackend at a fixed clock, as insta snapshots.

use super::{app, NOW};
use crate::engine::PendingAuthorization;
use crate::tui::action::Action;
use crate::tui::app::{App, ConfirmKind, Mode};
use crate::tui::authorize::{AuthPhase, AuthState, Started};
use crate::tui::event::EngineEvent;
use crate::tui::ui::{self, theme::Theme};
use crate::Error;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::Terminal;

pub(super) fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| ui::render(app, f)).unwrap();
    t
}

pub(super) fn text(app: &App) -> String {
    draw(app).backend().to_string()
}

fn select(app: &mut App, name: &str) {
    let pos = app
        .view
        .iter()
        .position(|&i| app.entries[i].name() == name)
        .unwrap();
    app.select(pos);
}

#[test]
fn main_screen() {
    insta::assert_snapshot!(text(&app()));
}

#[test]
fn detail_pane_with_claims_gauge_and_masked_secrets() {
    let mut app = app();
    select(&mut app, "valid");
    let screen = text(&app);
    assert!(!screen.contains("client-secret-VALUE"));
    insta::assert_snapshot!(screen);
}

#[test]
fn a_revealed_secret_shows_only_that_one() {
    let mut app = app();
    select(&mut app, "valid");
    app.update(Action::Reveal);
    let screen = text(&app);
    assert!(screen.contains("client-secret-VALUE"));
    assert!(!screen.contains("refresh-token-VALUE"));
    app.update(Action::Up);
    assert!(!text(&app).contains("client-secret-VALUE"));
}

#[test]
fn help_overlay() {
    let mut app = app();
    app.update(Action::Help);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn confirm_revoke_names_what_and_where() {
    let mut app = app();
    select(&mut app, "expiring");
    app.update(Action::Revoke);
    assert!(matches!(
        app.mode,
        Mode::Confirm(ConfirmKind::Revoke { .. })
    ));
    insta::assert_snapshot!(text(&app));
}

#[test]
fn confirm_delete() {
    let mut app = app();
    app.update(Action::Delete);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn authorize_waiting() {
    let mut app = app();
    select(&mut app, "valid");
    app.update(Action::Authorize);
    app.on_engine(EngineEvent::AuthorizationStarted(
        "valid".into(),
        Ok(Started {
            listening: Some("http://127.0.0.1:43127/callback".into()),
            note: None,
            pending: PendingAuthorization {
            profile: "valid".into(),
            url: "https://identity.paloaltonetworks.com/as/authorization.oauth2?response_type=code&client_id=cid-valid&redirect_uri=http%3A%2F%2F127.0.0.1%3A43127%2Fcallback&scope=logging-service%3Aread&state=Zm9vYmFy".into(),
            state: "Zm9vYmFy".into(),
            pkce_verifier: None,
            redirect_uri: Some("http://127.0.0.1:43127/callback".into()),
            issuer: None,
            iss_required: false,
            },
        }),
    ));
    let Mode::Authorize(a) = &app.mode else {
        panic!()
    };
    assert_eq!(a.phase, AuthPhase::Waiting);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn authorize_starting() {
    let mut app = app();
    app.mode = Mode::Authorize(Box::new(AuthState::new("valid".into())));
    assert!(text(&app).contains("Preparing the authorization URL"));
}

#[test]
fn an_error_in_the_status_line() {
    let mut app = app();
    app.update(Action::Refresh);
    app.on_engine(EngineEvent::Refreshed(
        "expired".into(),
        Err(Error::Other(
            "the provider refused: invalid_grant (refresh token expired)".into(),
        )),
    ));
    insta::assert_snapshot!(text(&app));
}

#[test]
fn new_profile_form_with_errors() {
    let mut app = app();
    app.update(Action::New);
    app.update(Action::NextField);
    app.update(Action::Toggle(' '));
    let redirect_uri = crate::profile::fields::form_fields()
        .position(|f| f.name == "redirect_uri")
        .unwrap();
    for _ in 1..redirect_uri {
        app.update(Action::NextField);
    }
    for c in "http://example.com/cb".chars() {
        app.update(Action::Char(c));
    }
    app.update(Action::Submit);
    insta::assert_snapshot!(text(&app));
}

#[test]
fn filter_and_narrow_terminal() {
    let mut app = app();
    app.update(Action::Resize(80, 30));
    app.update(Action::StartFilter);
    app.update(Action::Char('e'));
    app.update(Action::Char('x'));
    insta::assert_snapshot!(text(&app));
}

#[test]
fn store_warning_banner_and_empty_store() {
    let mut app = App::new(super::STORE.into(), 60, NOW, (100, 20));
    app.theme = Theme::plain();
    app.banner = Some("no OS keyring answered; using the file store".into());
    app.set_profiles(vec![], None);
    insta::assert_snapshot!(text(&app));
}

fn fg_of(buf: &Buffer, needle: &str) -> Option<Color> {
    let area = buf.area;
    for y in 0..area.height {
        let line: String = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count() as u16;
            return buf[(x, y)].style().fg;
        }
    }
    None
}

#[test]
fn countdowns_are_coloured_by_state_unless_no_color() {
    let mut app = app();
    app.theme = Theme { color: true };
    let t = draw(&app);
    let buf = t.backend().buffer();
    assert_eq!(fg_of(buf, "14m 03s"), Some(Color::Green));
    assert_eq!(fg_of(buf, "45s "), Some(Color::Yellow));
    assert_eq!(fg_of(buf, "expired 5m 10s ago"), Some(Color::Red));
    assert_eq!(fg_of(buf, "no token"), Some(Color::DarkGray));
    app.theme = Theme::plain();
    let t = draw(&app);
    let buf = t.backend().buffer();
    let coloured = buf.content.iter().any(|c| {
        c.style().fg.is_some_and(|c| c != Color::Reset)
            || c.style().bg.is_some_and(|c| c != Color::Reset)
    });
    assert!(!coloured, "NO_COLOR draws without colours");
}

#[test]
fn countdowns_move_with_the_clock() {
    let mut app = app();
    assert!(text(&app).contains("14m 03s"));
    app.update(Action::Tick(NOW + 3));
    let screen = text(&app);
    assert!(screen.contains("14m 00s") && !screen.contains("14m 03s"));
}

#[test]
fn tiny_terminals_draw_without_panicking() {
    for (w, h) in [(1, 1), (10, 4), (30, 8), (60, 12), (99, 20)] {
        let mut app = app();
        app.update(Action::Resize(w, h));
        app.update(Action::Bottom);
        draw(&app);
        for action in [
            Action::Help,
            Action::Cancel,
            Action::Revoke,
            Action::Cancel,
            Action::New,
        ] {
            app.update(action);
            draw(&app);
        }
        app.mode = Mode::Authorize(Box::new(AuthState::new("valid".into())));
        draw(&app);
    }
}
