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
    let note = |text: String, style| Line::from(Span::styled(format!(" {}", safe(&text)), style));
    match answer {
        None => out.push(note(
            format!("{} asking the provider…", super::spinner(app)),
            t.info(),
        )),
        Some(Err(e)) => out.push(note(format!("failed: {e}"), t.error())),
        Some(Ok(Offered::No(why))) => out.push(note(why.clone(), t.dim())),
        Some(Ok(Offered::Yes(fields))) if fields.is_empty() => {
            out.push(note("the provider answered with no fields".into(), t.dim()))
        }
        Some(Ok(Offered::Yes(fields))) => {
            for (k, v) in fields {
                kv(out, app, width, k, Span::raw(v.clone()));
            }
        }
    }
}
