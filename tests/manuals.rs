//! The manual pages and completions the Debian package ships (examples/manuals.rs): every
//! subcommand has its page, every page renders without a warning from man, and the main page
//! has what `--help` cannot show.

#[path = "../examples/manuals.rs"]
#[allow(dead_code)]
mod manuals;

mod common;

use clap::CommandFactory;
use common::Scratch;
use std::path::Path;
use std::process::Command;

/// The pages and completions, written under a scratch directory (kept if the test fails).
fn generated() -> Scratch {
    let dir = Scratch::dir("wf-manuals-");
    manuals::generate(&dir).expect("generate manuals");
    dir
}

/// Every visible subcommand, nested ones too, with its page name: `wasteflow-registry-sync`.
fn subcommands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        let name = format!("{prefix}-{}", sub.get_name());
        out.push((name.clone(), sub.clone()));
        subcommands(sub, &name, out);
    }
}

/// What `man` prints of a page, as text, and its warnings.
fn man(page: &Path) -> (String, String) {
    let out = Command::new("man")
        .args(["--warnings=w", "-l"])
        .arg(page)
        .env("MANWIDTH", "100")
        .env("MAN_KEEP_FORMATTING", "0")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .expect("man (Debian package man-db) must be installed");
    assert!(out.status.success(), "man -l {} failed: {}", page.display(), String::from_utf8_lossy(&out.stderr));
    // Bold and underline are overstrikes ("X\bX", "_\bX") when not on a terminal.
    let text = String::from_utf8_lossy(&out.stdout);
    let mut plain = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{8}') {
            chars.next();
            continue;
        }
        plain.push(c);
    }
    (plain, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn every_subcommand_has_a_page_listing_its_options() {
    let dir = generated();
    let mut all = Vec::new();
    subcommands(&wasteflow::cli::Cli::command(), "wasteflow", &mut all);
    assert!(all.len() >= 17, "the CLI has at least 17 subcommands, nested ones included: {}", all.len());
    for (name, cmd) in &all {
        let page = dir.join("man").join(format!("{name}.1"));
        assert!(page.is_file(), "no page for {name}");
        let (text, warnings) = man(&page);
        assert!(warnings.is_empty(), "man warns about {name}: {warnings}");
        // man justifies lines: compare with runs of spaces squeezed.
        let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(squeezed.contains(&format!("NAME {name} - ")), "{name}: NAME section missing:\n{text}");
        if let Some(about) = cmd.get_about() {
            let first_words: String = about.to_string().split_whitespace().take(4).collect::<Vec<_>>().join(" ");
            assert!(
                squeezed.contains(&format!("{name} - {first_words}")),
                "{name}: its description ({first_words}…) missing"
            );
        }
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(text.contains(&format!("--{long}")), "{name}: option --{long} missing");
            }
        }
    }
    let pages = std::fs::read_dir(dir.join("man")).unwrap().count();
    assert_eq!(pages, all.len() + 1, "one page per subcommand, plus wasteflow(1)");
}

#[test]
fn the_main_page_has_exit_status_environment_files_and_see_also() {
    let dir = generated();
    let (text, warnings) = man(&dir.join("man/wasteflow.1"));
    assert!(warnings.is_empty(), "man warns about wasteflow(1): {warnings}");
    for section in
        ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO", "VERSION"]
    {
        assert!(text.lines().any(|l| l.trim_end() == section), "wasteflow(1) has no {section} section:\n{text}");
    }
    // The exit codes the unit relies on (tests/deploy.rs holds the unit to them).
    for code in ["64", "69", "75"] {
        assert!(
            text.lines().any(|l| l.split_whitespace().next() == Some(code) && l.split_whitespace().count() > 3),
            "exit status {code} not described"
        );
    }
    assert!(text.contains("WASTEFLOW__SECTION__KEY") && text.contains("/etc/wasteflow/wasteflow.toml"));
    let see_also = &text[text.find("SEE ALSO").unwrap()..];
    for sub in ["wasteflow-run(1)", "wasteflow-registry-sync(1)", "wasteflow-dead-letters-replay(1)"] {
        assert!(see_also.contains(sub), "SEE ALSO lacks {sub}");
    }
}

#[test]
fn completions_know_every_subcommand() {
    let dir = generated();
    let completions = dir.join("completions");
    let bash = std::fs::read_to_string(completions.join("wasteflow.bash")).unwrap();
    let zsh = std::fs::read_to_string(completions.join("_wasteflow")).unwrap();
    let fish = std::fs::read_to_string(completions.join("wasteflow.fish")).unwrap();
    let cmd = wasteflow::cli::Cli::command();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        for (shell, script) in [("bash", &bash), ("zsh", &zsh), ("fish", &fish)] {
            assert!(script.contains(sub.get_name()), "{shell} completion lacks {}", sub.get_name());
        }
    }
    // bash can load it: the completion function is defined.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p wasteflow", completions.join("wasteflow.bash").display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "bash cannot load the completion: {}", String::from_utf8_lossy(&out.stderr));
}

/// A page cites a document where the package puts it (/usr/share/doc/wasteflow/, flat), and
/// every document it cites is one the package ships.
#[test]
fn pages_cite_documents_where_an_installed_host_has_them() {
    let dir = generated();
    let shipped = |name: &str| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        root.join("docs").join(name).is_file() || root.join(name).is_file()
    };
    let mut cited = 0;
    for page in std::fs::read_dir(dir.join("man")).unwrap() {
        let page = page.unwrap().path();
        let text = std::fs::read_to_string(&page).unwrap();
        let checkout_paths = text.replace("/usr/share/doc/wasteflow/", "");
        assert!(!checkout_paths.contains("docs/"), "{} cites a checkout's docs/", page.display());
        for (i, _) in text.match_indices("/usr/share/doc/wasteflow/") {
            let rest = &text[i + "/usr/share/doc/wasteflow/".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c)).collect();
            let name = name.trim_end_matches('.');
            if name.ends_with(".md") {
                assert!(shipped(name), "{} cites {name}, which the package does not ship", page.display());
                cited += 1;
            }
        }
    }
    assert!(cited >= 3, "the pages cite the documents ({cited} citations)");
}
