//! What `auto` says when no OS keyring answers and it uses pancloud's file instead.

/// What `auto` says on every command when it falls back to the file: one line (it also lands in
/// the stderr of `$(pancred token)`, and in the TUI's banner), pointing at `pancred doctor`.
pub fn fallback_warning(reason: &str, file: &str) -> String {
    format!(
        "no usable OS keyring ({}); secrets go to the file {file}. `pancred doctor` says how \
         to fix it; --store file (or PANCRED_STORE=file) silences this.",
        brief(reason)
    )
}

/// A reason's first clause, without the detail after it (a D-Bus address, an OS error): the
/// warning that `auto` repeats on every command stays one line; `pancred doctor` gives the rest.
fn brief(reason: &str) -> &str {
    let cut = [" (", "; ", ": ", ".\n"]
        .iter()
        .filter_map(|sep| reason.match_indices(sep).map(|(i, _)| i).find(|&i| i >= 30))
        .min();
    match cut {
        Some(i) => &reason[..i],
        None => reason.trim_end_matches('.'),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fallback_warning_is_one_line_without_the_detail() {
        let w = super::fallback_warning(
            "no D-Bus session bus for the Secret Service (Failed to connect to address \
             `unix:path=/run/user/0/bus`: No such file or directory (os error 2))",
            "/home/me/.config/pancloud/credentials.json",
        );
        assert!(!w.contains('\n') && !w.contains("os error"), "{w}");
        assert!(
            w.starts_with("no usable OS keyring (no D-Bus session bus for the Secret Service);")
        );
        let locked = super::brief("the Secret Service's default collection is locked; unlock it");
        assert_eq!(locked, "the Secret Service's default collection is locked");
        let kernel = super::brief(
            "PANCRED_KEYRING=keyutils: this process has only the user's default session keyring \
             (_uid_ses.0), shared by all; run pancred inside a session keyring",
        );
        assert_eq!(
            kernel,
            "PANCRED_KEYRING=keyutils: this process has only the user's default session keyring"
        );
    }
}
