//! `pancred context list|add|remove`: the context rules file
//! ([`super::context_rules`]), read and written whole. The file holds no secret and no profile;
//! it is written private and atomically all the same, since it decides which account a tool gets.

use super::args::{ContextAction, RulePattern};
use super::context_rules::{self, Clue, Rule};
use super::output::{print_json, print_text};
use crate::text::Safe;
use crate::Error;
use std::path::{Path, PathBuf};

pub fn run(action: ContextAction) -> Result<(), Error> {
    let path = context_rules::file()
        .ok_or_else(|| Error::Usage("no home folder is known: set HOME".into()))?;
    let rules = context_rules::load(&path)?;
    match action {
        ContextAction::List(j) => list(&path, &rules, j.json),
        ContextAction::Add { pattern, profile } => {
            let (kind, written) = written(&pattern)?;
            // Checked as the file is, by the same parser, before anything is written.
            let one = serde_json::json!({"rules": [{ kind: written, "profile": profile }]});
            let mut all = rules;
            let rule = context_rules::parse(&path, one.to_string().as_bytes())
                .map_err(|e| Error::Usage(format!("the rule was not added: {e}")))?;
            all.extend(rule);
            save(&path, &all)?;
            eprintln!(
                "Rule {} added: {kind} {} chooses profile '{}'.",
                all.len(),
                Safe(&written),
                Safe(&profile)
            );
            Ok(())
        }
        ContextAction::Remove { number } => {
            if number == 0 || number > rules.len() {
                return Err(Error::Usage(format!(
                    "there is no rule {number}: {} has {} (`pancred context list` numbers them)",
                    Safe(&path.display().to_string()),
                    rules.len()
                )));
            }
            let mut rest = rules;
            let gone = rest.remove(number - 1);
            save(&path, &rest)?;
            eprintln!(
                "Rule {number} removed ({} {} for profile '{}').",
                gone.kind,
                Safe(&gone.written),
                Safe(&gone.profile)
            );
            Ok(())
        }
    }
}

fn list(path: &Path, rules: &[Rule], json: bool) -> Result<(), Error> {
    let here = context_rules::choose(Clue::Here)?.map(|c| c.rule.number);
    if json {
        let rows: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| {
                serde_json::json!({
                    "rule": r.number, "kind": r.kind, "pattern": r.written,
                    "profile": r.profile, "applies_here": here == Some(r.number),
                })
            })
            .collect();
        return print_json(&rows);
    }
    if rules.is_empty() {
        eprintln!(
            "No context rules ({} does not exist or holds none). Add one with `pancred context add \
             --dir PATH PROFILE` (or --git-remote HOST/OWNER, --kube-context NAME).",
            Safe(&path.display().to_string())
        );
        return Ok(());
    }
    let width = rules
        .iter()
        .map(|r| r.written.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for r in rules {
        let mark = if here == Some(r.number) { "*" } else { " " };
        out.push_str(&format!(
            "{mark}{:>3}  {:<12}  {:<width$}  {}\n",
            r.number,
            r.kind,
            Safe(&r.written).to_string(),
            Safe(&r.profile)
        ));
    }
    print_text(&out)
}

/// The rule's kind and its pattern as the file will hold it (a folder made absolute).
fn written(p: &RulePattern) -> Result<(&'static str, String), Error> {
    if let Some(dir) = &p.dir {
        // (`.` components dropped; links kept, as the user named them.)
        let abs: PathBuf = std::path::absolute(dir)
            .map_err(|e| Error::Usage(format!("cannot tell the current folder: {e}")))?;
        let text = abs.to_str().ok_or_else(|| {
            Error::Usage("the folder's path is not UTF-8; the rules file is JSON text".into())
        })?;
        return Ok(("dir", text.to_string()));
    }
    if let Some(g) = &p.git_remote {
        return Ok(("git_remote", g.clone()));
    }
    Ok(("kube_context", p.kube_context.clone().unwrap_or_default()))
}

fn save(path: &Path, rules: &[Rule]) -> Result<(), Error> {
    // pancred's own file, holding no profile: written as the stores write theirs (0600, atomic).
    #[allow(clippy::disallowed_methods)]
    crate::files::write_atomic(path, context_rules::text(rules).as_bytes())
        .map_err(|e| Error::Other(format!("cannot write the context rules: {e}")))
}
