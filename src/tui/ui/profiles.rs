//! The profile list: name, default mark, dialect, token state and a live countdown.

use super::layout::Areas;
use crate::clock::format_span;
use crate::profile::TokenState;
use crate::text::safe;
use crate::tui::app::{App, Entry, Mode};
use ratatui::layout::Constraint;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

/// `14m 03s`, `expired 5m 10s ago`, `no token`, `no expiry`.
pub fn time_left(state: TokenState, left: Option<i64>) -> String {
    match (state, left) {
        (TokenState::Missing, _) => "no token".into(),
        (_, None) => "no expiry".into(),
        (TokenState::Expired, Some(s)) => format!("expired {} ago", format_span(s)),
        (_, Some(s)) => format_span(s),
    }
}

const WIDTHS: [Constraint; 5] = [
    Constraint::Length(2),
    Constraint::Fill(1),
    Constraint::Length(8),
    Constraint::Length(12),
    Constraint::Length(18),
];

pub fn render(app: &App, frame: &mut Frame, areas: &Areas) {
    let t = &app.theme;
    let focused = matches!(app.mode, Mode::Normal | Mode::Filter);
    let count = if app.filter.is_empty() {
        format!(" Profiles ({}) ", app.entries.len())
    } else {
        format!(" Profiles ({}/{}) ", app.view.len(), app.entries.len())
    };
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(if focused {
            t.border_focus()
        } else {
            t.border()
        })
        .title(Line::from(Span::styled(count, t.title())));
    if matches!(app.mode, Mode::Filter) || !app.filter.is_empty() {
        let cursor = if matches!(app.mode, Mode::Filter) {
            "▏"
        } else {
            ""
        };
        block = block.title_bottom(Line::from(vec![
            Span::styled(" / ", t.key()),
            Span::styled(format!("{}{cursor} ", app.filter), t.input()),
        ]));
    }
    frame.render_widget(block, areas.list);

    let header = Row::new(["", "NAME", "DIALECT", "STATE", "TIME LEFT"].map(Cell::from))
        .style(t.dim().add_modifier(Modifier::BOLD));
    frame.render_widget(
        Table::new([header], WIDTHS).column_spacing(1),
        areas.list_header,
    );

    let rows_area = areas.list_rows;
    if app.view.is_empty() {
        let msg = if app.loading {
            format!("{} reading the store…", super::spinner(app))
        } else if app.entries.is_empty() {
            "No profiles yet. Press n to create one, or i to import a pancloud file.".into()
        } else {
            format!(
                "No profile matches '{}'. Esc clears the filter.",
                app.filter
            )
        };
        frame.render_widget(
            Paragraph::new(msg)
                .style(t.dim())
                .wrap(ratatui::widgets::Wrap { trim: true }),
            rows_area,
        );
        return;
    }
    // Only the visible window is built, so a frame costs the same with ten profiles or ten thousand.
    let end = (app.offset + rows_area.height as usize).min(app.view.len());
    let rows = app.view[app.offset..end]
        .iter()
        .enumerate()
        .map(|(i, &idx)| {
            let selected = app.offset + i == app.selected;
            row(app, &app.entries[idx], selected)
        });
    frame.render_widget(Table::new(rows, WIDTHS).column_spacing(1), rows_area);
}

fn row<'a>(app: &App, e: &'a Entry, selected: bool) -> Row<'a> {
    let t = &app.theme;
    let (state, left) = e.live(app.now, app.leeway);
    let state_cell = match app.is_busy(e.name()) {
        Some(what) => Cell::from(Span::styled(
            format!("{} {what}", super::spinner(app)),
            t.info(),
        )),
        None if app.keep_fresh.waiting.contains_key(e.name()) => {
            Cell::from(Span::styled("✗ failed", t.error()))
        }
        None => Cell::from(Span::styled(state.as_str(), t.state(state))),
    };
    // The arrow keeps the selection visible without colour (NO_COLOR, screen captures).
    let mark = Line::from(vec![
        Span::styled(if selected { "▶" } else { " " }, t.key()),
        if e.summary.default {
            Span::styled("★", t.default_mark())
        } else {
            Span::raw(" ")
        },
    ]);
    let row = Row::new(vec![
        Cell::from(mark),
        Cell::from(safe(e.name())),
        Cell::from(Span::styled(e.summary.dialect.as_str(), t.dim())),
        state_cell,
        Cell::from(Span::styled(time_left(state, left), t.state(state))),
    ]);
    if selected {
        row.style(t.selected())
    } else {
        row.style(Style::new())
    }
}
