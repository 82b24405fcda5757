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
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use ratatui::Frame;

const LABEL: usize = 19;

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
            .scroll((app.detail_scroll, 0)),
        area,
    );
}

/// One `label  value` row; a value too long for the pane continues under itself, not under the label.
fn kv(out: &mut Vec<Line<'static>>, app: &App, width: usize, key: &str, value: Span<'static>) {
    let room = width.saturating_sub(LABEL + 2).max(8);
    let text: Vec<char> = value.content.chars().collect();
    let mut chunks = text.chunks(room).map(|c| c.iter().collect::<String>());
    let first = chunks.next().unwrap_or_default();
    out.push(Line::from(vec![
        Span::styled(format!(" {key:<LABEL$} "), app.theme.label()),
        Span::styled(first, value.style),
    ]));
    for rest in chunks {
        out.push(Line::from(vec![
            Span::raw(" ".repeat(LABEL + 2)),
            Span::styled(rest, value.style),
        ]));
    }
}

fn opt(app: &App, v: Option<&str>) -> Span<'static> {
    match v {
        Some(s) if !s.is_empty() => Span::raw(s.to_string()),
        _ => Span::styled("—", app.theme.dim()),
    }
}

fn section(app: &App, name: &str, width: usize) -> Line<'static> {
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

fn lines(app: &App, e: &Entry, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let s = &e.summary;
    let (state, left) = e.live(app.now, app.leeway);
    let mut out = Vec::with_capacity(40);
    let mut token = vec![
        Span::styled(format!(" {:<LABEL$} ", "token"), t.label()),
        Span::styled(state.as_str(), t.state(state)),
    ];
    if s.has_access_token {
        token.push(Span::raw(" · "));
        token.push(Span::styled(time_left(state, left), t.state(state)));
    }
    out.push(Line::from(token));
    if let Some(exp) = s.expires_at {
        kv(&mut out, app, width, "expires", Span::raw(format_utc(exp)));
    }
    if let Some(used) = s.lifetime_used(app.now) {
        let bar_w = width.saturating_sub(LABEL + 8).clamp(4, 30);
        out.push(Line::from(vec![
            Span::styled(format!(" {:<LABEL$} ", "lifetime used"), t.label()),
            Span::styled(gauge(used, bar_w), t.state(state)),
            Span::raw(format!(" {:>3.0}%", used * 100.0)),
        ]));
    }

    out.push(section(app, "Client", width));
    kv(
        &mut out,
        app,
        width,
        "client_id",
        opt(app, s.client_id.as_deref()),
    );
    for f in SecretField::ALL {
        let value = match (f.get(&e.profile), app.revealed == Some(f)) {
            (Some(secret), true) => Span::styled(secret.expose().to_string(), t.revealed()),
            (Some(_), false) => Span::raw(MASK),
            (None, _) => Span::styled("— not stored", t.dim()),
        };
        kv(&mut out, app, width, f.label(), value);
    }

    out.push(section(app, "Endpoints", width));
    kv(&mut out, app, width, "dialect", Span::raw(s.dialect));
    if s.dialect == "oauth2" {
        // Shown when it is not the usual one: such a profile never logs in, `r` gets a token.
        if s.grant != crate::profile::Grant::AuthorizationCode.as_str() {
            kv(&mut out, app, width, "grant", Span::raw(s.grant));
        }
        kv(
            &mut out,
            app,
            width,
            "client_auth",
            Span::raw(s.client_auth),
        );
        kv(
            &mut out,
            app,
            width,
            "issuer",
            opt(app, s.issuer.as_deref()),
        );
    }
    kv(
        &mut out,
        app,
        width,
        "auth_base_url",
        opt(app, Some(&s.auth_base_url)),
    );
    kv(
        &mut out,
        app,
        width,
        "token_url",
        opt(app, s.token_url.as_deref()),
    );
    if s.dialect == "oauth2" {
        kv(
            &mut out,
            app,
            width,
            "revoke_url",
            opt(app, s.revoke_url.as_deref()),
        );
    } else {
        kv(
            &mut out,
            app,
            width,
            "developer_token_url",
            Span::raw(s.developer_token_url.clone()),
        );
        kv(
            &mut out,
            app,
            width,
            "instance_id",
            opt(app, s.instance_id.as_deref()),
        );
        kv(
            &mut out,
            app,
            width,
            "region",
            opt(app, s.region.as_deref()),
        );
    }
    kv(
        &mut out,
        app,
        width,
        "redirect_uri",
        opt(app, s.redirect_uri.as_deref()),
    );
    kv(&mut out, app, width, "scope", opt(app, s.scope.as_deref()));
    if !s.auth_params.is_empty() {
        let params = serde_json::Value::Object(s.auth_params.clone()).to_string();
        kv(&mut out, app, width, "auth_params", Span::raw(params));
    }
    kv(
        &mut out,
        app,
        width,
        "store",
        Span::raw(app.store_label.clone()),
    );

    if !s.claims.is_empty() {
        out.push(section(app, "Access token claims", width));
        for (k, v) in &s.claims {
            let text = match k.as_str() {
                "iat" | "exp" | "nbf" => claim_seconds(&s.claims, k)
                    .map(format_utc)
                    .unwrap_or_else(|| claim_text(v)),
                _ => claim_text(v),
            };
            kv(&mut out, app, width, k, Span::styled(text, Style::new()));
        }
    }
    out
}
