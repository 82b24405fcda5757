//! The keys of the dialogs and text fields, and when their hints show. Their order is the help
//! screen's and the hints' order.

use super::{always, b, hint, ranked, Context, Row};
use crate::tui::action::Action;
use crate::tui::app::{App, Mode};
use crate::tui::authorize::{AuthPhase, AuthState, Method};
use crossterm::event::KeyCode;

use super::Key::{Char, Code, Ctrl, Typed};
use Context as C;

const TEXT: &[Context] = &[C::Filter, C::Input, C::Form, C::Authorize];

pub static ROWS: &[Row] = &[
    // Text fields: the filter, the import box, the form, the pasted code.
    row!(
        TEXT,
        "Typing",
        [b(&[Typed], Action::Char(' '))],
        "text; Space also changes a choice",
        &[hint("to filter", filtering)],
    ),
    row!(
        TEXT,
        "Typing",
        [b(&[Code(KeyCode::Backspace)], Action::Backspace)],
        "erase a character",
        &[],
    ),
    row!(
        TEXT,
        "Typing",
        [b(&[Ctrl('u')], Action::ClearInput)],
        "clear the field",
        &[ranked(1, "clear", importing)],
    ),
    row!(
        &[C::Filter],
        "Filter",
        [b(&[Code(KeyCode::Enter)], Action::Submit)],
        "keep the filter",
        &[hint("keep", always)],
    ),
    row!(
        &[C::Filter],
        "Filter",
        [b(&[Code(KeyCode::Esc)], Action::Cancel)],
        "clear the filter",
        &[hint("clear", always)],
    ),
    row!(
        &[C::Filter],
        "Filter",
        [
            b(&[Code(KeyCode::Up)], Action::Up),
            b(&[Code(KeyCode::Down)], Action::Down),
        ],
        "previous / next profile",
        &[],
    ),
    row!(
        &[C::Help],
        "Help",
        [
            b(&[Code(KeyCode::Up), Char('k')], Action::Up),
            b(&[Code(KeyCode::Down), Char('j')], Action::Down),
        ],
        "scroll",
        &[hint("scroll", always)],
    ),
    row!(
        &[C::Help],
        "Help",
        [b(
            &[
                Code(KeyCode::Esc),
                Char('?'),
                Char('q'),
                Code(KeyCode::Enter)
            ],
            Action::Cancel
        )],
        "close",
        &[hint("close", always)],
    ),
    row!(
        &[C::Confirm],
        "Confirm",
        [b(
            &[Char('y'), Code(KeyCode::Enter), Char('Y')],
            Action::Confirm
        )],
        "yes",
        &[hint("yes", always)],
    ),
    row!(
        &[C::Confirm],
        "Confirm",
        [b(
            &[Char('n'), Code(KeyCode::Esc), Char('N'), Char('q')],
            Action::Cancel
        )],
        "no",
        &[hint("no", always)],
    ),
    row!(
        &[C::Confirm],
        "Confirm",
        [
            b(&[Char('a')], Action::Toggle('a')),
            b(&[Char('r')], Action::Toggle('r')),
        ],
        "choose the access / refresh token",
        &[],
    ),
    row!(
        &[C::Input],
        "Import",
        [b(&[Code(KeyCode::Enter)], Action::Submit)],
        "import the file",
        &[hint("import", always)],
    ),
    row!(
        &[C::Input],
        "Import",
        [b(&[Code(KeyCode::Esc)], Action::Cancel)],
        "cancel",
        &[hint("cancel", always)],
    ),
    row!(
        &[C::Form],
        "Forms",
        [b(
            &[Code(KeyCode::Tab), Code(KeyCode::Down)],
            Action::NextField
        )],
        "next field",
        &[hint("next", always)],
    ),
    row!(
        &[C::Form],
        "Forms",
        [b(
            &[Code(KeyCode::BackTab), Code(KeyCode::Up)],
            Action::PrevField
        )],
        "previous field",
        &[],
    ),
    row!(
        &[C::Form],
        "Forms",
        [
            b(&[Code(KeyCode::Left)], Action::Toggle(' ')),
            b(&[Code(KeyCode::Right)], Action::Toggle(' ')),
        ],
        "change a choice or a flag",
        &[hint("choose", always)],
    ),
    row!(
        &[C::Form],
        "Forms",
        [b(&[Code(KeyCode::Enter), Ctrl('s')], Action::Submit)],
        "save (checks every field)",
        &[hint("save", always)],
    ),
    row!(
        &[C::Form],
        "Forms",
        [b(&[Code(KeyCode::Esc)], Action::Cancel)],
        "close without saving",
        &[hint("cancel", always)],
    ),
    row!(
        &[C::Authorize],
        "Authorize",
        [b(&[Code(KeyCode::Enter)], Action::Submit)],
        "submit the code (device: a new code)",
        &[hint("submit code", browser), hint("new code", device_ended)],
        readme: "submit the pasted code or redirect URL; on the device screen, a new code after \
                 a refusal or expiry",
    ),
    row!(
        &[C::Authorize],
        "Authorize",
        [b(&[Code(KeyCode::Tab), Code(KeyCode::BackTab)], Action::SwitchFlow)],
        "browser / device code (RFC 8628)",
        &[hint("device code", device_offered), hint("browser", device)],
        readme: "when the provider offers device login (a `device_authorization_url`, or one in \
                 its metadata): a device code instead of the browser, shown big with a QR code of \
                 the page that carries it and a countdown to its expiry; the engine polls as \
                 `login --device` does and stores the tokens; Tab again goes back to the browser",
    ),
    row!(
        &[C::Authorize],
        "Authorize",
        [b(&[Ctrl('o')], Action::OpenBrowser)],
        "open the URL in the browser",
        &[
            hint("open browser", browser),
            hint("open page", device_waiting)
        ],
    ),
    row!(
        &[C::Authorize],
        "Authorize",
        [b(&[Ctrl('y')], Action::CopyUrl)],
        "copy the URL to the clipboard",
        &[hint("copy URL", url_shown)],
    ),
    row!(
        &[C::Authorize],
        "Authorize",
        [b(&[Code(KeyCode::Esc)], Action::Cancel)],
        "cancel",
        &[hint("cancel", always)],
        readme: "cancel (and stop polling for a device code)",
    ),
];

fn filtering(app: &App) -> bool {
    matches!(app.mode, Mode::Filter)
}

fn importing(app: &App) -> bool {
    matches!(app.mode, Mode::Input(_))
}

fn auth(app: &App) -> Option<&AuthState> {
    match &app.mode {
        Mode::Authorize(a) => Some(a),
        _ => None,
    }
}

fn browser(app: &App) -> bool {
    auth(app).is_some_and(|a| a.method == Method::Browser)
}

fn device_offered(app: &App) -> bool {
    browser(app) && auth(app).is_some_and(|a| a.device_supported == Some(true))
}

fn device(app: &App) -> bool {
    auth(app).is_some_and(|a| a.method == Method::Device)
}

fn device_ended(app: &App) -> bool {
    device(app) && auth(app).is_some_and(|a| a.phase == AuthPhase::Ended)
}

/// A device code is on screen and being polled: its page can be opened or copied.
fn device_waiting(app: &App) -> bool {
    device(app) && auth(app).is_some_and(|a| a.device.is_some() && a.phase == AuthPhase::Waiting)
}

fn url_shown(app: &App) -> bool {
    browser(app) || device_waiting(app)
}
