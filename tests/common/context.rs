//! Two profiles and a rules file for the context rules' tests (tests/context_rules*.rs).
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)

use super::oidc::init;
use super::{jwt, now, Run, Sandbox};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub struct World {
    pub sb: Sandbox,
    pub acme: String,
    pub beta: String,
}

/// Two profiles, `acme` and `beta`, each with a valid token.
pub fn world() -> World {
    let sb = Sandbox::new();
    let mut tokens = Vec::new();
    for name in ["acme", "beta"] {
        let token = jwt(&json!({"exp": now() + 3600, "sub": name}));
        init(
            &sb,
            &json!({"profile": name, "dialect": "oauth2", "client_id": "c",
                    "access_token": token}),
        );
        tokens.push(token);
    }
    let beta = tokens.pop().unwrap();
    let acme = tokens.pop().unwrap();
    World { sb, acme, beta }
}

impl World {
    pub fn rules_path(&self) -> PathBuf {
        self.sb.home.join(".config/pancred/context.json")
    }

    pub fn rules(&self, rules: &Value) {
        self.rules_text(json!({ "rules": rules }).to_string().as_bytes());
    }

    pub fn rules_text(&self, text: &[u8]) {
        let path = self.rules_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    pub fn run_in(&self, program: &str, dir: &Path, args: &[&str]) -> Run {
        self.sb
            .program(program)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
            .into()
    }

    pub fn token_in(&self, program: &str, dir: &Path) -> String {
        let r = self.run_in(program, dir, &["token"]);
        assert_eq!(r.code, 0, "{program} in {}: {}", dir.display(), r.all());
        r.stdout.trim().to_string()
    }

    pub fn folder(&self, rel: &str) -> PathBuf {
        let p = self.sb.path().join(rel);
        std::fs::create_dir_all(&p).unwrap();
        p
    }
}

/// `git init` at `dir` with `origin` at `url`.
pub fn repository(w: &World, dir: &Path, url: &str) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for args in [&["init", "-q"][..], &["remote", "add", "origin", url]] {
        let ok =
            w.sb.program("git")
                .args(args)
                .current_dir(dir)
                .status()
                .unwrap()
                .success();
        assert!(ok, "git {args:?}");
    }
}
