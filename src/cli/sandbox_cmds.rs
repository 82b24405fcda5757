//! `pancred sandbox` (the local authorization server in the foreground) and `pancred demo`
//! (the TUI on demo profiles against one started in-process).

use super::context::Context;
use crate::clock::{Clock, SystemClock};
use crate::sandbox::{self, demo, Sandbox, SandboxConfig, SandboxHandle};
use crate::store::memory::MemoryStore;
use crate::Error;
use std::path::Path;
use std::sync::Arc;

fn start(config: SandboxConfig) -> Result<SandboxHandle, Error> {
    Sandbox::start(config).map_err(|e| Error::Other(e.to_string()))
}

pub fn sandbox(port: u16, token_lifetime: i64) -> Result<(), Error> {
    let handle = start(SandboxConfig {
        port,
        token_lifetime,
        log: Some(sandbox::stdout_sink()),
        ..Default::default()
    })?;
    print!("{}", banner(&handle));
    wait_for_stop_signal()?;
    eprintln!("pancred sandbox: stopping");
    handle.shutdown();
    Ok(())
}

/// What `pancred sandbox` prints first: its URLs, the demo clients, and a profile to try.
pub fn banner(h: &SandboxHandle) -> String {
    let b = h.base_url();
    let lifetime = h.token_lifetime();
    format!(
        "\
pancred sandbox: a local authorization server to try pancred against (loopback only, all in memory)
Listening on {b}: access tokens live {lifetime} s, refresh tokens rotate. Ctrl-C stops it.

pancloud dialect
  token_url            {b}
  auth_base_url        {pc_auth}
  developer_token_url  {dev}
oauth2 dialect
  issuer               {b}
  discovery            {disc}

Demo clients (demo values, good only here)
  {pc:<20} {pc_cred:<36} pancloud dialect
  {oc:<20} {oc_cred:<36} oauth2, client_secret_basic or client_secret_post
  {pub_:<20} {pub_cred:<36} oauth2, client_auth none (PKCE)
  developer token      {devtok}

Point a profile at it (paste the lines below into a shell as they are):

cat > sandbox.json <<'EOF'
{{\"profile\": \"sandbox\", \"dialect\": \"oauth2\", \"issuer\": \"{b}\",
 \"client_id\": \"{oc}\", \"client_secret\": \"{ocs}\",
 \"scope\": \"{scope}\", \"redirect_uri\": \"{redirect}\"}}
EOF
pancred init --from sandbox.json --write && pancred login --profile sandbox

(or, without a browser here: pancred login --profile sandbox --device)

Requests (one line each; secrets and tokens are never shown):
",
        pc_auth = h.url(sandbox::PANCLOUD_AUTHORIZE_PATH),
        dev = h.url(sandbox::DEVELOPER_TOKEN_PATH),
        disc = h.url(sandbox::DISCOVERY_PATH),
        pc = demo::PANCLOUD_CLIENT,
        oc = demo::OAUTH2_CLIENT,
        ocs = demo::OAUTH2_SECRET,
        pub_ = demo::PUBLIC_CLIENT,
        pc_cred = format!("client_secret {}", demo::PANCLOUD_SECRET),
        oc_cred = format!("client_secret {}", demo::OAUTH2_SECRET),
        pub_cred = "no secret",
        devtok = demo::DEVELOPER_TOKEN,
        scope = demo::OAUTH2_SCOPE,
        redirect = demo::REDIRECT_URI,
    )
}

/// Ctrl-C, or SIGTERM from a service manager.
fn wait_for_stop_signal() -> Result<(), Error> {
    let rt = crate::config::runtime(1)?;
    rt.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate())
                .map_err(|e| Error::Other(format!("cannot wait for SIGTERM: {e}")))?;
            tokio::select! {
                r = tokio::signal::ctrl_c() => r.map_err(|e| Error::Other(format!("cannot wait for Ctrl-C: {e}"))),
                _ = term.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| Error::Other(format!("cannot wait for Ctrl-C: {e}")))
    })
}

pub fn demo(ctx: &Context, port: u16, log: Option<&Path>) -> Result<(), Error> {
    let log = log
        .map(|p| {
            sandbox::file_sink(p)
                .map_err(|e| Error::Usage(format!("cannot open {}: {e}", p.display())))
        })
        .transpose()?;
    let handle = start(SandboxConfig {
        port,
        log,
        ..Default::default()
    })?;
    let profiles =
        demo::profiles(&handle, SystemClock.now()).map_err(|e| Error::Other(e.to_string()))?;
    let store = MemoryStore::with_profiles(profiles).with_default(demo::VALID);
    let engine = crate::Engine::from_config(&ctx.config, Arc::new(store));
    let options = crate::tui::TuiOptions {
        title: "pancred demo".into(),
        banner: Some(format!(
            "Demo: profiles in memory against the built-in provider at {} (nothing is saved)",
            handle.base_url()
        )),
        ..crate::tui::TuiOptions::from_settings(&ctx.settings)
    };
    let result = crate::tui::run(engine, options);
    // Leaving the TUI stops the provider and frees its port.
    handle.shutdown();
    result
}

#[cfg(test)]
mod tests {
    /// The lines `pancred sandbox` asks the user to paste are the README's, word for word.
    #[test]
    fn the_sandbox_prints_the_readme_s_commands() {
        let handle = super::start(super::SandboxConfig {
            port: 0,
            ..Default::default()
        })
        .unwrap();
        let printed = super::banner(&handle).replace(handle.base_url(), "http://127.0.0.1:8439");
        handle.shutdown();
        let from = printed.find("cat > sandbox.json").unwrap();
        let to = printed[from..].find("\n\n").unwrap() + from;
        let readme = include_str!("../../README.md");
        assert!(
            readme.contains(&printed[from..to]),
            "{}",
            &printed[from..to]
        );
    }
}
