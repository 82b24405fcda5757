//! Modal boxes: confirm (revoke, delete), the import path input, and the authorize screen
//! (its device-code form is `device.rs`).

use super::layout::centered;
use crate::profile::PANCLOUD_API_BASE_URL;
use crate::text::Safe;
use crate::tui::action::Action;
use crate::tui::app::{App, ConfirmKind, InputBox, InputKind};
use crate::tui::authorize::{AuthPhase, AuthState, Method};
use crate::tui::keys::{self, Context};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// A dialog of `lines` (wrapped) at `width`, centred; `border` colours its frame.
fn show(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    title: &str,
    border: Style,
    lines: Vec<Line>,
    width: u16,
) {
    let inner_w = width.saturating_sub(2).max(1) as usize;
    // Height from the wrapped text, so long URLs and paths fit.
    let height: usize = lines
        .iter()
        .map(|l| l.width().max(1).div_ceil(inner_w))
        .sum();
    let r = centered(area, width, height as u16 + 2);
    let block = super::backdrop::open(app, frame, r, title, border);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        r,
    );
}

fn buttons<'a>(app: &App, yes: &str, no: &str) -> Line<'a> {
    let t = &app.theme;
    let key = |a| keys::key_for(Context::Confirm, &a);
    Line::from(vec![
        Span::raw(" "),
        Span::styled(key(Action::Confirm), t.key()),
        Span::raw(format!(" {yes}    ")),
        Span::styled(key(Action::Cancel), t.key()),
        Span::raw(format!(" {no}")),
    ])
}

/// Where a revoke goes, as the engine will compute it.
fn revoke_endpoint(app: &App, name: &str) -> String {
    let Some(e) = app.entry(name) else {
        return "the provider".into();
    };
    let s = &e.summary;
    if s.dialect == crate::profile::Dialect::OAuth2 {
        match (&s.revoke_url, &s.issuer) {
            (Some(u), _) => u.clone(),
            (None, Some(i)) => format!("the revocation endpoint of {i}"),
            (None, None) => "the provider (no revoke_url set)".into(),
        }
    } else {
        let base = s.token_url.as_deref().unwrap_or(PANCLOUD_API_BASE_URL);
        format!("{}/api/oauth2/RevokeToken", base.trim_end_matches('/'))
    }
}

pub fn confirm(app: &App, kind: &ConfirmKind, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let (title, lines) = match kind {
        ConfirmKind::Revoke {
            profile,
            access,
            refresh,
        } => {
            let check = |on: bool| if on { "[x]" } else { "[ ]" };
            (
                "Revoke tokens".to_string(),
                vec![
                    Line::from(vec![
                        Span::raw(" Revoke for profile "),
                        Span::styled(format!("'{}'", Safe(profile)), t.title()),
                        Span::raw(" at"),
                    ]),
                    Line::from(format!(" {}", Safe(&revoke_endpoint(app, profile)))),
                    Line::raw(""),
                    Line::from(vec![
                        Span::raw(format!("   {} the access token   ", check(*access))),
                        Span::styled(
                            keys::key_for(Context::Confirm, &Action::Toggle('a')),
                            t.key(),
                        ),
                    ]),
                    Line::from(vec![
                        Span::raw(format!("   {} the refresh token  ", check(*refresh))),
                        Span::styled(
                            keys::key_for(Context::Confirm, &Action::Toggle('r')),
                            t.key(),
                        ),
                    ]),
                    Line::raw(""),
                    Line::styled(
                        " The provider invalidates them and pancred forgets them.",
                        t.dim(),
                    ),
                    Line::raw(""),
                    buttons(app, "revoke", "cancel"),
                ],
            )
        }
        ConfirmKind::Delete { profile } => (
            "Delete profile".to_string(),
            vec![
                Line::from(vec![
                    Span::raw(" Delete profile "),
                    Span::styled(format!("'{}'", Safe(profile)), t.title()),
                    Span::raw(" and its secrets from"),
                ]),
                Line::from(format!(" {}?", app.store_label)),
                Line::raw(""),
                Line::styled(
                    format!(
                        " Tokens stay valid at the provider: {} revokes them first.",
                        keys::on_main(&Action::Revoke)
                    ),
                    t.dim(),
                ),
                Line::raw(""),
                buttons(app, "delete", "keep it"),
            ],
        ),
    };
    show(app, frame, area, &title, t.error(), lines, 64);
}

pub fn input(app: &App, input: &InputBox, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let (title, prompt) = match input.kind {
        InputKind::Import => (
            "Import a pancloud file",
            " Move every profile of this pancloud credentials file into the store (the tokens \
             leave the file; its settings stay):",
        ),
    };
    let lines = vec![
        Line::raw(prompt),
        Line::raw(""),
        Line::from(Span::styled(format!(" {}▏", input.value), t.input())),
        Line::raw(""),
        super::status::dialog_keys(app),
    ];
    show(app, frame, area, title, t.border_focus(), lines, 76);
}

pub fn authorize(app: &App, auth: &AuthState, frame: &mut Frame, area: Rect) {
    if auth.method == Method::Device {
        return super::device::render(app, auth, frame, area);
    }
    let t = &app.theme;
    let spin = super::spinner(app);
    let mut lines = Vec::new();
    match (&auth.phase, &auth.pending) {
        (AuthPhase::Starting, _) | (_, None) => {
            lines.push(Line::styled(
                format!(" {spin} Preparing the authorization URL…"),
                t.info(),
            ));
        }
        (phase, Some(p)) => {
            let waiting = match (phase, &auth.listening) {
                (AuthPhase::Exchanging, _) => "Exchanging the code for tokens…".to_string(),
                (_, Some(addr)) => format!("Waiting for the browser to come back to {addr}…"),
                (_, None) => "Waiting for you to sign in…".to_string(),
            };
            lines.push(Line::styled(format!(" {spin} {waiting}"), t.info()));
            if let Some(note) = &auth.note {
                lines.push(Line::styled(
                    format!(" No loopback listener: {note}"),
                    t.dim(),
                ));
            }
            lines.push(Line::raw(""));
            let key = |a| keys::key_for(Context::Authorize, &a);
            lines.push(Line::raw(format!(
                " Open this URL in a browser ({} opens it, {} copies it):",
                key(Action::OpenBrowser),
                key(Action::CopyUrl)
            )));
            lines.push(Line::styled(format!(" {}", p.url), t.label()));
            // Pasting stays possible with a listener too: the browser may run on another machine.
            lines.push(Line::raw(""));
            lines.push(Line::raw(if auth.listening.is_some() {
                " Or paste the code, or the whole URL the browser landed on:"
            } else {
                " Then paste the code, or the whole URL the browser landed on:"
            }));
            lines.push(Line::from(Span::styled(
                format!(" {}▏", auth.input),
                t.input(),
            )));
        }
    }
    if let Some(e) = &auth.error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!(" ✗ {e}"), t.error()));
    }
    if auth.device_supported == Some(true) {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::raw(" No browser here? "),
            Span::styled(
                keys::key_for(Context::Authorize, &Action::SwitchFlow),
                t.key(),
            ),
            Span::raw(" shows a code to enter on a phone or another computer."),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(super::status::dialog_keys(app));
    let width = area.width.saturating_sub(8).min(96);
    show(
        app,
        frame,
        area,
        &format!("Authorize '{}'", Safe(&auth.profile)),
        t.border_focus(),
        lines,
        width,
    );
}
