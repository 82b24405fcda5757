//! The new/edit profile form.

use super::layout::centered;
use crate::tui::app::App;
use crate::tui::form::{FieldKind, Form};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn render(app: &App, form: &Form, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    // Over the panes, below the title line and above the status and key lines, so that what
    // the status line says about the form stays in view.
    let area = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(3),
        ..area
    };
    // Borders, a line above the rows, and two below (a blank and the keys).
    let rows = form.rows_shown(usize::from(area.height).saturating_sub(5));
    let more = |n: usize, arrow: &str| match n {
        0 => Line::raw(""),
        n => Line::from(Span::styled(format!("   {arrow} {n} more"), t.dim())),
    };
    // The longest field name and a space.
    let label = form
        .fields
        .iter()
        .map(|f| f.key.len())
        .max()
        .unwrap_or_default()
        + 1;
    let mut lines = Vec::with_capacity(rows.len() + 4);
    lines.push(more(rows.start, "↑"));
    for (i, f) in form
        .fields
        .iter()
        .enumerate()
        .take(rows.end)
        .skip(rows.start)
    {
        let focused = i == form.focus;
        let shown = match f.kind {
            FieldKind::Secret => "•".repeat(f.value.chars().count()),
            FieldKind::Choice(_) => format!("‹ {} ›", f.value),
            FieldKind::Bool if f.value == "true" => "[x]".into(),
            FieldKind::Bool => "[ ]".into(),
            FieldKind::Text => f.value.clone(),
        };
        let cursor = if focused && !f.kind.is_picked() {
            "▏"
        } else {
            ""
        };
        let marker = if focused { "▶" } else { " " };
        let mut spans = vec![
            Span::styled(format!(" {marker} "), t.key()),
            Span::styled(format!("{:<label$}", f.key), t.label()),
            Span::styled(
                format!("{shown}{cursor}"),
                if focused {
                    t.input()
                } else {
                    Default::default()
                },
            ),
        ];
        if let Some(e) = &f.error {
            spans.push(Span::styled(format!("  ✗ {e}"), t.error()));
        } else if (focused && !f.hint.is_empty())
            || (f.value.is_empty() && matches!(f.kind, FieldKind::Secret))
        {
            spans.push(Span::styled(format!("  {}", f.hint), t.dim()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(more(form.fields.len() - rows.end, "↓"));
    lines.push(super::status::dialog_keys(app));
    let title = match &form.original {
        None => "New profile".to_string(),
        Some(p) => format!("Edit '{}'", crate::text::Safe(&p.profile)),
    };
    let r = centered(area, 100, lines.len() as u16 + 2);
    let block = super::backdrop::open(app, frame, r, &title, t.border_focus());
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
