//! The key table against what the user sees: every key in the help screen, no key bound twice on
//! one screen, the hints under each screen taken from the table, and the README's key table.
#![allow(clippy::disallowed_methods)] // (writes the expected README table for a reader to copy)

use super::screens::text;
use super::{app, NOW};
use crate::tui::action::{from_key, Action};
use crate::tui::app::{App, ConfirmKind, InputBox, InputKind, Mode};
use crate::tui::authorize::{AuthPhase, AuthState, DeviceShown, Method};
use crate::tui::form::Form;
use crate::tui::keys::{self, rows, Context, Key};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rstest::rstest;

/// The key events a table key stands for (a letter for "type"; none for the mouse).
fn events(key: Key) -> Vec<KeyEvent> {
    let plain = |c| KeyEvent::new(c, KeyModifiers::NONE);
    match key {
        Key::Char(c) => vec![plain(KeyCode::Char(c))],
        Key::Ctrl(c) => vec![KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)],
        Key::Code(c) => vec![plain(c)],
        Key::Typed => vec![plain(KeyCode::Char('z')), plain(KeyCode::Char(' '))],
        Key::Mouse => vec![],
    }
}

fn all_screens() -> Vec<Context> {
    Context::SCREENS.to_vec()
}

/// Each key of each row asks, on each of the row's screens, for that row's action: no other row
/// bound it first (which would leave this one documented but dead).
#[rstest]
#[case::normal(Context::Normal)]
#[case::filter(Context::Filter)]
#[case::help(Context::Help)]
#[case::confirm(Context::Confirm)]
#[case::input(Context::Input)]
#[case::form(Context::Form)]
#[case::authorize(Context::Authorize)]
fn every_binding_does_what_its_row_says(#[case] ctx: Context) {
    let mut seen: Vec<(KeyEvent, String)> = Vec::new();
    for row in rows().filter(|r| r.applies(ctx) || r.applies(Context::Any)) {
        for bind in row.binds {
            for key in bind.keys {
                for ev in events(*key) {
                    let got = keys::action(&ev, ctx);
                    let want = match (key, ev.code) {
                        (Key::Typed, KeyCode::Char(c)) => Action::Char(c),
                        _ => bind.action.clone(),
                    };
                    assert_eq!(got, Some(want), "{ctx:?}: {} ({})", key.label(), row.help);
                    if let Some((_, other)) = seen.iter().find(|(e, _)| *e == ev) {
                        panic!(
                            "{ctx:?}: {} is bound by '{other}' and by '{}'",
                            key.label(),
                            row.help
                        );
                    }
                    seen.push((ev, row.help.to_string()));
                }
            }
        }
    }
    assert!(!seen.is_empty(), "{ctx:?} has no keys");
}

/// Typing goes where the text cursor is, and only there: no letter of a text screen is taken.
#[rstest]
#[case::filter(Context::Filter)]
#[case::input(Context::Input)]
#[case::form(Context::Form)]
#[case::authorize(Context::Authorize)]
fn letters_type_on_text_screens(#[case] ctx: Context) {
    for c in ('a'..='z').chain('A'..='Z').chain(['?', '/', ' ']) {
        let ev = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(
            keys::action(&ev, ctx),
            Some(Action::Char(c)),
            "{ctx:?}: {c}"
        );
    }
}

/// The help screen shows every row whole, keys and text on one line, in a common terminal size
/// without scrolling.
#[rstest]
#[case::common(120, 40)]
#[case::wide(200, 60)]
fn help_shows_every_row(#[case] width: u16, #[case] height: u16) {
    let mut app = app();
    app.size = (width, height);
    app.update(Action::Help);
    let screen = text(&app);
    for row in rows() {
        let line = format!("{:<18}{}", row.keys_label(), row.help);
        assert!(
            screen.lines().any(|l| l.contains(&line)),
            "help lacks `{line}`:\n{screen}"
        );
    }
}

/// Every action reachable by a key on any screen is in the help screen with that key.
#[test]
fn every_reachable_action_is_in_help() {
    let mut app = app();
    app.size = (200, 60);
    app.update(Action::Help);
    let screen = text(&app);
    let mut checked = 0;
    for ctx in all_screens() {
        for row in rows().filter(|r| r.applies(ctx)) {
            for bind in row.binds {
                for key in bind.keys.iter().filter(|k| **k != Key::Mouse) {
                    let ev = events(*key)[0];
                    if from_key(ev, &mode_for(ctx)).is_some() {
                        let line = screen
                            .lines()
                            .find(|l| l.contains(&format!("{:<18}{}", row.keys_label(), row.help)));
                        assert!(
                            line.is_some_and(|l| l.contains(&key.label())),
                            "{ctx:?}: {} is not in help",
                            key.label()
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 60, "{checked}");
}

fn mode_for(ctx: Context) -> Mode {
    match ctx {
        Context::Any | Context::Normal => Mode::Normal,
        Context::Filter => Mode::Filter,
        Context::Help => Mode::Help { scroll: 0 },
        Context::Confirm => Mode::Confirm(ConfirmKind::Delete {
            profile: "valid".into(),
        }),
        Context::Input => Mode::Input(InputBox {
            kind: InputKind::Import,
            value: String::new(),
        }),
        Context::Form => Mode::Form(Box::new(Form::new(None, vec![]))),
        Context::Authorize => Mode::Authorize(Box::new(AuthState::new("valid".into()))),
    }
}

fn device(phase: AuthPhase) -> Mode {
    let mut a = AuthState::new("expiring".into());
    a.method = Method::Device;
    a.device_supported = Some(true);
    a.phase = phase;
    a.device = Some(DeviceShown {
        user_code: "WDJB-MJHT".into(),
        verification_uri: "https://id.example/device".into(),
        verification_uri_complete: None,
        expires_at: NOW + 600,
        interval: 5,
    });
    Mode::Authorize(Box::new(a))
}

fn browser(device_supported: Option<bool>) -> Mode {
    let mut a = AuthState::new("expiring".into());
    a.device_supported = device_supported;
    Mode::Authorize(Box::new(a))
}

fn empty() -> App {
    let mut app = app();
    app.set_profiles(vec![], None);
    app
}

/// The bottom line, read back as (keys, what) pairs: each must be a hint of the table on that
/// screen, and pressing its key there must do what the table says.
#[rstest]
#[case::normal(
    app,
    Mode::Normal,
    "a authorize  r refresh  x revoke",
    "? help  q quit"
)]
#[case::no_profile(
    empty,
    Mode::Normal,
    "n new  i import  / filter  s sort",
    "? help  q quit"
)]
#[case::filter(app, Mode::Filter, "type to filter  Enter keep  Esc clear", "^c quit")]
#[case::help(app, Mode::Help { scroll: 0 }, "↑↓ scroll  Esc close", "^c quit")]
#[case::confirm(app, mode_for(Context::Confirm), "y yes  n no", "^c quit")]
#[case::input(
    app,
    mode_for(Context::Input),
    "Enter import  Esc cancel  ^u clear",
    "^c quit"
)]
#[case::form(
    app,
    mode_for(Context::Form),
    "Tab next  ←→ choose  Enter save  Esc cancel",
    "^c quit"
)]
#[case::browser(
    app,
    browser(Some(false)),
    "Enter submit code  ^o open browser  ^y copy URL  Esc cancel",
    "^c quit"
)]
#[case::browser_or_device(
    app,
    browser(Some(true)),
    "Enter submit code  Tab device code  ^o open browser",
    "^c quit"
)]
#[case::device(
    app,
    device(AuthPhase::Waiting),
    "Tab browser  ^o open page  ^y copy URL  Esc cancel",
    "^c quit"
)]
#[case::device_ended(
    app,
    device(AuthPhase::Ended),
    "Enter new code  Tab browser  Esc cancel",
    "^c quit"
)]
fn hints_come_from_the_table(
    #[case] setup: fn() -> App,
    #[case] mode: Mode,
    #[case] starts: &str,
    #[case] corner: &str,
) {
    let mut app = setup();
    app.mode = mode;
    let screen = text(&app);
    let bar = screen.lines().last().unwrap().trim_matches('"').trim();
    assert!(bar.starts_with(starts), "{bar}");
    assert!(bar.ends_with(corner), "{bar}");
    let ctx = Context::of(&app.mode);
    for shown in bar.split("  ").filter(|s| !s.trim().is_empty()) {
        let (k, what) = shown.trim().split_once(' ').unwrap();
        let row = rows()
            .filter(|r| r.applies(ctx) || r.applies(Context::Any))
            .find(|r| r.hint_keys() == k && r.hints.iter().any(|h| h.label == what))
            .unwrap_or_else(|| panic!("`{shown}` is not a hint of the table on {ctx:?}"));
        let first = row.binds[0].keys[0];
        if first != Key::Typed {
            let got = from_key(events(first)[0], &app.mode);
            assert_eq!(got.as_ref(), Some(&row.binds[0].action), "{shown}");
        }
    }
}

/// The README's key table is the table's, so the docs cannot drift from the keys.
#[test]
fn readme_lists_the_keys_of_the_table() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = "<!-- tui-keys: generated from src/tui/keys; a test checks it -->\n";
    let end = "<!-- /tui-keys -->";
    let table = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(t, _)| t)
        .expect("the README's TUI key table between its markers");
    let want = keys::readme_table();
    if table != want {
        std::fs::write(
            env!("CARGO_MANIFEST_DIR").to_string() + "/target/tui-keys.md",
            &want,
        )
        .ok();
        panic!("the README's key table differs from the key table; replace it with target/tui-keys.md:\n{want}");
    }
}

/// The keys that messages and dialogs name ("press r to refresh") are the table's, and pressing
/// them does what the text says.
#[rstest]
#[case::new(Context::Normal, Action::New, "n")]
#[case::import(Context::Normal, Action::Import, "i")]
#[case::filter(Context::Normal, Action::StartFilter, "/")]
#[case::clear_filter(Context::Normal, Action::ClearFilter, "Esc")]
#[case::refresh(Context::Normal, Action::Refresh, "r")]
#[case::authorize(Context::Normal, Action::Authorize, "a")]
#[case::reveal(Context::Normal, Action::Reveal, "v")]
#[case::revoke(Context::Normal, Action::Revoke, "x")]
#[case::activity(Context::Normal, Action::ToggleActivity, "l")]
#[case::help(Context::Normal, Action::Help, "?")]
#[case::yes(Context::Confirm, Action::Confirm, "y")]
#[case::no(Context::Confirm, Action::Cancel, "n")]
#[case::access(Context::Confirm, Action::Toggle('a'), "a")]
#[case::refresh_token(Context::Confirm, Action::Toggle('r'), "r")]
#[case::save(Context::Form, Action::Submit, "Enter")]
#[case::switch(Context::Authorize, Action::SwitchFlow, "Tab")]
#[case::open(Context::Authorize, Action::OpenBrowser, "^o")]
#[case::copy_url(Context::Authorize, Action::CopyUrl, "^y")]
#[case::new_code(Context::Authorize, Action::Submit, "Enter")]
fn keys_named_in_text_do_what_it_says(
    #[case] ctx: Context,
    #[case] action: Action,
    #[case] named: &str,
) {
    assert_eq!(keys::key_for(ctx, &action), named);
    let key = rows()
        .filter(|r| r.applies(ctx))
        .flat_map(|r| r.binds)
        .filter(|b| b.action == action)
        .flat_map(|b| b.keys)
        .find(|k| k.label() == named)
        .copied()
        .unwrap();
    assert_eq!(keys::action(&events(key)[0], ctx), Some(action));
}

/// A dialog's own line of keys says what the bar under the screen says.
#[rstest]
#[case::input(mode_for(Context::Input))]
#[case::form(mode_for(Context::Form))]
#[case::browser(browser(Some(true)))]
#[case::device(device(AuthPhase::Waiting))]
#[case::device_ended(device(AuthPhase::Ended))]
fn dialogs_show_the_bars_keys(#[case] mode: Mode) {
    let mut app = app();
    app.mode = mode;
    let line = keys::hints(&app)
        .into_iter()
        .filter(|h| !h.right)
        .map(|h| format!("{} {}", h.keys, h.what))
        .collect::<Vec<_>>()
        .join("  ");
    let screen = text(&app);
    let in_dialog = screen
        .lines()
        .filter(|l| l.contains(&format!("│ {line}")))
        .count();
    assert_eq!(in_dialog, 1, "`{line}` in the dialog:\n{screen}");
    assert!(screen.lines().last().unwrap().contains(&line), "{screen}");
}
