//! The authorize screen as a device login (RFC 8628): the user code in big letters, where to
//! enter it, a QR code of the page that carries it, and a countdown to its expiry. The device
//! code itself never reaches the screen: the state does not hold it.

use super::big_text;
use super::layout::centered;
use crate::clock::format_span;
use crate::profile::TokenState;
use crate::text::Safe;
use crate::tui::app::App;
use crate::tui::authorize::{AuthPhase, AuthState, DeviceShown};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// The countdown turns to a warning in the last minute.
const HURRY: i64 = 60;

pub fn render(app: &App, auth: &AuthState, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let width = area.width.saturating_sub(4).min(100);
    let inner_w = width.saturating_sub(2);
    let qr: Vec<String> = auth
        .device
        .as_ref()
        .filter(|_| auth.phase == AuthPhase::Waiting)
        .and_then(|d| crate::qr::render(d.uri_to_open()))
        .map(|q| q.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let qr_w = qr.first().map_or(0, |l| l.chars().count()) as u16;
    let left_min = auth
        .device
        .as_ref()
        .map_or(40, |d| big_text::width(&d.user_code).max(40) + 2) as u16;
    // The QR code only where it fits whole: half a QR code scans as nothing.
    let with_qr = qr_w > 0 && inner_w > left_min + qr_w && area.height >= qr.len() as u16 + 2;
    let left_w = if with_qr { inner_w - qr_w - 1 } else { inner_w };
    let lines = text(app, auth, left_w, qr_w > 0 && !with_qr);
    // Long messages wrap: count the lines they take.
    let wrapped: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(usize::from(left_w.max(1))))
        .sum();
    let rows = (wrapped as u16).max(if with_qr { qr.len() as u16 } else { 0 });
    let r = centered(area, width, rows + 2);
    let title = format!("Authorize '{}' · device code", Safe(&auth.profile));
    let block = super::backdrop::open(app, frame, r, &title, t.border_focus());
    let inner = block.inner(r);
    frame.render_widget(block, r);
    let left = Rect::new(inner.x, inner.y, left_w.min(inner.width), inner.height);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), left);
    if with_qr {
        // Light modules on black, whatever the terminal's own colours, so phones read it.
        let style = if t.color {
            Style::new().fg(Color::White).bg(Color::Black)
        } else {
            Style::new()
        };
        let qr_lines: Vec<Line> = qr.into_iter().map(|l| Line::styled(l, style)).collect();
        let right = Rect::new(inner.x + left_w + 1, inner.y, qr_w, inner.height);
        frame.render_widget(Paragraph::new(qr_lines), right);
    }
}

/// The left column: state, where to go, the code, the countdown, the keys.
fn text<'a>(app: &App, auth: &AuthState, width: u16, qr_left_out: bool) -> Vec<Line<'a>> {
    let t = &app.theme;
    let mut lines = Vec::new();
    let device = auth.device.as_ref();
    match (&auth.phase, device) {
        (AuthPhase::Ended, _) => {}
        (AuthPhase::Waiting, Some(d)) => lines.push(Line::styled(
            format!(
                " {} Waiting for approval · checking every {} s",
                super::spinner(app),
                d.interval
            ),
            t.info(),
        )),
        _ => lines.push(Line::styled(
            format!(" {} Asking the provider for a code…", super::spinner(app)),
            t.info(),
        )),
    }
    if let Some(d) = device.filter(|_| auth.phase == AuthPhase::Waiting) {
        lines.push(Line::raw(""));
        lines.push(Line::raw(" On a phone or any computer, open"));
        lines.push(Line::styled(
            format!("   {}", Safe(&d.verification_uri)),
            t.label(),
        ));
        lines.push(Line::raw(" and enter the code"));
        lines.push(Line::raw(""));
        lines.extend(code_lines(app, d, width));
        lines.push(Line::raw(""));
        lines.push(countdown(app, d));
        if d.verification_uri_complete.is_some() {
            lines.push(Line::styled(
                if qr_left_out {
                    " A larger terminal shows a QR code of the page with the code in it."
                } else {
                    " Or scan the QR code: the page with the code in it."
                },
                t.dim(),
            ));
        }
    }
    if let Some(e) = &auth.error {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(format!(" ✗ {e}"), t.error()));
    }
    lines.push(Line::raw(""));
    lines.push(super::status::dialog_keys(app));
    lines
}

/// The code big when it fits and has glyphs, and always once as given (to read or copy).
fn code_lines<'a>(app: &App, d: &DeviceShown, width: u16) -> Vec<Line<'a>> {
    let bold = app.theme.title().add_modifier(Modifier::BOLD);
    let code = Safe(&d.user_code).to_string();
    let mut lines: Vec<Line> = match big_text::render(&d.user_code) {
        Some(big) if big_text::width(&d.user_code) + 2 <= usize::from(width) => big
            .into_iter()
            .map(|l| Line::styled(l, bold).alignment(Alignment::Center))
            .collect(),
        _ => {
            let spaced: Vec<String> = code.chars().map(String::from).collect();
            vec![Line::styled(spaced.join(" "), bold).alignment(Alignment::Center)]
        }
    };
    lines.push(Line::raw(""));
    lines.push(
        Line::from(vec![
            Span::styled("code  ", app.theme.dim()),
            Span::styled(code, bold),
        ])
        .alignment(Alignment::Center),
    );
    lines
}

fn countdown<'a>(app: &App, d: &DeviceShown) -> Line<'a> {
    let left = crate::seconds::left(d.expires_at, app.now);
    if left <= 0 {
        return Line::styled(" The code has expired.", app.theme.error());
    }
    let style = if left <= HURRY {
        app.theme.state(TokenState::Expiring)
    } else {
        app.theme.state(TokenState::Valid)
    };
    Line::from(vec![
        Span::raw(" The code expires in "),
        Span::styled(format_span(left), style),
    ])
}
