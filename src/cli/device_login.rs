//! `pancred login --device`: RFC 8628 for machines without a browser (SSH, containers). The
//! person opens the verification URI anywhere (the QR code takes it to a phone) and enters the
//! code; pancred polls meanwhile and stores the tokens as `login` does.

use super::context::Context;
use super::oauth_cmds::{block_on_multi, engine};
use crate::engine::DeviceLogin;
use crate::text::Safe;
use crate::{browser, Error};
use std::io::IsTerminal;
use std::time::Duration;

pub struct DeviceArgs {
    pub no_browser: bool,
    /// Give up after this long (exit 1); `None`: when the code expires.
    pub timeout: Option<u64>,
    /// Let the tokens of another subject replace the profile's pinned identity.
    pub new_identity: bool,
}

pub fn device_login(ctx: &Context, args: DeviceArgs) -> Result<(), Error> {
    let (engine, name) = engine(ctx)?;
    block_on_multi(async {
        tokio::select! {
            result = flow(&engine, &name, &args, ctx.settings.desktop) => result,
            _ = super::login::interrupted() => Err(Error::Cancelled),
        }
    })
}

async fn flow(
    engine: &crate::Engine,
    name: &str,
    args: &DeviceArgs,
    desktop: bool,
) -> Result<(), Error> {
    let mut login = engine.start_device_login(name).await?;
    login.new_identity = args.new_identity;
    announce(name, &login, engine.clock().now(), args, desktop);
    let polling = engine.finish_device_login(&login);
    let result = match args.timeout {
        Some(secs) => tokio::time::timeout(Duration::from_secs(secs), polling)
            .await
            .map_err(|_| Error::Other(format!("no approval within {secs} s (--timeout)")))?,
        None => polling.await,
    };
    match result {
        Ok(_) => {
            eprintln!(
                "pancred: logged in: tokens stored in profile '{}'",
                Safe(name)
            );
            Ok(())
        }
        Err(e @ Error::Provider(crate::oauth::OAuthError::DeviceCodeExpired)) => {
            eprintln!(
                "pancred: start again with `{}` for a new code",
                super::hints::command_for(name, "login --device")
            );
            Err(e)
        }
        Err(e) => Err(e),
    }
}

fn announce(name: &str, login: &DeviceLogin, now: i64, args: &DeviceArgs, desktop: bool) {
    // The same words as the TUI's countdown: a code that lives 5 s says 5s, not "1 min".
    let left = crate::clock::format_span(crate::seconds::left(login.expires_at, now).max(0));
    // The provider's words (its code, its URLs) are shown escaped, as all outside text is.
    eprintln!(
        "pancred: to authorize profile '{}', open\n\n    {}\n\nand enter the code\n\n    {}\n",
        Safe(name),
        Safe(&login.verification_uri),
        Safe(&login.user_code)
    );
    if let Some(complete) = &login.verification_uri_complete {
        eprintln!(
            "pancred: or open this URL, which carries the code:\n\n    {}\n",
            Safe(complete)
        );
    }
    if std::io::stderr().is_terminal() {
        if let Some(qr) = crate::qr::render(login.uri_to_open()) {
            eprintln!("{qr}");
        }
    }
    // A device login is for machines without a browser: one is tried only where one can open
    // (`$BROWSER`, a desktop), and no failure is reported where none was expected.
    if !args.no_browser {
        if let Ok(how) = browser::open(login.uri_to_open(), desktop) {
            eprintln!("pancred: opened with {how}");
        }
    }
    eprintln!(
        "pancred: waiting for approval (the code expires in {left}; checking every {} s; Ctrl-C to stop)",
        login.interval.as_secs()
    );
}
