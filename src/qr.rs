//! QR codes drawn with Unicode half blocks, for a phone to read a verification URI off a terminal.

use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;

/// The QR code of `text` as lines of half blocks (light modules drawn, for dark terminals), with
/// its quiet zone; `None` when the text is too long for a QR code.
pub fn render(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_uri_becomes_a_square_of_blocks() {
        let qr = super::render("https://idp.example/device?user_code=WDJB-MJHT").unwrap();
        let lines: Vec<&str> = qr.lines().collect();
        let width = lines[0].chars().count();
        // Two modules per line: a square code is about twice as wide as it is tall.
        assert!(width >= 25 && lines.len() * 2 >= width && lines.len() * 2 <= width + 2);
        assert!(lines.iter().all(|l| l.chars().count() == width));
        assert!(super::render(&"x".repeat(10_000)).is_none());
    }
}
