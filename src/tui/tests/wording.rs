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
