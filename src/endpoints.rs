//! The notes `pancred exec --serve` keeps while its token endpoint runs (which profile, which
//! command, how many answers), in `$XDG_RUNTIME_DIR/pancred/` (0700): what the TUI's activity
//! pane lists. A note names no secret: never the token, the bearer or the command's arguments.

use crate::files;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A note is a few hundred bytes.
const MAX_NOTE: u64 = 64 * 1024;

/// One running endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub pid: u32,
    pub profile: String,
    /// The program's name, without its arguments.
    pub command: String,
    pub socket: PathBuf,
    pub url: String,
    pub started_at: i64,
    pub answers: u64,
}

/// "1 answer", "17 answers".
pub fn answers_text(n: u64) -> String {
    format!("{n} answer{}", if n == 1 { "" } else { "s" })
}

/// The folder of endpoints and their notes.
pub fn dir() -> PathBuf {
    files::runtime_dir().join("pancred")
}

impl Note {
    /// Where this process's note goes.
    pub fn path_for(pid: u32) -> PathBuf {
        dir().join(format!("serve-{pid}.json"))
    }

    /// Writes the note (atomically, 0600).
    // pancred's own run-time note, not a profile: no store is written.
    #[allow(clippy::disallowed_methods)]
    pub fn write(&self, path: &Path) {
        if let Ok(bytes) = serde_json::to_vec(self) {
            let _ = files::write_atomic(path, &bytes);
        }
    }
}

/// The endpoints running now, oldest first: notes whose process is alive (a note left by a
/// process that died is skipped).
pub fn live() -> Vec<Note> {
    live_in(&dir())
}

pub fn live_in(folder: &Path) -> Vec<Note> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut notes: Vec<Note> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("serve-") && name.ends_with(".json")
        })
        .filter_map(|e| read(&e.path()))
        .filter(|n| alive(n.pid))
        .collect();
    notes.sort_by_key(|n| (n.started_at, n.pid));
    notes
}

fn read(path: &Path) -> Option<Note> {
    use std::io::Read;
    let mut text = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_NOTE)
        .read_to_end(&mut text)
        .ok()?;
    serde_json::from_slice(&text).ok()
}

#[cfg(target_os = "linux")]
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
fn alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)]
mod tests {
    use super::*;

    #[test]
    fn only_notes_of_living_processes_are_listed() {
        let tmp = tempfile::tempdir().unwrap();
        let mine = Note {
            pid: std::process::id(),
            profile: "lab".into(),
            command: "make".into(),
            socket: "/x/token.sock".into(),
            url: "http://127.0.0.1:1/token".into(),
            started_at: 1,
            answers: 3,
        };
        mine.write(&tmp.path().join(format!("serve-{}.json", mine.pid)));
        let dead = Note {
            pid: u32::MAX - 1,
            ..mine.clone()
        };
        dead.write(&tmp.path().join("serve-dead.json"));
        std::fs::write(tmp.path().join("serve-junk.json"), b"{not json").unwrap();
        assert_eq!(live_in(tmp.path()), vec![mine]);
    }
}
