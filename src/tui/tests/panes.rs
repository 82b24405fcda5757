//! The activity pane and the keep-fresh marks as insta snapshots, and what a reload logs.

use super::screens::text;
use super::{app, profiles, token, NOW};
use crate::tui::action::Action;
use crate::tui::activity::Kind;
use crate::tui::event::EngineEvent;
use crate::Error;
use serde_json::json;

fn kinds(app: &crate::tui::app::App) -> Vec<(Kind, String)> {
    app.activity
        .latest()
        .map(|e| (e.kind, e.text.clone()))
        .collect()
}

#[test]
fn a_reload_logs_what_other_processes_changed_and_nothing_of_ours() {
    let mut app = app();
    assert!(app.activity.is_empty(), "the first load is no change");
    app.set_busy("expiring", "refreshing");
    let mut ps = profiles();
    ps.retain(|p| p.profile != "new-client");
    for p in &mut ps {
        p.access_token = Some(token(json!({"exp": NOW + 3600, "sub": p.profile})));
    }
    let mut added = crate::Profile::new("added");
    added.client_id = Some("cid".into());
    ps.push(added);
    ps.iter_mut()
        .find(|p| p.profile == "expired")
        .unwrap()
        .access_token = None;
    app.on_engine(EngineEvent::Loaded(Ok((ps, Some("added".into())))));
    let got = kinds(&app);
    let want = [
        (Kind::Changed, "'added' made the default by another process"),
        (Kind::Changed, "'new-client' removed by another process"),
        (Kind::Changed, "'added' added by another process"),
        (
            Kind::Revoked,
            "'expired' lost its token (revoked or forgotten by another process)",
        ),
        (
            Kind::RefreshedElsewhere,
            "'valid' got a new token from another process",
        ),
    ];
    let want: Vec<(Kind, String)> = want.iter().map(|(k, t)| (*k, t.to_string())).collect();
    assert_eq!(
        got, want,
        "'expiring' is refreshing here: its change is ours"
    );
}

#[test]
fn activity_pane() {
    let mut app = app();
    app.update(Action::ToggleActivity);
    app.update(Action::ToggleKeepFresh);
    let mut p = profiles().remove(1);
    p.access_token = Some(token(json!({"iat": NOW, "exp": NOW + 3600})));
    app.on_engine(EngineEvent::KeptFresh("expiring".into(), Ok(p)));
    app.update(Action::Tick(NOW + 61));
    app.on_engine(EngineEvent::KeptFresh(
        "expired".into(),
        Err(Error::Other(
            "the provider said invalid_grant\u{1b}[31m".into(),
        )),
    ));
    app.update(Action::Tick(NOW + 75));
    app.on_engine(EngineEvent::StoreTrouble("connection refused".into()));
    app.on_engine(EngineEvent::Refreshed(
        "valid".into(),
        Err(Error::Other("offline".into())),
    ));
    let screen = text(&app);
    assert!(!screen.contains('\u{1b}'), "outside text is escaped");
    assert!(!screen.contains("refresh-token-VALUE") && !screen.contains("r2"));
    insta::assert_snapshot!(screen);
}

#[test]
fn an_empty_activity_pane_says_what_will_show() {
    let mut app = app();
    app.update(Action::ToggleActivity);
    let screen = text(&app);
    assert!(screen.contains("Activity (0)"), "{screen}");
    assert!(screen.contains("Nothing yet"), "{screen}");
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn inspection_with_claims_userinfo_and_introspection() {
    use crate::engine::Offered;
    use crate::tui::effect::Effect;
    use crate::tui::inspect::Asked;
    let mut app = app();
    let mut ps = profiles();
    ps[1].id_token = Some(token(json!({
        "iss": "https://id.example", "sub": "bob", "aud": "cid-expiring",
        "iat": NOW - 3555, "exp": NOW + 45, "email": "bob@example.com\u{1b}]52;c;x\u{7}"
    })));
    app.set_profiles(ps, None);
    app.update(Action::Down);
    let fx = app.update(Action::Inspect);
    assert!(matches!(fx.as_slice(), [Effect::Inspect(n)] if n == "expiring"));
    assert!(app.animating(), "the answers are on their way");
    let pending = text(&app);
    assert!(pending.contains("asking the provider"), "{pending}");
    app.on_engine(EngineEvent::Inspected(
        "expiring".into(),
        Asked::Userinfo,
        Ok(Offered::Yes(pairs(&[
            ("sub", "bob"),
            ("email", "bob@example.com"),
        ]))),
    ));
    app.on_engine(EngineEvent::Inspected(
        "expiring".into(),
        Asked::Introspection,
        Ok(Offered::Yes(pairs(&[
            ("token", "access token"),
            ("active", "true"),
            ("scope", "openid offline_access"),
            ("client_id", "cid-expiring"),
            ("exp", "2026-11-29 17:00:45 UTC"),
        ]))),
    ));
    assert!(!app.animating());
    let screen = text(&app);
    assert!(
        !screen.contains('\u{1b}') && !screen.contains('\u{7}'),
        "escaped"
    );
    assert!(
        !screen.contains("s2") && !screen.contains("r2"),
        "no secret"
    );
    insta::assert_snapshot!(screen);
    // I again closes it; so does moving to another profile.
    app.update(Action::Inspect);
    assert!(app.inspect.is_none());
    app.update(Action::Inspect);
    app.update(Action::Down);
    assert!(app.inspect.is_none());
}

#[test]
fn inspection_says_what_is_not_offered() {
    use crate::engine::Offered;
    use crate::tui::inspect::Asked;
    let mut app = app();
    app.update(Action::Inspect);
    let name = app.selected_name().unwrap();
    app.on_engine(EngineEvent::Inspected(
        name.clone(),
        Asked::Userinfo,
        Ok(Offered::No("the pancloud dialect has no userinfo".into())),
    ));
    app.on_engine(EngineEvent::Inspected(
        name,
        Asked::Introspection,
        Err(Error::Other("the provider refused: invalid_client".into())),
    ));
    insta::assert_snapshot!(text(&app));
}

#[test]
fn serve_endpoints_show_while_they_run_and_are_logged_when_they_start_and_end() {
    let mut app = app();
    app.update(Action::ToggleActivity);
    let note = crate::endpoints::Note {
        pid: 4242,
        profile: "lab".into(),
        command: "terraform".into(),
        socket: "/run/user/1000/pancred/serve-4242-x/token.sock".into(),
        url: "http://127.0.0.1:5/token".into(),
        started_at: NOW,
        answers: 0,
    };
    app.on_engine(EngineEvent::Endpoints(vec![note.clone()]));
    let answered = crate::endpoints::Note {
        answers: 17,
        ..note.clone()
    };
    app.on_engine(EngineEvent::Endpoints(vec![answered]));
    let screen = text(&app);
    assert!(
        screen.contains("'lab' to terraform: 17 answers"),
        "{screen}"
    );
    app.on_engine(EngineEvent::Endpoints(Vec::new()));
    assert_eq!(
        kinds(&app),
        vec![
            (
                Kind::Serving,
                "ended: 'lab' to terraform after 17 answers".to_string()
            ),
            (
                Kind::Serving,
                "tokens of 'lab' to terraform (pid 4242)".to_string()
            ),
        ]
    );
    let screen = text(&app);
    assert!(
        !screen.contains(" now "),
        "an ended endpoint still shows: {screen}"
    );
    // The socket's path and URL are the note's, not the screen's.
    assert!(!screen.contains("token.sock"), "{screen}");
}
