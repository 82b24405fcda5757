//! A quick reading of the command lines that run most often: `token`, `git-credential OP`,
//! `kubectl-credential` and `exec [--env NAME]... -- CMD...`, with the plain global flags
//! (`--profile`, `--store`, `--credentials-file`, `--redis-url`, `--sqlite-path`,
//! `--memcached-url`, `--leeway`).
//!
//! kubectl and git start pancred for every request, and building clap's whole command tree
//! costs more than answering a cached token. This reader produces the very [`Cli`] that clap
//! would, or `None` for anything it does not know for sure (help, any other flag or command, a
//! repeated flag, a value that looks like a flag, an empty or non-UTF-8 value...), and clap then
//! reads the line as it always did, errors and all. It is not a second grammar: [`OPTIONS`] and
//! [`LEFT_TO_CLAP`] are checked against clap's own definition of these commands (names, values,
//! defaults, `global`), so an option added to clap and not here fails a test. Neither reads the
//! environment: the settings come from [`crate::env`].

use super::args::{Cli, Command, GlobalArgs};
use crate::store::StoreKind;
use std::ffi::OsString;
use std::path::PathBuf;

/// The commands the quick reader reads.
pub const COMMANDS: &[&str] = &["token", "git-credential", "kubectl-credential", "exec"];

/// Where an option may stand: anywhere (a global option), or after its command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    Of(&'static str),
}

/// An option the quick reader takes: its long name, where, whether it takes a value, and the
/// value clap gives it when it is absent.
#[derive(Debug, Clone, Copy)]
pub struct Opt {
    pub long: &'static str,
    pub scope: Scope,
    pub takes_value: bool,
    #[allow(dead_code)] // (held to clap's default by the tests)
    pub default: Option<&'static str>,
}

const fn opt(long: &'static str, scope: Scope, takes_value: bool) -> Opt {
    Opt {
        long,
        scope,
        takes_value,
        default: None,
    }
}

/// Every option the quick reader takes.
pub const OPTIONS: &[Opt] = &[
    opt("profile", Scope::Global, true),
    opt("store", Scope::Global, true),
    opt("credentials-file", Scope::Global, true),
    opt("redis-url", Scope::Global, true),
    opt("sqlite-path", Scope::Global, true),
    opt("memcached-url", Scope::Global, true),
    Opt {
        default: Some(LEEWAY_DEFAULT),
        ..opt("leeway", Scope::Global, true)
    },
    Opt {
        default: Some("auto"),
        ..opt("login", Scope::Global, true)
    },
    opt("no-refresh", Scope::Of("token"), false),
    Opt {
        default: Some(super::git_credential::DEFAULT_USERNAME),
        ..opt("username", Scope::Of("git-credential"), true)
    },
    opt("env", Scope::Of("exec"), true),
];

/// clap's default for `--leeway`, as text (checked against clap's in a test).
const LEEWAY_DEFAULT: &str = "60";

/// The options of these commands that the quick reader leaves to clap: a line with one of them
/// runs the whole program. (The tests hold this list and [`OPTIONS`] to clap's definition.)
#[allow(dead_code)]
pub const LEFT_TO_CLAP: &[&str] = &[
    "help",
    "version",
    "keep-fresh",
    "client-id",
    "client-secret-file",
    "refresh-token-file",
    "access-token-file",
    "developer-token-file",
    "exec-info",
    "serve",
    "token-file",
];

/// The option `name` where `command` (if any) has been read.
fn option(name: &str, command: Option<&str>) -> Option<&'static Opt> {
    OPTIONS.iter().find(|o| {
        o.long == name
            && match o.scope {
                Scope::Global => true,
                Scope::Of(c) => command == Some(c),
            }
    })
}

/// The command line (without the program name), when it is one of the simple forms.
pub fn parse(args: &[OsString]) -> Option<Cli> {
    let mut g = Seen::default();
    let mut command: Option<&str> = None;
    let mut operation: Option<String> = None;
    let mut no_refresh = false;
    let mut username: Option<String> = None;
    let mut exec_env: Vec<String> = Vec::new();
    let mut exec_command: Option<Vec<OsString>> = None;
    let mut i = 0;
    while i < args.len() {
        // Everything after exec's `--` is the command's, as it is.
        if command == Some("exec") && args[i] == "--" {
            exec_command = Some(args[i + 1..].to_vec());
            break;
        }
        let arg = args[i].to_str()?;
        i += 1;
        let Some(flag) = arg.strip_prefix("--") else {
            match (command, &operation) {
                // Anything else clap may read as an abbreviation, an alias or an error.
                (None, _) if !arg.starts_with('-') => {
                    command = Some(COMMANDS.iter().copied().find(|c| *c == arg)?)
                }
                (Some("git-credential"), None) if !arg.starts_with('-') => {
                    operation = Some(arg.to_string())
                }
                _ => return None,
            }
            continue;
        };
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (flag, None),
        };
        let known = option(name, command)?;
        if !known.takes_value {
            if name != "no-refresh" || inline.is_some() || no_refresh {
                return None;
            }
            no_refresh = true;
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => {
                let v = args.get(i)?.to_str()?;
                i += 1;
                v
            }
        };
        if value.is_empty() || value.starts_with('-') {
            return None;
        }
        match name {
            "username" if command == Some("git-credential") && username.is_none() => {
                username = Some(value.to_string())
            }
            "env" if command == Some("exec") => exec_env.push(value.to_string()),
            _ => g.take(name, value)?,
        }
    }
    let command = match command? {
        "token" => Command::Token { no_refresh },
        "exec" => Command::Exec {
            env: exec_env,
            serve: false,
            token_file: None,
            // clap requires a command after `--`.
            command: exec_command.filter(|c| !c.is_empty())?,
        },
        "git-credential" => Command::GitCredential {
            operation: operation?,
            username: username
                .unwrap_or_else(|| super::git_credential::DEFAULT_USERNAME.to_string()),
        },
        _ => Command::KubectlCredential { exec_info: None },
    };
    Some(Cli {
        global: g.finish(),
        // (`--keep-fresh` is the TUI's: clap reads a line that has it.)
        keep_fresh: false,
        command: Some(command),
    })
}

/// The global flags given so far; each at most once.
#[derive(Default)]
struct Seen {
    args: GlobalArgs,
    leeway: Option<i64>,
    login_seen: bool,
}

impl Seen {
    fn take(&mut self, name: &str, value: &str) -> Option<()> {
        let a = &mut self.args;
        let once = |slot: &mut Option<String>| slot.replace(value.to_string()).is_none();
        let once_path = |slot: &mut Option<PathBuf>| slot.replace(PathBuf::from(value)).is_none();
        let fresh = match name {
            "profile" => once(&mut a.profile),
            "redis-url" => once(&mut a.redis_url),
            "memcached-url" => once(&mut a.memcached_url),
            "credentials-file" => once_path(&mut a.credentials_file),
            "sqlite-path" => once_path(&mut a.sqlite_path),
            "store" => {
                // clap's value names, matched exactly as clap does.
                let kind = StoreKind::ALL
                    .iter()
                    .find(|(n, _)| *n == value)
                    .map(|(_, k)| *k)?;
                a.store.replace(kind).is_none()
            }
            "login" => {
                // clap's value names, matched exactly as clap does.
                let mode =
                    <super::args::LoginMode as clap::ValueEnum>::from_str(value, false).ok()?;
                let fresh = !self.login_seen;
                self.login_seen = true;
                a.login = mode;
                fresh
            }
            "leeway" if value.bytes().all(|b| b.is_ascii_digit()) => {
                self.leeway.replace(value.parse().ok()?).is_none()
            }
            _ => false,
        };
        fresh.then_some(())
    }

    /// The flags with clap's defaults under them.
    fn finish(self) -> GlobalArgs {
        let mut a = self.args;
        a.leeway = self.leeway.unwrap_or(crate::profile::DEFAULT_LEEWAY);
        a
    }
}

#[cfg(test)]
#[path = "quick_args_tests.rs"]
mod tests;
