//! The help overlay: every row of the key table, under its heading.

use super::layout::centered;
use crate::tui::app::App;
use crate::tui::keys::{rows, Context, Row};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// The table's rows grouped under their headings, in the table's order.
fn sections() -> Vec<(&'static str, Vec<&'static Row>)> {
    let mut out: Vec<(&str, Vec<&Row>)> = Vec::new();
    for row in rows() {
        match out.last_mut() {
            Some((section, rows)) if *section == row.section => rows.push(row),
            _ => out.push((row.section, vec![row])),
        }
    }
    out
}

fn column<'a>(app: &App, sections: &[(&'a str, Vec<&'a Row>)]) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut lines = Vec::new();
    for (section, rows) in sections {
        lines.push(Line::from(Span::styled(format!(" {section}"), t.section())));
        for row in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("   {:<18}", row.keys_label()), t.key()),
                Span::raw(row.help),
            ]));
        }
    }
    lines
}

/// Where the second column starts: the section boundary that evens the two out.
fn split(sections: &[(&str, Vec<&Row>)]) -> usize {
    let len = |s: &[(&str, Vec<&Row>)]| s.iter().map(|(_, r)| r.len() + 1).sum::<usize>();
    (0..=sections.len())
        .min_by_key(|&i| len(&sections[..i]).max(len(&sections[i..])))
        .unwrap_or(0)
}

pub fn render(app: &App, scroll: u16, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let two = area.width >= 110;
    let sections = sections();
    let columns: Vec<Vec<Line>> = if two {
        let (first, second) = sections.split_at(split(&sections));
        vec![column(app, first), column(app, second)]
    } else {
        vec![column(app, &sections)]
    };
    let rows = columns.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let width = if two { 118 } else { 70 };
    let box_area = centered(area, width, rows + 2);
    let block = super::backdrop::open(app, frame, box_area, "Keys", t.border_focus())
        .title_bottom(Line::from(Span::styled(closing(), t.dim())));
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

/// ` ↑↓ scroll · Esc close `: the help screen's own keys, from its rows in the table.
fn closing() -> String {
    let keys: Vec<String> = rows()
        .filter(|r| r.applies(Context::Help))
        .flat_map(|r| {
            r.hints
                .iter()
                .map(move |h| format!("{} {}", r.hint_keys(), h.label))
        })
        .collect();
    format!(" {} ", keys.join(" · "))
}
