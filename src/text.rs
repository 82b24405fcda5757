//! Text from outside (files, providers, tokens, redirects) made safe for a terminal.
//!
//! A profile name, a client id, a JWT claim or a provider's `error_description` may hold escape
//! sequences: OSC 52 writes to the clipboard, `ESC[2J` clears the screen, a newline forges a row of
//! `pancred list`. Every such string goes through [`safe`] (or [`Safe`] in a format string) before
//! the CLI or the TUI shows it: control characters, and the bidirectional overrides that reorder
//! what a reader sees, are shown escaped (`\e`, `\n`, `\u{202e}`), never sent raw. JSON output is
//! serialized by serde and needs none of this: its strings are escaped by JSON itself.

use std::borrow::Cow;
use std::fmt;

/// Whether `c` must not reach a terminal raw.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            // Bidirectional embeddings, overrides and isolates; line and paragraph separators.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}'
            | '\u{061c}' | '\u{2028}' | '\u{2029}')
}

/// `text` with every unsafe character escaped; borrowed when there is none.
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text, false);
    Cow::Owned(out)
}

/// Like [`safe`], but newlines are kept: for messages that pancred itself lays out on several
/// lines (an error with advice under it). Text from outside embedded in them is escaped already.
pub fn safe_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text, true);
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, text: &str, keep_newlines: bool) {
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            c if !is_unsafe(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
}

/// [`safe`] text laid out in cells the same way by every terminal: a table cell's width must be
/// what the terminal draws, or a row spills into the pane beside it. Emoji joined by ZWJ, skin
/// tones and variation selectors are drawn as one glyph by some terminals and as several by
/// others, so they are shown as their parts (the joiners and modifiers dropped), and a flag's
/// regional indicators as the two letters they stand for (`🇫🇷` is shown `FR`).
pub fn cells(text: &str) -> Cow<'_, str> {
    let text = safe(text);
    let unstable = |c: char| matches!(c, '\u{200d}' | '\u{fe0e}' | '\u{fe0f}' | '\u{1f3fb}'..='\u{1f3ff}' | '\u{1f1e6}'..='\u{1f1ff}');
    if !text.chars().any(unstable) {
        return text;
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\u{1f1e6}'..='\u{1f1ff}' => char::from_u32(c as u32 - 0x1f1e6 + u32::from(b'A')),
                c if unstable(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// `format!("{}", Safe(name))`: the same as [`safe`], without an allocation when clean.
pub struct Safe<'a>(pub &'a str);

impl fmt::Display for Safe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&safe(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        let cases = [
            ("plain ünïcode 名前", "plain ünïcode 名前"),
            ("a\nb", "a\\nb"),
            ("\u{1b}]52;c;aGk=\u{7}", "\\e]52;c;aGk=\\x07"),
            ("\u{1b}[2J", "\\e[2J"),
            ("tab\there\r", "tab\\there\\r"),
            ("c1 \u{9b}31m", "c1 \\x9b31m"),
            ("del\u{7f}", "del\\x7f"),
            ("evil\u{202e}txt.exe", "evil\\u{202e}txt.exe"),
        ];
        for (raw, shown) in cases {
            assert_eq!(safe(raw), shown, "{raw:?}");
            assert!(!safe(raw).chars().any(is_unsafe));
        }
        assert!(matches!(safe("clean"), Cow::Borrowed(_)));
        assert_eq!(format!("[{:<6}]", Safe("a\tb")), "[a\\tb  ]");
    }

    #[test]
    fn safe_lines_keeps_only_newlines() {
        assert_eq!(safe_lines("one\ntwo\u{1b}[2J"), "one\ntwo\\e[2J");
        assert_eq!(safe_lines("x\r\n"), "x\\r\n");
    }

    #[test]
    fn cells_are_the_same_in_every_terminal() {
        assert_eq!(cells("lab"), "lab");
        assert_eq!(cells("team-\u{1f1eb}\u{1f1f7}"), "team-FR");
        assert_eq!(
            cells("\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}"),
            "\u{1f468}\u{1f469}\u{1f467}"
        );
        assert_eq!(
            cells("ok\u{1f44d}\u{1f3fd}\u{2764}\u{fe0f}"),
            "ok\u{1f44d}\u{2764}"
        );
        assert_eq!(cells("a\u{1b}[2J"), "a\\e[2J");
    }
}

/// `pancred --profile NAME SUB`, the name quoted for a shell when it needs it: advice names the
/// profile it is about, whatever the default is (following it must not act on another one).
pub fn pancred_command(profile: &str, sub: &str) -> String {
    let plain = !profile.is_empty()
        && profile
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-+@:".contains(&b));
    let name = if plain {
        profile.to_string()
    } else {
        format!("'{}'", profile.replace('\'', "'\\''"))
    };
    format!("pancred --profile {} {sub}", Safe(&name))
}

/// `1 profile`, `2 profiles`: a count with its noun (regular plurals only).
pub fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

#[cfg(test)]
mod command_tests {
    #[test]
    fn advice_names_the_profile_quoted_for_a_shell() {
        use super::pancred_command as c;
        assert_eq!(c("lab", "login"), "pancred --profile lab login");
        assert_eq!(c("my lab", "remove"), "pancred --profile 'my lab' remove");
        assert_eq!(super::count(1, "profile"), "1 profile");
        assert_eq!(super::count(0, "problem"), "0 problems");
    }
}
