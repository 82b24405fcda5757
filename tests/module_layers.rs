//! The layers of the code, read from its source: imports run one way. The crate's top-level
//! modules import each other without a cycle; the named layers keep apart (the engine's settings
//! do not build engines, OAuth does not reach into the stores, the file plumbing sits below
//! everything); and no module of the CLI imports from the CLI's `mod.rs`, which only dispatches.
//! (Which layer may write is the compiler's job: see clippy.toml and tests/layers.sh.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's code as built outside tests: comment lines dropped, and nothing from a top-level
/// `#[cfg(test)]` on. Files of tests alone have none.
fn code(path: &Path) -> String {
    let name = path.file_name().unwrap().to_string_lossy();
    if name == "tests.rs"
        || name.ends_with("_tests.rs")
        || path.components().any(|c| c.as_os_str() == "tests")
    {
        return String::new();
    }
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("#[cfg(test)]") || line.starts_with("#[cfg(all(test") {
            break;
        }
        if !line.trim_start().starts_with("//") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segment of every path that follows `prefix` in `code`: `crate::a::b` gives `a`,
/// `crate::{a::x, b}` gives `a` and `b`.
fn segments_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        // `super::` inside `super::super::`: the outer one is the one that counts.
        let before = &rest[..i];
        rest = &rest[i + prefix.len()..];
        if prefix == "super::" && before.ends_with("super::") {
            continue;
        }
        if let Some(inner) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut end = inner.len();
            for (j, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let mut depth = 0;
            let mut start = 0;
            let inner = &inner[..end];
            for (j, c) in inner.char_indices().chain([(inner.len(), ',')]) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let first = ident(inner[start..j].trim());
                        if !first.is_empty() && first != "self" {
                            found.insert(first.to_string());
                        }
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            let first = ident(rest);
            if !first.is_empty() {
                found.insert(first.to_string());
            }
        }
    }
    found
}

/// The crate root's re-exports (`pub use engine::{Engine, ..}`): the module each name is from.
fn root_reexports() -> BTreeMap<String, String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut map = BTreeMap::new();
    for line in lib.lines() {
        let Some(rest) = line.strip_prefix("pub use ") else {
            continue;
        };
        let module = ident(rest).to_string();
        let names = rest[module.len()..].trim_start_matches("::");
        let names = names
            .trim_end_matches(';')
            .trim_matches(|c| c == '{' || c == '}');
        for name in names.split(',') {
            map.insert(ident(name.trim()).to_string(), module.clone());
        }
    }
    map
}

/// Which top-level modules each top-level module imports (through `crate::`), outside tests.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let reexports = root_reexports();
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src()).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = top.trim_end_matches(".rs").to_string();
        if ["lib", "main", "bin"].contains(&module.as_str()) {
            continue;
        }
        let deps = graph.entry(module.clone()).or_default();
        for seg in segments_after(&code(&file), "crate::") {
            let dep = if seg.starts_with(char::is_uppercase) {
                reexports
                    .get(&seg)
                    .unwrap_or_else(|| {
                        panic!("{}: crate::{seg} is not a re-export", file.display())
                    })
                    .clone()
            } else {
                seg
            };
            if dep != module {
                deps.insert(dep);
            }
        }
    }
    graph
}

/// A cycle in `graph`, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for dep in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(dep, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let graph = module_graph();
    assert!(graph.len() > 15, "found only {:?}", graph.keys());
    assert!(graph["engine"].contains("store"), "{graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "modules import each other in a cycle: {}",
            cycle.join(" -> ")
        );
    }
}

/// Modules that must not import others, even without a cycle.
const APART: &[(&str, &[&str])] = &[
    // Plain settings: the engine is built from them, on the engine's side.
    ("config", &["engine"]),
    ("oauth", &["store", "engine", "config"]),
    ("loopback", &["engine", "store"]),
    ("files", &["store", "engine", "oauth", "config", "profile"]),
    ("store", &["engine", "config", "oauth"]),
    ("engine", &["cli", "tui", "sandbox"]),
];

#[test]
fn the_named_layers_keep_apart() {
    let graph = module_graph();
    let mut found = Vec::new();
    for (module, never) in APART {
        let deps = &graph[*module];
        for n in *never {
            if deps.contains(*n) {
                found.push(format!("{module} imports {n}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// What a file of the CLI reaches in `cli/mod.rs` (through `super::` or `crate::cli::`) that is
/// not one of the CLI's own modules.
fn upward(code: &str, siblings: &BTreeSet<String>) -> BTreeSet<String> {
    let mut reached = segments_after(code, "super::");
    reached.extend(segments_after(code, "crate::cli::"));
    if code.contains("super::super::") {
        reached.insert("super".into());
    }
    reached.retain(|s| !siblings.contains(s));
    reached
}

#[test]
fn no_module_of_the_cli_imports_from_its_parent() {
    let cli = src().join("cli");
    let mod_rs = std::fs::read_to_string(cli.join("mod.rs")).unwrap();
    let siblings: BTreeSet<String> = mod_rs
        .lines()
        .filter_map(|l| {
            l.strip_prefix("pub mod ")
                .or_else(|| l.strip_prefix("mod "))
        })
        .map(|l| ident(l).to_string())
        .collect();
    assert!(
        siblings.contains("args") && siblings.len() > 10,
        "{siblings:?}"
    );
    let mut files = Vec::new();
    rust_files(&cli, &mut files);
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("mod.rs")) {
        // A module in a folder of its own (cli/git_credential/) has that folder's modules as
        // siblings.
        let parent = file.parent().unwrap().join("mod.rs");
        let siblings: BTreeSet<String> = if file.parent() == Some(cli.as_path()) {
            siblings.clone()
        } else {
            std::fs::read_to_string(&parent)
                .unwrap_or_default()
                .lines()
                .filter_map(|l| {
                    l.strip_prefix("pub mod ")
                        .or_else(|| l.strip_prefix("mod "))
                })
                .map(|l| ident(l).to_string())
                .collect()
        };
        for name in upward(&code(file), &siblings) {
            found.push(format!("{}: super::{name}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "the CLI's modules import siblings, not cli/mod.rs:\n{}",
        found.join("\n")
    );
    // The grammar is a leaf: it imports no other module of the CLI.
    let args = code(&cli.join("args.rs"));
    assert!(
        segments_after(&args, "super::").is_empty(),
        "args.rs imports a sibling"
    );
}

#[test]
fn the_checks_see_the_forms_code_takes() {
    let siblings: BTreeSet<String> = ["args", "context"].iter().map(|s| s.to_string()).collect();
    let code = "use super::{Cli, context::Context};\nuse super::args::GlobalArgs;\n\
                fn f() { let _ = (\"//\", super::report(e)); crate::cli::Command::List; }";
    let want: BTreeSet<String> = ["Cli", "report", "Command"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(upward(code, &siblings), want);
    assert_eq!(
        segments_after(
            "use crate::{engine::{Engine, X}, store};\nlet e = crate::config::x();",
            "crate::"
        ),
        ["config", "engine", "store"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    let mut graph = BTreeMap::new();
    graph.insert("config".to_string(), BTreeSet::from(["engine".to_string()]));
    graph.insert("engine".to_string(), BTreeSet::from(["config".to_string()]));
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["config".into(), "engine".into(), "config".into()])
    );
}
