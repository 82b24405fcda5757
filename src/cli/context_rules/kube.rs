//! The kubeconfig's `current-context`, read from its file without running kubectl: the first file
//! of `$KUBECONFIG` that sets it (kubectl's merge rule: the first value wins), else
//! `~/.kube/config`. kubectl's `--context` flag is not visible to its credential plugin; see the
//! README.

use crate::files::{home_dir, read_regular, MAX_DATA_FILE};
use std::path::{Path, PathBuf};

/// The current context's name, when a kubeconfig names one.
pub fn current_context(kubeconfig: Option<&Path>) -> Option<String> {
    let files: Vec<PathBuf> = match kubeconfig {
        Some(list) => std::env::split_paths(list.as_os_str())
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        None => vec![home_dir()?.join(".kube/config")],
    };
    files.iter().find_map(|f| {
        let bytes = read_regular(f, MAX_DATA_FILE).ok()??;
        from_text(&String::from_utf8_lossy(&bytes))
    })
}

/// The top-level `current-context` of a kubeconfig: YAML's `current-context:` line (plain, or
/// quoted as kubectl writes it when it must), or the JSON member (kubectl reads JSON too, and
/// keeps a file's JSON until it changes it).
pub(super) fn from_text(text: &str) -> Option<String> {
    if text.trim_start().starts_with('{') {
        let doc: serde_json::Value = serde_json::from_str(text).ok()?;
        let value = doc.get("current-context")?.as_str()?;
        return (!value.is_empty()).then(|| value.to_string());
    }
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix("current-context:"))?
        .trim();
    let value = match value.chars().next() {
        Some(q @ ('"' | '\'')) => value[1..].split(q).next()?,
        _ => value.split(" #").next()?.trim(),
    };
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_level_current_context() {
        let doc = "apiVersion: v1\ncontexts:\n- context:\n    current-context: no\n  name: a\n\
                   current-context: prod-eu # mine\nkind: Config\n";
        assert_eq!(from_text(doc).as_deref(), Some("prod-eu"));
        assert_eq!(
            from_text("current-context: \"a b\"\n").as_deref(),
            Some("a b")
        );
        assert_eq!(from_text("current-context: ''\n"), None);
        assert_eq!(from_text("current-context:\n"), None);
        assert_eq!(from_text("kind: Config\n"), None);
        let json = r#"{"kind": "Config", "contexts": [{"name": "a", "current-context": "no"}],
                       "current-context": "prod"}"#;
        assert_eq!(from_text(json).as_deref(), Some("prod"));
        assert_eq!(from_text("{not json"), None);
    }
}
