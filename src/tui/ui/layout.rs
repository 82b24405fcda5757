//! Where everything goes on screen; shared by rendering and by mouse/page handling so both agree.

use ratatui::layout::{Constraint, Direction, Layout, Rect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub banner: Rect,
    /// The profile list, border included.
    pub list: Rect,
    /// The list's column-title row.
    pub list_header: Rect,
    /// The rows that show profiles.
    pub list_rows: Rect,
    pub detail: Rect,
    pub status: Rect,
    pub hints: Rect,
}

/// Side by side from this width; stacked below it.
pub const WIDE: u16 = 100;

/// Most lines the store banner takes; its text wraps at the window's width up to this.
pub const BANNER_LINES: u16 = 5;

/// The banner as shown: one paragraph (the CLI's line breaks and indents dropped), escaped.
pub fn banner_text(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    format!(" ⚠ {}", crate::text::safe_lines(&words.join(" ")))
}

/// The lines the banner needs at this width (0 without one), so its advice is never cut off:
/// greedy word wrapping, as the banner's paragraph wraps.
pub fn banner_height(text: Option<&str>, width: u16) -> u16 {
    let Some(text) = text else {
        return 0;
    };
    let wide = usize::from(width).max(1);
    let (mut lines, mut used) = (1usize, 0usize);
    for word in banner_text(text).split(' ') {
        let w = ratatui::text::Line::raw(word).width();
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= wide {
            used = need;
        } else {
            lines += 1 + w.saturating_sub(1) / wide;
            used = w % wide;
        }
    }
    u16::try_from(lines)
        .unwrap_or(u16::MAX)
        .clamp(1, BANNER_LINES)
}

pub fn areas(width: u16, height: u16, banner: u16) -> Areas {
    let full = Rect::new(0, 0, width, height);
    let [header, banner_area, main, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner),
        Constraint::Min(3),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(full);
    let direction = if width >= WIDE {
        Direction::Horizontal
    } else {
        Direction::Vertical
    };
    let split = if width >= WIDE { 55 } else { 50 };
    let [list, detail] = Layout::default()
        .direction(direction)
        .constraints([
            Constraint::Percentage(split),
            Constraint::Percentage(100 - split),
        ])
        .areas(main);
    let inner = Rect::new(
        list.x + 1,
        list.y + 1,
        list.width.saturating_sub(2),
        list.height.saturating_sub(2),
    );
    let list_header = Rect::new(inner.x, inner.y, inner.width, inner.height.min(1));
    let list_rows = Rect::new(
        inner.x,
        inner.y + list_header.height,
        inner.width,
        inner.height.saturating_sub(1),
    );
    Areas {
        header,
        banner: banner_area,
        list,
        list_header,
        list_rows,
        detail,
        status,
        hints,
    }
}

/// A centred box of at most `w` x `h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}
