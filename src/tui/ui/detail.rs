//! The selected profile in full: settings, secrets as `******` with presence, the access token's
//! claims and how much of its lifetime is used. A secret shows only when revealed.

use crate::clock::format_utc;
use crate::profile::fields;
use crate::secret::MASK;
use crate::text::safe;
use crate::tui::app::{App, Entry, SecretField};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use ratatui::Frame;

/// The label column: the usual labels fit; a longer one (`developer_token_url`) has its own row.
const LABEL: usize = 15;

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
        Span::styled(format!(" {} ", crate::text::cells(e.name())), t.title()),
        if e.summary.default {
            Span::styled("★ default ", t.default_mark())
        } else {
            Span::raw("")
        },
    ]);
    let inner_w = area.width.saturating_sub(2) as usize;
    let lines = match app.inspect.as_ref().filter(|i| i.profile == e.name()) {
        Some(i) => super::inspect::lines(app, i, inner_w),
        None => lines(app, e, inner_w),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block.title(title))
            .scroll((app.detail_scroll, 0)),
        area,
    );
}

/// One `label  value` row; a value too long for the pane continues under itself, not under the label.
/// Both come from the store or a token: escaped as the CLI escapes them.
pub(super) fn kv(
    out: &mut Vec<Line<'static>>,
    app: &App,
    width: usize,
    key: &str,
    value: Span<'static>,
) {
    let room = width.saturating_sub(LABEL + 2).max(8);
    let key = safe(key);
    let mut chunks = wrap(&safe(&value.content), room).into_iter();
    // A label wider than its column (`device_authorization_url`) has the row to itself, unless a
    // short value fits beside it.
    let long = cells_of(&key) > LABEL;
    let all: Vec<String> = chunks.clone().collect();
    if long && all.len() == 1 && cells_of(&key) + 3 + cells_of(&all[0]) <= width {
        chunks.next();
        out.push(Line::from(vec![
            Span::styled(format!(" {key} "), app.theme.label()),
            Span::styled(all[0].clone(), value.style),
        ]));
    } else if long {
        out.push(Line::styled(format!(" {key}"), app.theme.label()));
    } else {
        let first = chunks.next().unwrap_or_default();
        out.push(Line::from(vec![
            Span::styled(format!(" {key:<LABEL$} "), app.theme.label()),
            Span::styled(first, value.style),
        ]));
    }
    for rest in chunks {
        out.push(Line::from(vec![
            Span::raw(" ".repeat(LABEL + 2)),
            Span::styled(rest, value.style),
        ]));
    }
}

/// `text` in lines of at most `room` terminal cells, broken between words; a word longer than a
/// line (a URL, a token) is broken after its last `/`, `?`, `&`, `.`, `-`... that fits, else
/// where the line is full.
pub fn wrap(text: &str, room: usize) -> Vec<String> {
    let room = room.max(2);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let (used, w) = (cells_of(&line), cells_of(word));
        if used > 0 && used + 1 + w <= room {
            line.push(' ');
            line.push_str(word);
            continue;
        }
        if used > 0 {
            out.push(std::mem::take(&mut line));
        }
        let mut rest = word;
        while cells_of(rest) > room {
            let full = by_cells(rest, room).swap_remove(0).len();
            let soft = rest[..full]
                .rfind(|c| "/?&=.-_:,;".contains(c))
                .map(|i| i + 1)
                .filter(|&i| i > full / 2);
            let cut = soft.unwrap_or(full).max(1);
            out.push(rest[..cut].to_string());
            rest = &rest[cut..];
        }
        line.push_str(rest);
    }
    out.push(line);
    out
}

/// `text` cut into pieces of at most `room` terminal cells (a CJK character takes two), so a
/// continued value fills the pane's width and never overflows it.
pub fn by_cells(text: &str, room: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let room = room.max(2);
    let mut out = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(c);
        }
        used += w;
    }
    out
}

fn opt(app: &App, v: Option<&str>) -> Span<'static> {
    match v {
        Some(s) if !s.is_empty() => Span::raw(s.to_string()),
        _ => Span::styled(crate::summary::NOT_SET, app.theme.dim()),
    }
}

pub(super) fn section(app: &App, name: &str, width: usize) -> Line<'static> {
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
    let state = e.state(app.now, app.leeway);
    let mut out = Vec::with_capacity(40);
    // "expired 2m 19s ago", not "expired · expired 2m 19s ago": the state once.
    let left = e.summary.time_left_at(app.now);
    let token = match (s.has_access_token, left.starts_with(state.as_str())) {
        (false, _) => state.as_str().to_string(),
        (true, true) => left,
        (true, false) => format!("{} · {left}", state.as_str()),
    };
    kv(
        &mut out,
        app,
        width,
        "token",
        Span::styled(token, t.state(state)),
    );
    if let Some(b) = app.keep_fresh.waiting.get(e.name()) {
        let wait = b.next_at.saturating_sub(app.now);
        let next = if wait > 0 {
            format!("next try in {}", crate::clock::format_span(wait))
        } else {
            "trying again".into()
        };
        let text = format!("failed {}× ({}); {next}", b.failures, b.error);
        kv(
            &mut out,
            app,
            width,
            "keep fresh",
            Span::styled(text, t.error()),
        );
    } else if app.keep_fresh.on && !e.profile.keep_fresh {
        kv(
            &mut out,
            app,
            width,
            "keep fresh",
            Span::styled("off for this profile", t.dim()),
        );
    }
    if let Some(exp) = s.expires_at {
        kv(&mut out, app, width, "expires", Span::raw(format_utc(exp)));
    }
    if let Some(b) = s.token_binding {
        kv(&mut out, app, width, "bound to", Span::raw(b.describe()));
    }
    if let Some(used) = s.lifetime_used(app.now) {
        let bar_w = width.saturating_sub(LABEL + 8).clamp(4, 30);
        out.push(Line::from(vec![
            Span::styled(format!(" {:<LABEL$} ", "lifetime used"), t.label()),
            Span::styled(gauge(used, bar_w), t.state(state)),
            Span::raw(format!(" {:>3.0}%", used * 100.0)),
        ]));
    }

    // The settings and secrets come from the one table of profile fields, in its order: the
    // client's credentials first, then where and how to reach the provider.
    let shown: Vec<_> = fields::shown_fields(&e.profile).collect();
    let (client, endpoints): (Vec<&fields::FieldSpec>, Vec<_>) = shown
        .into_iter()
        .partition(|f| f.is_secret() || f.name == "client_id");
    out.push(section(app, "Client", width));
    for f in client {
        let value = if f.is_secret() {
            let revealed = SecretField::from_name(f.name).is_some_and(|s| app.revealed == Some(s));
            match (e.profile.secret(f.name), revealed) {
                (Some(secret), true) => Span::styled(secret.expose().to_string(), t.revealed()),
                (Some(_), false) => Span::raw(MASK),
                (None, _) => Span::styled(crate::summary::NOT_SET, t.dim()),
            }
        } else {
            opt(app, e.profile.setting_text(f.name).as_deref())
        };
        kv(&mut out, app, width, f.name, value);
    }
    out.push(section(app, "Endpoints", width));
    for f in endpoints {
        let text = e.profile.setting_text(f.name);
        kv(&mut out, app, width, f.name, opt(app, text.as_deref()));
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
        for k in s.claims.keys() {
            let text = crate::jwt::claim_display(&s.claims, k);
            kv(&mut out, app, width, k, Span::styled(text, Style::new()));
        }
    }
    out
}

/// Terminal cells `text` takes.
fn cells_of(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}
