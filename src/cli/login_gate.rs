//! `--login never|auto|always` on `token`, `exec`, `git-credential` and `kubectl-credential`:
//! whether a helper that finds its profile needs a login (no refresh token, or the provider
//! ended the grant) starts one, or fails at once with exit 6 and the command to run.
//!
//! `auto` (the default) logs in only when a person is there: a controlling terminal with
//! standard error on a terminal, git not
//! told `GIT_TERMINAL_PROMPT=0`, kubectl not saying `interactive: false`, and no login of this
//! profile failed or was abandoned in the last [`FAILURE_MEMORY`]. An editor calling kubectl all
//! night, or a cron job's git, then fails in milliseconds and never opens a browser tab.
//! `always` logs in whenever a login is needed; `never` never does.
//!
//! The browser flow, or the device flow (RFC 8628, the code shown on the terminal) when no
//! browser can open here and the provider offers it.
//!
//! One login at a time per profile across every process: a file lock. A helper that finds
//! another process's login in progress waits for it and uses its result.

use super::context::Context;
use super::login::{login, LoginArgs};
use crate::files;
use crate::Error;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

pub use super::args::LoginMode;

/// What the caller says of a person being there.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caller {
    /// git's `GIT_TERMINAL_PROMPT=0`.
    pub git_prompt_off: bool,
    /// kubectl's `spec.interactive`, when it said.
    pub kubectl_interactive: Option<bool>,
}

/// How long a failed or abandoned login keeps `auto` from starting another.
pub const FAILURE_MEMORY: Duration = Duration::from_secs(60);
/// How long a helper's login waits for the person (and another helper waits for it).
const LOGIN_TIMEOUT: u64 = 180;

/// Whether `e` is one a login cures: no refresh token, or the provider no longer takes it.
pub fn needs_login(e: &Error) -> bool {
    match e {
        Error::Provider(o) => {
            o.is_invalid_grant() || matches!(o, crate::oauth::OAuthError::GrantEnded { .. })
        }
        Error::PartialCredentials { missing, .. } => missing == &["refresh_token"],
        _ => false,
    }
}

/// Whether the profile's grant is one a person logs in to (a jwt_bearer or token_exchange
/// profile refused `invalid_grant` needs a better token to present, not a login).
pub fn grant_needs_login(ctx: &Context, name: &str) -> bool {
    let stored = ctx
        .engine()
        .ok()
        .and_then(|e| e.store().load(name).ok().flatten());
    stored.is_none_or(|p| p.grant.needs_login())
}

/// Runs `attempt`; when it fails for want of a login, logs in if `mode` and `caller` allow
/// (one login per profile across processes) and runs it again, else fails with exit 6.
pub fn with_login<T>(
    ctx: &Context,
    name: &str,
    mode: LoginMode,
    caller: Caller,
    attempt: impl Fn() -> Result<T, Error>,
) -> Result<T, Error> {
    let first = attempt();
    match &first {
        Err(e) if needs_login(e) && grant_needs_login(ctx, name) => {}
        _ => return first,
    }
    let refuse = |why: String| -> Result<T, Error> {
        Err(Error::LoginNeeded {
            profile: name.to_string(),
            why,
            command: command_to_run(name),
        })
    };
    if let Some(why) = no_person(mode, caller, name) {
        return refuse(why);
    }
    let lock_path = state_file(name, "lock")
        .ok_or_else(|| Error::Other("no folder for pancred's state (set HOME)".into()))?;
    let _lock = match files::lock_file(&lock_path, Duration::ZERO, "login") {
        Ok(l) => l,
        Err(_) => {
            eprintln!(
                "pancred: a login for profile '{}' is in progress elsewhere; waiting for it",
                crate::text::Safe(name)
            );
            let wait = Duration::from_secs(LOGIN_TIMEOUT + 30);
            let lock = files::lock_file(&lock_path, wait, "login")?;
            // The other login may have done it, or failed just now.
            match attempt() {
                Err(e) if needs_login(&e) => {}
                done => return done,
            }
            if let Some(why) = no_person(mode, caller, name) {
                return refuse(why);
            }
            lock
        }
    };
    // Without a browser to open here (an SSH session), the device flow: its code can be entered
    // on any other device.
    let device = !browser_can_open(&ctx.settings) && device_login_supported(ctx, name);
    let args = LoginArgs {
        device,
        no_browser: device,
        port: None,
        timeout: Some(LOGIN_TIMEOUT),
        read_pastes: false,
        new_identity: false,
    };
    eprintln!(
        "pancred: profile '{}' needs a login; starting it",
        crate::text::Safe(name)
    );
    if let Err(e) = login(ctx, args) {
        remember_failure(name);
        return Err(e);
    }
    forget_failure(name);
    attempt()
}

/// Why no login may start here (`None`: one may).
fn no_person(mode: LoginMode, caller: Caller, name: &str) -> Option<String> {
    match mode {
        LoginMode::Always => None,
        LoginMode::Never => Some("--login never".into()),
        LoginMode::Auto => {
            if !has_terminal() {
                Some("no terminal".into())
            } else if caller.git_prompt_off {
                Some("git said GIT_TERMINAL_PROMPT=0".into())
            } else if caller.kubectl_interactive == Some(false) {
                Some("kubectl runs it without a terminal".into())
            } else {
                recent_failure(name)
                    .map(|s| format!("a login for it failed {s} s ago; --login always retries now"))
            }
        }
    }
}

/// A person to talk to: a controlling terminal, and standard error on a terminal (where the
/// login's URL and progress go; a caller that captures it is a program, not a person).
// (Opening /dev/tty read-write proves a controlling terminal; nothing is written.)
#[allow(clippy::disallowed_methods)]
fn has_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
        && std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .is_ok()
}

/// Whether a browser can be opened on this machine: `$BROWSER`, a desktop (macOS, Windows), or a
/// display (X11, Wayland) for the desktop's opener.
fn browser_can_open(settings: &crate::env::Settings) -> bool {
    crate::browser::browser_list().is_some()
        || cfg!(any(target_os = "macos", windows))
        || settings.desktop
}

fn device_login_supported(ctx: &Context, name: &str) -> bool {
    let Ok(engine) = ctx.engine() else {
        return false;
    };
    super::oauth_cmds::block_on(async { Ok(engine.device_login_supported(name).await) })
        .unwrap_or(false)
}

/// `pancred --profile 'NAME' login`, the name quoted for a POSIX shell.
pub fn command_to_run(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@+".contains(c));
    let quoted = if plain {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    };
    format!("pancred --profile {} login", crate::text::Safe(&quoted))
}

/// `$XDG_STATE_HOME/pancred/logins/<profile>.<what>`, else under `~/.local/state`.
fn state_file(name: &str, what: &str) -> Option<PathBuf> {
    let state = files::xdg_dir("XDG_STATE_HOME", ".local/state")?;
    Some(
        state
            .join("pancred")
            .join("logins")
            .join(format!("{}.{what}", files::hex_name(name))),
    )
}

// A mark of a failed login (no secret, no profile data): pancred's own state, not a store's.
#[allow(clippy::disallowed_methods)]
fn remember_failure(name: &str) {
    if let Some(path) = state_file(name, "failed") {
        if let Some(dir) = path.parent() {
            let _ = files::ensure_private_dir(dir);
        }
        let _ = std::fs::write(path, b"");
    }
}

#[allow(clippy::disallowed_methods)]
fn forget_failure(name: &str) {
    if let Some(path) = state_file(name, "failed") {
        let _ = std::fs::remove_file(path);
    }
}

/// Seconds since a login of `name` failed, when within [`FAILURE_MEMORY`].
fn recent_failure(name: &str) -> Option<u64> {
    let when = std::fs::metadata(state_file(name, "failed")?)
        .ok()?
        .modified()
        .ok()?;
    let age = SystemTime::now().duration_since(when).unwrap_or_default();
    (age < FAILURE_MEMORY).then_some(age.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::OAuthError;

    #[test]
    fn the_command_to_run_names_the_profile_quoted() {
        assert_eq!(command_to_run("work"), "pancred --profile work login");
        assert_eq!(
            command_to_run("it's $(x)"),
            r"pancred --profile 'it'\''s $(x)' login"
        );
    }

    #[test]
    fn a_login_cures_an_ended_grant_or_a_missing_refresh_token() {
        let refused = OAuthError::Refused {
            endpoint: "t".into(),
            status: 400,
            error: "invalid_grant".into(),
            description: None,
        };
        assert!(needs_login(&Error::Provider(refused)));
        let partial = |missing| Error::PartialCredentials {
            profile: "p".into(),
            missing,
        };
        assert!(needs_login(&partial(vec!["refresh_token"])));
        assert!(!needs_login(&partial(vec!["client_id", "refresh_token"])));
        assert!(!needs_login(&Error::Other("x".into())));
    }

    #[test]
    fn never_and_always_ignore_the_terminal() {
        let c = Caller::default();
        assert!(no_person(LoginMode::Never, c, "p").is_some());
        assert!(no_person(LoginMode::Always, c, "p").is_none());
        let git = Caller {
            git_prompt_off: true,
            ..c
        };
        let kube = Caller {
            kubectl_interactive: Some(false),
            ..c
        };
        assert!(no_person(LoginMode::Auto, git, "p").is_some());
        assert!(no_person(LoginMode::Auto, kube, "p").is_some());
    }
}
