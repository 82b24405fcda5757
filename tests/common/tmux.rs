//! A real terminal for tests: one tmux server on a private socket per test, one session `main`.

use std::process::Command;
use std::time::{Duration, Instant};

pub const SESSION: &str = "main";

pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new(tag: &str) -> Self {
        Tmux {
            socket: format!("pancred-{tag}-{}", std::process::id()),
        }
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts the shell line `cmd` in the session `main`, a terminal of `cols` x `rows`.
    pub fn start(&self, cols: u16, rows: u16, cmd: &str) {
        let (x, y) = (cols.to_string(), rows.to_string());
        self.run(&["new-session", "-d", "-s", SESSION, "-x", &x, "-y", &y, cmd]);
    }

    /// `pancred demo` at 120x35 on a free port, as a user starts it, logging its provider's
    /// requests to the returned file.
    pub fn demo(tag: &str) -> (Tmux, tempfile::TempDir, u16, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("sandbox.log");
        // A port the OS calls free; the demo takes it (and says so if it cannot).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cmd = format!(
            "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={home} {bin} demo --port {port} --log {log}; \
             echo EXIT=$?; sleep 60",
            home = dir.path().display(),
            bin = super::bin(),
            log = log.display(),
        );
        let tmux = Tmux::new(tag);
        tmux.start(120, 35, &cmd);
        (tmux, dir, port, log)
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", SESSION])
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Waits (generously: the machine may be loaded) until the screen satisfies `ok`.
    pub fn wait(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        self.wait_within(what, Duration::from_secs(60), ok)
    }

    /// A tmux format (`#{pane_pid}`, `#{alternate_on}`...) evaluated for the session's pane.
    pub fn display(&self, format: &str) -> String {
        self.run(&["display", "-p", "-t", SESSION, format])
    }
}

impl Tmux {
    /// Waits at most `limit` for the screen to satisfy `ok`, pressing no key: a test of how
    /// quickly the screen follows something that happened elsewhere.
    pub fn wait_within(&self, what: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < limit,
                "{what}: not on screen within {limit:?}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}
