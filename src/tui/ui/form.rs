//! The new/edit profile form.

use super::layout::centered;
use crate::tui::app::App;
use crate::tui::form::{FieldKind, Form};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

// The longest form field name (client_key_file) and a space.
const LABEL: usize = 16;

pub fn render(app: &App, form: &Form, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let mut lines = Vec::with_capacity(form.fields.len() * 2 + 4);
    lines.push(Line::raw(""));
    for (i, f) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let shown = match f.kind {
            FieldKind::Secret => "•".repeat(f.value.chars().count()),
            FieldKind::Choice(_) => format!("‹ {} ›", f.value),
            FieldKind::Text => f.value.clone(),
        };
        let cursor = if focused && !matches!(f.kind, FieldKind::Choice(_)) {
            "▏"
        } else {
            ""
        };
        let marker = if focused { "▶" } else { " " };
        let mut spans = vec![
            Span::styled(format!(" {marker} "), t.key()),
            Span::styled(format!("{:<LABEL$}", f.key), t.label()),
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
    lines.push(Line::raw(""));
    lines.push(super::status::dialog_keys(app));
    let title = match &form.original {
        None => "New profile".to_string(),
        Some(p) => format!("Edit '{}'", crate::text::Safe(&p.profile)),
    };
    let r = centered(area, 100, lines.len() as u16 + 2);
    let block = super::backdrop::open(app, frame, r, &title, t.border_focus());
    frame.render_widget(Paragraph::new(lines).block(block), r);
}
