//! Opening a URL for the person at the keyboard: `$BROWSER` when set (the convention of Python's
//! webbrowser, git and gh), else the desktop's opener.

use std::process::{Command, Stdio};

/// Where a browser command's own output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chatter {
    /// To stderr (the CLI: stdout carries only results).
    Stderr,
    /// Nowhere (the TUI: anything printed would tear the screen).
    Silent,
}

/// Opens `url` with `$BROWSER`, else, in a desktop session (`desktop`; macOS and Windows always
/// are), with the desktop's opener; on failure says why in a few words (the URL is already on
/// screen), so the caller can tell the person to open it by hand. The URL is an argument on
/// purpose: it holds only the state and the PKCE challenge, no secret.
pub fn open(url: &str, desktop: bool) -> Result<String, String> {
    if let Some(list) = browser_list() {
        return open_with(&list, url, Chatter::Stderr);
    }
    if !(desktop || cfg!(any(target_os = "macos", windows))) {
        return Err("no browser here (no desktop session, and $BROWSER is not set)".into());
    }
    open::that_detached(url)
        .map(|()| "the desktop's default browser".to_string())
        .map_err(|_| "the desktop's opener could not start a browser".to_string())
}

/// `$BROWSER`, when set to something.
pub fn browser_list() -> Option<String> {
    std::env::var("BROWSER")
        .ok()
        .filter(|l| !l.trim().is_empty())
}

/// `$BROWSER` is a list of commands separated like PATH; in each, `%s` stands for the URL, else
/// the URL is appended. The first command that starts is used.
pub fn open_with(list: &str, url: &str, chatter: Chatter) -> Result<String, String> {
    let sep = if cfg!(windows) { ';' } else { ':' };
    let mut failures = Vec::new();
    for entry in list.split(sep).filter(|e| !e.trim().is_empty()) {
        let argv = command_line(entry, url);
        let Some((program, args)) = argv.split_first() else {
            continue;
        };
        let mut cmd = Command::new(program);
        cmd.args(args).stdin(Stdio::null());
        match chatter {
            Chatter::Stderr => cmd.stdout(stdout_to_stderr()),
            Chatter::Silent => cmd.stdout(Stdio::null()).stderr(Stdio::null()),
        };
        match cmd.spawn() {
            Ok(mut child) => {
                let name = program.clone();
                // Reaped in the background: a browser command may run as long as the login.
                std::thread::spawn(move || {
                    if let Ok(status) = child.wait() {
                        if !status.success() && chatter == Chatter::Stderr {
                            eprintln!(
                                "pancred: the $BROWSER command '{name}' ended with {status}; \
                                 open the URL above yourself if no browser came up"
                            );
                        }
                    }
                });
                return Ok(format!("$BROWSER ({program})"));
            }
            Err(e) => failures.push(format!("'{program}': {e}")),
        }
    }
    Err(format!(
        "no command in $BROWSER could be started ({})",
        failures.join("; ")
    ))
}

fn command_line(entry: &str, url: &str) -> Vec<String> {
    let words = split_words(entry);
    let mut argv: Vec<String> = words.iter().map(|w| w.replace("%s", url)).collect();
    if !words.iter().any(|w| w.contains("%s")) {
        argv.push(url.to_string());
    }
    argv
}

/// Splits like a POSIX shell without expansions (Python's webbrowser uses shlex): quotes group
/// words, a backslash escapes the next character outside single quotes.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => word.get_or_insert_with(String::new).push(c),
            (_, '\\') => {
                if let Some(next) = chars.next() {
                    word.get_or_insert_with(String::new).push(next);
                }
            }
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// A browser's chatter must not reach stdout, which carries only results.
fn stdout_to_stderr() -> Stdio {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() {
            return Stdio::from(fd);
        }
    }
    Stdio::null()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_s_or_appended() {
        assert_eq!(command_line("firefox", "http://u"), ["firefox", "http://u"]);
        assert_eq!(
            command_line("  w3m -o x %s ", "http://u"),
            ["w3m", "-o", "x", "http://u"]
        );
        assert_eq!(command_line("sh -c echo-%s", "U"), ["sh", "-c", "echo-U"]);
        assert_eq!(
            command_line(r#"'/opt/My Browser/run' --new-tab "%s""#, "U"),
            ["/opt/My Browser/run", "--new-tab", "U"]
        );
        assert_eq!(
            command_line(r"my\ browser ''", "U"),
            ["my browser", "", "U"]
        );
    }

    #[test]
    fn the_first_command_that_starts_wins() {
        let used = open_with(
            "/nonexistent/browser-a::true",
            "http://127.0.0.1/",
            Chatter::Silent,
        )
        .unwrap();
        assert_eq!(used, "$BROWSER (true)");
        let err = open_with("/nonexistent/a:/nonexistent/b", "x", Chatter::Silent).unwrap_err();
        assert!(
            err.contains("/nonexistent/a") && err.contains("/nonexistent/b"),
            "{err}"
        );
    }
}
