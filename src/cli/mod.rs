//! The command line: argument parsing and one function per command. Errors come back as
//! [`crate::Error`] and become the exit codes of the contract.

mod args;
mod cached;
mod completion_bash;
mod context;
mod context_cmd;
mod context_rules;
mod device_login;
mod doctor;
mod dpop_proof;
mod endpoint_client;
mod env_names;
mod exec;
mod exit;
pub mod front;
mod git_credential;
mod help;
mod hints;
mod interrupt;
mod kubectl;
mod login;
mod login_gate;
pub mod man;
mod oauth_cmds;
mod output;
mod profiles;
mod prompt;
mod quick_args;
mod sandbox_cmds;
mod serve;
mod serve_files;
mod serve_proof;
mod setup;
mod transfer;

use crate::Error;
use std::ffi::OsString;

pub use args::{Cli, Command, GlobalArgs, JsonFlag};
pub use context::{Context, Opener};
/// The context rules' parsers, for the crate's fuzzer.
#[cfg(test)]
pub(crate) use context_rules::fuzz as fuzz_context_rules;
pub use exit::exit_code;
use exit::report;

/// Parses the process's arguments, runs the command, and returns the exit code.
pub fn run() -> i32 {
    help::complete_if_asked();
    let args: Vec<OsString> = std::env::args_os().collect();
    // The lines kubectl and git run on every request skip building clap's command tree.
    let quick = quick_args::parse(args.get(1..).unwrap_or_default());
    let cli = match quick.map_or_else(|| help::parse(args), Ok) {
        Ok(cli) => cli,
        Err(e) => {
            help::print_error(&e);
            return e.exit_code();
        }
    };
    let ctx = match Context::new(cli.global) {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("pancred: error: {e}");
            return exit_code(&e);
        }
    };
    // The decision `pancred` made already, now over every store (the keyring, Redis...).
    if let (Some(command), false) = (&cli.command, cli.keep_fresh) {
        let every_store: context::Opener = &|config| Some(crate::store::open(config));
        if let Some(code) = cached::answer(&ctx, command, every_store) {
            return code;
        }
    }
    // After `use NAME` the hint for a missing profile does not suggest `use` again.
    let choosing_default = matches!(cli.command, Some(Command::Use { .. }));
    let result = match cli.command {
        Some(_) if cli.keep_fresh => Err(Error::Usage(
            "--keep-fresh is for the TUI: run `pancred --keep-fresh` with no command".into(),
        )),
        // exec ends with its command's code.
        Some(Command::Exec {
            env,
            serve,
            token_file,
            command,
        }) => {
            let serve = serve.then_some(serve::ServeOptions { token_file });
            exec::exec(&ctx, &env, serve, &command)
        }
        Some(Command::Doctor(j)) => doctor::doctor(&ctx, j.json),
        other => dispatch(&ctx, other, cli.keep_fresh).map(|()| 0),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report(&e);
            hints::after(&ctx, &e, choosing_default);
            exit_code(&e)
        }
    }
}

fn dispatch(ctx: &Context, command: Option<Command>, keep_fresh: bool) -> Result<(), Error> {
    match command {
        None => {
            let opened = crate::Engine::open(&ctx.config)?;
            let engine = opened.engine.with_clock(ctx.clock.clone());
            let options = crate::tui::TuiOptions {
                banner: opened.warning,
                keep_fresh,
                ..crate::tui::TuiOptions::from_settings(&ctx.settings)
            };
            crate::tui::run(engine, options)
        }
        Some(Command::List(j)) => profiles::list(ctx, j.json),
        Some(Command::Show(j)) => profiles::show(ctx, j.json),
        Some(Command::Init { from, write, json }) => setup::init(ctx, &from, write, json.json),
        Some(Command::Generate) => setup::generate(ctx),
        Some(Command::Remove { yes }) => profiles::remove(ctx, yes),
        Some(Command::Use { name }) => profiles::use_profile(ctx, &name),
        Some(Command::Rename { old, new }) => profiles::rename(ctx, &old, &new),
        Some(Command::Import {
            from,
            copy,
            replace,
        }) => transfer::import(ctx, from.as_deref(), copy, replace),
        Some(Command::Export { to, copy, replace }) => transfer::export(ctx, &to, copy, replace),
        Some(Command::ContextRules(action)) => context_cmd::run(action),
        Some(Command::Completions { shell }) => {
            help::write_registration(shell, &mut std::io::stdout())
        }
        Some(Command::Sandbox {
            port,
            token_lifetime,
        }) => sandbox_cmds::sandbox(port, token_lifetime),
        Some(Command::Demo { port, log }) => sandbox_cmds::demo(ctx, port, log.as_deref()),
        Some(Command::GitCredential {
            operation,
            username,
        }) => git_credential::git_credential(ctx, &operation, &username),
        Some(Command::KubectlCredential { exec_info }) => kubectl::kubectl_credential(
            ctx,
            exec_info.as_deref().or(ctx.settings.exec_info.as_deref()),
        ),
        Some(Command::Login {
            device,
            no_browser,
            port,
            timeout,
            new_identity,
        }) => login::login(
            ctx,
            login::LoginArgs {
                device,
                no_browser,
                port,
                timeout,
                read_pastes: true,
                new_identity,
            },
        ),
        Some(Command::DpopProof {
            method,
            url,
            nonce,
            no_token,
        }) => dpop_proof::dpop_proof(
            ctx,
            &dpop_proof::ProofArgs {
                method: &method,
                url: &url,
                nonce: nonce.as_deref(),
                no_token,
            },
        ),
        Some(cmd) => oauth_cmds::run(ctx, cmd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreKind;
    use clap::Parser;

    #[test]
    fn codes_may_begin_with_a_hyphen() {
        // Providers issue base64url codes: one in 64 starts with a hyphen.
        let cli = Cli::try_parse_from(["pancred", "exchange", "--code", "-dXYZ_abc"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Exchange { code }) if code == "-dXYZ_abc"));
    }

    #[test]
    fn every_store_flag_value_is_also_a_store_name_for_the_environment() {
        use clap::ValueEnum;
        for kind in StoreKind::value_variants() {
            let name = kind.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(StoreKind::from_name(&name), Some(*kind), "{name}");
        }
        assert_eq!(StoreKind::names().len(), StoreKind::value_variants().len());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        help::command().debug_assert();
    }
}
