//! The authorize screen's device login: switching to it, the screen (code, QR code, countdown),
//! and what refusal, expiry and success leave on screen. Fixed clock, fixed code.

use super::{app, profiles, token, NOW};
use crate::oauth::OAuthError;
use crate::tui::action::Action;
use crate::tui::app::{App, Level, Mode};
use crate::tui::authorize::{AuthPhase, DeviceShown, Method};
use crate::tui::effect::Effect;
use crate::tui::event::EngineEvent;
use crate::tui::ui;
use crate::tui::ui::theme::Theme;
use crate::Error;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;
use serde_json::json;

const CODE: &str = "WDJB-MJHT";

fn draw(app: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| ui::render(app, f)).unwrap();
    t
}

fn text(app: &App) -> String {
    draw(app).backend().to_string()
}

fn shown() -> DeviceShown {
    DeviceShown {
        user_code: CODE.into(),
        verification_uri: "https://id.example/device".into(),
        verification_uri_complete: Some(format!("https://id.example/device?user_code={CODE}")),
        expires_at: NOW + 598,
        interval: 5,
    }
}

/// `expiring` (an oauth2 profile) selected, `a`, the provider offers device login, Tab.
fn on_device_screen() -> App {
    let mut app = app();
    app.select(1);
    let fx = app.update(Action::Authorize);
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::CheckDeviceSupport(n) if n == "expiring")));
    app.on_engine(EngineEvent::DeviceSupport("expiring".into(), true));
    assert!(text(&app).contains("Tab device code"));
    let fx = app.update(Action::SwitchFlow);
    assert!(matches!(fx.as_slice(), [Effect::StartDeviceLogin(n)] if n == "expiring"));
    assert!(text(&app).contains("Asking the provider for a code"));
    app.on_engine(EngineEvent::DeviceStarted("expiring".into(), Ok(shown())));
    app
}

fn auth_phase(app: &App) -> (Method, AuthPhase, Option<String>) {
    match &app.mode {
        Mode::Authorize(a) => (a.method, a.phase.clone(), a.error.clone()),
        m => panic!("not authorizing: {}", m.name()),
    }
}

#[test]
fn device_screen() {
    let mut app = on_device_screen();
    let screen = text(&app);
    assert!(screen.contains(&format!("code  {CODE}")), "{screen}");
    assert!(screen.contains("https://id.example/device"));
    assert!(screen.contains("The code expires in 9m 58s"));
    // The QR code's finder patterns (light modules drawn as blocks) sit beside the text.
    assert!(screen.contains("████ ▄▄▄▄▄ "), "{screen}");
    insta::assert_snapshot!(screen);
    app.update(Action::Tick(NOW + 10));
    assert!(text(&app).contains("The code expires in 9m 48s"));
    app.update(Action::Tick(NOW + 600));
    assert!(text(&app).contains("The code has expired."));
}

#[test]
fn the_code_is_big_where_it_fits_and_plain_where_it_does_not() {
    let mut app = on_device_screen();
    let big = crate::tui::ui::big_text::render(CODE).unwrap();
    assert!(text(&app).contains(big[0].as_str()));
    app.update(Action::Resize(60, 30));
    let narrow = text(&app);
    assert!(!narrow.contains(big[0].as_str()));
    assert!(narrow.contains("W D J B - M J H T") && narrow.contains(CODE));
    assert!(narrow.contains("A larger terminal shows a QR code"));
}

#[test]
fn access_denied_says_so_and_enter_asks_for_a_new_code() {
    let mut app = on_device_screen();
    let denied = OAuthError::Refused {
        endpoint: "https://id.example/token".into(),
        status: 400,
        error: "access_denied".into(),
        description: Some("the user denied the request".into()),
    };
    app.on_engine(EngineEvent::DeviceFinished(
        "expiring".into(),
        Err(Error::Provider(denied)),
    ));
    let (method, phase, error) = auth_phase(&app);
    assert_eq!((method, phase), (Method::Device, AuthPhase::Ended));
    assert!(error
        .unwrap()
        .contains("denied at the provider (access_denied)"));
    let screen = text(&app);
    assert!(
        screen.contains("denied at the provider (access_denied)"),
        "{screen}"
    );
    assert!(
        !screen.contains(CODE),
        "a refused code is not shown any more"
    );
    assert!(screen.contains("Enter new code"), "{screen}");
    assert_eq!(app.status.as_ref().map(|s| s.level), Some(Level::Error));
    let fx = app.update(Action::Submit);
    assert!(matches!(fx.as_slice(), [Effect::StartDeviceLogin(n)] if n == "expiring"));
    assert_eq!(auth_phase(&app).1, AuthPhase::Starting);
}

#[test]
fn expiry_says_so() {
    let mut app = on_device_screen();
    app.on_engine(EngineEvent::DeviceFinished(
        "expiring".into(),
        Err(Error::Provider(OAuthError::DeviceCodeExpired)),
    ));
    let screen = text(&app);
    assert!(
        screen.contains("The code expired before anyone approved it. Enter asks for a new code."),
        "{screen}"
    );
    let status = app.status.clone().unwrap();
    assert!(status
        .text
        .contains("Device login for 'expiring': The code expired"));
}

#[test]
fn approval_saves_through_the_engine_and_the_status_line_says_so() {
    let mut app = on_device_screen();
    let mut p = profiles().remove(1);
    p.access_token = Some(token(json!({"iat": NOW, "exp": NOW + 3600})));
    app.on_engine(EngineEvent::DeviceFinished("expiring".into(), Ok(p)));
    assert_eq!(app.mode.name(), "normal");
    let status = app.status.clone().unwrap();
    assert_eq!(status.level, Level::Success);
    // The same words as a browser login; no store label ("memory: nothing is saved" read as if
    // the tokens were lost).
    assert_eq!(
        status.text,
        "Authorized 'expiring' with the device code: token valid for 1h 00m"
    );
    // The activity pane has the device login too.
    let events: Vec<String> = app.activity.latest().map(|e| e.text.clone()).collect();
    assert_eq!(
        events.first().map(String::as_str),
        Some("'expiring' authorized with the device code: token valid for 1h 00m"),
        "{events:?}"
    );
}

#[test]
fn esc_stops_polling_and_tab_goes_back_to_the_browser() {
    let mut app = on_device_screen();
    let fx = app.update(Action::SwitchFlow);
    assert!(matches!(fx.as_slice(), [Effect::StartAuthorization(n)] if n == "expiring"));
    assert_eq!(auth_phase(&app).0, Method::Browser);
    // A late code from the polling that was stopped is not shown.
    app.on_engine(EngineEvent::DeviceStarted("expiring".into(), Ok(shown())));
    assert!(!text(&app).contains(CODE));
    let mut app = on_device_screen();
    let fx = app.update(Action::Cancel);
    assert!(matches!(fx.as_slice(), [Effect::CancelAuthorization]));
    assert_eq!(app.mode.name(), "normal");
}

#[test]
fn a_provider_without_device_login_is_not_offered_it() {
    let mut app = app();
    app.update(Action::Authorize);
    app.on_engine(EngineEvent::DeviceSupport("expired".into(), false));
    assert!(!text(&app).contains("device code"));
    assert!(app.update(Action::SwitchFlow).is_empty());
    assert!(auth_phase(&app)
        .2
        .unwrap()
        .contains("offers no device login"));
}

/// The case: the form at 120 columns left pieces of the detail pane ("lback", "aved")
/// beside its edges. The rows it spans are now blank beside it, and the rest is dimmed.
#[test]
fn a_dialog_over_a_dimmed_background() {
    let mut app = app();
    app.update(Action::New);
    let screen = text(&app);
    let rows: Vec<&str> = screen.lines().collect();
    let top = rows
        .iter()
        .position(|l| l.contains("╭ New profile"))
        .unwrap();
    let bottom = top
        + rows[top..]
            .iter()
            .position(|l| l.contains("         ╰──"))
            .unwrap();
    for row in &rows[top..=bottom] {
        let cells: Vec<char> = row.trim_matches('"').chars().collect();
        let (left, right): (String, String) =
            (cells[..10].iter().collect(), cells[110..].iter().collect());
        assert!(
            left.trim().is_empty() && right.trim().is_empty(),
            "a fragment beside the dialog: {row}"
        );
    }
    insta::assert_snapshot!(screen);

    app.theme = Theme { color: true };
    let t = draw(&app);
    let buf = t.backend().buffer();
    // Above the dialog the screen is still there, faint: no colour but grey, no highlight.
    let header = &buf[(1, 0)];
    assert_eq!(header.symbol(), "p");
    for y in 0..top as u16 {
        for x in 0..buf.area.width {
            let style = buf[(x, y)].style();
            assert_eq!(style.fg, Some(Color::DarkGray), "({x}, {y})");
            assert!(style.bg.is_none_or(|b| b == Color::Reset), "({x}, {y})");
        }
    }
}

#[test]
fn the_device_screen_draws_in_any_terminal() {
    for (w, h) in [
        (1, 1),
        (10, 4),
        (30, 8),
        (60, 12),
        (80, 24),
        (99, 20),
        (200, 60),
    ] {
        let mut app = on_device_screen();
        app.update(Action::Resize(w, h));
        draw(&app);
        app.on_engine(EngineEvent::DeviceFinished(
            "expiring".into(),
            Err(Error::Provider(OAuthError::DeviceCodeExpired)),
        ));
        draw(&app);
    }
}

/// `^o` where no browser can open says so, and how to get the URL out whole.
#[test]
fn open_without_a_browser_says_so() {
    let mut app = on_device_screen();
    let fx = app.update(Action::OpenBrowser);
    assert!(matches!(fx.as_slice(), [Effect::OpenBrowser(_)]), "{fx:?}");
    app.browser_here = false;
    let fx = app.update(Action::OpenBrowser);
    assert!(fx.is_empty(), "{fx:?}");
    let status = app.status.clone().unwrap();
    assert_eq!(status.level, Level::Error);
    assert!(
        status.text.starts_with("No browser can open here"),
        "{}",
        status.text
    );
    assert!(status.text.contains("^y copies the URL"), "{}", status.text);
}
