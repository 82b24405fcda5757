//! The selected profile in full: settings, secrets as `******` with presence, the access token's
//! claims and how much of its lifetime is used. A secret shows only when revealed.

use crate::jwt::{claim_seconds, claim_text};
use crate::secret::MASK;
use crate::summary::format_utc;
use crate::tui::app::{App, Entry, SecretField};
use crate::tui::ui::profiles::time_left;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};
use ratatui::Frame;

const LABEL: usize = 16;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let t = &app.theme;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(t.border());
    let Some(e) = app.selected_entry() else {
        frame.render_widget(block.title(" Details "), area);
        return;
    };
    let title = Line::from(vec![
        Span::styled(format!(" {} ", e.name()), t.title()),
        if e.summary.default {
            Span::styled("★ default ", t.default_mark())
        } else {
            Span::raw("")
        },
    ]);
    let inner_w = area.width.saturating_sub(2) as usize;
    let lines = lines(app, e, inner_w);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block.title(title))
            .wrap(Wrap { trim: false })
            .scroll((app.detail_scroll, 0)),
        area,
    );
}

fn kv<'a>(app: &App, key: &str, value: impl Into<Span<'a>>) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!(" {key:<LABEL$}"), app.theme.label()),
        value.into(),
    ])
}

fn opt<'a>(app: &App, v: Option<&str>) -> Span<'a> {
    match v {
        Some(s) if !s.is_empty() => Span::raw(s.to_string()),
        _ => Span::styled("—", app.theme.dim()),
    }
}

fn section<'a>(app: &App, name: &str, width: usize) -> Line<'a> {
    let rule = "─".repeat(width.saturating_sub(name.len() + 4));
    Line::from(vec![
        Span::styled(format!(" {name} "), app.theme.section()),
        Span::styled(rule, app.theme.border()),
    ])
}

/// A bar of `width` cells, `used` of it filled.
pub fn gauge(used: f64, width: usize) -> String {
    let filled = ((used * width as f64).round() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

fn lines<'a>(app: &App, e: &'a Entry, width: usize) -> Vec<Line<'a>> {
    let t = &app.theme;
    let s = &e.summary;
    let (state, left) = e.live(app.now, app.leeway);
    let mut out = Vec::with_capacity(40);
    let mut token = kv(app, "token", Span::styled(state.as_str(), t.state(state)));
    if s.has_access_token {
        token.spans.push(Span::raw(" · "));
        token
            .spans
            .push(Span::styled(time_left(state, left), t.state(state)));
    }
    out.push(token);
    if let Some(exp) = s.expires_at {
        out.push(kv(app, "expires", Span::raw(format_utc(exp))));
    }
    if let Some(used) = s.lifetime_used(app.now) {
        let bar_w = width.saturating_sub(LABEL + 8).clamp(4, 40);
        out.push(Line::from(vec![
            Span::styled(format!(" {:<LABEL$}", "lifetime used"), t.label()),
            Span::styled(gauge(used, bar_w), t.state(state)),
            Span::raw(format!(" {:>3.0}%", used * 100.0)),
        ]));
    }

    out.push(section(app, "Client", width));
    out.push(kv(app, "client_id", opt(app, s.client_id.as_deref())));
    for f in SecretField::ALL {
        let value = match (f.get(&e.profile), app.revealed == Some(f)) {
            (Some(secret), true) => Span::styled(secret.expose().to_string(), t.revealed()),
            (Some(_), false) => Span::raw(MASK),
            (None, _) => Span::styled("— not stored", t.dim()),
        };
        out.push(kv(app, f.label(), value));
    }

    out.push(section(app, "Endpoints", width));
    out.push(kv(app, "dialect", Span::raw(s.dialect)));
    if s.dialect == "oauth2" {
        out.push(kv(app, "client_auth", Span::raw(s.client_auth)));
        out.push(kv(app, "issuer", opt(app, s.issuer.as_deref())));
    }
    out.push(kv(app, "auth_base_url", opt(app, Some(&s.auth_base_url))));
    out.push(kv(app, "token_url", opt(app, s.token_url.as_deref())));
    if s.dialect == "oauth2" {
        out.push(kv(app, "revoke_url", opt(app, s.revoke_url.as_deref())));
    } else {
        out.push(kv(app, "developer_token_url", Span::raw(s.developer_token_url.clone())));
        out.push(kv(app, "instance_id", opt(app, s.instance_id.as_deref())));
        out.push(kv(app, "region", opt(app, s.region.as_deref())));
    }
    out.push(kv(app, "redirect_uri", opt(app, s.redirect_uri.as_deref())));
    out.push(kv(app, "scope", opt(app, s.scope.as_deref())));
    if !s.auth_params.is_empty() {
        let params = serde_json::Value::Object(s.auth_params.clone()).to_string();
        out.push(kv(app, "auth_params", Span::raw(params)));
    }
    out.push(kv(app, "store", Span::raw(app.store_label.clone())));

    if !s.claims.is_empty() {
        out.push(section(app, "Access token claims", width));
        for (k, v) in &s.claims {
            let text = match k.as_str() {
                "iat" | "exp" | "nbf" => claim_seconds(&s.claims, k)
                    .map(|ts| format!("{} ({ts})", format_utc(ts)))
                    .unwrap_or_else(|| claim_text(v)),
                _ => claim_text(v),
            };
            out.push(kv(app, k, Span::styled(text, Style::new())));
        }
    }
    out
}
