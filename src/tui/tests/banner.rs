//! The store banner wraps at the window's width, so its advice is read whole.

use super::app;
use crate::tui::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn warning() -> String {
    crate::store::fallback_warning(
        "the OS keyring did not answer within 3s while connecting to the Secret Service; it may \
         be locked",
        "/home/me/.config/pancloud/credentials.json",
    )
}

#[test]
fn the_keyring_banner_wraps_so_its_advice_is_visible() {
    let mut app = app();
    app.size = (100, 30);
    app.banner = Some(warning());
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| ui::render(&app, f)).unwrap();
    let screen = t.backend().to_string();
    // The end of the advice is on screen, not cut at the window's edge.
    assert!(screen.contains("PANCRED_STORE=file"), "{screen}");
    assert!(screen.contains("pancred doctor"), "{screen}");
    insta::assert_snapshot!(screen);
}

/// At 80x24, the smallest usual terminal, the banner is read whole and every profile is listed.
#[test]
fn at_80x24_the_banner_is_whole_and_hides_no_profile() {
    let mut app = app();
    app.size = (80, 24);
    app.banner = Some(warning());
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| ui::render(&app, f)).unwrap();
    let screen = t.backend().to_string();
    assert!(screen.contains("silences this."), "{screen}");
    assert!(screen.contains("pancred doctor"), "{screen}");
    for name in ["expired", "expiring", "new-client", "valid"] {
        assert!(
            screen.contains(&format!(" {name} ")),
            "{name} hidden: {screen}"
        );
    }
}

#[test]
fn a_narrow_list_keeps_the_names_and_the_whole_time_left() {
    let mut app = app();
    // (At 30 columns NAME has 8 cells: a longer name shows 7 and `…`.)
    for (width, name_cells) in [(44u16, 8usize), (30, 7)] {
        app.size = (width, 20);
        let mut t = Terminal::new(TestBackend::new(width, 20)).unwrap();
        t.draw(|f| ui::render(&app, f)).unwrap();
        let screen = t.backend().to_string();
        // Every profile's name is readable (at least its first 8 cells), at any width.
        for name in ["expired", "expiring", "new-clie", "valid"] {
            assert!(
                screen.contains(&name[..name.len().min(name_cells)]),
                "{width} columns: {name} cut: {screen}"
            );
        }
    }
    app.size = (120, 20);
    let mut t = Terminal::new(TestBackend::new(120, 20)).unwrap();
    t.draw(|f| ui::render(&app, f)).unwrap();
    assert!(t.backend().to_string().contains("expired 5m 10s ago"));
}

#[test]
fn long_cjk_values_wrap_by_cells_not_characters() {
    let pieces = crate::tui::ui::detail::by_cells(&"認証トークン".repeat(5), 10);
    for piece in &pieces {
        let cells: usize = piece.chars().map(|_| 2).sum();
        assert!(cells <= 10, "{piece} takes {cells} cells");
    }
    assert_eq!(pieces.concat(), "認証トークン".repeat(5));
    let ascii = crate::tui::ui::detail::by_cells("abcdefghij", 4);
    assert_eq!(ascii, ["abcd", "efgh", "ij"]);
}
