use super::*;
use rstest::rstest;
#[cfg(unix)]
use std::os::unix::ffi::OsStrExt;

fn settings(pairs: &[(&str, &str)]) -> Result<Settings, Error> {
    Settings::from_env(&Env::from_pairs(pairs.iter().copied()))
}

#[rstest]
#[case(LOCK_TIMEOUT, "abc")]
#[case(LOCK_TIMEOUT, "-1")]
#[case(LOCK_TIMEOUT, "1e300")]
#[case(LOCK_TIMEOUT, "inf")]
#[case(LOCK_TIMEOUT, "NaN")]
#[case(HTTP_TIMEOUT, "abc")]
#[case(HTTP_TIMEOUT, "0")]
#[case(HTTP_TIMEOUT, "-0.5")]
#[case(STORE, "bogus")]
#[case(KEYRING, "kwallet")]
#[case(REDIS_TIMEOUT_MS, "abc")]
#[case(REDIS_LOCK_TTL_MS, "0")]
#[case(REDIS_LOCK_TTL_MS, "99999999999999999999")]
#[case(MEMCACHED_TIMEOUT_MS, "1e3")]
#[case(MEMCACHED_LOCK_TTL_MS, "-5")]
#[case(REDIS_ALLOW_EVICTION, "yes")]
fn a_bad_value_is_a_usage_error_naming_the_variable(#[case] var: &str, #[case] value: &str) {
    let err = settings(&[(var, value)]).unwrap_err();
    assert!(matches!(err, BadSetting(_)), "{err:?}");
    assert!(err.to_string().contains(var), "{err}");
}

#[test]
fn blank_numbers_and_names_are_unset_everywhere_alike() {
    // One rule for every variable: a value of spaces means unset for a number or a name.
    let s = settings(&[
        (REDIS_LOCK_TTL_MS, " "),
        (MEMCACHED_TIMEOUT_MS, "  "),
        (LOCK_TIMEOUT, " "),
        (STORE, " "),
    ])
    .unwrap();
    assert_eq!(s.redis.lock_ttl, None);
    assert_eq!(s.memcached.timeout, None);
    assert_eq!(s.lock_timeout, None);
    assert_eq!(s.store, None);
}

#[test]
fn good_values_are_taken() {
    let s = settings(&[
        (LOCK_TIMEOUT, " 2.5 "),
        (HTTP_TIMEOUT, "7"),
        (STORE, "File"),
        (KEYRING, "keyutils"),
        (REDIS_LOCK_TTL_MS, "1500"),
        (REDIS_ALLOW_EVICTION, "1"),
        (PROFILE, "work"),
        (CLIENT_ID, "id"),
        (NO_COLOR, "1"),
    ])
    .unwrap();
    assert_eq!(s.lock_timeout, Some(Duration::from_millis(2500)));
    assert_eq!(s.http_timeout, Some(Duration::from_secs(7)));
    assert_eq!(s.store, Some(StoreKind::File));
    assert_eq!(s.keyring, KeyringChoice::KeyUtils);
    assert_eq!(s.redis.lock_ttl, Some(Duration::from_millis(1500)));
    assert!(s.redis.allow_eviction);
    assert_eq!(s.profile.as_deref(), Some("work"));
    assert_eq!(s.pan.client_id.as_deref(), Some("id"));
    assert!(s.no_color && !s.desktop);
}

#[cfg(unix)]
#[rstest]
#[case(PROFILE)]
#[case(STORE)]
#[case(REDIS_URL)]
#[case(CLIENT_SECRET)]
#[case(EXEC_INFO)]
fn a_value_that_is_not_utf8_is_refused_by_name(#[case] var: &str) {
    let env = Env::from_pairs([(var, OsStr::from_bytes(b"w\xffrk"))]);
    let err = Settings::from_env(&env).unwrap_err();
    assert!(matches!(err, BadSetting(_)), "{err:?}");
    assert!(err.to_string().contains(var), "{err}");
}

#[cfg(unix)]
#[test]
fn a_path_may_be_any_bytes() {
    let env = Env::from_pairs([(SQLITE_PATH, OsStr::from_bytes(b"/tmp/\xff.db"))]);
    let s = Settings::from_env(&env).unwrap();
    assert_eq!(
        s.sqlite_path.unwrap().as_os_str().as_bytes(),
        b"/tmp/\xff.db"
    );
}

#[test]
fn names_outside_the_table_are_never_read() {
    let env = Env::from_pairs([("PANCRED_NOT_A_SETTING", "x"), ("COMPLETE", "bash")]);
    assert!(!env.is_set("PANCRED_NOT_A_SETTING") && !env.is_set("COMPLETE"));
}

#[test]
fn every_name_is_in_the_table_once() {
    let mut names: Vec<&str> = TABLE.iter().map(|v| v.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
    // The completion callback is read by clap's engine, never captured as a setting.
    assert!(row(COMPLETE).is_none());
}

#[test]
fn the_help_list_fits_80_columns_under_its_own_column() {
    let help = help_list();
    let column = help
        .lines()
        .nth(1)
        .and_then(|l| l.find("profile to use"))
        .unwrap();
    for line in help.lines().skip(1) {
        assert!(line.chars().count() < 80, "too wide: {line}");
        // A wrapped description continues under its column, never at the left edge.
        let indent = line.len() - line.trim_start().len();
        assert!(indent == 2 || indent == column, "uneven: {line}");
    }
}

#[test]
fn the_help_list_shows_every_listed_variable_with_its_default() {
    let help = help_list();
    // (A long default may wrap onto the next line.)
    let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for v in TABLE {
        let row = help
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("{} ", v.name)));
        assert_eq!(row, v.listed, "{}", v.name);
        if v.listed && !v.default.is_empty() {
            assert!(
                flat.contains(&format!("[default: {}]", v.default)),
                "{}",
                v.name
            );
        }
    }
}

#[cfg(feature = "redis")]
#[test]
fn the_redis_defaults_shown_are_the_ones_used() {
    use crate::store::redis as r;
    assert_eq!(row(REDIS_PREFIX).unwrap().default, r::DEFAULT_PREFIX);
    assert_eq!(
        row(REDIS_LOCK_TTL_MS).unwrap().default,
        r::DEFAULT_LOCK_TTL.as_millis().to_string()
    );
    assert_eq!(
        row(REDIS_TIMEOUT_MS).unwrap().default,
        r::DEFAULT_TIMEOUT.as_millis().to_string()
    );
}

#[cfg(feature = "memcached")]
#[test]
fn the_memcached_defaults_shown_are_the_ones_used() {
    use crate::store::memcached as m;
    assert_eq!(row(MEMCACHED_PREFIX).unwrap().default, m::DEFAULT_PREFIX);
    assert_eq!(
        row(MEMCACHED_LOCK_TTL_MS).unwrap().default,
        m::DEFAULT_LOCK_TTL.as_millis().to_string()
    );
    assert_eq!(
        row(MEMCACHED_TIMEOUT_MS).unwrap().default,
        m::DEFAULT_TIMEOUT.as_millis().to_string()
    );
}

#[test]
fn the_seconds_defaults_shown_are_the_ones_used() {
    use crate::config as c;
    assert_eq!(
        row(LOCK_TIMEOUT).unwrap().default,
        c::DEFAULT_LOCK_TIMEOUT.as_secs().to_string()
    );
    assert_eq!(
        row(HTTP_TIMEOUT).unwrap().default,
        c::DEFAULT_HTTP_TIMEOUT.as_secs().to_string()
    );
}

#[test]
fn the_readme_lists_every_setting_and_no_other() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("## Configuration")
        .expect("a Configuration section");
    let section = &readme[start..];
    let section = &section[..section.find("\n### ").unwrap_or(section.len())];
    for v in TABLE.iter().filter(|v| v.listed) {
        assert!(
            section.contains(&format!("`{}`", v.name)),
            "the README lacks {}",
            v.name
        );
    }
    for word in section.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if (word.starts_with("PANCRED_") || word.starts_with("PAN_")) && !word.ends_with('_') {
            assert!(
                row(word).is_some(),
                "the README lists {word}, which pancred does not read"
            );
        }
    }
}

#[test]
fn every_name_constant_is_a_row_of_the_table() {
    // A name declared and read but missing from the table would never be captured.
    let source = include_str!("env.rs");
    let table = &source[source.find("pub const TABLE").unwrap()..];
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("pub const ") else {
            continue;
        };
        let Some((name, value)) = rest.split_once(": &str = ") else {
            continue;
        };
        if name == "COMPLETE" {
            continue;
        }
        let value = value.trim_end_matches(';').trim_matches('"');
        assert!(row(value).is_some(), "{name} ({value}) is not in TABLE");
        assert!(table.contains(&format!("({name},")), "{name}");
    }
}
