//! The store banner wraps at the window's width, so its advice is read whole.

use super::app;
use crate::tui::ui;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const WARNING: &str = "no usable OS keyring (the Secret Service did not answer within 3 s); secrets \
are kept in the file /home/me/.config/pancloud/credentials.json.\n  To keep them in the keyring, \
start a Secret Service (e.g. gnome-keyring) in this session and unlock it, then run `pancred import`;\n  \
to use the file store without this warning, pass --store file or set PANCRED_STORE=file.";

#[test]
fn the_keyring_banner_wraps_so_its_advice_is_visible() {
    let mut app = app();
    app.size = (100, 30);
    app.banner = Some(WARNING.to_string());
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| ui::render(&app, f)).unwrap();
    let screen = t.backend().to_string();
    // The end of the advice is on screen, not cut at the window's edge.
    assert!(screen.contains("PANCRED_STORE=file"), "{screen}");
    assert!(screen.contains("pancred import"), "{screen}");
    insta::assert_snapshot!(screen);
}
