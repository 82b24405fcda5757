//! The exit codes of the command line contract (shared/SPEC.md): one per kind of engine error.
//! The engine only says what went wrong; turning that into a process status is the CLI's job.

use crate::store::StoreError;
use crate::Error;

/// Every exit status and what it means, for the man pages and `--help` (one table: a test checks
/// that [`exit_code`] gives no other).
pub const EXIT_CODES: &[(i32, &str)] = &[
    (0, "done (doctor: all is well)"),
    (
        1,
        "any other failure: no such profile, `token --no-refresh` on a stale token, a login \
         timeout; doctor: something to fix",
    ),
    (
        2,
        "bad usage, a bad input file, or a local configuration problem (the message names the \
         setting that fixes it)",
    ),
    (3, "partial credentials"),
    (
        4,
        "the provider refused or failed (its error and error_description are shown)",
    ),
    (
        5,
        "the store failed (including a lock that cannot be taken in time)",
    ),
    (
        6,
        "a login is needed and cannot happen here (no person at a terminal, or --login never); \
         the message names the command to run",
    ),
    (130, "cancelled by the user"),
];

/// What `exec` exits with, beside the table.
pub const EXEC_NOTE: &str = "exec exits with its command's code.";

pub fn exit_code(e: &Error) -> i32 {
    match e {
        Error::Usage(_) | Error::Store(StoreError::Config(_)) => 2,
        // A setting the call needs is missing or unusable: the message names the fix.
        Error::Provider(o) if o.is_config() => 2,
        Error::PartialCredentials { .. } => 3,
        Error::Provider(_) => 4,
        Error::Store(_) => 5,
        Error::Cancelled => 130,
        Error::LoginNeeded { .. } => 6,
        Error::NoSuchProfile { .. } | Error::Other(_) => 1,
    }
}

/// The error line on stderr. Outside text inside the error (names, the provider's words) is
/// escaped; pancred's own line breaks stay.
pub fn report(e: &Error) {
    // A "no" (or Ctrl-C) is the user's choice, not a failure: a calm line, still exit 130.
    if matches!(e, Error::Cancelled) {
        eprintln!("pancred: cancelled");
        return;
    }
    eprintln!(
        "pancred: error: {}",
        crate::text::safe_lines(&e.to_string())
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::OAuthError;
    use rstest::rstest;

    #[rstest]
    #[case(Error::Usage("bad".into()), 2)]
    #[case(Error::Store(StoreError::Config("no url".into())), 2)]
    #[case(Error::PartialCredentials { profile: "p".into(), missing: vec!["client_id"] }, 3)]
    #[case(Error::Provider(OAuthError::Other("no".into())), 4)]
    #[case(Error::Provider(OAuthError::Config("set revoke_url".into())), 2)]
    #[case(Error::Provider(OAuthError::InsecureUrl { url: "http://x/t".into() }), 2)]
    #[case(Error::Store(StoreError::io("f", std::io::ErrorKind::PermissionDenied.into())), 5)]
    #[case(Error::Store(StoreError::Unavailable("down".into())), 5)]
    #[case(Error::Cancelled, 130)]
    #[case(Error::LoginNeeded { profile: "p".into(), why: "no terminal".into(), command: "pancred --profile p login".into() }, 6)]
    #[case(Error::NoSuchProfile { profile: "p".into(), location: "f".into() }, 1)]
    #[case(Error::Other("x".into()), 1)]
    fn each_kind_has_its_code(#[case] e: Error, #[case] code: i32) {
        assert_eq!(exit_code(&e), code, "{e:?}");
        // After "pancred: error: " a message goes on in lower case, as the others do.
        assert!(!e.to_string().starts_with(char::is_uppercase), "{e}");
        assert!(
            EXIT_CODES.iter().any(|(c, _)| *c == code),
            "{code} is not in the table"
        );
    }
}
