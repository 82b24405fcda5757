//! `pancred login`: the browser flow of RFC 8252. Bind the loopback redirect, start the
//! authorization, open the browser, wait for the redirect (or a pasted one), exchange the code.

use super::context::Context;
use crate::browser;
use crate::engine::PendingAuthorization;
use crate::loopback::{parse_pasted, Callback, Listener, LoopbackError, DEFAULT_REDIRECT_URI};
use crate::text::Safe;
use crate::{Engine, Error};
use std::future::pending;
use std::io::{BufRead, IsTerminal};
use std::time::Duration;
use tokio::sync::mpsc;

pub struct LoginArgs {
    pub device: bool,
    pub no_browser: bool,
    pub port: Option<u16>,
    /// Seconds; `None`: [`DEFAULT_TIMEOUT`] (a device login waits until its code expires).
    pub timeout: Option<u64>,
    /// Take a pasted redirect from standard input (`pancred login`); a helper's login does not:
    /// its standard input is its caller's (git's request), or a terminal it reads in the
    /// background.
    pub read_pastes: bool,
    /// Let the tokens of another subject replace the profile's pinned identity.
    pub new_identity: bool,
}

pub const DEFAULT_TIMEOUT: u64 = 300;

pub fn login(ctx: &Context, args: LoginArgs) -> Result<(), Error> {
    let (_, profile) = ctx.existing()?;
    let name = profile.profile.clone();
    if !profile.grant.needs_login() {
        eprintln!(
            "pancred: {}",
            crate::engine::no_login_needed(&name, profile.grant)
        );
        return Ok(());
    }
    if args.device {
        let device = super::device_login::DeviceArgs {
            no_browser: args.no_browser,
            timeout: args.timeout,
            new_identity: args.new_identity,
        };
        return super::device_login::device_login(ctx, device);
    }
    let redirect = profile
        .redirect_uri
        .clone()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_string());
    let engine = ctx.pancloud_engine()?;
    let pastes = if args.read_pastes {
        paste_reader()
    } else {
        None
    };
    let runtime = crate::config::runtime(2)?;
    runtime.block_on(async {
        // Everything, the listener included, is dropped when Ctrl-C wins: the port is freed.
        tokio::select! {
            result = flow(&engine, &name, &redirect, &args, pastes, ctx.settings.over_ssh, ctx.settings.desktop) => result,
            _ = interrupted() => Err(Error::Cancelled),
        }
    })
}

async fn flow(
    engine: &Engine,
    name: &str,
    redirect: &str,
    args: &LoginArgs,
    pastes: Option<mpsc::UnboundedReceiver<String>>,
    over_ssh: bool,
    desktop: bool,
) -> Result<(), Error> {
    let listener = Listener::bind(redirect, args.port)
        .await
        .map_err(|e| match e {
            LoopbackError::NotLoopback { .. } => Error::Usage(format!(
                "{e}. Use `{}`, then `{} --code CODE` with the code the provider redirects to",
                super::hints::command_for(name, "auth-url"),
                super::hints::command_for(name, "exchange"),
            )),
            e => e.into(),
        })?;
    let pending = engine
        .start_authorization(name, Some(listener.redirect_uri()))
        .await?;
    let device = over_ssh && engine.device_login_supported(name).await;
    announce(
        name,
        &pending,
        &listener,
        args,
        pastes.is_some(),
        device,
        (over_ssh, desktop),
    );
    let timeout = Duration::from_secs(args.timeout.unwrap_or(DEFAULT_TIMEOUT));
    let callback = wait_or_paste(listener, &pending, timeout, pastes).await?;
    eprintln!("pancred: authorization received; exchanging the code");
    engine
        .exchange_code_as(
            name,
            callback.code.expose(),
            Some(&pending),
            args.new_identity,
        )
        .await?;
    eprintln!(
        "pancred: logged in: tokens stored in profile '{}'",
        Safe(name)
    );
    Ok(())
}

fn announce(
    name: &str,
    pending: &PendingAuthorization,
    listener: &Listener,
    args: &LoginArgs,
    can_paste: bool,
    device_supported: bool,
    (over_ssh, desktop): (bool, bool),
) {
    eprintln!(
        "pancred: to authorize profile '{}', open this URL in a browser:\n\n    {}\n",
        Safe(name),
        Safe(&pending.url)
    );
    if !args.no_browser {
        match browser::open(&pending.url, desktop) {
            Ok(how) => eprintln!("pancred: opened with {how}"),
            Err(why) => eprintln!("pancred: {why}; open the URL above yourself"),
        }
    }
    if let Ok(addr) = listener.local_addr() {
        if over_ssh {
            let port = addr.port();
            let host = match addr.ip() {
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                std::net::IpAddr::V4(ip) => ip.to_string(),
            };
            eprintln!(
                "pancred: this is an SSH session. For a browser on your own computer to reach this \
                 listener, open a tunnel from that computer first:\n\n    ssh -L {port}:{host}:{port} USER@THIS-HOST\n"
            );
            if device_supported {
                eprintln!(
                    "pancred: this provider also supports device login, which needs no tunnel: \
                     Ctrl-C, then `{}`\n",
                    super::hints::command_for(name, "login --device")
                );
            }
        }
    }
    if let Some(note) = localhost_note(listener.redirect_uri()) {
        eprintln!("pancred: note: {note}");
    }
    eprintln!(
        "pancred: waiting for the redirect to {} (up to {} s; Ctrl-C to stop)",
        listener.redirect_uri(),
        args.timeout.unwrap_or(DEFAULT_TIMEOUT)
    );
    if can_paste {
        eprintln!("pancred: or paste the redirect URL (or just the code) here and press Enter");
    }
}

/// RFC 8252 §8.3: a redirect naming `localhost` rather than a loopback IP literal works less
/// widely; several providers let the port vary only for `127.0.0.1` and `[::1]`.
fn localhost_note(redirect_uri: &str) -> Option<String> {
    let url = url::Url::parse(redirect_uri).ok()?;
    let host = url.host_str()?;
    host.eq_ignore_ascii_case("localhost").then(|| {
        format!(
            "the redirect_uri uses `localhost`; RFC 8252 §8.3 recommends the IP literal \
             (http://127.0.0.1:{}{}), and some providers accept a changed port only for IP \
             literals, so `localhost` may need the exact port registered there",
            url.port().unwrap_or(0),
            url.path()
        )
    })
}

enum Event {
    Done(Result<Callback, LoopbackError>),
    Pasted(Option<String>),
}

/// The browser's redirect or a pasted one, whichever comes first. A paste that is not usable is
/// reported and the wait goes on.
async fn wait_or_paste(
    listener: Listener,
    authorization: &PendingAuthorization,
    timeout: Duration,
    mut pastes: Option<mpsc::UnboundedReceiver<String>>,
) -> Result<Callback, Error> {
    let wait = listener.wait(authorization, timeout, pending());
    tokio::pin!(wait);
    loop {
        let event = tokio::select! {
            done = &mut wait => Event::Done(done),
            line = next_line(&mut pastes) => Event::Pasted(line),
        };
        match event {
            Event::Done(result) => return Ok(result?),
            // End of input: only the browser is left.
            Event::Pasted(None) => pastes = None,
            Event::Pasted(Some(line)) if line.trim().is_empty() => {}
            Event::Pasted(Some(line)) => match parse_pasted(&line, authorization) {
                Ok(callback) => return Ok(callback),
                Err(
                    e @ (LoopbackError::Provider { .. } | LoopbackError::IssuerMismatch { .. }),
                ) => return Err(e.into()),
                Err(e) => eprintln!("pancred: {}; still waiting", Safe(&e.to_string())),
            },
        }
    }
}

async fn next_line(pastes: &mut Option<mpsc::UnboundedReceiver<String>>) -> Option<String> {
    match pastes {
        Some(rx) => rx.recv().await,
        None => pending().await,
    }
}

/// Lines from standard input when it is a terminal or a pipe. A plain thread, not tokio's stdin:
/// a blocked read there would hold up the runtime's shutdown.
fn paste_reader() -> Option<mpsc::UnboundedReceiver<String>> {
    let stdin = std::io::stdin();
    if !(stdin.is_terminal() || is_pipe(&stdin)) {
        return None;
    }
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Some(rx)
}

#[cfg(unix)]
fn is_pipe(stdin: &std::io::Stdin) -> bool {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    stdin
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata().ok())
        .is_some_and(|m| m.file_type().is_fifo() || m.file_type().is_socket())
}

#[cfg(not(unix))]
fn is_pipe(_stdin: &std::io::Stdin) -> bool {
    false
}

pub(super) async fn interrupted() {
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handling here: never report an interrupt that did not happen.
        pending::<()>().await;
    }
}
