//! Which `credential.helper` values keep a copy of what git hands them, and whether one comes
//! before pancred: git's helper warns on `store`, and `doctor` checks the global list.

/// Helpers that keep what git hands them (their names without `git-credential-`).
const STORING: &[&str] = &[
    "store",
    "cache",
    "osxkeychain",
    "libsecret",
    "gnome-keyring",
    "wincred",
    "manager",
    "manager-core",
    "keepassxc",
    "pass",
];

/// The first storing helper that git runs before pancred, if any (an empty value clears the
/// list, as in git).
pub fn storing_before_pancred(helpers: &[String]) -> Option<&str> {
    let mut first_storing = None;
    for value in helpers {
        if value.trim().is_empty() {
            first_storing = None;
            continue;
        }
        if runs_pancred(value) {
            return first_storing;
        }
        if first_storing.is_none() && STORING.contains(&program(value)) {
            first_storing = Some(value.as_str());
        }
    }
    None
}

/// Whether a `credential.helper` value runs pancred.
pub fn runs_pancred(value: &str) -> bool {
    program(value).starts_with("pancred")
}

/// The program a helper value runs, as git names it: `store --file X` is `store`,
/// `/usr/lib/git-core/git-credential-libsecret` is `libsecret`, `!pancred ...` is `pancred`.
fn program(value: &str) -> &str {
    let first = value
        .trim_start_matches('!')
        .split_whitespace()
        .next()
        .unwrap_or_default();
    let name = first.rsplit('/').next().unwrap_or(first);
    name.strip_prefix("git-credential-").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(list: &[&str]) -> Option<String> {
        let v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        storing_before_pancred(&v).map(str::to_string)
    }

    #[test]
    fn a_storing_helper_before_pancred_is_found() {
        let me = "!/usr/bin/pancred --profile w git-credential";
        assert_eq!(first(&["store", me]).as_deref(), Some("store"));
        assert_eq!(
            first(&["cache --timeout 300", me]).as_deref(),
            Some("cache --timeout 300")
        );
        assert_eq!(
            first(&["/usr/lib/git-core/git-credential-libsecret", me]).as_deref(),
            Some("/usr/lib/git-core/git-credential-libsecret")
        );
        assert_eq!(first(&[me, "store"]), None);
        assert_eq!(first(&["store", "", me]), None);
        assert_eq!(first(&["store"]), None);
        assert_eq!(first(&["!my-own-script", me]), None);
    }
}
