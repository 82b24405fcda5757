//! The activity pane (`l`): the last events, newest first, each with its time (UTC).

use crate::clock::format_utc;
use crate::text::safe;
use crate::tui::action::Action;
use crate::tui::activity::Kind;
use crate::tui::app::App;
use crate::tui::keys::on_main;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

/// The width of ` 16:54:50 refreshed  `: where an event's text starts.
const INDENT: usize = 21;
use ratatui::Frame;

/// Splits `detail` into the detail pane and, when the activity pane is shown, the pane below it.
pub fn split(app: &App, detail: Rect) -> (Rect, Option<Rect>) {
    if !app.activity.shown {
        return (detail, None);
    }
    let rows = (detail.height / 2).clamp(3, 14);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(rows)]).areas(detail);
    (top, Some(bottom))
}

/// `16:54:50` of a unix time.
fn clock(at: i64) -> String {
    format_utc(at).chars().skip(11).take(8).collect()
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.border())
        .title(Line::from(Span::styled(
            format!(" Activity ({}) ", app.activity.len()),
            t.title(),
        )))
        .title_bottom(Line::from(vec![
            Span::styled(format!(" {} ", on_main(&Action::ToggleActivity)), t.key()),
            Span::styled("hides · times UTC ", t.dim()),
        ]));
    let rows = area.height.saturating_sub(2) as usize;
    let room = (area.width as usize).saturating_sub(2 + INDENT).max(8);
    // The `exec --serve` endpoints running now, above the events, newest first.
    let live = app.endpoints.iter().map(|n| {
        let text = format!(
            "'{}' to {}: {} (pid {})",
            n.profile,
            n.command,
            crate::endpoints::answers_text(n.answers),
            n.pid
        );
        ("now".to_string(), Kind::Serving, text)
    });
    let past = app
        .activity
        .latest()
        .map(|e| (clock(e.at), e.kind, e.text.clone()));
    let lines: Vec<Line> = if app.activity.is_empty() && app.endpoints.is_empty() {
        vec![Line::from(Span::styled(
            " Nothing yet: refreshes, authorizations, revocations, token endpoints and other processes' changes show here.",
            t.dim(),
        ))]
    } else {
        let mut out = Vec::with_capacity(rows);
        for (when, kind, text) in live.chain(past) {
            let style = match kind {
                k if k.is_error() => t.error(),
                Kind::RefreshedElsewhere | Kind::Changed | Kind::Serving => t.info(),
                _ => t.success(),
            };
            // A long text continues under itself, not under the time.
            for (i, chunk) in super::detail::wrap(&safe(&text), room)
                .into_iter()
                .enumerate()
            {
                out.push(if i == 0 {
                    Line::from(vec![
                        Span::styled(format!(" {when:<8} "), t.dim()),
                        Span::styled(format!("{:<10} ", kind.label()), style),
                        Span::raw(chunk),
                    ])
                } else {
                    Line::from(vec![Span::raw(" ".repeat(INDENT)), Span::raw(chunk)])
                });
            }
            if out.len() >= rows {
                break;
            }
        }
        out
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
