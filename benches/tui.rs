//! TUI frame costs: the first frame with 1,000 profiles (building the state from loaded profiles,
//! then drawing) and a redraw with 10,000 (a clock tick, then drawing), on ratatui's TestBackend
//! at 120x35; and what the live watcher pays each idle second: one change check of a file store
//! and of a SQLite store (the cost does not grow with the profiles: a `stat`). Run: `cargo bench --bench tui`.
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

use criterion::{criterion_group, criterion_main, Criterion};
use pancred::clock::{Clock, SystemClock};
use pancred::tui::action::Action;
use pancred::tui::app::App;
use pancred::tui::ui;
use pancred::{Profile, Secret};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;

fn jwt(claims: &serde_json::Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// Profiles like real ones: a client, secrets, and a JWT access token with claims.
pub fn profiles(n: usize, now: i64) -> Vec<Profile> {
    (0..n)
        .map(|i| {
            let mut p = Profile::new(format!("tenant-{i:05}"));
            p.client_id = Some(format!("client-{i:05}"));
            p.client_secret = Some(Secret::new(format!("secret-{i}")));
            p.refresh_token = Some(Secret::new(format!("refresh-{i}")));
            let exp = now + (i as i64 * 37) % 7200 - 600;
            let claims = serde_json::json!({
                "sub": format!("user-{i}"), "aud": "api", "iss": "https://id.example",
                "scope": "logging-service:read", "iat": exp - 3600, "exp": exp
            });
            p.access_token = Some(Secret::new(jwt(&claims)));
            p
        })
        .collect()
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(120, 35)).expect("test terminal")
}

fn bench(c: &mut Criterion) {
    let now = SystemClock.now();
    let thousand = profiles(1_000, now);
    c.bench_function("first frame, 1,000 profiles", |b| {
        b.iter(|| {
            let mut app = App::new("file: /tmp/credentials.json".into(), 60, now, (120, 35));
            app.set_profiles(black_box(thousand.clone()), Some("tenant-00001".into()));
            let mut t = terminal();
            t.draw(|f| ui::render(&app, f)).expect("draw");
            black_box(t.backend().buffer().area);
        })
    });

    let mut app = App::new("file: /tmp/credentials.json".into(), 60, now, (120, 35));
    app.set_profiles(profiles(10_000, now), None);
    app.update(Action::Bottom);
    let mut t = terminal();
    t.draw(|f| ui::render(&app, f)).expect("draw");
    let mut tick = now;
    c.bench_function("redraw, 10,000 profiles", |b| {
        b.iter(|| {
            tick += 1;
            app.update(Action::Tick(tick));
            t.draw(|f| ui::render(&app, f)).expect("draw");
        })
    });
}

/// The watcher's idle work: one `change_token` a second (a `stat` of the store's files).
fn watcher(c: &mut Criterion) {
    use pancred::store::file::FileStore;
    use pancred::store::sqlite::SqliteStore;
    use pancred::Store;
    let dir = tempfile::tempdir().expect("tempdir");
    let now = SystemClock.now();
    let file = FileStore::new(dir.path().join("credentials.json"));
    let sqlite = SqliteStore::open(
        dir.path().join("credentials.sqlite3"),
        std::time::Duration::from_secs(5),
    )
    .expect("sqlite");
    for p in profiles(100, now) {
        file.upsert(&p).expect("file upsert");
        sqlite.upsert(&p).expect("sqlite upsert");
    }
    c.bench_function("watcher check, file store", |b| {
        b.iter(|| black_box(file.change_token().expect("token")))
    });
    c.bench_function("watcher check, sqlite store", |b| {
        b.iter(|| black_box(sqlite.change_token().expect("token")))
    });
}

criterion_group!(benches, bench, watcher);
criterion_main!(benches);
