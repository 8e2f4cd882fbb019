//! The demo installs only what it needs (deploy/demo-needs.sh; the README lists it), without
//! the packages' recommendations, and stops nothing: run on a PATH that lacks every one of its
//! needs, with an `apt-get` that records what it is asked.

mod common;
use common::Scratch;
use std::process::Command;

#[test]
fn the_demo_installs_its_four_needs_and_nothing_else() {
    let dir = Scratch::dir("wf-demo-needs-");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // The basic tools the script runs, and nothing the demo needs.
    for tool in ["bash", "env", "id", "ls", "head", "chmod", "seq", "sleep", "cat", "rm", "printf"] {
        let found = Command::new("bash").args(["-c", &format!("command -v {tool}")]).output().unwrap();
        let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
        if !path.is_empty() && path.starts_with('/') {
            std::os::unix::fs::symlink(&path, bin.join(tool)).unwrap();
        }
    }
    let log = dir.join("asked");
    let record = |name: &str, body: &str| {
        std::fs::write(bin.join(name), format!("#!/bin/bash\n{body}\n")).unwrap();
        Command::new("chmod").args(["+x", bin.join(name).to_str().unwrap()]).status().unwrap();
    };
    record("apt-get", &format!("echo \"apt-get $*\" >> {}", log.display()));
    for stopper in ["pkill", "killall", "systemctl", "service"] {
        record(stopper, &format!("echo \"{stopper} $*\" >> {}; exit 1", log.display()));
    }
    record("pg_isready", "exit 0");
    let out = Command::new(bin.join("bash"))
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/demo-needs.sh"))
        .env_clear()
        .env("PATH", &bin)
        .env("WASTEFLOW_DEMO_YES", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let asked = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        asked,
        "apt-get update -qq\n\
         apt-get install -y -qq --no-install-recommends mosquitto postgresql postgresql-client curl python3\n"
    );
    // The README lists the same four.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains("the demo installs, if missing and after asking: `mosquitto`, `postgresql`, `curl`, `python3`")
    );
}
