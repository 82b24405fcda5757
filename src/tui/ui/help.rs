//! The help overlay: every key, by what it does.

use super::layout::centered;
use crate::tui::app::App;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};
use ratatui::Frame;

/// (section, keys, what they do); the README's key table is this list.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("Move", "↑ ↓  j k", "select the previous / next profile"),
    ("Move", "PgUp PgDn  ^u ^d", "one page up / down"),
    ("Move", "g G  Home End", "first / last profile"),
    ("Move", "J K", "scroll the detail pane"),
    ("Move", "mouse", "click selects, wheel scrolls"),
    ("View", "/", "filter by name, dialect or client id (Enter keeps, Esc clears)"),
    ("View", "s", "sort by name / by time left"),
    ("View", "v", "reveal the next secret of this profile (hidden again on move)"),
    ("View", "R  F5", "reload from the store"),
    ("Tokens", "a", "authorize in the browser (then paste the code or redirect URL)"),
    ("Tokens", "r", "refresh the access token now"),
    ("Tokens", "x", "revoke at the provider (asks first; a/r choose the tokens)"),
    ("Tokens", "y  c", "copy the access token to the clipboard (OSC 52)"),
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
    ("Authorize", "^o", "open the URL in the browser again"),
    ("Authorize", "^y", "copy the URL to the clipboard"),
    ("Authorize", "Esc", "cancel"),
    ("App", "?", "this help"),
    ("App", "q  ^c", "quit"),
];

pub fn render(app: &App, scroll: u16, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let mut lines: Vec<Line> = Vec::with_capacity(KEYS.len() * 2);
    let mut last = "";
    for (section, keys, what) in KEYS {
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
    let box_area = centered(area, 88, area.height.saturating_sub(2));
    frame.render_widget(Clear, box_area);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll, 0)).block(
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Rounded)
                .border_style(t.border_focus())
                .title(Span::styled(" Keys ", t.title()))
                .title_bottom(Line::from(Span::styled(" ↑↓ scroll · ? or Esc closes ", t.dim()))),
        ),
        box_area,
    );
}
