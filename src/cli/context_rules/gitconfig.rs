//! A repository's git configuration as git reads it, from its files, without running git: the
//! system file, the user's (`$XDG_CONFIG_HOME/git/config`, `~/.gitconfig`), then the
//! repository's own, each with the files it includes (`[include] path`, and `[includeIf
//! "gitdir:..."]` / `"gitdir/i:..."` when the repository matches). Later values win, as in git.
//! Used for the current folder's remote and its `url.<base>.insteadOf` rewrites, so a context
//! rule sees the URL git itself would fetch from.

use crate::files::read_regular;
use std::path::{Path, PathBuf};

/// The most a config file may hold for pancred to read it here.
const MAX_GIT_CONFIG: u64 = 1024 * 1024;
/// How deep includes may nest (git's own limit).
const MAX_DEPTH: usize = 10;

/// One `key = value`: section and key in lowercase (as git compares them), the subsection as
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    pub section: String,
    pub sub: String,
    pub key: String,
    pub value: String,
}

#[derive(Debug, Default)]
pub(super) struct GitConfig {
    entries: Vec<Entry>,
}

impl GitConfig {
    /// The configuration of the repository whose own folder is `git_dir` (its `config` in
    /// `common_dir`).
    pub(super) fn of_repo(git_dir: &Path, common_dir: &Path) -> GitConfig {
        let mut config = GitConfig::default();
        let home = crate::files::dirs::home_dir();
        let mut files = vec![PathBuf::from("/etc/gitconfig")];
        files.extend(
            crate::files::dirs::xdg_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("git/config")),
        );
        files.extend(home.as_ref().map(|h| h.join(".gitconfig")));
        files.push(common_dir.join("config"));
        for file in files {
            config.read(&file, git_dir, home.as_deref(), 0);
        }
        config
    }

    /// The last value of `section.sub.key`.
    pub(super) fn get(&self, section: &str, sub: &str, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.section == section && e.sub == sub && e.key == key)
            .map(|e| e.value.as_str())
    }

    pub(super) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// `url` after git's `url.<base>.insteadOf` rewrite: the longest matching prefix is replaced
    /// by its base.
    pub(super) fn rewrite(&self, url: &str) -> String {
        let best = self
            .entries
            .iter()
            .filter(|e| e.section == "url" && e.key == "insteadof" && url.starts_with(&e.value))
            .max_by_key(|e| e.value.len());
        match best {
            Some(e) => format!("{}{}", e.sub, &url[e.value.len()..]),
            None => url.to_string(),
        }
    }

    fn read(&mut self, file: &Path, git_dir: &Path, home: Option<&Path>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(text) = read_text(file) else {
            return;
        };
        for entry in entries(&text) {
            let include = entry.key == "path"
                && (entry.section == "include"
                    || (entry.section == "includeif" && applies(&entry.sub, file, git_dir, home)));
            if include {
                if let Some(path) = included(&entry.value, file, home) {
                    self.read(&path, git_dir, home, depth + 1);
                }
                continue;
            }
            self.entries.push(entry);
        }
    }
}

pub(super) fn read_text(path: &Path) -> Option<String> {
    let bytes = read_regular(path, MAX_GIT_CONFIG).ok()??;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// An include's path: `~/` is the home folder, a relative path is the including file's folder's.
fn included(path: &str, from: &Path, home: Option<&Path>) -> Option<PathBuf> {
    if path.is_empty() {
        return None;
    }
    if let Some(rest) = path.strip_prefix("~/") {
        return Some(home?.join(rest));
    }
    let p = PathBuf::from(path);
    Some(match p.is_absolute() {
        true => p,
        false => from.parent()?.join(p),
    })
}

/// Whether an `[includeIf "CONDITION"]` holds for the repository at `git_dir`: `gitdir:` and
/// `gitdir/i:` (case-insensitive) patterns, as git's documentation defines them; other
/// conditions (`onbranch:`, `hasconfig:`) are not read and never hold here.
fn applies(condition: &str, file: &Path, git_dir: &Path, home: Option<&Path>) -> bool {
    let (pattern, fold) = match condition.split_once(':') {
        Some(("gitdir", p)) => (p, false),
        Some(("gitdir/i", p)) => (p, true),
        _ => return false,
    };
    let mut pattern = if let Some(rest) = pattern.strip_prefix("~/") {
        match home {
            Some(h) => format!("{}/{rest}", h.display()),
            None => return false,
        }
    } else if let Some(rest) = pattern.strip_prefix("./") {
        match file.parent() {
            Some(dir) => format!("{}/{rest}", dir.display()),
            None => return false,
        }
    } else if pattern.starts_with('/') {
        pattern.to_string()
    } else {
        format!("**/{pattern}")
    };
    if pattern.ends_with('/') {
        pattern.push_str("**");
    }
    let dir = git_dir.display().to_string();
    let dir = dir.trim_end_matches('/');
    match fold {
        true => glob(&pattern.to_lowercase(), &dir.to_lowercase()),
        false => glob(&pattern, dir),
    }
}

/// The longest `includeIf` pattern and repository path compared (the match recurses once per
/// byte); longer ones never match.
const MAX_PATTERN: usize = 1024;

/// A path glob: `*` and `?` within one segment, `**` across segments. Each (pattern, text)
/// position is decided once, so any pattern costs at most the product of the two lengths.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    if p.len() > MAX_PATTERN || t.len() > MAX_PATTERN {
        return false;
    }
    let mut memo = vec![None; (p.len() + 1) * (t.len() + 1)];
    go(p, t, 0, 0, &mut memo)
}

fn go(p: &[u8], t: &[u8], i: usize, j: usize, memo: &mut [Option<bool>]) -> bool {
    let at = i * (t.len() + 1) + j;
    if let Some(known) = memo[at] {
        return known;
    }
    let answer = match &p[i..] {
        [] => j == t.len(),
        // Zero or more whole segments.
        [b'*', b'*', b'/', ..] => {
            go(p, t, i + 3, j, memo)
                || (j..t.len()).any(|k| t[k] == b'/' && go(p, t, i + 3, k + 1, memo))
        }
        [b'*', b'*', ..] => (j..=t.len()).any(|k| go(p, t, i + 2, k, memo)),
        [b'*', ..] => (j..=t.len())
            .take_while(|&k| k == j || t[k - 1] != b'/')
            .any(|k| go(p, t, i + 1, k, memo)),
        [b'?', ..] => j < t.len() && t[j] != b'/' && go(p, t, i + 1, j + 1, memo),
        [c, ..] => j < t.len() && t[j] == *c && go(p, t, i + 1, j + 1, memo),
    };
    memo[at] = Some(answer);
    answer
}

/// Every `key = value` of a git config file, in order.
fn entries(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let (mut section, mut sub) = (String::new(), String::new());
    for line in text.lines() {
        let line = line.trim();
        if let Some(head) = line.strip_prefix('[') {
            let Some((head, _)) = head.split_once(']') else {
                continue;
            };
            match head.split_once(char::is_whitespace) {
                Some((s, rest)) => {
                    section = s.to_ascii_lowercase();
                    sub = rest.trim().trim_matches('"').replace("\\\"", "\"");
                }
                None => match head.split_once('.') {
                    // The old `[section.sub]` form.
                    Some((s, b)) => (section, sub) = (s.to_ascii_lowercase(), b.to_string()),
                    None => (section, sub) = (head.to_ascii_lowercase(), String::new()),
                },
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        out.push(Entry {
            section: section.clone(),
            sub: sub.clone(),
            key: key.trim().to_ascii_lowercase(),
            value: value_of(value),
        });
    }
    out
}

/// The config reader on any text, for the crate's fuzzer.
#[cfg(test)]
pub(super) fn fuzz(text: &str) {
    let _ = entries(text);
    let _ = glob(text, text);
}

/// A config value: quotes removed, a comment after it dropped.
fn value_of(raw: &str) -> String {
    let (mut out, mut quoted, mut chars) = (String::new(), false, raw.trim().chars());
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' => out.extend(chars.next()),
            '#' | ';' if !quoted => break,
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_as_git_matches_gitdir_patterns() {
        assert!(glob("/home/u/work/**", "/home/u/work/acme/tool/.git"));
        assert!(!glob("/home/u/work/**", "/home/u/workshop/x/.git"));
        assert!(glob("**/acme/**", "/srv/acme/tool/.git"));
        assert!(glob("/a/*/.git", "/a/b/.git"));
        assert!(!glob("/a/*/.git", "/a/b/c/.git"));
        assert!(glob("/a/**/.git", "/a/.git"));
        assert!(glob("/a/?/.git", "/a/b/.git"));
    }

    #[test]
    fn a_pattern_of_many_stars_costs_no_more_than_its_length_times_the_paths() {
        let stars = "*".repeat(100);
        let path = format!("/{}", "a/".repeat(200));
        let started = std::time::Instant::now();
        assert!(!glob(&format!("{stars}x"), &path));
        assert!(!glob(&format!("{}x", "**/".repeat(50)), &path));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn the_longest_insteadof_wins() {
        let c = GitConfig {
            entries: entries(
                "[url \"https://github.com/\"]\n\tinsteadOf = gh:\n\
                 [url \"ssh://git@github.com/acme/\"]\n\tinsteadOf = gh:acme/\n",
            ),
        };
        assert_eq!(c.rewrite("gh:other/r"), "https://github.com/other/r");
        assert_eq!(c.rewrite("gh:acme/r"), "ssh://git@github.com/acme/r");
        assert_eq!(c.rewrite("https://x/r"), "https://x/r");
    }
}
