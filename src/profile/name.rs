//! The rule for profile names, one for every face and every store: not empty, no control
//! characters (nor the other characters [`crate::text`] escapes), no spaces at either end, at
//! most [`MAX_CHARS`] characters in any script.
//!
//! The rule applies where a name is made (`init`, `generate`, `import`, the TUI form, a store's
//! write of a profile it does not hold yet). A name that is already stored (pancloud's file
//! allows anything) still loads, refreshes, and can be removed or renamed to a good one.

use crate::text::Safe;

/// The longest name, in characters. Anything that grows with the name (lock files, keyring
/// entries) stays bounded: a lock file is named by a digest past a few dozen bytes.
pub const MAX_CHARS: usize = 128;

/// Why `name` cannot be a new profile's name, if it cannot.
pub fn check(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a profile needs a name".into());
    }
    if name.chars().any(crate::text::is_unsafe) {
        return Err(format!(
            "the profile name '{}' holds control characters; choose one without",
            Safe(name)
        ));
    }
    if name.trim() != name {
        return Err(format!(
            "the profile name '{}' begins or ends with a space",
            Safe(name)
        ));
    }
    let n = name.chars().count();
    if n > MAX_CHARS {
        return Err(format!(
            "the profile name is {n} characters long; the most is {MAX_CHARS}"
        ));
    }
    Ok(())
}

/// The check for a store's write: a name that breaks the rule may still be written when the
/// store already holds it (`exists` is asked only then), so old profiles keep working.
pub fn check_write<E>(
    name: &str,
    exists: impl FnOnce() -> Result<bool, E>,
) -> Result<Result<(), String>, E> {
    match check(name) {
        Ok(()) => Ok(Ok(())),
        Err(why) => Ok(if exists()? { Ok(()) } else { Err(why) }),
    }
}

/// The order profiles are shown in, by `pancred list` and the TUI's name sort alike.
pub fn shown_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.cmp(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_names() {
        let longest_in_any_script = "𝔘".repeat(MAX_CHARS);
        for good in [
            "default",
            "lab",
            "my lab",
            "prod-eu_1",
            "名前",
            "Ωμέγα",
            &longest_in_any_script,
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "a\nb",
            "\u{1b}[2Jx",
            "tab\t",
            " lead",
            "trail ",
            "rtl\u{202e}",
            &"x".repeat(MAX_CHARS + 1),
        ] {
            let why = check(bad).unwrap_err();
            assert!(!why.contains('\u{1b}') && !why.contains('\n'), "{why:?}");
        }
    }

    #[test]
    fn an_existing_bad_name_may_be_written() {
        let ok = |exists: bool| check_write::<()>("a\nb", || Ok(exists)).unwrap();
        assert!(ok(true).is_ok());
        assert!(ok(false).is_err());
        // A good name never asks the store.
        assert!(check_write::<()>("fine", || panic!("asked"))
            .unwrap()
            .is_ok());
    }
}
