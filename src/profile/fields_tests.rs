//! The field table's own tests.

use super::*;
use serde_json::json;
use serde_json::Value;

#[test]
fn every_flag_is_read_by_name() {
    let p = Profile::new("x");
    for spec in FIELDS.iter().filter(|f| f.kind == Kind::Bool) {
        let default = p.to_json().get(spec.name).and_then(Value::as_bool);
        assert!(p.flag(spec.name).is_some(), "{}", spec.name);
        assert!(default.is_none() || default == p.flag(spec.name));
    }
}

#[test]
fn the_table_names_every_field_of_the_struct() {
    // A profile with every field set serializes to exactly the table's names: a field added
    // to the struct but not to the table (or the other way round) fails here.
    let mut doc = serde_json::Map::new();
    for spec in FIELDS {
        let v = match spec.kind {
            Kind::Bool => json!(!matches!(spec.name, "cache_token" | "keep_fresh")),
            Kind::Number => json!(42),
            Kind::Object => json!({"k": "v"}),
            Kind::List => json!(["a.example"]),
            Kind::Choice(o) => json!(o[o.len() - 1]),
            _ => json!(format!("v-{}", spec.name)),
        };
        doc.insert(spec.name.into(), v);
    }
    let p = Profile::from_json(Value::Object(doc.clone())).unwrap();
    assert!(p.extra.is_empty(), "not in the struct: {:?}", p.extra);
    let Value::Object(back) = p.to_json() else {
        panic!()
    };
    let mut names: Vec<_> = back.keys().cloned().collect();
    let mut want: Vec<_> = FIELDS.iter().map(|f| f.name.to_string()).collect();
    names.sort();
    want.sort();
    assert_eq!(names, want);
    for name in secret_fields() {
        assert!(p.secret(name).is_some(), "no accessor for secret {name}");
    }
}

#[test]
fn choices_parse_back_to_their_types() {
    for g in GRANTS {
        let p = Profile::from_json(json!({"profile": "p", "grant": g})).unwrap();
        assert_eq!(p.grant.as_str(), *g);
    }
    for d in DIALECTS {
        assert_eq!(Dialect::from_name(d).unwrap().as_str(), *d);
    }
    for a in CLIENT_AUTHS {
        assert_eq!(ClientAuth::from_name(a).unwrap().as_str(), *a);
    }
}

#[test]
fn a_key_file_setting_names_what_is_wrong_with_it() {
    let spec = spec("client_key_file").unwrap();
    let e = check_text(spec, "/nonexistent/pancred-client.pem", false).unwrap_err();
    assert!(
        e.contains("pancred-client.pem") && e.contains("no such file"),
        "{e}"
    );
    let e = check_text(spec, "client.pem", false).unwrap_err();
    assert!(e.contains("absolute path"), "{e}");
    assert!(check_text(spec, "", false).is_ok());
}

#[test]
fn settings_never_show_secrets() {
    let mut p = Profile::new("p");
    p.client_secret = Some(crate::Secret::new("s3cret"));
    assert_eq!(p.setting_text("client_secret"), None);
    assert_eq!(p.stored_text("client_secret"), "");
    assert_eq!(p.setting_text("dialect").as_deref(), Some("pancloud"));
}
