//! The help overlay: every key, by what it does.

use super::layout::centered;
use crate::tui::app::App;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui::Frame;

/// (section, keys, what they do); the README's key table is this list.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("Move", "↑ ↓  j k", "previous / next profile"),
    ("Move", "PgUp PgDn  ^u ^d", "one page up / down"),
    ("Move", "g G  Home End", "first / last profile"),
    ("Move", "J K", "scroll the detail pane"),
    ("Move", "mouse", "click selects, wheel scrolls"),
    ("View", "/", "filter by name, dialect or client id"),
    ("View", "s", "sort by name / by time left"),
    ("View", "v", "reveal a secret (again: the next one)"),
    ("View", "R  F5", "reload from the store"),
    ("View", "l", "activity: what happened, with times"),
    ("View", "I", "ID token, userinfo, introspection"),
    ("Tokens", "a", "authorize: browser or device code"),
    ("Tokens", "r", "refresh the access token now"),
    ("Tokens", "x", "revoke at the provider (asks first)"),
    ("Tokens", "y  c", "copy the access token (OSC 52)"),
    ("Tokens", "f", "keep fresh on / off"),
    ("Profiles", "u", "make this the default profile"),
    ("Profiles", "n", "new profile"),
    ("Profiles", "e  Enter", "edit this profile"),
    ("Profiles", "D  Delete", "delete this profile (asks first)"),
    ("Profiles", "i", "import a pancloud credentials file"),
    ("Forms", "Tab ↓ / S-Tab ↑", "next / previous field"),
    ("Forms", "← →  Space", "change a choice"),
    ("Forms", "Enter  ^s", "save (checks every field)"),
    ("Forms", "^u", "clear the field"),
    ("Forms", "Esc", "close without saving"),
    ("Authorize", "Tab", "browser / device code (RFC 8628)"),
    ("Authorize", "^o", "open the URL in the browser"),
    ("Authorize", "^y", "copy the URL to the clipboard"),
    ("Authorize", "Esc", "cancel"),
    ("App", "?", "this help"),
    ("App", "q  ^c", "quit"),
];

fn column<'a>(app: &App, keys: &[(&str, &'a str, &'a str)]) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut lines = Vec::with_capacity(keys.len() * 2);
    let mut last = "";
    for (section, keys, what) in keys {
        if *section != last {
            if !last.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::from(Span::styled(format!(" {section}"), t.section())));
            last = section;
        }
        lines.push(Line::from(vec![
            Span::styled(format!("   {keys:<18}"), t.key()),
            Span::raw(*what),
        ]));
    }
    lines
}

/// Sections in the first column; the rest go in the second when the terminal is wide enough.
const FIRST_COLUMN: usize = 13;

pub fn render(app: &App, scroll: u16, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let two = area.width >= 110;
    let columns: Vec<Vec<Line>> = if two {
        vec![
            column(app, &KEYS[..FIRST_COLUMN]),
            column(app, &KEYS[FIRST_COLUMN..]),
        ]
    } else {
        vec![column(app, KEYS)]
    };
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let width = if two { 118 } else { 70 };
    let box_area = centered(area, width, rows + 2);
    super::backdrop::under(app, frame, box_area);
    frame.render_widget(Clear, box_area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.border_focus())
        .title(Span::styled(" Keys ", t.title()))
        .title_bottom(Line::from(Span::styled(
            " ↑↓ scroll · ? or Esc closes ",
            t.dim(),
        )));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let n = columns.len() as u16;
    for (i, lines) in columns.into_iter().enumerate() {
        let i = i as u16;
        let w = inner.width / n;
        let col = Rect::new(inner.x + i * w, inner.y, w, inner.height);
        frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), col);
    }
}
