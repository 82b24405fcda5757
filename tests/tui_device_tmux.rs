//! The TUI's device login as a person does it: `pancred demo` in a real terminal (tmux), `a` then
//! Tab on the profile without tokens, the user code read off the screen and answered at the
//! sandbox's device page by a real HTTP client: refused once (the screen says so), then a new
//! code approved, and the TUI reports the login with the token valid.
#![cfg(feature = "cli")]

mod common;

use common::have_program;
use common::tmux::Tmux;
use pancred::sandbox::DEVICE_PAGE_PATH;
use std::time::{Duration, Instant};

const PROFILE: &str = "oauth2-new";
/// The sandbox's user codes: RFC 8628's consonants, `XXXX-XXXX`.
const ALPHABET: &str = "BCDFGHJKLMNPQRSTVWXZ";

/// The user code as the screen prints it once in plain letters: `code  WDJB-MJHT`.
fn user_code(screen: &str) -> Option<String> {
    screen.split("code  ").skip(1).find_map(|after| {
        let code: String = after.chars().take(9).collect();
        let ok = code.chars().enumerate().all(|(i, c)| {
            if i == 4 {
                c == '-'
            } else {
                ALPHABET.contains(c)
            }
        });
        (ok && code.len() == 9).then_some(code)
    })
}

/// The list row of `name` (left pane).
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find_map(|l| {
        let list = l.strip_prefix('│')?.split('│').next()?;
        let cells = &list[list.char_indices().nth(3)?.0..];
        cells.strip_prefix(name)?.strip_prefix(' ')
    })
}

/// A person answers at the device page, typing the code by hand.
fn answer(port: u16, code: &str, decision: &str) -> String {
    let url = format!("http://127.0.0.1:{port}{DEVICE_PAGE_PATH}");
    common::login::answer_sandbox_device_page(&url, &code.to_lowercase(), decision)
}

#[test]
fn device_login_in_the_tui_refused_then_approved_at_the_sandbox() {
    if !have_program("tmux") {
        return;
    }
    let (tmux, _dir, port, log) = Tmux::demo("device");
    tmux.wait("the demo profiles", |s| row(s, PROFILE).is_some());
    let start = Instant::now();
    while !tmux.screen().contains(&format!("▶  {PROFILE}")) {
        tmux.keys(&["j"]);
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "cannot select {PROFILE}"
        );
    }

    // `a` opens the browser login and offers the device code once discovery says it can.
    tmux.keys(&["a"]);
    tmux.wait("the device code offer", |s| s.contains("Tab device code"));
    tmux.keys(&["Tab"]);
    let screen = tmux.wait("a user code", |s| user_code(s).is_some());
    let first = user_code(&screen).unwrap_or_default();
    assert!(screen.contains("The code expires in "), "{screen}");
    assert!(
        screen.contains(&format!("http://127.0.0.1:{port}{DEVICE_PAGE_PATH}")),
        "{screen}"
    );
    assert!(
        !screen.contains("sbx-dc-"),
        "the device code is never shown:\n{screen}"
    );

    // Refused at the provider: the dialog and the status line say so.
    assert!(answer(port, &first, "deny").contains("Denied"));
    let refused = tmux.wait("the refusal", |s| {
        s.contains("denied at the provider (access_denied)")
    });
    assert!(refused.contains("Enter new code"), "{refused}");
    assert!(row(&refused, PROFILE).is_some_and(|r| r.contains("missing")));

    // Enter: a new code, approved this time.
    tmux.keys(&["Enter"]);
    let screen = tmux.wait("a second user code", |s| {
        user_code(s).is_some_and(|c| c != first)
    });
    let second = user_code(&screen).unwrap_or_default();
    assert!(answer(port, &second, "approve").contains("Approved"));
    let done = tmux.wait("the login reported", |s| {
        s.contains(&format!(
            "Authorized '{PROFILE}' with the device code: token valid"
        ))
    });
    let r = row(&done, PROFILE).unwrap_or_default();
    assert!(
        r.contains("valid") && !r.contains("missing"),
        "{r:?}\n{done}"
    );
    assert!(!done.contains("Authorize '"), "the dialog closed:\n{done}");

    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains("grant=urn:ietf:params:oauth:grant-type:device_code")
            && log_text.contains("200 tokens issued"),
        "the sandbox handed out tokens for the device code:\n{log_text}"
    );
    tmux.keys(&["q"]);
    let end = tmux.wait("pancred demo to exit", |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
}
