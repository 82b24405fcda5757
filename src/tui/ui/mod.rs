//! Pure rendering: `render(&App, &mut Frame)` reads the state and draws; it changes nothing.

pub mod activity;
pub mod backdrop;
pub mod big_text;
pub mod detail;
pub mod device;
pub mod dialog;
pub mod form;
pub mod help;
pub mod inspect;
pub mod layout;
pub mod profiles;
pub mod status;
pub mod theme;

use super::app::{App, Mode};
use ratatui::Frame;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(app: &App) -> &'static str {
    SPINNER[app.spinner % SPINNER.len()]
}

pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let areas = layout::areas(
        area.width,
        area.height,
        layout::banner_height(app.banner.as_deref(), area.width),
    );
    status::header(app, frame, areas.header);
    if let Some(b) = &app.banner {
        status::banner(app, b, frame, areas.banner);
    }
    profiles::render(app, frame, &areas);
    let (detail, activity) = activity::split(app, areas.detail);
    detail::render(app, frame, detail);
    if let Some(pane) = activity {
        activity::render(app, frame, pane);
    }
    status::status_line(app, frame, areas.status);
    status::hints(app, frame, areas.hints);
    match &app.mode {
        Mode::Help { scroll } => help::render(app, *scroll, frame, area),
        Mode::Confirm(kind) => dialog::confirm(app, kind, frame, area),
        Mode::Input(input) => dialog::input(app, input, frame, area),
        Mode::Authorize(auth) => dialog::authorize(app, auth, frame, area),
        Mode::Form(form) => form::render(app, form, frame, area),
        Mode::Normal | Mode::Filter => {}
    }
}
