//! One summary line per request: time, method, path, grant type, client id, client
//! authentication and outcome. Token values and secrets never reach it: handlers pass only
//! names and their own fixed descriptions, and whatever came from the request is cleaned.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Where the request log goes.
pub type LogSink = Arc<dyn Fn(&str) + Send + Sync>;

pub fn stdout_sink() -> LogSink {
    Arc::new(|line| println!("{line}"))
}

/// Lines kept in memory (tests, or a program that shows them itself).
pub fn memory_sink() -> (LogSink, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let keep = lines.clone();
    let sink: LogSink = Arc::new(move |line| {
        keep.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.to_string())
    });
    (sink, lines)
}

/// Appends to a file (`pancred demo --log FILE`, to watch the provider's side from another terminal).
// The sandbox's own request log, a file the user named: no secret of a profile goes there.
#[allow(clippy::disallowed_methods)]
pub fn file_sink(path: &Path) -> std::io::Result<LogSink> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let file = Mutex::new(file);
    Ok(Arc::new(move |line| {
        let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(f, "{line}");
    }))
}

/// What one request amounts to.
#[derive(Debug, Default)]
pub struct Entry<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub grant: Option<&'a str>,
    /// `token_type_hint` of a revocation.
    pub hint: Option<&'a str>,
    pub client: Option<&'a str>,
    pub auth: Option<&'a str>,
    pub outcome: String,
}

#[derive(Clone, Default)]
pub struct RequestLog {
    sink: Option<LogSink>,
}

impl RequestLog {
    pub fn new(sink: Option<LogSink>) -> Self {
        RequestLog { sink }
    }

    pub fn record(&self, e: Entry<'_>) {
        let Some(sink) = &self.sink else { return };
        sink(&format_entry(
            &e,
            crate::clock::Clock::now(&crate::clock::SystemClock),
        ));
    }
}

pub fn format_entry(e: &Entry<'_>, now: i64) -> String {
    let secs = now.rem_euclid(86_400);
    let mut line = format!(
        "{:02}:{:02}:{:02} {} {}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        e.method,
        clean(e.path, 80)
    );
    for (name, value) in [
        ("grant", e.grant),
        ("hint", e.hint),
        ("client", e.client),
        ("auth", e.auth),
    ] {
        if let Some(v) = value {
            line.push_str(&format!(" {name}={}", clean(v, 64)));
        }
    }
    line.push_str(" -> ");
    line.push_str(&clean(&e.outcome, 200));
    line
}

/// Request-supplied text made safe for a terminal: printable ASCII only, and short.
fn clean(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    if s.chars().count() > max {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_one_short_clean_line() {
        let e = Entry {
            method: "POST",
            path: "/token",
            grant: Some("refresh_token"),
            hint: None,
            client: Some("evil\x1b[2J\nclient"),
            auth: Some("client_secret_basic"),
            outcome: "200 tokens issued".into(),
        };
        let line = format_entry(&e, 3_661);
        assert_eq!(
            line,
            "01:01:01 POST /token grant=refresh_token client=evil?[2J?client auth=client_secret_basic -> 200 tokens issued"
        );
        let long = "x".repeat(500);
        let e = Entry {
            client: Some(&long),
            ..Default::default()
        };
        assert!(format_entry(&e, 0).len() < 120);
    }
}
