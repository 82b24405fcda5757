//! A quick reading of the command lines that run most often: `token`, `git-credential OP`,
//! `kubectl-credential` and `exec [--env NAME]... -- CMD...`, with the plain global flags
//! (`--profile`, `--store`, `--credentials-file`, `--redis-url`, `--sqlite-path`,
//! `--memcached-url`, `--leeway`).
//!
//! kubectl and git start pancred for every request, and building clap's whole command tree
//! costs more than answering a cached token. This reader produces the very [`Cli`] that clap
//! would, or `None` for anything it does not know for sure (help, any other flag or command, a
//! repeated flag, a value that looks like a flag, an empty or non-UTF-8 value...), and clap then
//! reads the line as it always did, errors and all. A test holds the two to the same answers.

use super::args::{Cli, Command, GlobalArgs};
use crate::store::StoreKind;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// The variables clap reads for these commands (`env = ...` on their arguments).
const ENV_REDIS_URL: &str = "PANCRED_REDIS_URL";
const ENV_SQLITE_PATH: &str = "PANCRED_SQLITE_PATH";
const ENV_MEMCACHED_URL: &str = "PANCRED_MEMCACHED_URL";
const ENV_EXEC_INFO: &str = "KUBERNETES_EXEC_INFO";

/// Where the reader finds a variable (the process environment, or a test's table).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// The command line (without the program name), when it is one of the simple forms.
pub fn parse(args: &[OsString], env: Env) -> Option<Cli> {
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
                (None, _) if !arg.starts_with('-') => match arg {
                    "token" | "git-credential" | "kubectl-credential" | "exec" => {
                        command = Some(arg)
                    }
                    _ => return None,
                },
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
        if name == "no-refresh" && inline.is_none() && command == Some("token") && !no_refresh {
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
            // clap requires a command after `--`.
            command: exec_command.filter(|c| !c.is_empty())?,
        },
        "git-credential" => Command::GitCredential {
            operation: operation?,
            username: username
                .unwrap_or_else(|| super::git_credential::DEFAULT_USERNAME.to_string()),
        },
        _ => Command::KubectlCredential {
            exec_info: from_env(env, ENV_EXEC_INFO)?,
        },
    };
    Some(Cli {
        global: g.finish(env)?,
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
            "leeway" if value.bytes().all(|b| b.is_ascii_digit()) => {
                self.leeway.replace(value.parse().ok()?).is_none()
            }
            _ => false,
        };
        fresh.then_some(())
    }

    /// The flags with clap's defaults and environment variables under them.
    fn finish(self, env: Env) -> Option<GlobalArgs> {
        let mut a = self.args;
        a.leeway = self.leeway.unwrap_or(crate::profile::DEFAULT_LEEWAY);
        if a.redis_url.is_none() {
            a.redis_url = from_env(env, ENV_REDIS_URL)?;
        }
        if a.memcached_url.is_none() {
            a.memcached_url = from_env(env, ENV_MEMCACHED_URL)?;
        }
        if a.sqlite_path.is_none() {
            a.sqlite_path = from_env(env, ENV_SQLITE_PATH)?.map(PathBuf::from);
        }
        Some(a)
    }
}

/// `Some(None)` when unset, `Some(Some(text))` when set to non-empty UTF-8; `None` (leave it to
/// clap) for an empty or non-UTF-8 value.
fn from_env(env: Env, var: &str) -> Option<Option<String>> {
    match env(var) {
        None => Some(None),
        Some(v) if v.is_empty() => None,
        Some(v) => OsStr::to_str(&v).map(|s| Some(s.to_string())),
    }
}

#[cfg(test)]
#[path = "quick_args_tests.rs"]
mod tests;
