//! Keys and mouse events to [`Action`]s: a pure function of the event and the current mode.

use super::app::{App, Mode};
use super::ui::layout;
use crossterm::event::MouseEventKind;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent};

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

pub fn from_key(key: KeyEvent, mode: &Mode) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match mode {
        Mode::Normal => normal(key, ctrl),
        Mode::Filter => filter(key, ctrl),
        Mode::Help { .. } => help(key),
        Mode::Confirm(_) => confirm(key),
        Mode::Input(_) => text_input(key, ctrl),
        Mode::Form(_) => form(key, ctrl),
        Mode::Authorize(_) => authorize(key, ctrl),
    }
}

fn normal(key: KeyEvent, ctrl: bool) -> Option<Action> {
    use Action::*;
    Some(match key.code {
        KeyCode::Char('d') if ctrl => PageDown,
        KeyCode::Char('u') if ctrl => PageUp,
        KeyCode::Char('q') => Quit,
        KeyCode::Char('?') => Help,
        KeyCode::Char('j') | KeyCode::Down => Down,
        KeyCode::Char('k') | KeyCode::Up => Up,
        KeyCode::PageDown => PageDown,
        KeyCode::PageUp => PageUp,
        KeyCode::Char('g') | KeyCode::Home => Top,
        KeyCode::Char('G') | KeyCode::End => Bottom,
        KeyCode::Char('J') => DetailDown,
        KeyCode::Char('K') => DetailUp,
        KeyCode::Char('/') => StartFilter,
        KeyCode::Esc => ClearFilter,
        KeyCode::Char('s') => ToggleSort,
        KeyCode::Char('v') => Reveal,
        KeyCode::Char('R') | KeyCode::F(5) => Reload,
        KeyCode::Char('a') => Authorize,
        KeyCode::Char('r') => Refresh,
        KeyCode::Char('x') => Revoke,
        KeyCode::Char('u') => MakeDefault,
        KeyCode::Char('n') => New,
        KeyCode::Char('e') | KeyCode::Enter => Edit,
        KeyCode::Char('D') | KeyCode::Delete => Delete,
        KeyCode::Char('i') => Import,
        KeyCode::Char('y') | KeyCode::Char('c') => Copy,
        KeyCode::Char('f') => ToggleKeepFresh,
        KeyCode::Char('l') => ToggleActivity,
        KeyCode::Char('I') => Inspect,
        _ => return None,
    })
}

fn filter(key: KeyEvent, ctrl: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('u') if ctrl => Action::ClearInput,
        KeyCode::Char(c) if !ctrl => Action::Char(c),
        KeyCode::Backspace => Action::Backspace,
        KeyCode::Enter => Action::Submit,
        KeyCode::Esc => Action::Cancel,
        KeyCode::Down => Action::Down,
        KeyCode::Up => Action::Up,
        _ => return None,
    })
}

fn help(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Esc | KeyCode::Enter => Action::Cancel,
        KeyCode::Char('j') | KeyCode::Down => Action::Down,
        KeyCode::Char('k') | KeyCode::Up => Action::Up,
        _ => return None,
    })
}

fn confirm(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => Action::Confirm,
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Char('q') | KeyCode::Esc => {
            Action::Cancel
        }
        KeyCode::Char(c @ ('a' | 'r')) => Action::Toggle(c),
        _ => return None,
    })
}

fn text_input(key: KeyEvent, ctrl: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('u') if ctrl => Action::ClearInput,
        KeyCode::Char(c) if !ctrl => Action::Char(c),
        KeyCode::Backspace => Action::Backspace,
        KeyCode::Enter => Action::Submit,
        KeyCode::Esc => Action::Cancel,
        _ => return None,
    })
}

fn form(key: KeyEvent, ctrl: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('s') if ctrl => Action::Submit,
        KeyCode::Char('u') if ctrl => Action::ClearInput,
        KeyCode::Tab | KeyCode::Down => Action::NextField,
        KeyCode::BackTab | KeyCode::Up => Action::PrevField,
        KeyCode::Left | KeyCode::Right => Action::Toggle(' '),
        KeyCode::Char(c) if !ctrl => Action::Char(c),
        KeyCode::Backspace => Action::Backspace,
        KeyCode::Enter => Action::Submit,
        KeyCode::Esc => Action::Cancel,
        _ => return None,
    })
}

fn authorize(key: KeyEvent, ctrl: bool) -> Option<Action> {
    Some(match key.code {
        KeyCode::Char('o') if ctrl => Action::OpenBrowser,
        KeyCode::Char('y') if ctrl => Action::CopyUrl,
        KeyCode::Tab | KeyCode::BackTab => Action::SwitchFlow,
        _ => return text_input(key, ctrl),
    })
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
