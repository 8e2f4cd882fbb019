//! Writes the manual pages and shell completions of `wasteflow`, generated from its command
//! line definition ([`wasteflow::cli::Cli`]), so they cannot drift from `--help`.
//!
//! ```sh
//! cargo run --example manuals -- target/assets   # writes target/assets/{man,completions}/
//! ```
//!
//! - `man/wasteflow.1`: the command, its global options, the list of subcommands, and what
//!   no `--help` shows: exit status, environment, files;
//! - `man/wasteflow-SUB.1` for every subcommand, nested ones too (`wasteflow-registry-sync.1`),
//!   as git and systemd name theirs, so `man wasteflow-run` works;
//! - `completions/wasteflow.bash`, `_wasteflow` (zsh), `wasteflow.fish`.
//!
//! The Debian package ships them (`deploy/debian/build.sh`); `tests/manuals.rs` checks that
//! every subcommand has its page.

use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;
use std::path::{Path, PathBuf};

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "target/assets".into()));
    let pages = generate(&out)?;
    println!("{pages} manual pages and 3 completion scripts in {}", out.display());
    Ok(())
}

/// Writes `out/man/*.1` and `out/completions/*`; returns the number of pages.
pub fn generate(out: &Path) -> std::io::Result<usize> {
    let mut cmd = wasteflow::cli::Cli::command().disable_help_subcommand(true);
    cmd.build();
    let man = out.join("man");
    std::fs::create_dir_all(&man)?;
    let mut pages = Vec::new();
    subcommand_pages(&cmd, &man, &mut pages)?;
    main_page(&cmd, &man, &pages)?;
    let completions = out.join("completions");
    std::fs::create_dir_all(&completions)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd.clone(), "wasteflow", &completions)?;
    }
    Ok(pages.len() + 1)
}

/// One page per subcommand, depth first; `pages` collects their names for SEE ALSO.
fn subcommand_pages(cmd: &clap::Command, dir: &Path, pages: &mut Vec<String>) -> std::io::Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_display_name().unwrap_or(sub.get_name()).to_string();
        let mut page = Vec::new();
        manual(sub.clone()).render(&mut page)?;
        std::fs::write(dir.join(format!("{name}.1")), installed_paths(&page))?;
        pages.push(name);
        subcommand_pages(sub, dir, pages)?;
    }
    Ok(())
}

fn manual(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd).source(format!("wasteflow {}", env!("CARGO_PKG_VERSION"))).manual("wasteflow manual")
}

/// The help text cites the documents as a checkout has them (`docs/operations.md`); on an
/// installed host they are in /usr/share/doc/wasteflow/ (Cargo.toml, `[package.metadata.deb]`).
pub fn installed_paths(page: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(page).replace("docs/", "/usr/share/doc/wasteflow/").into_bytes()
}

/// `wasteflow(1)`: clap's page, with the sections only this page has put before its VERSION.
fn main_page(cmd: &clap::Command, dir: &Path, pages: &[String]) -> std::io::Result<()> {
    let mut rendered = Vec::new();
    manual(cmd.clone()).render(&mut rendered)?;
    let rendered = String::from_utf8(installed_paths(&rendered)).map_err(std::io::Error::other)?;
    let see_also: Vec<String> = pages.iter().map(|p| format!("\\fB{}\\fR(1)", p.replace('-', "\\-"))).collect();
    let ours = format!(
        "{EXTRA_SECTIONS}.SH \"SEE ALSO\"\n{},\n\\fBsystemctl\\fR(1), \\fBjournalctl\\fR(1).\n\
         The operator's guide: /usr/share/doc/wasteflow/operations.md.\n",
        see_also.join(",\n")
    );
    let at = rendered.find(".SH VERSION").unwrap_or(rendered.len());
    let mut page = std::fs::File::create(dir.join("wasteflow.1"))?;
    page.write_all(&rendered.as_bytes()[..at])?;
    page.write_all(ours.as_bytes())?;
    page.write_all(&rendered.as_bytes()[at..])
}

/// Exit status, environment and files (roff). The exit codes are those of
/// `wasteflow::cli` (its module documentation) and of the systemd unit.
/// `.nh` and `.ad l`: no hyphenation, ragged right, so names can be copied as printed.
const EXTRA_SECTIONS: &str = r#".nh
.ad l
.SH "EXIT STATUS"
.TP
\fB0\fR
Success. For \fBrun\fR: stopped with everything taken committed and acknowledged.
.TP
\fB1\fR
A failure at run time, or \fBverify\fR found rollups that differ from the raw readings.
.TP
\fB3\fR
\fBregister export\fR wrote incomplete lines, or held lines back from the import file until their date (without \fB\-\-allow\-incomplete\fR).
.TP
\fB64\fR
Invalid configuration or usage (EX_USAGE); every problem is printed, each naming its key.
.TP
\fB69\fR
\fBcheck\-config \-\-connect\fR could not reach or use the database or the broker (EX_UNAVAILABLE).
.TP
\fB75\fR
\fBrun\fR stopped, but \fBshutdown.grace\fR ran out first: the broker redelivers what was not
acknowledged (EX_TEMPFAIL).
.TP
\fB141\fR
The reader of the standard output went away (\fBwasteflow dead\-letters list | head\fR): the
command stopped, as a tool killed by SIGPIPE does.
.SH ENVIRONMENT
.TP
\fBWASTEFLOW_CONFIG\fR
The configuration file, when \fB\-\-config\fR is not given.
.TP
\fBWASTEFLOW__\fISECTION\fB__\fIKEY\fR
Overrides one key of the configuration file, e.g. \fBWASTEFLOW__DATABASE__STATEMENT_TIMEOUT=5s\fR.
.TP
\fBCREDENTIALS_DIRECTORY\fR
Set by systemd's \fBLoadCredential=\fR: \fBdb\-password\fR and \fBmqtt\-password\fR in it are
used when no \fBpassword_file\fR is configured.
.TP
\fBNO_COLOR\fR
When set, log lines carry no colour codes even on a terminal (they never do elsewhere).
.TP
\fBRUST_LOG\fR
A tracing filter that overrides \fBlog.level\fR.
.SH FILES
.TP
\fI/etc/wasteflow/wasteflow.toml\fR
The configuration (conffile, root:wasteflow 0640). Relative paths in it are relative to its
directory.
.TP
\fI/etc/wasteflow/zone.toml\fR
The zone registry: companies, waste streams, containers, gateways and sensors.
.TP
\fI/etc/wasteflow/credentials/\fR
Secrets passed to the service by \fBLoadCredential=\fR (root, 0700).
.TP
\fI/usr/lib/systemd/system/wasteflow.service\fR
The unit. Change it with drop\-ins (\fBsystemctl edit wasteflow\fR), which upgrades keep.
.TP
\fI/usr/share/doc/wasteflow/\fR
The operator's guide and examples: Grafana provisioning, Prometheus rules, Alertmanager
routing, the Mosquitto configuration.
"#;
