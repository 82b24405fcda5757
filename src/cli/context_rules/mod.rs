//! Context rules: a folder (and below), a git remote (host, owner, repository) or a kube context
//! stands for a profile. `$XDG_CONFIG_HOME/pancred/context.json`:
//!
//! ```json
//! {"rules": [
//!   {"dir": "~/work/acme", "profile": "acme"},
//!   {"git_remote": "github.com/acme", "profile": "acme"},
//!   {"kube_context": "prod", "profile": "prod"}
//! ]}
//! ```
//!
//! [`super::context::Context::selection`] asks [`choose`] when neither `--profile` nor
//! `PANCRED_PROFILE` names a profile, before the store's default. The file is the user's own:
//! one that another user may change is refused, as is one that does not parse (exit 2, naming
//! the file and the line). Reading it costs one small file, and the git configuration files
//! (the repository's, the user's, the system's, what they include) when a `git_remote` rule
//! needs the current folder's remote: no process is started.

mod gitconfig;
mod kube;
mod remote;

use crate::files::{not_users_own, read_regular, xdg_dir};
use crate::text::Safe;
use crate::Error;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The most the rules file may hold: a few hundred rules are a few kilobytes.
const MAX_RULES_FILE: u64 = 256 * 1024;

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// A folder and everything below it (`~` expanded).
    Dir(PathBuf),
    GitRemote(remote::Remote),
    KubeContext(String),
}

/// One rule, with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub pattern: Pattern,
    /// `dir`, `git_remote` or `kube_context`.
    pub kind: &'static str,
    /// The pattern as the file writes it.
    pub written: String,
    pub profile: String,
    /// 1 for the file's first rule.
    pub number: usize,
}

/// The rule that chose a profile, and the file it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub rule: Rule,
    pub file: PathBuf,
}

impl std::fmt::Display for Chosen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "rule {} ({} {}) of {}",
            self.rule.number,
            self.rule.kind,
            Safe(&self.rule.written),
            Safe(&self.file.display().to_string())
        )
    }
}

/// What the command knows of where it was asked from.
#[derive(Debug, Clone, Copy)]
pub enum Clue<'a> {
    /// The current folder, then its repository's remote (`token`, `exec`, `show`, ...).
    Here,
    /// git's request: its remote (`path` with `credential.useHttpPath`; else the current
    /// folder's remote when it is on the same host), then the current folder.
    Git {
        protocol: &'a str,
        host: &'a str,
        path: Option<&'a str>,
    },
    /// kubectl's plugin: the kubeconfig's current context, then as [`Clue::Here`].
    Kubectl { kubeconfig: Option<&'a Path> },
}

/// Where the rules are: `$XDG_CONFIG_HOME/pancred/context.json`.
pub fn file() -> Option<PathBuf> {
    Some(xdg_dir("XDG_CONFIG_HOME", ".config")?.join("pancred/context.json"))
}

/// The rule that picks a profile for `clue`, if any; an error for a rules file pancred must not
/// trust or cannot read.
pub fn choose(clue: Clue) -> Result<Option<Chosen>, Error> {
    let Some(path) = file() else {
        return Ok(None);
    };
    let rules = load(&path)?;
    if rules.is_empty() {
        return Ok(None);
    }
    let cwd = std::env::current_dir().ok();
    let folder_remote = || {
        rules
            .iter()
            .any(|r| matches!(r.pattern, Pattern::GitRemote(_)))
            .then(|| cwd.as_deref().and_then(remote::of_folder))
            .flatten()
    };
    let by_dir = || cwd.as_deref().and_then(|c| best_dir(&rules, c));
    let chosen = match clue {
        Clue::Here => by_dir().or_else(|| best_remote(&rules, folder_remote().as_ref())),
        Clue::Git {
            protocol,
            host,
            path,
        } => {
            let asked = remote::from_request(protocol, host, path);
            let target = match (&asked, path) {
                (Some(_), Some(_)) => asked.clone(),
                // Without the path, the folder's remote tells the owner, if it is this host.
                _ => folder_remote()
                    .filter(|f| {
                        asked
                            .as_ref()
                            .is_some_and(|a| a.host == f.host && a.port == f.port)
                    })
                    .or(asked),
            };
            best_remote(&rules, target.as_ref()).or_else(by_dir)
        }
        Clue::Kubectl { kubeconfig } => kube::current_context(kubeconfig)
            .and_then(|ctx| {
                rules
                    .iter()
                    .find(|r| r.pattern == Pattern::KubeContext(ctx.clone()))
            })
            .or_else(by_dir)
            .or_else(|| best_remote(&rules, folder_remote().as_ref())),
    };
    Ok(chosen.map(|rule| Chosen {
        rule: rule.clone(),
        file: path,
    }))
}

/// The `dir` rule of the deepest folder that holds `cwd`.
fn best_dir<'r>(rules: &'r [Rule], cwd: &Path) -> Option<&'r Rule> {
    rules
        .iter()
        .filter_map(|r| match &r.pattern {
            Pattern::Dir(d) => {
                // The folder as the system resolves it (the current folder has no links).
                let real = std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
                cwd.starts_with(&real)
                    .then(|| (real.components().count(), r))
            }
            _ => None,
        })
        // (The first of equals wins: `max_by_key` keeps the last.)
        .rev()
        .max_by_key(|(depth, _)| *depth)
        .map(|(_, r)| r)
}

/// The most specific `git_remote` rule that covers `target`.
fn best_remote<'r>(rules: &'r [Rule], target: Option<&remote::Remote>) -> Option<&'r Rule> {
    let target = target?;
    rules
        .iter()
        .filter_map(|r| match &r.pattern {
            Pattern::GitRemote(p) if p.covers(target) => Some((p.weight(), r)),
            _ => None,
        })
        .rev()
        .max_by_key(|(w, _)| *w)
        .map(|(_, r)| r)
}

/// The rules of the file at `path` (none when there is no file).
pub fn load(path: &Path) -> Result<Vec<Rule>, Error> {
    let shown = || path.display().to_string();
    let bad = |why: String| Error::Usage(format!("context rules {}: {why}", Safe(&shown())));
    let bytes = match read_regular(path, MAX_RULES_FILE) {
        Ok(Some(b)) => b,
        Ok(None) => return Ok(Vec::new()),
        Err(e) => return Err(Error::Usage(format!("context rules {e}"))),
    };
    if let Some(why) = std::fs::metadata(path)
        .ok()
        .and_then(|m| not_users_own(&m, 0o022))
    {
        return Err(bad(format!(
            "{why}; the rules decide which account's token is handed out, so pancred reads \
             them only from a file no one else can change (chmod 600 it)"
        )));
    }
    parse(path, &bytes)
}

/// The rules of `bytes`, the text of the file at `path` (named in errors).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Vec<Rule>, Error> {
    let doc: Doc = serde_json::from_slice(bytes).map_err(|e| {
        Error::Usage(format!(
            "context rules {}: {e}",
            Safe(&path.display().to_string())
        ))
    })?;
    Ok(doc
        .rules
        .into_iter()
        .enumerate()
        .map(|(i, Checked(mut r))| {
            r.number = i + 1;
            r
        })
        .collect())
}

/// The file's text for `rules` (each as written), which [`parse`] reads back.
pub fn text(rules: &[Rule]) -> String {
    let rules: Vec<serde_json::Value> = rules
        .iter()
        .map(|r| serde_json::json!({ r.kind: r.written, "profile": r.profile }))
        .collect();
    let doc = serde_json::json!({ "rules": rules });
    // (Values of JSON always serialize.)
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    rules: Vec<Checked>,
}

/// A rule as written; checked into a [`Rule`] while the file is parsed, so that an error names
/// its line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    dir: Option<String>,
    git_remote: Option<String>,
    kube_context: Option<String>,
    profile: String,
}

#[derive(Deserialize)]
#[serde(try_from = "Written")]
struct Checked(Rule);

impl TryFrom<Written> for Checked {
    type Error = String;

    fn try_from(w: Written) -> Result<Self, String> {
        crate::profile::name::check(&w.profile)?;
        let (kind, written, pattern) = match (w.dir, w.git_remote, w.kube_context) {
            (Some(d), None, None) => {
                let pattern = Pattern::Dir(folder(&d)?);
                ("dir", d, pattern)
            }
            (None, Some(g), None) => {
                let pattern = Pattern::GitRemote(remote::pattern(&g)?);
                ("git_remote", g, pattern)
            }
            (None, None, Some(k)) => ("kube_context", k.clone(), Pattern::KubeContext(k)),
            _ => {
                return Err(
                    "a rule has exactly one of dir, git_remote and kube_context, and a profile"
                        .into(),
                )
            }
        };
        if written.is_empty() || written.chars().any(crate::text::is_unsafe) {
            return Err(format!(
                "{kind} {:?} is empty or holds control characters",
                crate::text::safe(&written)
            ));
        }
        Ok(Checked(Rule {
            pattern,
            kind,
            written,
            profile: w.profile,
            number: 0,
        }))
    }
}

/// A rule's folder: absolute, or under `~/`.
fn folder(written: &str) -> Result<PathBuf, String> {
    let path = match written
        .strip_prefix("~/")
        .or((written == "~").then_some(""))
    {
        Some(rest) => crate::files::home_dir()
            .ok_or("`~` in a dir rule, and no home folder is known")?
            .join(rest),
        None => PathBuf::from(written),
    };
    if !path.is_absolute() {
        return Err(format!(
            "dir {:?} is not an absolute path (or one under ~/)",
            crate::text::safe(written)
        ));
    }
    Ok(path)
}

/// Every parser here on one input, for the crate's fuzzer: none may panic.
#[cfg(test)]
pub(crate) fn fuzz(input: &[u8]) {
    let lossy = String::from_utf8_lossy(input);
    if let Ok(rules) = parse(Path::new("context.json"), input) {
        let again = parse(Path::new("again.json"), text(&rules).as_bytes());
        assert_eq!(
            again.ok().as_ref(),
            Some(&rules),
            "a file written reads back the same"
        );
    }
    let _ = kube::from_text(&lossy);
    let _ = remote::from_url(&lossy);
    let _ = remote::pattern(&lossy);
    let _ = remote::from_request("https", &lossy, Some(&lossy));
    gitconfig::fuzz(&lossy);
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
