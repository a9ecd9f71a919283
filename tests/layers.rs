//! The layers have no import circles: among the core's source files
//! (`src/`), and among the UI's (`ui/src/`), no file reaches itself through
//! what it names (`use crate::…`, `crate::a::b::…`, `super::…`). A
//! directory's `mod.rs` may name its children (a registry does); its
//! children do not name it back: what they share lives in a sibling
//! (`workloads/task.rs`). ARCHITECTURE.md draws the layers.

// Reads the source tree: natively only.
#![cfg(not(target_family = "wasm"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A file's module path: `workloads/race.rs` → ["workloads", "race"].
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file.trim_end_matches(".rs").split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The source without its test module and comments (tests may name anything).
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
    text.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n")
}

/// Every path written from `crate`, `super` or `self`, with `{…}` groups
/// expanded one level: ("crate", ["experiment", "Model"]).
fn paths(code: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 8)].iter().collect();
        let root = ["crate::", "super::", "self::"].into_iter().find(|r| rest.starts_with(r));
        let boundary = i == 0 || !ident(bytes[i - 1]) && bytes[i - 1] != ':';
        let Some(root) = root.filter(|_| boundary) else {
            i += 1;
            continue;
        };
        let mut j = i + root.len();
        let mut segs: Vec<String> = Vec::new();
        let mut seg = String::new();
        while j < bytes.len() && (ident(bytes[j]) || bytes[j] == ':') {
            seg.push(bytes[j]);
            j += 1;
        }
        segs.extend(seg.split("::").filter(|s| !s.is_empty()).map(str::to_string));
        let root = root.trim_end_matches("::").to_string();
        if j < bytes.len() && bytes[j] == '{' {
            let end = bytes[j..].iter().position(|&c| c == '}').map_or(bytes.len(), |p| j + p);
            let group: String = bytes[j + 1..end].iter().collect();
            for item in group.split(',') {
                let item = item.split(" as ").next().unwrap_or_default().trim();
                if item.is_empty() {
                    continue;
                }
                let mut full = segs.clone();
                if item != "self" {
                    full.extend(item.split("::").map(|s| s.trim().to_string()));
                }
                out.push((root.clone(), full));
            }
            j = end;
        } else {
            out.push((root, segs));
        }
        i = j.max(i + 1);
    }
    out
}

/// Each file's files it names, for the `.rs` files under `dir`.
fn graph(dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("the source directory") {
            let p = entry.expect("a directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                files.insert(rel, std::fs::read_to_string(&p).expect("a source file"));
            }
        }
    }
    edges(&files)
}

fn edges(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeMap<Vec<String>, String> = files.keys().map(|f| (module_of(f), f.clone())).collect();
    let resolve = |segs: &[String]| (1..=segs.len()).rev().find_map(|n| modules.get(&segs[..n]).cloned());
    let mut out = BTreeMap::new();
    for (file, text) in files {
        let me = module_of(file);
        let is_front = file.ends_with("mod.rs") || file == "lib.rs" || file == "main.rs";
        let parent = if is_front { me.clone() } else { me[..me.len().saturating_sub(1)].to_vec() };
        let mut to = BTreeSet::new();
        for (root, segs) in paths(&code(text)) {
            let full: Vec<String> = match root.as_str() {
                "crate" => segs,
                "super" if is_front => me[..me.len().saturating_sub(1)].iter().cloned().chain(segs).collect(),
                "super" => parent.iter().cloned().chain(segs).collect(),
                _ => me.iter().cloned().chain(segs).collect(),
            };
            if let Some(target) = resolve(&full).filter(|t| t != file) {
                to.insert(target);
            }
        }
        // A front names its children bare: `race::Race` in `workloads/mod.rs`.
        if is_front {
            let code = code(text);
            for (at, _) in code.match_indices("::") {
                let before = &code[..at];
                let name: String = before.chars().rev().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<Vec<_>>().into_iter().rev().collect();
                let preceded = before[..before.len() - name.len()].ends_with("::");
                let child: Vec<String> = me.iter().cloned().chain([name.clone()]).collect();
                if let (false, Some(target)) = (name.is_empty() || preceded, modules.get(&child)) {
                    to.insert(target.clone());
                }
            }
        }
        out.insert(file.clone(), to);
    }
    out
}

/// A cycle, if the graph has one: the files around it.
fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(n: &str, g: &BTreeMap<String, BTreeSet<String>>, marks: &mut BTreeMap<String, Mark>, path: &mut Vec<String>) -> Option<Vec<String>> {
        match marks.get(n) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = path.iter().position(|p| p == n).unwrap_or(0);
                return Some(path[from..].iter().cloned().chain([n.to_string()]).collect());
            }
            None => {}
        }
        marks.insert(n.to_string(), Mark::Open);
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, marks, path) {
                return Some(c);
            }
        }
        path.pop();
        marks.insert(n.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    g.keys().find_map(|n| visit(n, g, &mut marks, &mut Vec::new()))
}

fn assert_no_cycle(dir: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let g = graph(&root);
    assert!(g.len() > 10, "{dir}: only {} files read", g.len());
    if let Some(c) = cycle(&g) {
        panic!("an import cycle in {dir}: {}", c.join(" -> "));
    }
}

#[test]
fn the_core_has_no_import_cycle() {
    assert_no_cycle("src");
}

#[test]
fn the_ui_has_no_import_cycle() {
    assert_no_cycle("ui/src");
}

#[test]
fn the_check_finds_a_cycle_and_reads_every_way_of_naming_a_module() {
    let files: BTreeMap<String, String> = [
        ("lib.rs", "pub mod a; pub mod b; pub mod w;"),
        ("a.rs", "use crate::b::{self, Thing};"),
        ("b.rs", "fn f() { crate::c::go() }"),
        ("c.rs", "use crate::{a::X, text};\n#[cfg(test)]\nmod tests { use crate::b; }"),
        ("text.rs", "// use crate::a;"),
        ("w/mod.rs", "pub mod x; pub mod y; use x::X;"),
        ("w/x.rs", "use super::y::Y;"),
        ("w/y.rs", "use super::X; // a child naming its front"),
    ]
    .into_iter()
    .map(|(f, t)| (f.to_string(), t.to_string()))
    .collect();
    let g = edges(&files);
    assert_eq!(g["a.rs"], BTreeSet::from(["b.rs".to_string()]));
    assert_eq!(g["c.rs"], BTreeSet::from(["a.rs".to_string(), "text.rs".to_string()]), "test modules and comments name nothing");
    assert_eq!(g["w/x.rs"], BTreeSet::from(["w/y.rs".to_string()]));
    assert_eq!(g["w/y.rs"], BTreeSet::from(["w/mod.rs".to_string()]));
    assert_eq!(g["w/mod.rs"], BTreeSet::from(["w/x.rs".to_string()]), "a front names its children");
    let c = cycle(&g).expect("a -> b -> c -> a, and w/mod -> x -> y -> w/mod");
    assert_eq!(c.first(), c.last());
    assert!(c.contains(&"b.rs".to_string()) && c.contains(&"c.rs".to_string()), "{c:?}");
    let mut fixed = files.clone();
    fixed.insert("c.rs".into(), "use crate::text;".into());
    fixed.insert("w/y.rs".into(), "".into());
    assert_eq!(cycle(&edges(&fixed)), None);
}
