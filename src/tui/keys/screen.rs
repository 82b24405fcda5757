//! The main screen's keys (and the one that works everywhere). Their order is the help
//! screen's and the hints' order.

use super::{always, b, corner, ranked, selected, Context, Row};
use crate::tui::action::Action;
use crossterm::event::KeyCode;

use super::Key::{Char, Code, Ctrl, Mouse};
use Context as C;

const NORMAL: &[Context] = &[C::Normal];

pub static ROWS: &[Row] = &[
    // The main screen.
    row!(
        NORMAL,
        "Move",
        [
            b(&[Code(KeyCode::Up), Char('k')], Action::Up),
            b(&[Code(KeyCode::Down), Char('j')], Action::Down),
        ],
        "previous / next profile",
        &[],
    ),
    row!(
        NORMAL,
        "Move",
        [
            b(&[Code(KeyCode::PageUp), Ctrl('u')], Action::PageUp),
            b(&[Code(KeyCode::PageDown), Ctrl('d')], Action::PageDown),
        ],
        "one page up / down",
        &[],
    ),
    row!(
        NORMAL,
        "Move",
        [
            b(&[Char('g'), Code(KeyCode::Home)], Action::Top),
            b(&[Char('G'), Code(KeyCode::End)], Action::Bottom),
        ],
        "first / last profile",
        &[],
    ),
    row!(
        NORMAL,
        "Move",
        [
            b(&[Char('J')], Action::DetailDown),
            b(&[Char('K')], Action::DetailUp),
        ],
        "scroll the detail pane down / up",
        &[],
    ),
    row!(
        NORMAL,
        "Move",
        [b(&[Mouse], Action::Select(0))],
        "click selects, wheel scrolls",
        &[],
    ),
    row!(
        NORMAL,
        "View",
        [b(&[Char('/')], Action::StartFilter)],
        "filter by name, dialect or client id",
        &[ranked(11, "filter", always)],
    ),
    row!(
        NORMAL,
        "View",
        [b(&[Code(KeyCode::Esc)], Action::ClearFilter)],
        "clear the filter",
        &[],
    ),
    row!(
        NORMAL,
        "View",
        [b(&[Char('s')], Action::ToggleSort)],
        "sort by name / by time left",
        &[ranked(12, "sort", always)],
    ),
    row!(
        NORMAL,
        "View",
        [b(&[Char('v')], Action::Reveal)],
        "reveal a secret (again: the next one)",
        &[ranked(5, "reveal", selected)],
        readme: "reveal a secret (press again for the next; moving hides it)",
    ),
    row!(
        NORMAL,
        "View",
        [b(&[Char('R'), Code(KeyCode::F(5))], Action::Reload)],
        "reload from the store",
        &[],
    ),
    row!(
        NORMAL,
        "View",
        [b(&[Char('l')], Action::ToggleActivity)],
        "activity: what happened, with times",
        &[],
        readme: "activity pane: the last events with their times (refreshed here or by another \
                 process, revoked, authorization started / done / refused, store errors)",
    ),
    row!(
        NORMAL,
        "View",
        [b(&[Char('I')], Action::Inspect)],
        "ID token, userinfo, introspection",
        &[],
        readme: "inspect the selected profile in the detail pane: the ID token's claims, OpenID \
                 Connect userinfo and RFC 7662 introspection (`active`, scope, client, expiry) \
                 fetched from the provider, each with a plain message when the provider or the \
                 profile does not offer it (I again closes)",
    ),
    row!(
        NORMAL,
        "Tokens",
        [b(&[Char('a')], Action::Authorize)],
        "authorize: browser or device code",
        &[ranked(1, "authorize", selected)],
        readme: "authorize in the browser (a loopback listener catches the redirect; pasting the \
                 code or redirect URL also works), or with a device code (below)",
    ),
    row!(
        NORMAL,
        "Tokens",
        [b(&[Char('r')], Action::Refresh)],
        "refresh the access token now",
        &[ranked(2, "refresh", selected)],
    ),
    row!(
        NORMAL,
        "Tokens",
        [b(&[Char('x')], Action::Revoke)],
        "revoke at the provider (asks first)",
        &[ranked(3, "revoke", selected)],
        readme: "revoke at the provider (a confirm dialog names the tokens; a / r choose them)",
    ),
    row!(
        NORMAL,
        "Tokens",
        [b(&[Char('y'), Char('c')], Action::Copy)],
        "copy the access token (OSC 52)",
        &[ranked(4, "copy", selected)],
    ),
    row!(
        NORMAL,
        "Tokens",
        [b(&[Char('f')], Action::ToggleKeepFresh)],
        "keep fresh on / off",
        &[],
        readme: "keep fresh on / off (refresh each token as it enters the leeway)",
    ),
    row!(
        NORMAL,
        "Profiles",
        [b(&[Char('u')], Action::MakeDefault)],
        "make this the default profile",
        &[ranked(6, "default", selected)],
    ),
    row!(
        NORMAL,
        "Profiles",
        [b(&[Char('n')], Action::New)],
        "new profile",
        &[ranked(7, "new", always)],
    ),
    row!(
        NORMAL,
        "Profiles",
        [b(&[Char('e'), Code(KeyCode::Enter)], Action::Edit)],
        "edit this profile",
        &[ranked(8, "edit", selected)],
    ),
    row!(
        NORMAL,
        "Profiles",
        [b(&[Char('D'), Code(KeyCode::Delete)], Action::Delete)],
        "delete this profile (asks first)",
        &[ranked(9, "delete", selected)],
    ),
    row!(
        NORMAL,
        "Profiles",
        [b(&[Char('i')], Action::Import)],
        "import a pancloud credentials file",
        &[ranked(10, "import", always)],
    ),
    row!(
        NORMAL,
        "App",
        [b(&[Char('?')], Action::Help)],
        "this help",
        &[corner("help")],
    ),
    row!(
        NORMAL,
        "App",
        [b(&[Char('q')], Action::Quit)],
        "quit",
        &[corner("quit")],
    ),
    row!(
        &[C::Any],
        "App",
        [b(&[Ctrl('c')], Action::Quit)],
        "quit, on any screen",
        &[corner("quit")],
    ),
];
