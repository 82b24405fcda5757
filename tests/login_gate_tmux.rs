//! `--login auto` with a person at a terminal (tmux): concurrent callers share exactly one
//! login, a failed one is not retried within the minute, kubectl's `interactive: false` and
//! `GIT_TERMINAL_PROMPT=0` still start none, and without a browser the device flow runs.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::login::{browser_calls as calls, counting_browser, LOGIN_COMMAND as COMMAND};
use common::oidc::init;
use common::tmux::Tmux;
use common::{bin, have_program, Sandbox};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A profile of a real provider with no tokens yet, and a bash in tmux in `out/` with pancred on
/// PATH and a `$BROWSER` that counts its calls before driving the login in Chromium
/// (`BROWSER_LOGIN_ACTION` when `action` is given: `deny` refuses consent).
struct Terminal {
    sb: Sandbox,
    oidc: common::oidc::Oidc,
    tmux: Tmux,
    count: PathBuf,
    out: PathBuf,
}

fn terminal(tag: &str, action: Option<&str>) -> Option<Terminal> {
    terminal_with(tag, action, false)
}

/// `device`: a device-login profile, and no `$BROWSER` nor display (an SSH session).
fn terminal_with(tag: &str, action: Option<&str>, device: bool) -> Option<Terminal> {
    if !have_program("tmux") {
        return None;
    }
    let js = common::external("PANCRED_TEST_JS")?;
    let sb = Sandbox::new();
    let port = common::login::free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let oidc = common::oidc::Oidc::start_with(&[("PROVIDER_WEB_REDIRECTS", redirect.as_str())])?;
    if device {
        init(&sb, &oidc.device_profile("w"));
    } else {
        init(
            &sb,
            &oidc.profile("w", &common::oidc::basic_client(), &redirect),
        );
    }
    let node = format!("node {js}/browser-login.mjs");
    let (browser, count) = counting_browser(sb.path(), Some(&node));
    let out = sb.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let bindir = Path::new(bin()).parent().unwrap();
    let mut env = format!(
        "HOME={home} XDG_CONFIG_HOME={home}/.config XDG_STATE_HOME={home}/.local/state \
         TERM=xterm PANCRED_STORE=file PAN_CREDENTIALS_DBFILE={creds} \
         PATH={bindir}:/usr/local/bin:/usr/bin:/bin",
        home = sb.home.display(),
        creds = sb.creds.display(),
        bindir = bindir.display(),
    );
    if let Ok(chromium) = std::env::var("PANCRED_TEST_CHROMIUM") {
        env.push_str(&format!(" PANCRED_TEST_CHROMIUM={chromium}"));
    }
    if let Some(a) = action {
        env.push_str(&format!(" BROWSER_LOGIN_ACTION={a}"));
    }
    if !device {
        env.push_str(&format!(" BROWSER={}", browser.display()));
    }
    let tmux = Tmux::new(tag);
    tmux.start(
        150,
        40,
        &format!(
            "cd {} && env -i {env} bash --norc --noprofile",
            out.display()
        ),
    );
    Some(Terminal {
        sb,
        oidc,
        tmux,
        count,
        out,
    })
}

impl Terminal {
    /// Runs a shell line and waits for its `done-N` marker.
    fn run(&self, line: &str, n: u32) -> String {
        self.tmux
            .keys(&["-l", &format!("{line}; echo \"done-{n} rc=$?\"")]);
        self.tmux.keys(&["Enter"]);
        let marker = format!("done-{n} rc=");
        self.tmux
            .wait_within(&marker, Duration::from_secs(150), |s| {
                s.lines().any(|l| l.starts_with(&marker))
            })
    }
}

#[test]
fn in_a_terminal_concurrent_callers_share_one_login() {
    let Some(t) = terminal("login-share", None) else {
        return;
    };
    let screen = t.run(
        "for i in 1 2 3 4; do pancred --profile w token > tok.$i & done; wait",
        1,
    );
    let tokens: Vec<String> = (1..=4)
        .map(|i| std::fs::read_to_string(t.out.join(format!("tok.{i}"))).unwrap())
        .collect();
    assert_eq!(calls(&t.count), 1, "{screen}");
    assert!(!tokens[0].trim().is_empty(), "{screen}");
    assert!(
        tokens.iter().all(|x| x == &tokens[0]),
        "{tokens:?} {screen}"
    );
    assert_eq!(t.oidc.counts()["code"], 1);
    assert_eq!(
        common::oidc::stored(&t.sb, "w")["access_token"],
        json!(tokens[0].trim())
    );
}

#[test]
fn a_failed_login_is_remembered_and_the_next_caller_fails_fast() {
    let Some(t) = terminal("login-fail", Some("deny")) else {
        return;
    };
    let screen = t.run("pancred --profile w token", 1);
    assert_eq!(calls(&t.count), 1, "{screen}");
    assert!(!screen.contains("done-1 rc=0"), "{screen}");
    // Within the minute: no second browser, exit 6 at once, and the way out named.
    let started = Instant::now();
    let screen = t.run("clear; pancred --profile w token", 2);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(screen.contains("done-2 rc=6"), "{screen}");
    let joined = screen.replace('\n', "");
    assert!(
        joined.contains("failed") && joined.contains(COMMAND),
        "{screen}"
    );
    assert_eq!(calls(&t.count), 1, "{screen}");
    // --login always tries again (and is refused again).
    let screen = t.run("clear; pancred --profile w --login always token", 3);
    assert_eq!(calls(&t.count), 2, "{screen}");
}

#[test]
fn with_a_terminal_kubectl_non_interactive_and_git_without_prompts_still_never_log_in() {
    let Some(t) = terminal("login-callers", None) else {
        return;
    };
    let info = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#;
    let screen = t.run(
        &format!("KUBERNETES_EXEC_INFO='{info}' pancred --profile w kubectl-credential"),
        1,
    );
    assert!(screen.contains("done-1 rc=6"), "{screen}");
    assert!(
        screen.contains("kubectl runs it without a terminal"),
        "{screen}"
    );
    let screen = t.run(
        "clear; printf 'protocol=https\\nhost=git.example\\n\\n' | GIT_TERMINAL_PROMPT=0 pancred --profile w git-credential get",
        2,
    );
    assert!(screen.contains("done-2 rc=6"), "{screen}");
    assert!(screen.contains("GIT_TERMINAL_PROMPT=0"), "{screen}");
    let screen = t.run("clear; pancred --profile w --login never exec -- true", 3);
    assert!(screen.contains("done-3 rc=6"), "{screen}");
    assert_eq!(calls(&t.count), 0, "{screen}");
    // The same terminal, kubectl saying a person is there: the login starts and the token comes.
    let info = info.replace("false", "true");
    let screen = t.run(
        &format!("clear; KUBERNETES_EXEC_INFO='{info}' pancred --profile w kubectl-credential > kube.json"),
        4,
    );
    assert!(screen.contains("done-4 rc=0"), "{screen}");
    assert_eq!(calls(&t.count), 1, "{screen}");
    let kube = std::fs::read_to_string(t.out.join("kube.json")).unwrap();
    assert!(kube.contains("\"token\""), "{kube}");
}

#[test]
fn without_a_browser_the_login_is_the_device_flow_on_the_terminal() {
    let Some(t) = terminal_with("login-device", None, true) else {
        return;
    };
    t.tmux.keys(&[
        "-l",
        "pancred --profile w token > tok; echo \"done-1 rc=$?\"",
    ]);
    t.tmux.keys(&["Enter"]);
    let is_code = |l: &str| {
        let l = l.trim();
        l.len() == 9
            && l.chars().enumerate().all(|(i, c)| {
                if i == 4 {
                    c == '-'
                } else {
                    c.is_ascii_uppercase()
                }
            })
    };
    let screen = t.tmux.wait("the user code", |s| s.lines().any(is_code));
    let code = screen
        .lines()
        .find(|l| is_code(l))
        .unwrap()
        .trim()
        .to_string();
    t.oidc.device_person(&code, true);
    let screen = t.tmux.wait_within("done-1", Duration::from_secs(120), |s| {
        s.lines().any(|l| l.starts_with("done-1 rc="))
    });
    assert!(screen.lines().any(|l| l == "done-1 rc=0"), "{screen}");
    let token = std::fs::read_to_string(t.out.join("tok")).unwrap();
    assert!(!token.trim().is_empty());
    assert_eq!(calls(&t.count), 0);
}

/// A kubeconfig whose user runs pancred with kubectl's `interactiveMode` set to `mode`.
fn kubeconfig(dir: &Path, mode: &str) -> PathBuf {
    let path = dir.join(format!("kubeconfig-{mode}"));
    let doc = json!({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "pancred", "args": ["--profile", "w", "kubectl-credential"],
            "interactiveMode": mode}}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "c",
    });
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

#[test]
fn real_kubectl_in_a_terminal_logs_in_only_when_it_says_interactive() {
    if !have_program("kubectl") {
        return;
    }
    let Some(t) = terminal("login-kubectl", None) else {
        return;
    };
    let never = kubeconfig(t.sb.path(), "Never");
    let screen = t.run(
        &format!("kubectl --kubeconfig {} get --raw /api", never.display()),
        1,
    );
    assert!(screen.replace('\n', "").contains(COMMAND), "{screen}");
    assert_eq!(calls(&t.count), 0, "{screen}");
    // IfAvailable, on a terminal: kubectl says interactive, and the login happens.
    let available = kubeconfig(t.sb.path(), "IfAvailable");
    let screen = t.run(
        &format!(
            "clear; kubectl --kubeconfig {} get --raw /api",
            available.display()
        ),
        2,
    );
    assert_eq!(calls(&t.count), 1, "{screen}");
    let doc = common::oidc::stored(&t.sb, "w");
    assert!(doc["access_token"].is_string(), "{doc}");
}
