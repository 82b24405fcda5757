//! Keys and mouse events to [`Action`]s: a pure function of the event and the current mode.

use super::app::{App, Mode};
use super::keys;
use super::ui::layout;
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The clock moved (unix seconds).
    Tick(i64),
    Resize(u16, u16),
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Select a row of the view (mouse click).
    Select(usize),
    DetailUp,
    DetailDown,
    StartFilter,
    ClearFilter,
    ToggleSort,
    Reveal,
    Reload,
    Authorize,
    Refresh,
    Revoke,
    MakeDefault,
    New,
    Edit,
    Delete,
    Import,
    Copy,
    Help,
    ToggleKeepFresh,
    ToggleActivity,
    Inspect,
    /// Typing into whatever has the text cursor (filter, input box, form field, pasted code).
    Char(char),
    Paste(String),
    Backspace,
    ClearInput,
    Submit,
    Cancel,
    Confirm,
    NextField,
    PrevField,
    /// Cycle a choice field, or toggle an option in a dialog.
    Toggle(char),
    OpenBrowser,
    CopyUrl,
    /// Authorize: switch between the browser and a device code.
    SwitchFlow,
}

/// The key table ([`super::keys`]) holds every binding; this only asks it for the current screen.
pub fn from_key(key: KeyEvent, mode: &Mode) -> Option<Action> {
    keys::action(&key, keys::Context::of(mode))
}

/// Clicks select a row; the wheel moves the selection over the list and scrolls elsewhere.
pub fn from_mouse(m: MouseEvent, app: &App) -> Option<Action> {
    let areas = layout::areas(
        app.size.0,
        app.size.1,
        layout::banner_height(app.banner.as_deref(), app.size.0),
    );
    let inside = |r: ratatui::layout::Rect| {
        m.column >= r.x && m.column < r.x + r.width && m.row >= r.y && m.row < r.y + r.height
    };
    let modal = !matches!(app.mode, Mode::Normal | Mode::Filter);
    match m.kind {
        MouseEventKind::ScrollDown if modal => {
            matches!(app.mode, Mode::Help { .. }).then_some(Action::Down)
        }
        MouseEventKind::ScrollUp if modal => {
            matches!(app.mode, Mode::Help { .. }).then_some(Action::Up)
        }
        _ if modal => None,
        MouseEventKind::Down(MouseButton::Left) if inside(areas.list_rows) => {
            let pos = app.offset + usize::from(m.row - areas.list_rows.y);
            (pos < app.view.len()).then_some(Action::Select(pos))
        }
        MouseEventKind::ScrollDown if inside(areas.detail) => Some(Action::DetailDown),
        MouseEventKind::ScrollUp if inside(areas.detail) => Some(Action::DetailUp),
        MouseEventKind::ScrollDown if inside(areas.list) => Some(Action::Down),
        MouseEventKind::ScrollUp if inside(areas.list) => Some(Action::Up),
        _ => None,
    }
}
