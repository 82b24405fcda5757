//! `pancred doctor [--json]`: every check of [`crate::diagnose`] and of the tools set up to call
//! pancred (git, kubectl), one line each, each problem with its fix. Exit 0 when all is well, 1
//! when something needs fixing (a warning or a failure).

mod tools;

use super::Context;
use crate::diagnose::{self, Check, Status};
use crate::Error;
use std::path::PathBuf;

pub fn doctor(ctx: &Context, json: bool) -> Result<i32, Error> {
    let checks = checks(ctx);
    if json {
        let text = serde_json::to_string_pretty(&checks)
            .map_err(|e| Error::Other(format!("cannot write JSON: {e}")))?;
        println!("{text}");
    } else {
        print!("{}", render(&checks));
    }
    Ok(if diagnose::needs_fixing(&checks) {
        1
    } else {
        0
    })
}

fn checks(ctx: &Context) -> Vec<Check> {
    let store = &ctx.config.store;
    let mut checks = diagnose::stores(store);
    checks.extend(provider(ctx));
    checks.push(tools::git_helpers());
    checks.push(tools::kubectl(ctx.settings.search_path.as_deref()));
    let mut data_files: Vec<PathBuf> = store.credentials_path().into_iter().collect();
    #[cfg(feature = "keyring")]
    data_files.extend(crate::store::keyring::default_path());
    #[cfg(feature = "sqlite")]
    data_files.extend(
        store
            .sqlite_path
            .clone()
            .map_or_else(crate::store::sqlite::default_path, Ok),
    );
    let rescue_dir = crate::engine::default_rescue_dir();
    checks.extend(diagnose::leftovers(rescue_dir.as_deref(), &data_files));
    checks
}

/// The selected profile's provider: opened quietly (the store checks above said what is wrong).
fn provider(ctx: &Context) -> Vec<Check> {
    let skip = |why: String| {
        vec![
            Check::skip("provider", why),
            Check::skip("clock", "no provider to compare with"),
        ]
    };
    let opened = match crate::store::open(&ctx.config.store) {
        Ok(o) => o,
        Err(e) => return skip(format!("the store did not open: {e}")),
    };
    let selected = ctx.selection_with(super::context::Clue::Here, &|| {
        Ok(opened.store.default_profile()?)
    });
    let name = match selected {
        Ok(s) => s.name,
        Err(e) => return skip(format!("no profile selected: {e}")),
    };
    let shown = crate::text::Safe(&name).to_string();
    let profile = match opened.store.load(&name) {
        Ok(Some(p)) => p,
        Ok(None) => {
            return skip(format!(
                "no profile '{shown}' in the store (create one with `pancred init` or `pancred generate`)"
            ))
        }
        Err(e) => return skip(format!("profile '{shown}' could not be read: {e}")),
    };
    let now = ctx.now();
    let mut checks = match crate::config::runtime(1) {
        Ok(rt) => rt.block_on(diagnose::provider(&profile, now)),
        Err(e) => skip(e.to_string()),
    };
    checks.extend(diagnose::client_key(&profile));
    checks
}

/// The report for people: one line per check, the fix indented under each problem.
fn render(checks: &[Check]) -> String {
    let mut out = String::new();
    for c in checks {
        let line = format!("{:<4}  {}: {}\n", c.status.as_str(), c.check, c.detail);
        out.push_str(&crate::text::safe_lines(&line));
        if let Some(fix) = c.fix.as_deref().filter(|f| !f.is_empty()) {
            out.push_str(&crate::text::safe_lines(&format!("      fix: {fix}\n")));
        }
    }
    let problems = checks
        .iter()
        .filter(|c| matches!(c.status, Status::Warn | Status::Fail))
        .count();
    out.push_str(&match problems {
        0 => "All well.\n".to_string(),
        n => format!("{} to fix.\n", crate::text::count(n, "problem")),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_carry_their_fix_on_the_next_line() {
        let text = render(&[
            Check::ok("store", "file"),
            Check::warn("clock", "ahead", "sync it"),
        ]);
        assert_eq!(
            text,
            "ok    store: file\nwarn  clock: ahead\n      fix: sync it\n1 problem to fix.\n"
        );
    }
}
