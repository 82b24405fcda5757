//! The header, the store warning banner, the status line and the key hints.

use crate::profile::TokenState;
use crate::text::safe;
use crate::tui::action::Action;
use crate::tui::app::{App, Level};
use crate::tui::keys::{self, Context};
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const STATES: [TokenState; 4] = [
    TokenState::Valid,
    TokenState::Expiring,
    TokenState::Expired,
    TokenState::Missing,
];

pub fn header(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    // Counts by state at this second, like a dashboard's summary line.
    let mut counts = [0usize; 4];
    for e in &app.entries {
        let state = e.state(app.now, app.leeway);
        if let Some(i) = STATES.iter().position(|s| *s == state) {
            counts[i] += 1;
        }
    }
    let mut right = Vec::with_capacity(12);
    for (state, n) in STATES.iter().zip(counts) {
        if n > 0 {
            right.push(Span::styled(
                format!("{n} {} ", state.as_str()),
                t.state(*state),
            ));
            right.push(Span::styled("· ", t.dim()));
        }
    }
    if app.keep_fresh.on {
        right.push(Span::styled("keep fresh on ", t.success()));
    } else {
        // Said when off too: tokens then expire unless something asks for them.
        right.push(Span::styled("keep fresh off ", t.dim()));
    }
    right.push(Span::styled("· ", t.dim()));
    right.extend([
        Span::styled(format!("sort: {} ", app.sort.label()), t.dim()),
        Span::styled(
            format!(" {} ", keys::key_for(Context::Normal, &Action::Help)),
            t.key(),
        ),
        Span::styled("help ", t.dim()),
    ]);
    let right = Line::from(right);
    // The right side wins: the store path is cut rather than overwritten.
    let rw = (right.width() as u16).min(area.width);
    let left_area = Rect::new(area.x, area.y, area.width - rw, area.height);
    let title = format!(" {} ", app.title);
    let room = (left_area.width as usize).saturating_sub(title.chars().count() + 2);
    let label: String = if app.store_label.chars().count() > room {
        let keep: String = app
            .store_label
            .chars()
            .take(room.saturating_sub(1))
            .collect();
        format!("{keep}…")
    } else {
        app.store_label.clone()
    };
    let left = Line::from(vec![
        Span::styled(title, t.title()),
        Span::raw(" "),
        Span::styled(label, t.dim()),
    ]);
    let right_area = Rect::new(area.x + area.width - rw, area.y, rw, area.height);
    frame.render_widget(Paragraph::new(left), left_area);
    frame.render_widget(
        Paragraph::new(right).alignment(Alignment::Right),
        right_area,
    );
}

pub fn banner(app: &App, text: &str, frame: &mut Frame, area: Rect) {
    frame.render_widget(
        Paragraph::new(super::layout::banner_text(text))
            .style(app.theme.warning())
            .wrap(ratatui::widgets::Wrap { trim: false }),
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
            Span::styled(safe(&s.text).into_owned(), style),
        ])),
        area,
    );
}

/// A dialog's own line of keys: the same hints as under the screen, from the key table.
pub fn dialog_keys(app: &App) -> Line<'static> {
    let t = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    for (i, h) in keys::hints(app)
        .into_iter()
        .filter(|h| !h.right)
        .enumerate()
    {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(h.keys, t.key()));
        spans.push(Span::raw(format!(" {}", h.what)));
    }
    Line::from(spans)
}

/// The keys of this screen, from the key table: its actions on the left, help and quit right.
pub fn hints(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let (right, left): (Vec<_>, Vec<_>) = keys::hints(app).into_iter().partition(|h| h.right);
    let right: Vec<Span> = right
        .into_iter()
        .flat_map(|h| {
            [
                Span::styled(h.keys, t.key()),
                Span::styled(format!(" {}  ", h.what), t.dim()),
            ]
        })
        .collect();
    let mut right = Line::from(right);
    if let Some(last) = right.spans.last_mut() {
        // One space at the edge, as on the left.
        last.content = format!("{} ", last.content.trim_end()).into();
    }
    let room = (area.width as usize).saturating_sub(right.width());
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for h in left {
        let w = h.keys.chars().count() + h.what.chars().count() + 3;
        // Drop the hints that do not fit rather than cut one in half.
        if used + w > room {
            break;
        }
        used += w;
        spans.push(Span::styled(h.keys, t.key()));
        spans.push(Span::styled(format!(" {}  ", h.what), t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    frame.render_widget(Paragraph::new(right).alignment(Alignment::Right), area);
}
