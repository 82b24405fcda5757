//! The profile list: name, default mark, dialect, token state and a live countdown.

use super::layout::Areas;
use crate::text::cells;
use crate::tui::action::Action;
use crate::tui::app::{App, Entry, Mode};
use crate::tui::keys::on_main;
use ratatui::layout::Constraint;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

/// The columns that fit `width` cells: TIME LEFT holds "expired 10m 03s ago" whole, and in a
/// narrow list DIALECT, then STATE, make way so that NAME keeps at least 8 cells.
fn columns(width: u16) -> Vec<(usize, Constraint)> {
    let all = [
        (0, Constraint::Length(2)),
        (1, Constraint::Fill(1)),
        (2, Constraint::Length(8)),
        (3, Constraint::Length(12)),
        (4, Constraint::Length(TIME_LEFT_WIDTH)),
    ];
    let fixed = |cols: &[(usize, Constraint)]| fixed_cells(cols);
    let mut cols = all.to_vec();
    for drop in [2, 3] {
        if width >= fixed(&cols) + 8 {
            break;
        }
        cols.retain(|(i, _)| *i != drop);
    }
    // Narrower still: TIME LEFT gives up its end before NAME goes under 8 cells.
    if width < fixed(&cols) + 8 {
        let room = width.saturating_sub(2 + 1 + 8 + 1);
        cols = vec![all[0], all[1], (4, Constraint::Length(room))];
    }
    cols
}

/// The cells every column but NAME takes, spacing included.
fn fixed_cells(cols: &[(usize, Constraint)]) -> u16 {
    cols.iter()
        .map(|(_, c)| match c {
            Constraint::Length(n) => *n + 1,
            _ => 1,
        })
        .sum()
}

/// A name as wide as NAME's `room` at most: a longer one ends with `…`, so a cut is seen.
fn fit_name(name: &str, room: usize) -> String {
    let name = cells(name);
    if unicode_width::UnicodeWidthStr::width(name.as_ref()) <= room {
        return name.into_owned();
    }
    let mut out = super::detail::by_cells(&name, room.saturating_sub(1).max(1)).swap_remove(0);
    out.push('…');
    out
}

/// "expired 10m 03s ago" (19) and "expired 23h 59m ago" fit.
const TIME_LEFT_WIDTH: u16 = 20;

fn pick<T: Clone>(cells: &[T], cols: &[(usize, Constraint)]) -> Vec<T> {
    cols.iter().map(|(i, _)| cells[*i].clone()).collect()
}

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
            Span::styled(format!(" {} ", on_main(&Action::StartFilter)), t.key()),
            Span::styled(format!("{}{cursor} ", app.filter), t.input()),
        ]));
    }
    frame.render_widget(block, areas.list);

    let cols = columns(areas.list_rows.width);
    let widths: Vec<Constraint> = cols.iter().map(|(_, c)| *c).collect();
    let header = Row::new(pick(
        // The CLI's `list` headings.
        &["", "PROFILE", "DIALECT", "STATE", "TIME LEFT"].map(Cell::from),
        &cols,
    ))
    .style(t.dim().add_modifier(Modifier::BOLD));
    frame.render_widget(
        Table::new([header], widths.clone()).column_spacing(1),
        areas.list_header,
    );

    let rows_area = areas.list_rows;
    if app.view.is_empty() {
        let msg = if app.loading {
            format!("{} reading the store…", super::spinner(app))
        } else if app.entries.is_empty() {
            format!(
                "No profiles yet. Press {} to create one, or {} to import a pancloud file.",
                on_main(&Action::New),
                on_main(&Action::Import)
            )
        } else {
            format!(
                "No profile matches '{}'. {} clears the filter.",
                app.filter,
                on_main(&Action::ClearFilter)
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
    // (fixed_cells counts a space after every column; the last has none.)
    let name_room = usize::from((rows_area.width + 1).saturating_sub(fixed_cells(&cols)));
    // Only the visible window is built, so a frame costs the same with ten profiles or ten thousand.
    let end = (app.offset + rows_area.height as usize).min(app.view.len());
    let rows = app.view[app.offset..end]
        .iter()
        .enumerate()
        .map(|(i, &idx)| {
            let selected = app.offset + i == app.selected;
            row(app, &app.entries[idx], selected, &cols, name_room)
        });
    frame.render_widget(Table::new(rows, widths).column_spacing(1), rows_area);
}

fn row<'a>(
    app: &App,
    e: &'a Entry,
    selected: bool,
    cols: &[(usize, Constraint)],
    name_room: usize,
) -> Row<'a> {
    let t = &app.theme;
    let state = e.state(app.now, app.leeway);
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
    let cells = [
        Cell::from(mark),
        Cell::from(fit_name(e.name(), name_room)),
        Cell::from(Span::styled(e.summary.dialect.as_str(), t.dim())),
        state_cell,
        Cell::from(Span::styled(
            e.summary.time_left_at(app.now),
            t.state(state),
        )),
    ];
    let row = Row::new(pick(&cells, cols));
    if selected {
        row.style(t.selected())
    } else {
        row.style(Style::new())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cut_name_ends_with_an_ellipsis() {
        assert_eq!(super::fit_name("production-eu-west", 10), "productio…");
        assert_eq!(super::fit_name("lab", 10), "lab");
        assert_eq!(super::fit_name("exactly-10", 10), "exactly-10");
    }
}
