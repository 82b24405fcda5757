//! Large letters for a device login's user code, readable from across a desk: a 5x5 font drawn
//! with half blocks, two pixel rows per terminal line, so each letter is about square.

/// Each glyph's five rows, `#` for ink.
const FONT: &[(char, [&str; 5])] = &[
    ('A', [".###.", "#...#", "#####", "#...#", "#...#"]),
    ('B', ["####.", "#...#", "####.", "#...#", "####."]),
    ('C', [".####", "#....", "#....", "#....", ".####"]),
    ('D', ["####.", "#...#", "#...#", "#...#", "####."]),
    ('E', ["#####", "#....", "####.", "#....", "#####"]),
    ('F', ["#####", "#....", "####.", "#....", "#...."]),
    ('G', [".####", "#....", "#..##", "#...#", ".####"]),
    ('H', ["#...#", "#...#", "#####", "#...#", "#...#"]),
    ('I', ["#####", "..#..", "..#..", "..#..", "#####"]),
    ('J', ["..###", "...#.", "...#.", "#..#.", ".##.."]),
    ('K', ["#...#", "#..#.", "###..", "#..#.", "#...#"]),
    ('L', ["#....", "#....", "#....", "#....", "#####"]),
    ('M', ["#...#", "##.##", "#.#.#", "#...#", "#...#"]),
    ('N', ["#...#", "##..#", "#.#.#", "#..##", "#...#"]),
    ('O', [".###.", "#...#", "#...#", "#...#", ".###."]),
    ('P', ["####.", "#...#", "####.", "#....", "#...."]),
    ('Q', [".###.", "#...#", "#.#.#", "#..#.", ".##.#"]),
    ('R', ["####.", "#...#", "####.", "#..#.", "#...#"]),
    ('S', [".####", "#....", ".###.", "....#", "####."]),
    ('T', ["#####", "..#..", "..#..", "..#..", "..#.."]),
    ('U', ["#...#", "#...#", "#...#", "#...#", ".###."]),
    ('V', ["#...#", "#...#", "#...#", ".#.#.", "..#.."]),
    ('W', ["#...#", "#...#", "#.#.#", "##.##", "#...#"]),
    ('X', ["#...#", ".#.#.", "..#..", ".#.#.", "#...#"]),
    ('Y', ["#...#", ".#.#.", "..#..", "..#..", "..#.."]),
    ('Z', ["#####", "...#.", "..#..", ".#...", "#####"]),
    ('0', [".###.", "#..##", "#.#.#", "##..#", ".###."]),
    ('1', ["..#..", ".##..", "..#..", "..#..", ".###."]),
    ('2', [".###.", "#...#", "..##.", ".#...", "#####"]),
    ('3', ["####.", "....#", ".###.", "....#", "####."]),
    ('4', ["#..#.", "#..#.", "#####", "...#.", "...#."]),
    ('5', ["#####", "#....", "####.", "....#", "####."]),
    ('6', [".###.", "#....", "####.", "#...#", ".###."]),
    ('7', ["#####", "....#", "...#.", "..#..", "..#.."]),
    ('8', [".###.", "#...#", ".###.", "#...#", ".###."]),
    ('9', [".###.", "#...#", ".####", "....#", ".###."]),
    ('-', [".....", ".....", ".###.", ".....", "....."]),
    (' ', [".....", ".....", ".....", ".....", "....."]),
];

/// Lines the big text takes.
pub const HEIGHT: u16 = 3;

/// Columns `text` takes in big letters (one column between letters).
pub fn width(text: &str) -> usize {
    let n = text.chars().count();
    (n * 6).saturating_sub(1)
}

/// `text` in big letters, or `None` when a character has no glyph (the caller shows the text
/// as it is: a code is never shown changed, e.g. lower case made upper).
pub fn render(text: &str) -> Option<[String; HEIGHT as usize]> {
    let glyphs: Vec<&[&str; 5]> = text
        .chars()
        .map(|c| FONT.iter().find(|(g, _)| *g == c).map(|(_, rows)| rows))
        .collect::<Option<_>>()?;
    let ink = |rows: &[&str; 5], row: usize, col: usize| {
        rows.get(row)
            .and_then(|r| r.as_bytes().get(col))
            .is_some_and(|b| *b == b'#')
    };
    let mut out: [String; HEIGHT as usize] = Default::default();
    for (line, text) in out.iter_mut().enumerate() {
        for (i, rows) in glyphs.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            for col in 0..5 {
                let (top, bottom) = (ink(rows, line * 2, col), ink(rows, line * 2 + 1, col));
                text.push(match (top, bottom) {
                    (true, true) => '█',
                    (true, false) => '▀',
                    (false, true) => '▄',
                    (false, false) => ' ',
                });
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_in_big_letters() {
        let big = render("WDJB-MJHT").unwrap();
        assert!(big.iter().all(|l| l.chars().count() == width("WDJB-MJHT")));
        assert_eq!(big[0].chars().take(5).collect::<String>(), "█   █");
        // Every glyph is five wide and five high.
        assert!(FONT
            .iter()
            .all(|(_, rows)| rows.iter().all(|r| r.len() == 5)));
        assert!(render("wdjb").is_none(), "lower case is shown as given");
        assert!(render("A\u{1b}").is_none());
    }
}
