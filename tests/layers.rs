//! Every import points down: a module of the crate may use only modules that `src/lib.rs`
//! lists before it (docs/architecture.md draws the same layers). Read from the source text,
//! so a new upward import fails here before anyone has to draw the picture again.

use std::path::Path;

/// The modules in the order `src/lib.rs` declares them.
fn layers(root: &Path) -> Vec<String> {
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("src/lib.rs");
    lib.lines().filter_map(|l| l.trim().strip_prefix("pub mod ")?.strip_suffix(';').map(str::to_string)).collect()
}

/// Every `.rs` file under `path` (a folder or a file).
fn files(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read_dir").flatten() {
            files(&entry.path(), out);
        }
    } else if path.is_file() && path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}

/// The crate modules a source text names as `crate::<module>`.
fn uses(text: &str) -> Vec<String> {
    text.match_indices("crate::")
        .map(|(i, m)| text[i + m.len()..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect())
        .filter(|m: &String| !m.is_empty())
        .collect()
}

#[test]
fn every_import_points_down() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let order = layers(root);
    assert!(order.len() > 10, "src/lib.rs lists the modules: {order:?}");
    let rank = |m: &str| order.iter().position(|x| x == m);
    let mut upward = Vec::new();
    for (i, module) in order.iter().enumerate() {
        let mut sources = Vec::new();
        files(&root.join("src").join(module), &mut sources);
        files(&root.join("src").join(format!("{module}.rs")), &mut sources);
        assert!(!sources.is_empty(), "no source for module {module}");
        for file in sources {
            let text = std::fs::read_to_string(&file).expect("read");
            for used in uses(&text) {
                match rank(&used) {
                    Some(j) if j > i => upward.push(format!("{} uses crate::{used}", file.display())),
                    Some(_) => {}
                    None => {
                        upward.push(format!("{} uses crate::{used}, which src/lib.rs does not list", file.display()))
                    }
                }
            }
        }
    }
    assert!(upward.is_empty(), "imports that run up a layer (src/lib.rs order):\n{}", upward.join("\n"));
}

/// clap is the command line's: outside `src/cli/` and `src/main.rs` no source names it; the
/// library takes plain options (`simulate::SimOptions`) the command line converts its
/// arguments into.
#[test]
fn clap_is_only_in_the_command_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("src"), &mut sources);
    let mut named = Vec::new();
    for file in sources {
        let relative = file.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
        if relative.starts_with("src/cli/") || relative == "src/main.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        if text.contains("clap::") || text.contains("#[arg(") || text.contains("#[command(") {
            named.push(relative);
        }
    }
    assert!(named.is_empty(), "clap outside src/cli/: {named:?}");
}

/// One name per thing: no public type (struct, enum, trait, type alias) name is defined twice
/// in `src/`, so a name found in a signature says which thing it is.
#[test]
fn no_public_type_name_is_defined_twice() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("src"), &mut sources);
    let mut defined: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for file in sources {
        let text = std::fs::read_to_string(&file).expect("read");
        let relative = file.strip_prefix(root).expect("under the root").display().to_string();
        for line in text.lines() {
            let line = line.trim_start();
            let Some(rest) = line.strip_prefix("pub ") else { continue };
            for kind in ["struct ", "enum ", "trait ", "type "] {
                if let Some(name) = rest.strip_prefix(kind) {
                    let name: String = name.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    // A macro's `pub enum $name` defines no name of its own.
                    if !name.is_empty() {
                        defined.entry(name).or_default().push(relative.clone());
                    }
                }
            }
        }
    }
    assert!(defined.len() > 100, "only {} public type names found", defined.len());
    let twice: Vec<String> =
        defined.iter().filter(|(_, at)| at.len() > 1).map(|(name, at)| format!("{name}: {}", at.join(", "))).collect();
    assert!(twice.is_empty(), "public type names defined more than once:\n{}", twice.join("\n"));
}
