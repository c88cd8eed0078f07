//! The layering of envs/src, read from its source: the engine (core/engine) imports no
//! mechanic and nothing above the core, mechanics import nothing above the core, and no
//! module imports, directly or through others, a module that imports it back. Test modules
//! (everything from a file's `#[cfg(test)]` on) may reach upwards and, like comments, are
//! left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every source file of envs/src by module path (`core::engine::shard`; `` for lib.rs).
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("envs/src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).expect("under src").with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            let text = fs::read_to_string(&path).expect("a source file is readable");
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            // Comments (doc links included) import nothing.
            let code = code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
            (parts.join("::"), code)
        })
        .collect()
}

/// The modules `code` (of module `name`) refers to through `crate::` and `super::` paths,
/// each resolved to the longest path that is a module.
fn imports(name: &str, code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let parent = name.rsplit_once("::").map_or("", |(p, _)| p);
    let mut found = BTreeSet::new();
    for (prefix, base) in [("crate::", ""), ("super::", parent)] {
        for (at, _) in code.match_indices(prefix) {
            if at > 0 && code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: String = code[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || *c == ':')
                .collect();
            let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
            while !segments.is_empty() {
                let full =
                    if base.is_empty() { segments.join("::") } else { format!("{base}::{}", segments.join("::")) };
                if known.contains(&full) {
                    if full != name {
                        found.insert(full);
                    }
                    break;
                }
                segments.pop();
            }
        }
    }
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    modules.iter().map(|(name, code)| (name.clone(), imports(name, code, &known))).collect()
}

#[test]
fn the_engine_imports_no_mechanic_and_the_core_nothing_above_it() {
    let graph = graph();
    assert!(graph.contains_key("core::engine::shard") && graph.contains_key("core::mechanics::grid"), "{graph:?}");
    for (module, uses) in &graph {
        for used in uses {
            if module.starts_with("core::engine") {
                assert!(used.starts_with("core::engine"), "the engine module {module} imports {used}");
            }
            if module.starts_with("core::mechanics") {
                assert!(used.starts_with("core::"), "the mechanic {module} imports {used}, above the core");
            }
        }
    }
}

#[test]
fn no_module_imports_itself_through_others() {
    let graph = graph();
    // Depth-first search for a back edge; `path` is the current chain of imports.
    fn visit<'a>(
        module: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(at) = path.iter().position(|m| *m == module) {
            panic!("import cycle: {} -> {module}", path[at..].join(" -> "));
        }
        if !done.insert(module) {
            return;
        }
        path.push(module);
        for used in &graph[module] {
            visit(used, graph, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        // lib.rs declares and re-exports every module: it is the root, not a participant.
        if !module.is_empty() {
            visit(module, &graph, &mut Vec::new(), &mut done);
        }
    }
}
