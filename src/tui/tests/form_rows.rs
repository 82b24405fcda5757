//! The profile form's flags and its scrolling: every row reachable at 80x24, a flag toggled and
//! saved, the grant inputs in the form.

use super::{app, profiles};
use crate::tui::action::Action;
use crate::tui::app::{App, Mode};
use crate::tui::effect::Effect;
use crate::tui::tests::screens::text;

fn edit(app: &mut App, name: &str) {
    let pos = app
        .view
        .iter()
        .position(|&i| app.entries[i].name() == name)
        .unwrap();
    app.select(pos);
    app.update(Action::Edit);
    assert!(matches!(app.mode, Mode::Form(_)));
}

/// Moves the focus to `key`.
fn focus(app: &mut App, key: &str) {
    for _ in 0..100 {
        let Mode::Form(form) = &app.mode else {
            panic!("no form")
        };
        if form.fields[form.focus].key == key {
            return;
        }
        app.update(Action::NextField);
    }
    panic!("no field {key} in the form");
}

/// The drawn line of the form's row `key` (label first).
fn row<'a>(screen: &'a str, key: &str) -> Option<&'a str> {
    screen.lines().find(|l| l.contains(&format!(" {key} ")))
}

#[test]
fn at_80x24_the_form_scrolls_to_the_focused_row() {
    let mut app = app();
    app.update(Action::Resize(80, 24));
    edit(&mut app, "expiring");
    let top = text(&app);
    assert!(row(&top, "profile").is_some(), "{top}");
    assert!(row(&top, "dpop").is_none(), "{top}");
    assert!(top.contains("↓ "), "a hint that more rows follow: {top}");
    // Backwards from the first row: the last one, at the bottom of the view.
    app.update(Action::PrevField);
    let bottom = text(&app);
    let last = row(&bottom, "dpop").unwrap_or_else(|| panic!("{bottom}"));
    assert!(last.contains("▶"), "{last}");
    assert!(row(&bottom, "profile").is_none(), "{bottom}");
    assert!(
        bottom.contains("↑ "),
        "a hint that rows are above: {bottom}"
    );
    assert!(!bottom.contains("↓ "), "{bottom}");
    // The status and key lines stay in view below the form.
    assert!(
        bottom.lines().last().unwrap().contains("Esc cancel"),
        "{bottom}"
    );
    // Every row can be brought into view, each in its turn.
    for _ in 0..40 {
        app.update(Action::NextField);
        let screen = text(&app);
        let Mode::Form(form) = &app.mode else {
            unreachable!()
        };
        let key = form.fields[form.focus].key;
        let line = row(&screen, key).unwrap_or_else(|| panic!("{key}: {screen}"));
        assert!(line.contains("▶"), "{line}");
    }
}

#[test]
fn toggling_dpop_saves_it_in_the_profile() {
    let mut app = app();
    edit(&mut app, "expiring");
    focus(&mut app, "dpop");
    assert!(row(&text(&app), "dpop").unwrap().contains("[ ]"));
    // Typing does nothing to a flag; Space (and ←/→) flips it.
    app.update(Action::Char('x'));
    assert!(row(&text(&app), "dpop").unwrap().contains("[ ]"));
    app.update(Action::Char(' '));
    assert!(row(&text(&app), "dpop").unwrap().contains("[x]"));
    app.update(Action::Toggle(' '));
    app.update(Action::Toggle(' '));
    let fx = app.update(Action::Submit);
    let [Effect::Save { name, patch, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(name, "expiring");
    // Only the flag changed; applied as the engine applies it, the profile is bound to a key.
    assert_eq!(patch.set.len(), 1, "{patch:?}");
    assert!(patch.unset.is_empty(), "{patch:?}");
    let before = profiles()
        .into_iter()
        .find(|p| p.profile == "expiring")
        .unwrap();
    let saved = patch.apply(&before).unwrap();
    assert!(saved.dpop);
    assert_eq!(saved.to_json()["dpop"], serde_json::json!(true));
    // A flag left at its value writes nothing.
    edit(&mut app, "expiring");
    let fx = app.update(Action::Submit);
    let [Effect::Save { patch, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert!(patch.is_empty(), "{patch:?}");
}

#[test]
fn token_exchange_inputs_are_in_the_form() {
    let mut app = app();
    edit(&mut app, "expiring");
    focus(&mut app, "grant");
    while !row(&text(&app), "grant")
        .unwrap()
        .contains("token_exchange")
    {
        app.update(Action::Toggle(' '));
    }
    focus(&mut app, "subject_token_file");
    for c in "/run/tokens/ci.jwt".chars() {
        app.update(Action::Char(c));
    }
    let screen = text(&app);
    let line = row(&screen, "subject_token_file").unwrap_or_else(|| panic!("{screen}"));
    assert!(line.contains(" /run/tokens/ci.jwt"), "{line}");
    assert!(line.contains("token_exchange:"), "its hint: {line}");
    let fx = app.update(Action::Submit);
    let [Effect::Save { patch, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let before = profiles()
        .into_iter()
        .find(|p| p.profile == "expiring")
        .unwrap();
    let saved = patch.apply(&before).unwrap();
    assert_eq!(saved.to_json()["grant"], "token_exchange");
    assert_eq!(saved.to_json()["subject_token_file"], "/run/tokens/ci.jwt");
}
