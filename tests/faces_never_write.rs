//! The engine owns every write of a profile: the faces (the CLI, the TUI, the sandbox and its
//! demo) read stores through `StoreView`, which has no write methods, and hand changes to the
//! engine. This fails when a face brings a store's write methods back into reach.
#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};

const FACES: &[&str] = &["src/cli", "src/tui", "src/sandbox"];
/// A store's write methods need the `Store` trait in scope; these calls are the writes.
const FORBIDDEN: &[&str] = &[
    ".upsert(",
    ".set_default_profile(",
    "store::Store;",
    "store::Store as",
    "Store as _",
    "dyn Store",
    "SharedStore",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_face_calls_a_store_write() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for face in FACES {
        rust_files(&root.join(face), &mut files);
    }
    assert!(files.len() > 20, "found only {} face files", files.len());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for pat in FORBIDDEN {
                if code.contains(pat) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "faces must write through the engine, not the store:\n{}",
        found.join("\n")
    );
}
