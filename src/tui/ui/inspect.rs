//! The inspection in the detail pane: the ID token's claims, userinfo and introspection, each
//! a section with its fields or a plain message. Every value came from a provider: escaped.

use super::detail::{kv, section};
use crate::engine::{Fields, Offered};
use crate::text::safe;
use crate::tui::app::App;
use crate::tui::inspect::Inspect;
use ratatui::text::{Line, Span};

pub fn lines(app: &App, i: &Inspect, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::with_capacity(40);
    part(
        app,
        &mut out,
        width,
        "ID token claims",
        Some(&Ok(i.id_token.clone())),
    );
    part(
        app,
        &mut out,
        width,
        "Userinfo (OpenID Connect)",
        i.userinfo.as_ref(),
    );
    part(
        app,
        &mut out,
        width,
        "Introspection (RFC 7662)",
        i.introspection.as_ref(),
    );
    out.push(Line::from(Span::styled(
        " I closes the inspection",
        app.theme.dim(),
    )));
    out
}

fn part(
    app: &App,
    out: &mut Vec<Line<'static>>,
    width: usize,
    title: &str,
    answer: Option<&Result<Offered<Fields>, String>>,
) {
    let t = &app.theme;
    out.push(section(app, title, width));
    // A message wraps between words, as values do.
    let note = |out: &mut Vec<Line<'static>>, text: String, style| {
        for piece in super::detail::wrap(&safe(&text), width.saturating_sub(2)) {
            out.push(Line::from(Span::styled(format!(" {piece}"), style)));
        }
    };
    match answer {
        None => note(
            out,
            format!("{} asking the provider…", super::spinner(app)),
            t.info(),
        ),
        Some(Err(e)) => note(out, format!("failed: {e}"), t.error()),
        Some(Ok(Offered::No(why))) => note(out, why.clone(), t.dim()),
        Some(Ok(Offered::Yes(fields))) if fields.is_empty() => {
            note(out, "the provider answered with no fields".into(), t.dim())
        }
        Some(Ok(Offered::Yes(fields))) => {
            for (k, v) in fields {
                kv(out, app, width, k, Span::raw(v.clone()));
            }
        }
    }
}
