//! The command line as users meet it: each subcommand's `--help` lists only the global options
//! that subcommand uses (they are accepted anywhere, as before, but shown only where they
//! matter), argument errors carry the `pancred:` prefix every other error has, and shell
//! completion offers the selected store's profile names where a command takes one.

use super::args::Cli;
use clap::{CommandFactory, FromArgMatches};
use std::ffi::OsString;

const STORE: &[&str] = &[
    "store",
    "credentials_file",
    "redis_url",
    "sqlite_path",
    "memcached_url",
];
const PROFILE: &[&str] = &["profile"];
const LEEWAY: &[&str] = &["leeway"];
const LOGIN: &[&str] = &["login"];
const CREDENTIALS: &[&str] = &[
    "client_id",
    "client_secret_file",
    "refresh_token_file",
    "access_token_file",
    "developer_token_file",
];

/// The global options each subcommand uses.
fn uses(subcommand: &str) -> Vec<&'static str> {
    let groups: &[&[&str]] = match subcommand {
        // The leeway decides a token's state ("expiring") and when a refresh is due, so only
        // the commands that show a state or hand out a token list it.
        "list" => &[STORE, LEEWAY],
        "generate" | "remove" | "doctor" | "init" => &[STORE, PROFILE],
        "use" | "rename" | "import" | "export" => &[STORE],
        "token" | "exec" | "git-credential" | "kubectl-credential" => {
            &[STORE, PROFILE, LEEWAY, CREDENTIALS, LOGIN]
        }
        "show" => &[STORE, PROFILE, LEEWAY, CREDENTIALS],
        "auth-url" | "login" | "exchange" | "refresh" | "revoke" => &[STORE, PROFILE, CREDENTIALS],
        "demo" => &[LEEWAY],
        _ => &[],
    };
    groups.iter().flat_map(|g| g.iter().copied()).collect()
}

/// pancred's command, with each subcommand showing only the global options it uses.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command().after_help(crate::env::help_list());
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    // A subcommand that has its own copy of a global option keeps it (clap then copies no other),
    // so an unused one gets a hidden copy: accepted, its value seen by the whole command line,
    // but not listed in that subcommand's help.
    for name in subcommands {
        let used = uses(&name);
        cmd = cmd.mut_subcommand(&name, |mut sub| {
            for g in globals
                .iter()
                .filter(|g| !used.contains(&g.get_id().as_str()))
            {
                sub = sub.arg(g.clone().hide(true));
            }
            sub
        });
    }
    cmd.build();
    cmd
}

/// Answers the shell when it asks for completions (`PANCRED_COMPLETE=SHELL pancred -- WORDS`, set
/// by the script `pancred completions SHELL` prints); returns otherwise. pancred's own variable:
/// another program's `COMPLETE` in the environment never turns a command into a completion.
pub fn complete_if_asked() {
    // Every run passes here: without the variable, nothing else is done.
    if !crate::env::completing() {
        return;
    }
    clap_complete::CompleteEnv::with_factory(command)
        .var(COMPLETE_VAR)
        .complete();
}

const COMPLETE_VAR: &str = crate::env::COMPLETE;

/// The script that registers pancred's completion in `shell`: it calls back into pancred, so
/// completions (profile names included) are always current.
pub fn write_registration(
    shell: clap_complete::Shell,
    out: &mut dyn std::io::Write,
) -> Result<(), crate::Error> {
    if shell == clap_complete::Shell::Bash {
        return out
            .write_all(super::completion_bash::registration(COMPLETE_VAR).as_bytes())
            .map_err(|e| crate::Error::Other(format!("cannot write the completion script: {e}")));
    }
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells
        .completer(&shell.to_string())
        .ok_or_else(|| crate::Error::Usage(format!("no completion for {shell}")))?;
    completer
        .write_registration(COMPLETE_VAR, "pancred", "pancred", "pancred", out)
        .map_err(|e| crate::Error::Other(format!("cannot write the completion script: {e}")))
}

/// Parses `args` as pancred's command line.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Cli, clap::Error> {
    let matches = command().try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// Help and version as clap prints them; an argument error with the `pancred:` prefix.
pub fn print_error(e: &clap::Error) {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
        }
        _ => {
            let text = e.render().to_string();
            eprint!("pancred: {text}");
            // `pancred exec CMD` (no `--`): clap only shows the usage line.
            if e.kind() == ErrorKind::UnknownArgument && text.contains("Usage: pancred exec ") {
                eprintln!("hint: put the command after `--`: pancred exec -- CMD [ARGS...]");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help_of(sub: &str) -> String {
        let mut cmd = command();
        cmd.find_subcommand_mut(sub)
            .expect("subcommand")
            .render_long_help()
            .to_string()
    }

    #[test]
    fn each_subcommand_lists_only_the_options_it_uses() {
        let completions = help_of("completions");
        assert!(
            !completions.contains("--client-secret-file"),
            "{completions}"
        );
        assert!(!completions.contains("--store"), "{completions}");
        let token = help_of("token");
        for flag in ["--profile", "--store", "--client-secret-file", "--leeway"] {
            assert!(token.contains(flag), "token --help lacks {flag}");
        }
        for sub in ["revoke", "login", "refresh", "init", "auth-url", "exchange"] {
            assert!(
                !help_of(sub).contains("--leeway"),
                "{sub} --help lists --leeway"
            );
        }
        let use_help = help_of("use");
        assert!(use_help.contains("--store") && !use_help.contains("--refresh-token-file"));
    }

    #[test]
    fn help_texts() {
        // Wide enough that no line wraps; what users read for the commands newcomers meet first.
        for sub in ["token", "import", "completions", "revoke", "use"] {
            let mut cmd = command().term_width(200);
            let text = cmd
                .find_subcommand_mut(sub)
                .expect("subcommand")
                .render_help()
                .to_string();
            insta::assert_snapshot!(format!("help_{}", sub.replace('-', "_")), text);
        }
    }

    #[test]
    fn hidden_global_options_are_still_accepted_anywhere() {
        let cli = parse(
            ["pancred", "use", "--profile", "x", "lab"]
                .iter()
                .map(OsString::from),
        )
        .expect("parses");
        assert_eq!(cli.global.profile.as_deref(), Some("x"));
    }
}
