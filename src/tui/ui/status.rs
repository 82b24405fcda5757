//! The header, the store warning banner, the status line and the key hints.

use crate::tui::app::{App, Level, Mode};
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn header(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let left = Line::from(vec![
        Span::styled(format!(" {} ", app.title), t.title()),
        Span::styled(" ", t.dim()),
        Span::styled(app.store_label.clone(), t.dim()),
    ]);
    let right = Line::from(vec![
        Span::styled(format!("sort: {} ", app.sort.label()), t.dim()),
        Span::styled(" ? ", t.key()),
        Span::styled("help ", t.dim()),
    ]);
    frame.render_widget(Paragraph::new(left), area);
    frame.render_widget(Paragraph::new(right).alignment(Alignment::Right), area);
}

pub fn banner(app: &App, text: &str, frame: &mut Frame, area: Rect) {
    frame.render_widget(
        Paragraph::new(format!(" ⚠ {text}")).style(app.theme.warning()),
        area,
    );
}

pub fn status_line(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let Some(s) = &app.status else {
        return;
    };
    let (icon, style) = match s.level {
        Level::Info => ("•", t.info()),
        Level::Success => ("✓", t.success()),
        Level::Error => ("✗", t.error()),
    };
    let busy = if app.busy.is_empty() {
        String::new()
    } else {
        format!("{} ", super::spinner(app))
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" {busy}{icon} "), style),
            Span::styled(s.text.clone(), style),
        ])),
        area,
    );
}

pub fn hints(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let pairs: &[(&str, &str)] = match app.mode {
        Mode::Normal => &[
            ("a", "authorize"),
            ("r", "refresh"),
            ("x", "revoke"),
            ("y", "copy"),
            ("v", "reveal"),
            ("u", "default"),
            ("n", "new"),
            ("e", "edit"),
            ("D", "delete"),
            ("i", "import"),
            ("/", "filter"),
            ("s", "sort"),
        ],
        Mode::Filter => &[("type", "to filter"), ("Enter", "keep"), ("Esc", "clear")],
        Mode::Help { .. } => &[("↑↓", "scroll"), ("Esc", "close")],
        Mode::Confirm(_) => &[("y", "yes"), ("n", "no")],
        Mode::Input(_) => &[("Enter", "import"), ("Esc", "cancel")],
        Mode::Form(_) => &[
            ("Tab", "next"),
            ("←→", "choose"),
            ("Enter", "save"),
            ("Esc", "cancel"),
        ],
        Mode::Authorize(_) => &[
            ("Enter", "submit code"),
            ("^o", "open browser"),
            ("^y", "copy URL"),
            ("Esc", "cancel"),
        ],
    };
    let right_w = 16;
    let room = (area.width as usize).saturating_sub(right_w);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (k, what) in pairs {
        let w = k.chars().count() + what.chars().count() + 3;
        // Drop the hints that do not fit rather than cut one in half.
        if used + w > room {
            break;
        }
        used += w;
        spans.push(Span::styled(*k, t.key()));
        spans.push(Span::styled(format!(" {what}  "), t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let right = Line::from(vec![
        Span::styled("?", t.key()),
        Span::styled(" help  ", t.dim()),
        Span::styled("q", t.key()),
        Span::styled(" quit ", t.dim()),
    ]);
    frame.render_widget(Paragraph::new(right).alignment(Alignment::Right), area);
}
