//! Prints a fresh access token for a profile, the way `pancred token` does, from your own program;
//! with a URL, also calls it with the token (retrying once after a 401).
//!
//!     cargo run --example fresh_token -- PROFILE [URL]
//!
//! It needs only the engine: `cargo build --no-default-features --example fresh_token` builds it
//! without the TUI, the CLI, the sandbox, and the keyring and Redis stores (`auto` is then the
//! file store).

use pancred::authorized_client::AuthorizedClient;
use pancred::store::{open, StoreConfig, StoreKind};
use pancred::Engine;

async fn run(profile: &str, url: Option<&str>) -> pancred::Result<()> {
    let opened = open(&StoreConfig {
        kind: StoreKind::Auto,
        ..Default::default()
    })?;
    if let Some(warning) = opened.warning {
        eprintln!("warning: {warning}");
    }
    let engine = Engine::new(opened.store);
    // One refresh per expiry, across every process sharing the store.
    let token = engine.fresh_access_token(profile).await?;
    match url {
        None => println!("{}", token.expose()),
        Some(url) => {
            // Adds the Bearer header and retries once after a 401 with a refreshed token.
            let client = AuthorizedClient::new(engine, profile)?;
            let resp = client.send(|http| http.get(url)).await?;
            println!("{}", resp.status());
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let profile = args.first().map(String::as_str).unwrap_or("default");
    if let Err(e) = run(profile, args.get(1).map(String::as_str)).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
