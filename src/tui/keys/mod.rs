//! Every key binding in one table ([`rows`]): the key map ([`action`]), the help screen,
//! the key hints under the screen ([`hints`]) and the README's key table all read it, so a key
//! cannot do one thing and be documented as another.

// The macro first: the tables below use it.
#[rustfmt::skip]
/// A struct literal, so that the bindings' slice lives as long as the table; `readme:` when the
/// README says more than the help screen has room for.
macro_rules! row {
    ($contexts:expr, $section:expr, [$($bind:expr),+ $(,)?], $help:expr, $hints:expr $(, readme: $readme:expr)? $(,)?) => {
        Row {
            contexts: $contexts,
            section: $section,
            binds: &[$($bind),+],
            help: $help,
            readme: row!(@readme $($readme)?),
            hints: $hints,
        }
    };
    (@readme) => { "" };
    (@readme $readme:expr) => { $readme };
}

mod dialogs;
mod screen;

use super::action::Action;
use super::app::{App, Mode};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Which screen has the keyboard; `Any` rows work on every screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Any,
    Normal,
    Filter,
    Help,
    Confirm,
    Input,
    Form,
    Authorize,
}

impl Context {
    pub const SCREENS: [Context; 7] = [
        Context::Normal,
        Context::Filter,
        Context::Help,
        Context::Confirm,
        Context::Input,
        Context::Form,
        Context::Authorize,
    ];

    pub fn of(mode: &Mode) -> Self {
        match mode {
            Mode::Normal => Context::Normal,
            Mode::Filter => Context::Filter,
            Mode::Help { .. } => Context::Help,
            Mode::Confirm(_) => Context::Confirm,
            Mode::Input(_) => Context::Input,
            Mode::Form(_) => Context::Form,
            Mode::Authorize(_) => Context::Authorize,
        }
    }
}

/// One key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A character without Ctrl (Shift and Alt are not told apart: `G` is Shift+g).
    Char(char),
    Ctrl(char),
    Code(KeyCode),
    /// Any character without Ctrl, typed into a text field: the action is `Action::Char(it)`.
    Typed,
    /// Clicks and the wheel, mapped by `action::from_mouse`; listed so the help shows them.
    Mouse,
}

impl Key {
    fn matches(self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (self, key.code) {
            (Key::Char(c), KeyCode::Char(k)) => !ctrl && c == k,
            (Key::Ctrl(c), KeyCode::Char(k)) => ctrl && c == k,
            (Key::Typed, KeyCode::Char(_)) => !ctrl,
            (Key::Code(c), k) => c == k,
            _ => false,
        }
    }

    /// How help, hints and the README write the key.
    pub fn label(self) -> String {
        match self {
            Key::Char(' ') => "Space".into(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("^{c}"),
            Key::Typed => "type".into(),
            Key::Mouse => "mouse".into(),
            Key::Code(code) => match code {
                KeyCode::Up => "↑".into(),
                KeyCode::Down => "↓".into(),
                KeyCode::Left => "←".into(),
                KeyCode::Right => "→".into(),
                KeyCode::PageUp => "PgUp".into(),
                KeyCode::PageDown => "PgDn".into(),
                KeyCode::BackTab => "S-Tab".into(),
                KeyCode::Delete => "Delete".into(),
                KeyCode::F(n) => format!("F{n}"),
                other => other.to_string(),
            },
        }
    }
}

/// Keys and the action they ask for.
#[derive(Debug)]
pub struct Bind {
    pub keys: &'static [Key],
    pub action: Action,
}

/// When a hint shows under the screen (its context being the screen's is a given).
pub type When = fn(&App) -> bool;

#[derive(Debug)]
pub struct Hint {
    pub label: &'static str,
    pub when: When,
    /// The right-hand corner (help, quit) rather than the list on the left.
    pub right: bool,
    /// The place on the left, where it differs from the table's order (actions before views).
    pub order: u8,
}

/// One line of the help screen: one binding, or two shown together (previous / next).
#[derive(Debug)]
pub struct Row {
    pub contexts: &'static [Context],
    /// The heading it is listed under in the help screen.
    pub section: &'static str,
    pub binds: &'static [Bind],
    pub help: &'static str,
    /// The README's longer text; empty: the help text.
    pub readme: &'static str,
    pub hints: &'static [Hint],
}

impl Row {
    pub fn applies(&self, ctx: Context) -> bool {
        self.contexts.contains(&ctx)
    }

    /// `↑ ↓  k j`: the first keys of each binding, then the second ones, and so on.
    pub fn keys_label(&self) -> String {
        let slots = self.binds.iter().map(|b| b.keys.len()).max().unwrap_or(0);
        (0..slots)
            .map(|i| {
                self.binds
                    .iter()
                    .filter_map(|b| b.keys.get(i))
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("  ")
    }

    /// `↑↓`, `a`: the first key of each binding, as the hints show it.
    pub fn hint_keys(&self) -> String {
        self.binds
            .iter()
            .filter_map(|b| b.keys.first())
            .map(|k| k.label())
            .collect()
    }

    pub fn readme_text(&self) -> &'static str {
        if self.readme.is_empty() {
            self.help
        } else {
            self.readme
        }
    }
}

/// Every row: the main screen's, then the dialogs'.
pub fn rows() -> impl Iterator<Item = &'static Row> {
    screen::ROWS.iter().chain(dialogs::ROWS)
}

const fn b(keys: &'static [Key], action: Action) -> Bind {
    Bind { keys, action }
}

const fn hint(label: &'static str, when: When) -> Hint {
    Hint {
        label,
        when,
        right: false,
        order: 0,
    }
}

const fn ranked(order: u8, label: &'static str, when: When) -> Hint {
    Hint {
        label,
        when,
        right: false,
        order,
    }
}
const fn corner(label: &'static str) -> Hint {
    Hint {
        label,
        when: always,
        right: true,
        order: 0,
    }
}

fn always(_: &App) -> bool {
    true
}

/// Keys that act on the selected profile are hinted only when one is.
fn selected(app: &App) -> bool {
    app.selected_entry().is_some()
}

/// The action a key asks for on this screen: keys that work everywhere first, then the screen's.
pub fn action(key: &KeyEvent, ctx: Context) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    [Context::Any, ctx].into_iter().find_map(|c| {
        rows()
            .filter(|r| r.applies(c))
            .flat_map(|r| r.binds)
            .find_map(|b| {
                let k = b.keys.iter().find(|k| k.matches(key))?;
                Some(match (k, key.code) {
                    (Key::Typed, KeyCode::Char(c)) => Action::Char(c),
                    _ => b.action.clone(),
                })
            })
    })
}

/// A hint as shown: the keys (`↑↓`, `^o`) and what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub keys: String,
    pub what: &'static str,
    /// In the right-hand corner (help, quit) rather than the list on the left.
    pub right: bool,
}

/// The hints for the screen as it is now, in the order they are shown.
pub fn hints(app: &App) -> Vec<Shown> {
    let ctx = Context::of(&app.mode);
    let mut out: Vec<(u8, Shown)> = Vec::new();
    let mut hinted: Vec<&Action> = Vec::new();
    for c in [ctx, Context::Any] {
        for row in rows().filter(|r| r.applies(c)) {
            // A key for every screen is not hinted where the screen has its own for that action.
            if c == Context::Any && row.binds.iter().all(|b| hinted.contains(&&b.action)) {
                continue;
            }
            for hint in row.hints.iter().filter(|h| (h.when)(app)) {
                hinted.extend(row.binds.iter().map(|b| &b.action));
                let shown = Shown {
                    keys: row.hint_keys(),
                    what: hint.label,
                    right: hint.right,
                };
                out.push((hint.order, shown));
            }
        }
    }
    out.sort_by_key(|(order, _)| *order);
    out.into_iter().map(|(_, s)| s).collect()
}

/// The first key bound to `action` on the main screen, for text that names it.
pub fn on_main(action: &Action) -> String {
    key_for(Context::Normal, action)
}

/// The first key bound to `action` on a screen, for text that names it (`? help`).
pub fn key_for(ctx: Context, action: &Action) -> String {
    rows()
        .filter(|r| r.applies(ctx))
        .flat_map(|r| r.binds)
        .find(|b| b.action == *action)
        .and_then(|b| b.keys.first())
        .map_or_else(String::new, |k| k.label())
}

/// The README's key table, in Markdown, from the same rows as the help screen.
pub fn readme_table() -> String {
    let mut out = String::from("| where | keys | does |\n| --- | --- | --- |\n");
    for row in rows() {
        let keys = row.keys_label().replace("  ", " / ").replace('|', "\\|");
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            row.section,
            keys,
            row.readme_text()
        ));
    }
    out
}
