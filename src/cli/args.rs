//! The command line's grammar (clap): the global options and every subcommand. A leaf that the
//! rest of the CLI imports; the dispatch lives in `mod.rs`.

use crate::store::StoreKind;
use clap::{Args, Parser, Subcommand};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use std::ffi::OsString;
use std::path::PathBuf;

/// git-credential's username unless `--username` says otherwise (what most OAuth git hosts accept).
pub const DEFAULT_USERNAME: &str = "oauth2";
/// `pancred sandbox`'s port unless `--port` says otherwise.
pub const DEFAULT_SANDBOX_PORT: u16 = 8439;

#[derive(Debug, Parser)]
#[command(
    name = "pancred",
    version,
    about = "A terminal credential manager for OAuth 2.0 clients",
    long_about = "A terminal credential manager for OAuth 2.0 clients.\n\nRun without a command to open the TUI."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// TUI: refresh each token as it enters the leeway (one refresh across every process;
    /// `keep_fresh: false` in a profile opts it out; `f` toggles it)
    #[arg(long)]
    pub keep_fresh: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct GlobalArgs {
    /// Profile to use [env: PANCRED_PROFILE] [default: the context rule for here, else the store's default profile, else "default"]
    #[arg(long, global = true, value_name = "NAME", add = profile_names())]
    pub profile: Option<String>,
    /// Where profiles live [env: PANCRED_STORE] [default: auto]
    #[arg(long, global = true, value_enum, value_name = "STORE")]
    pub store: Option<StoreKind>,
    /// pancloud credentials file for the file store [env: PAN_CREDENTIALS_DBFILE] [default: ~/.config/pancloud/credentials.json]
    #[arg(long, global = true, value_name = "PATH")]
    pub credentials_file: Option<PathBuf>,
    /// Redis server for the redis store: redis://[USER][:PASSWORD@]HOST[:PORT][/DB] or rediss:// (TLS)
    /// [env: PANCRED_REDIS_URL; its other settings: `pancred --help`]
    #[arg(long, global = true, value_name = "URL")]
    pub redis_url: Option<String>,
    /// SQLite database for the sqlite store [env: PANCRED_SQLITE_PATH] [default: $XDG_DATA_HOME/pancred/credentials.sqlite3]
    #[arg(long, global = true, value_name = "PATH")]
    pub sqlite_path: Option<PathBuf>,
    /// memcached server for the memcached store: memcache://HOST[:PORT] [env: PANCRED_MEMCACHED_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub memcached_url: Option<String>,
    /// Seconds before expiry at which a token counts as expiring
    #[arg(long, global = true, default_value_t = crate::profile::DEFAULT_LEEWAY, value_name = "SECS")]
    pub leeway: i64,
    /// When a login is needed: log in only with a person at a terminal (auto), never (exit 6
    /// with the command to run), or always
    #[arg(long, global = true, value_enum, default_value_t, value_name = "WHEN")]
    pub login: LoginMode,
    /// Explicit client id (with the files below, these win over PAN_* variables and the store)
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,
    /// Read an explicit client secret from PATH ("-" for standard input); secrets never go in arguments
    #[arg(long, global = true, value_name = "PATH")]
    pub client_secret_file: Option<PathBuf>,
    /// Read an explicit refresh token from PATH ("-" for standard input)
    #[arg(long, global = true, value_name = "PATH")]
    pub refresh_token_file: Option<PathBuf>,
    /// Read an explicit access token from PATH ("-" for standard input)
    #[arg(long, global = true, value_name = "PATH")]
    pub access_token_file: Option<PathBuf>,
    /// Read a developer token from PATH ("-" for standard input)
    #[arg(long, global = true, value_name = "PATH")]
    pub developer_token_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Args, Default)]
pub struct JsonFlag {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One row per profile: name, default mark, dialect, token state, time left
    List(JsonFlag),
    /// One profile in full (secrets masked)
    Show(JsonFlag),
    /// Check the store, keyring, provider, clock and tool setup: one line each, each problem with its fix
    Doctor(JsonFlag),
    /// Store a profile from a JSON file of profile fields (like `summit.py -C --R0 FILE --write`)
    Init {
        /// JSON object of profile fields ("-" for standard input)
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Write it; without this, only check and print what would be stored
        #[arg(long)]
        write: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Prompt for CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN and PROFILE, then write them
    Generate,
    /// Delete the selected profile
    Remove {
        /// Do not ask for confirmation
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Make NAME the default profile
    Use {
        /// The profile to make the default (it must exist in the selected store)
        #[arg(add = profile_names())]
        name: String,
    },
    /// Rename profile OLD to NEW (the default mark follows); run again to finish one cut short
    Rename {
        /// The profile's name now
        #[arg(add = profile_names())]
        old: String,
        /// Its new name
        new: String,
    },
    /// Print an authorization URL (fresh state; PKCE in the oauth2 dialect)
    AuthUrl(JsonFlag),
    /// Authorize in the browser: serve the loopback redirect, exchange the code, store the tokens
    Login {
        /// Device authorization (RFC 8628): show a code to enter on any other device, and poll
        #[arg(long, conflicts_with = "port")]
        device: bool,
        /// Only print the URL; do not open a browser
        #[arg(long)]
        no_browser: bool,
        /// Listen on this port (0: any free port) instead of the redirect URI's
        #[arg(long, value_name = "N")]
        port: Option<u16>,
        /// Give up after this many seconds [default: 300; with --device: when the code expires]
        #[arg(long, value_name = "SECS")]
        timeout: Option<u64>,
        /// Accept tokens for another account than the one this profile belongs to (its pinned
        /// issuer and subject), and pin that one instead
        #[arg(long)]
        new_identity: bool,
    },
    /// Exchange an authorization code pasted by hand (pancloud's fetch_tokens)
    Exchange {
        /// The code ("-" to read it from standard input); codes may begin with a hyphen
        #[arg(long, allow_hyphen_values = true)]
        code: String,
    },
    /// Print a valid access token, refreshing first if it is missing or about to expire
    Token {
        /// Never refresh: print the cached token or fail if it is stale
        #[arg(long)]
        no_refresh: bool,
    },
    /// Print a DPoP proof (RFC 9449) for one request, for scripts: send it in a `DPoP` header
    /// with `Authorization: DPoP $(pancred token)`
    DpopProof {
        /// The request's HTTP method
        #[arg(long, value_name = "M")]
        method: String,
        /// The request's URL (its query and fragment are left out of the proof)
        #[arg(long, value_name = "U")]
        url: String,
        /// The nonce the server gave in its DPoP-Nonce header
        #[arg(long, value_name = "NONCE")]
        nonce: Option<String>,
        /// A proof for a token request: no access token hash (`ath`)
        #[arg(long)]
        no_token: bool,
    },
    /// Refresh now and store the result
    Refresh(JsonFlag),
    /// Revoke tokens at the provider (both when neither flag is given) and forget them
    Revoke {
        /// Revoke the access token only (the refresh token stays, unless the provider ends the grant)
        #[arg(long)]
        access_token: bool,
        /// Revoke the refresh token (at most providers this ends the whole grant)
        #[arg(long)]
        refresh_token: bool,
    },
    /// Run CMD with a fresh access token in PANCRED_ACCESS_TOKEN (and PAN_ACCESS_TOKEN for a
    /// pancloud-dialect profile); exits with CMD's code
    #[command(
        after_help = "The token is never put in CMD's arguments. SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 are passed on to CMD.\n\
With --serve, CMD also gets PANCRED_TOKEN_SOCKET (a Unix socket: GET /token answers JSON access_token, token_type, expires_at; GET /token.txt the token alone; GET /dpop-proof?method=M&url=U a DPoP proof for a DPoP profile), and PANCRED_TOKEN_URL with its bearer PANCRED_TOKEN_AUTH; `pancred token` asks them first. They end with CMD."
    )]
    Exec {
        /// Also put the token in variable NAME (repeatable)
        #[arg(long = "env", value_name = "NAME")]
        env: Vec<String>,
        /// While CMD runs, answer fresh tokens to it (and to whatever it forwards the socket to)
        #[arg(long)]
        serve: bool,
        /// With --serve: keep a fresh token in PATH (0600, rewritten before each expiry, removed at the end)
        #[arg(long, value_name = "PATH", requires = "serve")]
        token_file: Option<PathBuf>,
        /// The command and its arguments, after `--`
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<OsString>,
    },
    /// git's credential helper: git config credential.helper '!pancred --profile NAME git-credential'
    GitCredential {
        /// get, store or erase (git's operations; others are ignored)
        #[arg(value_name = "OPERATION")]
        operation: String,
        /// The username answered with the token
        #[arg(long, default_value = DEFAULT_USERNAME, value_name = "NAME")]
        username: String,
    },
    /// kubectl exec credential plugin: an ExecCredential with a fresh token (see the README)
    KubectlCredential {
        /// What kubectl asks for (kubectl sets KUBERNETES_EXEC_INFO, read when this is not given)
        #[arg(long, hide = true)]
        exec_info: Option<String>,
    },
    /// Move every profile of a pancloud credentials file into the selected store (tokens leave the file)
    #[command(
        after_help = "A profile's tokens are moved: the file keeps its settings, without tokens, and notes where they went, so one refresh token never lives in two places (a provider that detects reuse would end the grant). --copy keeps both copies."
    )]
    Import {
        /// The pancloud file [default: PAN_CREDENTIALS_DBFILE, else ~/.config/pancloud/credentials.json]
        #[arg(long, value_name = "PATH")]
        from: Option<PathBuf>,
        /// Leave the tokens in the file too (two live copies of each grant: refresh through one only)
        #[arg(long)]
        copy: bool,
        /// Replace a profile here that holds a different refresh token (another grant); without it the incoming one is stored as NAME-imported
        #[arg(long)]
        replace: bool,
    },
    /// Move every profile of the selected store into a pancloud credentials file (the reverse of import)
    #[command(
        after_help = "A profile's tokens are moved: the store keeps its settings, without tokens, so one refresh token never lives in two places. --copy keeps both copies."
    )]
    Export {
        /// The pancloud file to write (created 0600 if missing; its other profiles stay)
        #[arg(long, value_name = "PATH")]
        to: PathBuf,
        /// Leave the tokens in the store too (two live copies of each grant: refresh through one only)
        #[arg(long)]
        copy: bool,
        /// Replace a profile in the file that holds a different refresh token (another grant); without it the exported one is stored as NAME-imported
        #[arg(long)]
        replace: bool,
    },
    /// Context rules: the profile a folder, a git remote or a kube context chooses (see the README)
    #[command(name = "context", subcommand)]
    ContextRules(ContextAction),
    /// Print the script that registers pancred's shell completion (profile names included)
    #[command(
        after_help = "bash: mkdir -p ~/.local/share/bash-completion/completions && pancred completions bash > ~/.local/share/bash-completion/completions/pancred\nzsh: echo 'source <(pancred completions zsh)' >> ~/.zshrc\nfish: mkdir -p ~/.config/fish/completions && pancred completions fish > ~/.config/fish/completions/pancred.fish\nThe script calls pancred back for each completion, so new profiles complete at once."
    )]
    Completions { shell: clap_complete::Shell },
    /// Serve a local authorization server to try pancred against (loopback only; Ctrl-C stops it)
    Sandbox {
        /// Port on 127.0.0.1 (0: any free port)
        #[arg(long, default_value_t = DEFAULT_SANDBOX_PORT, value_name = "N")]
        port: u16,
        /// Lifetime of the access tokens it issues, in seconds
        #[arg(long, default_value_t = crate::sandbox::DEFAULT_TOKEN_LIFETIME, value_name = "SECS",
              value_parser = clap::value_parser!(i64).range(1..=86_400))]
        token_lifetime: i64,
    },
    /// Open the TUI on demo profiles against a built-in local provider (nothing is saved)
    Demo {
        /// Port of the built-in provider on 127.0.0.1 (0: any free port)
        #[arg(long, default_value_t = 0, value_name = "N")]
        port: u16,
        /// Append the provider's request log to FILE (watch it with `tail -f FILE`)
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
    },
}

/// `pancred context`'s actions on `$XDG_CONFIG_HOME/pancred/context.json`.
#[derive(Debug, Subcommand)]
pub enum ContextAction {
    /// The rules, numbered; `*` marks the one that chooses the profile here
    List(JsonFlag),
    /// Add a rule: PROFILE for a folder, a git remote or a kube context
    Add {
        #[command(flatten)]
        pattern: RulePattern,
        /// The profile the rule chooses
        #[arg(add = profile_names())]
        profile: String,
    },
    /// Remove rule N (as `list` numbers them)
    Remove {
        #[arg(value_name = "N")]
        number: usize,
    },
}

/// What a new context rule matches: one of the three.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct RulePattern {
    /// A folder and everything below it (made absolute)
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,
    /// A git remote: HOST[:PORT][/OWNER[/REPO]], e.g. github.com/acme
    #[arg(long, value_name = "PATTERN")]
    pub git_remote: Option<String>,
    /// A kube context (the kubeconfig's current-context)
    #[arg(long, value_name = "NAME")]
    pub kube_context: Option<String>,
}

/// When the helpers (`token`, `exec`, `git-credential`, `kubectl-credential`) may start a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LoginMode {
    /// Never log in: exit 6 when a login is needed
    Never,
    /// Log in only when a person is at a terminal
    #[default]
    Auto,
    /// Log in whenever one is needed
    Always,
}

/// Completion of profile names.
fn profile_names() -> ArgValueCandidates {
    ArgValueCandidates::new(profile_name_candidates)
}

/// The profile names of the store the environment selects, for shell completion (nothing when
/// the store cannot be opened: completion never prints an error into the user's prompt).
fn profile_name_candidates() -> Vec<CompletionCandidate> {
    let Ok(config) = crate::config::EngineConfig::from_env() else {
        return Vec::new();
    };
    let Ok(opened) = crate::Engine::open(&config) else {
        return Vec::new();
    };
    let names = opened.engine.store().profile_names().unwrap_or_default();
    names
        .into_iter()
        .filter(|n| !n.chars().any(char::is_control))
        .map(CompletionCandidate::new)
        .collect()
}
