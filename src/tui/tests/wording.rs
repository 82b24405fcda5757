//! The words the TUI uses for what happened: the same facts as the CLI, said once.

use super::app;
use crate::tui::event::{EngineEvent, ImportDone};
use crate::tui::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn status(app: &crate::tui::app::App) -> String {
    app.status.clone().expect("a status line").text
}

#[test]
fn an_import_says_it_moved_the_tokens_and_knows_the_store_s_own_file() {
    let mut app = app();
    app.on_engine(EngineEvent::Imported(Ok(ImportDone {
        names: vec![("lab".into(), false)],
        already_here: false,
    })));
    let s = status(&app);
    assert!(s.starts_with("Moved 1 profile into the store"), "{s}");
    assert!(!s.contains("(s)"), "{s}");
    app.on_engine(EngineEvent::Imported(Ok(ImportDone {
        names: vec![],
        already_here: true,
    })));
    let s = status(&app);
    assert!(s.contains("is this store itself"), "{s}");
    assert!(!s.contains("holds no profiles"), "{s}");
}

#[test]
fn the_import_dialog_says_move_not_copy() {
    let mut app = app();
    app.update(crate::tui::action::Action::Import);
    let mut t = Terminal::new(TestBackend::new(120, 35)).unwrap();
    t.draw(|f| ui::render(&app, f)).unwrap();
    let screen = t.backend().to_string();
    assert!(screen.contains("Move every profile"), "{screen}");
    assert!(!screen.contains("Copy every profile"), "{screen}");
}

fn screen_at(app: &crate::tui::app::App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::render(app, f)).unwrap();
    t.backend().to_string()
}

#[test]
fn the_detail_pane_says_expired_once_and_wraps_between_words() {
    let mut profiles = super::profiles();
    for p in &mut profiles {
        if p.profile == "expired" {
            p.dialect = crate::profile::Dialect::OAuth2;
            p.device_authorization_url = Some("https://id.example/oauth2/device/code".into());
        }
    }
    let mut app = app();
    app.size = (100, 40);
    app.set_profiles(profiles, Some("valid".into()));
    app.select(0);
    assert_eq!(super::selected(&app), "expired");
    let screen = screen_at(&app, 100, 40);
    assert!(screen.contains("expired 5m 10s ago"), "{screen}");
    assert!(!screen.contains("expired · expired"), "{screen}");
    // The date is whole on one line, not "UT" then "C".
    assert!(screen.contains("2026-11-29 16:54:50 UTC"), "{screen}");
    // The long label has its row; its value starts under the value column, whole words.
    let label_row = screen
        .lines()
        .find(|l| l.contains("device_authorization_url"))
        .unwrap();
    assert!(!label_row.contains("https"), "{label_row}");
    assert!(screen.contains("https://id.example/oauth2/"), "{screen}");
    assert!(screen.contains(" device/code "), "{screen}");
}

#[test]
fn wrapping_breaks_between_words_and_after_url_separators() {
    use crate::tui::ui::detail::wrap;
    assert_eq!(
        wrap("2026-11-29 16:54:50 UTC", 20),
        ["2026-11-29 16:54:50", "UTC"]
    );
    assert_eq!(
        wrap(
            "https://identity.paloaltonetworks.com/as/authorization.oauth2",
            30
        ),
        [
            "https://identity.",
            "paloaltonetworks.com/as/",
            "authorization.oauth2"
        ]
    );
    // A word with no separator is cut where the line is full; nothing is lost.
    let long = "a".repeat(25);
    assert_eq!(wrap(&long, 10).concat(), long);
    for piece in wrap(&"認証トークン".repeat(5), 10) {
        assert!(unicode_width::UnicodeWidthStr::width(piece.as_str()) <= 10);
    }
}

/// `I`'s messages wrap between words in the detail pane, never cut at its edge.
#[test]
fn inspection_messages_wrap_between_words() {
    use crate::engine::Offered;
    use crate::tui::action::Action;
    use crate::tui::inspect::Asked;
    let mut app = app();
    app.size = (100, 40);
    app.update(Action::Inspect);
    let name = app.selected_name().unwrap();
    let why = "the profile has no issuer, so its provider's userinfo endpoint is unknown: set \
               issuer (or use a provider that publishes one)";
    app.on_engine(EngineEvent::Inspected(
        name,
        Asked::Userinfo,
        Ok(Offered::No(why.into())),
    ));
    let screen = screen_at(&app, 100, 40);
    let flat = screen
        .lines()
        .filter_map(|l| l.rsplit('│').nth(1))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains(why), "{screen}");
}

#[test]
fn the_header_says_whether_keep_fresh_is_on_or_off() {
    let mut app = app();
    let top =
        |app: &crate::tui::app::App| screen_at(app, 120, 35).lines().next().unwrap().to_string();
    assert!(top(&app).contains("keep fresh off"), "{}", top(&app));
    app.keep_fresh.on = true;
    assert!(top(&app).contains("keep fresh on"), "{}", top(&app));
}

/// The list's headings and a missing value read as the CLI's `list` and `show` write them.
#[test]
fn the_list_and_the_detail_pane_use_the_cli_s_words() {
    let app = app();
    let screen = screen_at(&app, 120, 35);
    assert!(screen.contains("PROFILE"), "{screen}");
    assert!(!screen.contains("NAME"), "{screen}");
    assert!(!screen.contains('—'), "{screen}");
    let missing = format!("token_url       {} ", crate::summary::NOT_SET);
    assert!(screen.contains(&missing), "{screen}");
}

/// A long label keeps a short value (an unset one: `-`) on its own row.
#[test]
fn a_long_label_keeps_a_short_value_beside_it() {
    let mut profiles = super::profiles();
    for p in &mut profiles {
        if p.profile == "expired" {
            p.dialect = crate::profile::Dialect::OAuth2;
        }
    }
    let mut app = app();
    app.set_profiles(profiles, Some("valid".into()));
    app.select(0);
    let screen = screen_at(&app, 120, 40);
    let row = screen
        .lines()
        .find(|l| l.contains("device_authorization_url"))
        .unwrap();
    assert!(
        row.contains(&format!(
            "device_authorization_url {}",
            crate::summary::NOT_SET
        )),
        "{row}"
    );
}
