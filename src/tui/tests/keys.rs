//! Every key, table-driven: key -> action (the pure mapping) -> new state and effects.

use super::{app, selected};
use crate::engine::PendingAuthorization;
use crate::tui::action::{from_key, Action};
use crate::tui::app::{App, ConfirmKind, InputBox, InputKind, Mode, SecretField, Sort};
use crate::tui::authorize::{AuthPhase, AuthState};
use crate::tui::effect::Effect;
use crate::tui::form::Form;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rstest::rstest;

fn k(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}
fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}
fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// `expiring` selected (second of four), nothing open.
fn normal(app: &mut App) {
    app.select(1);
}
fn filtering(app: &mut App) {
    app.select(1);
    app.mode = Mode::Filter;
    app.filter = "exp".into();
    app.rebuild_view(Some("expiring"));
}
fn help(app: &mut App) {
    app.mode = Mode::Help { scroll: 2 };
}
fn revoke(app: &mut App) {
    app.select(1);
    app.mode = Mode::Confirm(ConfirmKind::Revoke {
        profile: "expiring".into(),
        access: true,
        refresh: true,
    });
}
fn delete(app: &mut App) {
    app.select(1);
    app.mode = Mode::Confirm(ConfirmKind::Delete {
        profile: "expiring".into(),
    });
}
fn import(app: &mut App) {
    app.mode = Mode::Input(InputBox {
        kind: InputKind::Import,
        value: "/tmp/creds.jso".into(),
    });
}
fn new_form(app: &mut App) {
    app.mode = Mode::Form(Box::new(Form::new(None, vec!["valid".into()])));
}
fn form_on_dialect(app: &mut App) {
    let mut f = Form::new(None, vec![]);
    f.next();
    app.mode = Mode::Form(Box::new(f));
}
fn waiting(app: &mut App) {
    let mut auth = AuthState::new("expiring".into());
    auth.pending = Some(PendingAuthorization {
        profile: "expiring".into(),
        url: "https://id.example/authorize?state=st4te".into(),
        state: "st4te".into(),
        pkce_verifier: None,
        redirect_uri: None,
        issuer: None,
        iss_required: false,
    });
    auth.phase = AuthPhase::Waiting;
    auth.input = "https://127.0.0.1:8765/callback?code=c0de&state=st4te".into();
    app.mode = Mode::Authorize(Box::new(auth));
}

fn none(fx: &[Effect]) {
    assert!(fx.is_empty(), "expected no effect, got {fx:?}");
}
fn form(app: &App) -> &Form {
    match &app.mode {
        Mode::Form(f) => f,
        _ => panic!("not in the form: {}", app.mode.name()),
    }
}
fn auth(app: &App) -> &AuthState {
    match &app.mode {
        Mode::Authorize(a) => a,
        _ => panic!("not authorizing: {}", app.mode.name()),
    }
}

#[rstest]
// Normal mode: moving.
#[case::j(normal, k('j'), Some(Action::Down), |a: &App, fx: &[Effect]| { none(fx); assert_eq!(selected(a), "new-client") })]
#[case::down(normal, code(KeyCode::Down), Some(Action::Down), |a: &App, _: &[Effect]| assert_eq!(selected(a), "new-client"))]
#[case::k(normal, k('k'), Some(Action::Up), |a: &App, _: &[Effect]| assert_eq!(selected(a), "expired"))]
#[case::up(normal, code(KeyCode::Up), Some(Action::Up), |a: &App, _: &[Effect]| assert_eq!(selected(a), "expired"))]
#[case::g(normal, k('g'), Some(Action::Top), |a: &App, _: &[Effect]| assert_eq!(selected(a), "expired"))]
#[case::home(normal, code(KeyCode::Home), Some(Action::Top), |a: &App, _: &[Effect]| assert_eq!(selected(a), "expired"))]
#[case::shift_g(normal, k('G'), Some(Action::Bottom), |a: &App, _: &[Effect]| assert_eq!(selected(a), "valid"))]
#[case::end(normal, code(KeyCode::End), Some(Action::Bottom), |a: &App, _: &[Effect]| assert_eq!(selected(a), "valid"))]
#[case::page_down(normal, code(KeyCode::PageDown), Some(Action::PageDown), |a: &App, _: &[Effect]| assert_eq!(selected(a), "valid"))]
#[case::page_up(normal, code(KeyCode::PageUp), Some(Action::PageUp), |a: &App, _: &[Effect]| assert_eq!(selected(a), "expired"))]
#[case::ctrl_d(normal, ctrl('d'), Some(Action::PageDown), |a: &App, _: &[Effect]| assert_eq!(selected(a), "valid"))]
#[case::ctrl_u(normal, ctrl('u'), Some(Action::PageUp), |a: &App, _: &[Effect]| assert_eq!(selected(a), "expired"))]
#[case::shift_j(normal, k('J'), Some(Action::DetailDown), |a: &App, _: &[Effect]| assert_eq!(a.detail_scroll, 1))]
#[case::shift_k(normal, k('K'), Some(Action::DetailUp), |a: &App, _: &[Effect]| assert_eq!(a.detail_scroll, 0))]
// Normal mode: view.
#[case::slash(normal, k('/'), Some(Action::StartFilter), |a: &App, _: &[Effect]| assert_eq!(a.mode.name(), "filter"))]
#[case::esc_without_filter(normal, code(KeyCode::Esc), Some(Action::ClearFilter), |a: &App, fx: &[Effect]| { none(fx); assert_eq!(a.view.len(), 4) })]
#[case::s(normal, k('s'), Some(Action::ToggleSort), |a: &App, _: &[Effect]| {
    assert_eq!(a.sort, Sort::TimeLeft);
    let order: Vec<&str> = a.view.iter().map(|&i| a.entries[i].name()).collect();
    assert_eq!(order, ["expired", "expiring", "valid", "new-client"]);
    assert_eq!(selected(a), "expiring");
})]
#[case::v(normal, k('v'), Some(Action::Reveal), |a: &App, _: &[Effect]| assert_eq!(a.revealed, Some(SecretField::ClientSecret)))]
#[case::shift_r(normal, k('R'), Some(Action::Reload), |a: &App, fx: &[Effect]| { assert!(a.loading); assert!(matches!(fx, [Effect::Load])) })]
#[case::f5(normal, code(KeyCode::F(5)), Some(Action::Reload), |_: &App, fx: &[Effect]| assert!(matches!(fx, [Effect::Load])))]
// Normal mode: actions on the selected profile.
#[case::a(normal, k('a'), Some(Action::Authorize), |a: &App, fx: &[Effect]| {
    assert_eq!(auth(a).profile, "expiring");
    assert!(matches!(fx, [Effect::StartAuthorization(n), Effect::CheckDeviceSupport(m)] if n == "expiring" && m == n));
})]
#[case::r(normal, k('r'), Some(Action::Refresh), |a: &App, fx: &[Effect]| {
    assert_eq!(a.is_busy("expiring"), Some("refreshing"));
    assert!(matches!(fx, [Effect::Refresh(n)] if n == "expiring"));
})]
#[case::x(normal, k('x'), Some(Action::Revoke), |a: &App, fx: &[Effect]| {
    none(fx);
    assert!(matches!(&a.mode, Mode::Confirm(ConfirmKind::Revoke { profile, access: true, refresh: true }) if profile == "expiring"));
})]
#[case::u(normal, k('u'), Some(Action::MakeDefault), |_: &App, fx: &[Effect]| assert!(matches!(fx, [Effect::SetDefault(n)] if n == "expiring")))]
#[case::n(normal, k('n'), Some(Action::New), |a: &App, _: &[Effect]| assert!(form(a).is_new()))]
#[case::e(normal, k('e'), Some(Action::Edit), |a: &App, _: &[Effect]| assert_eq!(form(a).value("profile"), "expiring"))]
#[case::enter(normal, code(KeyCode::Enter), Some(Action::Edit), |a: &App, _: &[Effect]| assert!(!form(a).is_new()))]
#[case::shift_d(normal, k('D'), Some(Action::Delete), |a: &App, _: &[Effect]| assert!(matches!(&a.mode, Mode::Confirm(ConfirmKind::Delete { profile }) if profile == "expiring")))]
#[case::delete(normal, code(KeyCode::Delete), Some(Action::Delete), |a: &App, _: &[Effect]| assert_eq!(a.mode.name(), "confirm"))]
#[case::i(normal, k('i'), Some(Action::Import), |a: &App, _: &[Effect]| assert!(matches!(&a.mode, Mode::Input(InputBox { kind: InputKind::Import, .. }))))]
#[case::y(normal, k('y'), Some(Action::Copy), |a: &App, fx: &[Effect]| {
    let expected = a.entry("expiring").unwrap().profile.access_token.clone().unwrap();
    assert!(matches!(fx, [Effect::Copy(s)] if *s == expected));
})]
#[case::c(normal, k('c'), Some(Action::Copy), |_: &App, fx: &[Effect]| assert!(matches!(fx, [Effect::Copy(_)])))]
#[case::question(normal, k('?'), Some(Action::Help), |a: &App, _: &[Effect]| assert_eq!(a.mode.name(), "help"))]
#[case::q(normal, k('q'), Some(Action::Quit), |a: &App, _: &[Effect]| assert!(a.quit))]
#[case::ctrl_c(normal, ctrl('c'), Some(Action::Quit), |a: &App, _: &[Effect]| assert!(a.quit))]
#[case::unbound(normal, k('z'), None, |a: &App, fx: &[Effect]| { none(fx); assert_eq!(a.mode.name(), "normal") })]
// Filter.
#[case::filter_char(filtering, k('i'), Some(Action::Char('i')), |a: &App, _: &[Effect]| {
    assert_eq!(a.filter, "expi");
    assert_eq!(a.view.len(), 2);
})]
#[case::filter_narrows(filtering, k('r'), Some(Action::Char('r')), |a: &App, _: &[Effect]| {
    // "expr" matches no name, dialect or client id.
    assert!(a.view.is_empty());
})]
#[case::filter_backspace(filtering, code(KeyCode::Backspace), Some(Action::Backspace), |a: &App, _: &[Effect]| assert_eq!(a.filter, "ex"))]
#[case::filter_ctrl_u(filtering, ctrl('u'), Some(Action::ClearInput), |a: &App, _: &[Effect]| { assert!(a.filter.is_empty()); assert_eq!(a.view.len(), 4) })]
#[case::filter_enter(filtering, code(KeyCode::Enter), Some(Action::Submit), |a: &App, _: &[Effect]| { assert_eq!(a.mode.name(), "normal"); assert_eq!(a.filter, "exp") })]
#[case::filter_esc(filtering, code(KeyCode::Esc), Some(Action::Cancel), |a: &App, _: &[Effect]| { assert!(a.filter.is_empty()); assert_eq!(selected(a), "expiring") })]
#[case::filter_down(filtering, code(KeyCode::Down), Some(Action::Down), |a: &App, _: &[Effect]| assert_eq!(selected(a), "expiring"))]
#[case::filter_up(filtering, code(KeyCode::Up), Some(Action::Up), |a: &App, _: &[Effect]| assert_eq!(selected(a), "expired"))]
// Help.
#[case::help_close_q(help, k('q'), Some(Action::Cancel), |a: &App, _: &[Effect]| { assert_eq!(a.mode.name(), "normal"); assert!(!a.quit) })]
#[case::help_close_question(help, k('?'), Some(Action::Cancel), |a: &App, _: &[Effect]| assert_eq!(a.mode.name(), "normal"))]
#[case::help_close_esc(help, code(KeyCode::Esc), Some(Action::Cancel), |a: &App, _: &[Effect]| assert_eq!(a.mode.name(), "normal"))]
#[case::help_scroll_down(help, k('j'), Some(Action::Down), |a: &App, _: &[Effect]| assert!(matches!(a.mode, Mode::Help { scroll: 3 })))]
#[case::help_scroll_up(help, k('k'), Some(Action::Up), |a: &App, _: &[Effect]| assert!(matches!(a.mode, Mode::Help { scroll: 1 })))]
// Confirm dialogs.
#[case::revoke_yes(revoke, k('y'), Some(Action::Confirm), |a: &App, fx: &[Effect]| {
    assert_eq!(a.mode.name(), "normal");
    assert!(matches!(fx, [Effect::Revoke(n, w)] if n == "expiring" && w.access_token && w.refresh_token));
})]
#[case::revoke_enter(revoke, code(KeyCode::Enter), Some(Action::Confirm), |_: &App, fx: &[Effect]| assert!(matches!(fx, [Effect::Revoke(..)])))]
#[case::revoke_toggle_access(revoke, k('a'), Some(Action::Toggle('a')), |a: &App, fx: &[Effect]| {
    none(fx);
    assert!(matches!(&a.mode, Mode::Confirm(ConfirmKind::Revoke { access: false, refresh: true, .. })));
})]
#[case::revoke_toggle_refresh(revoke, k('r'), Some(Action::Toggle('r')), |a: &App, _: &[Effect]| {
    assert!(matches!(&a.mode, Mode::Confirm(ConfirmKind::Revoke { access: true, refresh: false, .. })));
})]
#[case::revoke_no(revoke, k('n'), Some(Action::Cancel), |a: &App, fx: &[Effect]| { none(fx); assert_eq!(a.mode.name(), "normal") })]
#[case::revoke_esc(revoke, code(KeyCode::Esc), Some(Action::Cancel), |a: &App, fx: &[Effect]| { none(fx); assert_eq!(a.mode.name(), "normal") })]
#[case::delete_yes(delete, k('y'), Some(Action::Confirm), |_: &App, fx: &[Effect]| assert!(matches!(fx, [Effect::Delete(n)] if n == "expiring")))]
#[case::delete_no(delete, k('n'), Some(Action::Cancel), |a: &App, fx: &[Effect]| { none(fx); assert_eq!(a.entries.len(), 4) })]
// The import path box.
#[case::import_char(import, k('n'), Some(Action::Char('n')), |a: &App, _: &[Effect]| assert!(matches!(&a.mode, Mode::Input(i) if i.value == "/tmp/creds.json")))]
#[case::import_backspace(import, code(KeyCode::Backspace), Some(Action::Backspace), |a: &App, _: &[Effect]| assert!(matches!(&a.mode, Mode::Input(i) if i.value == "/tmp/creds.js")))]
#[case::import_clear(import, ctrl('u'), Some(Action::ClearInput), |a: &App, _: &[Effect]| assert!(matches!(&a.mode, Mode::Input(i) if i.value.is_empty())))]
#[case::import_enter(import, code(KeyCode::Enter), Some(Action::Submit), |_: &App, fx: &[Effect]| assert!(matches!(fx, [Effect::Import(p)] if p.to_str() == Some("/tmp/creds.jso"))))]
#[case::import_esc(import, code(KeyCode::Esc), Some(Action::Cancel), |a: &App, fx: &[Effect]| { none(fx); assert_eq!(a.mode.name(), "normal") })]
// The profile form.
#[case::form_type(new_form, k('l'), Some(Action::Char('l')), |a: &App, _: &[Effect]| assert_eq!(form(a).value("profile"), "l"))]
#[case::form_tab(new_form, code(KeyCode::Tab), Some(Action::NextField), |a: &App, _: &[Effect]| assert_eq!(form(a).focus, 1))]
#[case::form_down(new_form, code(KeyCode::Down), Some(Action::NextField), |a: &App, _: &[Effect]| assert_eq!(form(a).focus, 1))]
#[case::form_backtab(new_form, code(KeyCode::BackTab), Some(Action::PrevField), |a: &App, _: &[Effect]| assert_eq!(form(a).focus, form(a).fields.len() - 1))]
#[case::form_up(new_form, code(KeyCode::Up), Some(Action::PrevField), |a: &App, _: &[Effect]| assert_eq!(form(a).focus, form(a).fields.len() - 1))]
#[case::form_backspace(new_form, code(KeyCode::Backspace), Some(Action::Backspace), |a: &App, _: &[Effect]| assert_eq!(form(a).value("profile"), ""))]
#[case::form_right(form_on_dialect, code(KeyCode::Right), Some(Action::Toggle(' ')), |a: &App, _: &[Effect]| assert_eq!(form(a).value("dialect"), "oauth2"))]
#[case::form_left(form_on_dialect, code(KeyCode::Left), Some(Action::Toggle(' ')), |a: &App, _: &[Effect]| assert_eq!(form(a).value("dialect"), "oauth2"))]
#[case::form_right_on_text(new_form, code(KeyCode::Right), Some(Action::Toggle(' ')), |a: &App, _: &[Effect]| assert_eq!(form(a).value("profile"), ""))]
#[case::form_enter_invalid(new_form, code(KeyCode::Enter), Some(Action::Submit), |a: &App, fx: &[Effect]| {
    none(fx);
    assert_eq!(form(a).fields[0].error.as_deref(), Some("a profile needs a name"));
})]
#[case::form_ctrl_s(new_form, ctrl('s'), Some(Action::Submit), |a: &App, _: &[Effect]| assert!(form(a).fields[0].error.is_some()))]
#[case::form_ctrl_u(new_form, ctrl('u'), Some(Action::ClearInput), |a: &App, _: &[Effect]| assert_eq!(form(a).value("profile"), ""))]
#[case::form_esc(new_form, code(KeyCode::Esc), Some(Action::Cancel), |a: &App, fx: &[Effect]| { none(fx); assert_eq!(a.mode.name(), "normal") })]
// Authorizing.
#[case::auth_enter(waiting, code(KeyCode::Enter), Some(Action::Submit), |a: &App, fx: &[Effect]| {
    assert_eq!(auth(a).phase, AuthPhase::Exchanging);
    assert!(matches!(fx, [Effect::Exchange { profile, code, .. }] if profile == "expiring" && code.expose() == "c0de"));
})]
#[case::auth_type(waiting, k('x'), Some(Action::Char('x')), |a: &App, _: &[Effect]| assert!(auth(a).input.ends_with("st4tex")))]
#[case::auth_backspace(waiting, code(KeyCode::Backspace), Some(Action::Backspace), |a: &App, _: &[Effect]| assert!(auth(a).input.ends_with("st4t")))]
#[case::auth_clear(waiting, ctrl('u'), Some(Action::ClearInput), |a: &App, _: &[Effect]| assert!(auth(a).input.is_empty()))]
#[case::auth_open(waiting, ctrl('o'), Some(Action::OpenBrowser), |_: &App, fx: &[Effect]| assert!(matches!(fx, [Effect::OpenBrowser(u)] if u.contains("state=st4te"))))]
#[case::auth_copy_url(waiting, ctrl('y'), Some(Action::CopyUrl), |_: &App, fx: &[Effect]| assert!(matches!(fx, [Effect::Copy(u)] if u.expose().contains("state=st4te"))))]
#[case::auth_esc(waiting, code(KeyCode::Esc), Some(Action::Cancel), |a: &App, fx: &[Effect]| {
    assert_eq!(a.mode.name(), "normal");
    assert!(matches!(fx, [Effect::CancelAuthorization]));
})]
fn key_action_state(
    #[case] setup: fn(&mut App),
    #[case] key: KeyEvent,
    #[case] expected: Option<Action>,
    #[case] check: fn(&App, &[Effect]),
) {
    let mut app = app();
    setup(&mut app);
    let action = from_key(key, &app.mode);
    assert_eq!(action, expected);
    let effects = action.map(|a| app.update(a)).unwrap_or_default();
    check(&app, &effects);
}
