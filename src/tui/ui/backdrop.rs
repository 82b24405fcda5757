//! What lies under a dialog: every dialog dims the screen drawn so far and blanks the rows it
//! spans, edge to edge, so no cut-off pieces of the panes show beside its borders.

use crate::tui::app::App;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders, Clear};
use ratatui::Frame;

/// Clears the dialog's place over the dimmed screen and gives its frame: rounded, `border`
/// coloured, with `title`. Every dialog opens through here, so they all look alike.
pub fn open(
    app: &App,
    frame: &mut Frame,
    dialog: Rect,
    title: &str,
    border: Style,
) -> Block<'static> {
    under(app, frame, dialog);
    frame.render_widget(Clear, dialog);
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(border)
        .title(Span::styled(format!(" {title} "), app.theme.title()))
}

/// Call before drawing the dialog at `dialog`.
fn under(app: &App, frame: &mut Frame, dialog: Rect) {
    let area = frame.area();
    // Colours, highlights and emphasis go; what is left is faint (NO_COLOR: the DIM attribute).
    let faint = Style::reset().patch(app.theme.dim());
    for cell in frame.buffer_mut().content.iter_mut() {
        cell.set_style(faint);
    }
    let band = Rect::new(area.x, dialog.y, area.width, dialog.height).intersection(area);
    frame.render_widget(Clear, band);
}
