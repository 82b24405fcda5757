//! A mutation fuzzer for every parser that takes outside input: the credentials file, JWTs,
//! token answers, provider metadata, the loopback request reader, pasted redirect URLs, the
//! context rules (with the kubeconfig and git files they read), and the terminal-safe text rule. Seeds are `tests/fuzz-corpus/*`; each round mutates one (flips,
//! cuts, repeats, splices in edge values) and feeds it to its parser, which must not panic.
//!
//! `cargo test --lib fuzz` runs a short campaign (part of the test command);
//! `PANCRED_FUZZ_ROUNDS=200000 PANCRED_FUZZ_SEED=N` runs a longer or a repeated one. An input
//! that panics is written to `target/fuzz-failures/` and named in the failure: add it to the
//! corpus once fixed, and it is replayed on every run.

// Seeds files to parse and keeps failing inputs: test scaffolding, not a profile's write.
#![allow(clippy::disallowed_methods)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;

/// Values that break naive parsers: number edges, nesting, escapes, control characters.
const SPLICES: &[&[u8]] = &[
    b"-9223372036854775808",
    b"9223372036854775807",
    b"18446744073709551616",
    b"1e300",
    b"-1e999",
    b"NaN",
    b"\"\"",
    b"null",
    b"[[[[[[[[[[[[[[[[",
    b"{\"a\":",
    b"\\u0000",
    b"\\ud800",
    b"\x1b]52;c;aGk=\x07",
    b"\r\n\r\n",
    b"%00%ff%",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"....",
    b"=&=&",
];

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("tests/fuzz-corpus")
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    seeds.sort();
    seeds
}

fn mutate(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let at = rng.random_range(0..=out.len());
        match rng.random_range(0..6) {
            0 if !out.is_empty() => {
                let i = at.min(out.len() - 1);
                out[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let end = (at + rng.random_range(0..16)).min(out.len());
                out.drain(at..end);
            }
            2 => {
                let splice = SPLICES[rng.random_range(0..SPLICES.len())];
                out.splice(at..at, splice.iter().copied());
            }
            3 => {
                let end = (at + rng.random_range(0..32)).min(out.len());
                let piece = out[at..end].to_vec();
                out.splice(at..at, piece);
            }
            4 => out.insert(at, rng.random()),
            _ => out.truncate(at),
        }
    }
    out
}

/// Feeds one input to the parser its seed is for. Must never panic.
fn run_one(seed_name: &str, input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    match seed_name.rsplit('.').next().unwrap_or_default() {
        "json" => {
            // The credentials file through the file store, as a user's file would be read.
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("credentials.json");
            std::fs::write(&path, input).expect("write");
            let store = crate::store::file::FileStore::new(&path);
            use crate::store::Store as _;
            if let Ok(profiles) = store.list() {
                for p in &profiles {
                    let s = crate::summary::ProfileSummary::new(p, false, 1_700_000_000, 60);
                    let _ = (s.time_left(), s.lifetime_used(i64::MAX));
                }
                let _ = store.upsert(&crate::profile::Profile::new("fuzz"));
            }
            // Token answers, metadata and device answers: any provider body.
            for status in [200, 400, 503] {
                if let Ok(map) = crate::oauth::response::parse(
                    "http://127.0.0.1:1/t",
                    status,
                    Some("application/json"),
                    input,
                    false,
                ) {
                    let _ =
                        crate::oauth::response::token_response("http://127.0.0.1:1/t", 200, &map);
                    let _ = crate::oauth::device::parse_authorization(
                        "http://127.0.0.1:1/d",
                        200,
                        &map,
                    );
                }
            }
        }
        // The context rules file, and the kubeconfig and git files and URLs they read.
        #[cfg(feature = "cli")]
        "rules" => crate::cli::fuzz_context_rules(input),
        "jwt" => {
            if let Some(c) = crate::jwt::claims(&text) {
                let _ = crate::jwt::claim_seconds(&c, "exp");
                let _ = c.values().map(crate::jwt::claim_text).count();
            }
            let mut p = crate::profile::Profile::new("p");
            p.set_access_token(
                crate::secret::Secret::new(text.to_string()),
                Some(i64::MAX),
                1,
            );
            let _ = p.token_state(i64::MIN, i64::MAX);
        }
        "http" => {
            let limits = crate::loopback::Limits::default();
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime");
            let mut reader = input;
            let _ = rt.block_on(crate::loopback::read_head_for_fuzz(&mut reader, &limits));
        }
        _ => {
            let _ = crate::loopback::parse_pasted(&text, "st");
        }
    }
    // Whatever it is, the terminal-safe rendering of it holds nothing a terminal obeys.
    assert!(!crate::text::safe(&text).chars().any(crate::text::is_unsafe));
}

#[test]
fn fuzz_the_parsers_of_outside_input() {
    let rounds: usize = std::env::var("PANCRED_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    let seed: u64 = std::env::var("PANCRED_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    let seeds = corpus();
    assert!(!seeds.is_empty());
    let mut rng = StdRng::seed_from_u64(seed);
    // Every seed as it is first, then mutants.
    let mut inputs: Vec<(usize, Vec<u8>)> =
        (0..seeds.len()).map(|i| (i, seeds[i].1.clone())).collect();
    for _ in 0..rounds {
        let i = rng.random_range(0..seeds.len());
        inputs.push((i, mutate(&mut rng, &seeds[i].1)));
    }
    for (i, input) in inputs {
        let name = &seeds[i].0;
        let outcome = std::panic::catch_unwind(|| run_one(name, &input));
        if outcome.is_err() {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("{seed}-{name}"));
            let _ = std::fs::write(&file, &input);
            panic!(
                "the {name} parser panicked on {} (seed {seed}; PANCRED_FUZZ_SEED={seed} repeats the run)",
                file.display()
            );
        }
    }
}
