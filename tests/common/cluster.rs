//! A private PostgreSQL cluster for the tests that need a server set up otherwise than the
//! machine's (TLS on, password authentication): initdb'd and started here as the `postgres`
//! user (the tests run as root), stopped and removed on drop.

use super::free_port;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// Runs a command as the `postgres` user (PostgreSQL refuses to run as root).
pub fn as_postgres(args: &[&str]) -> Output {
    Command::new("runuser").args(["-u", "postgres", "--"]).args(args).output().expect("runuser (run the tests as root)")
}

pub struct Cluster {
    pub dir: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// `initdb` in `dir/data` with `initdb_args` (e.g. `--auth=trust`), then a server on
    /// 127.0.0.1 with its socket in `dir` and the `-c name=value` settings of `settings`.
    pub fn start(dir: &Path, initdb_args: &[&str], settings: &str) -> Cluster {
        let data = dir.join("data");
        std::fs::create_dir_all(dir).unwrap();
        Command::new("chown").args(["-R", "postgres:postgres", dir.to_str().unwrap()]).status().unwrap();
        let initdb = format!("{PG_BIN}/initdb");
        let mut args = vec![initdb.as_str(), "-D", data.to_str().unwrap(), "-U", "postgres"];
        args.extend_from_slice(initdb_args);
        let out = as_postgres(&args);
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        // A port found free can be taken by another test before the postmaster binds it: then
        // pg_ctl fails and the cluster starts again on another port.
        for attempt in 1..=5 {
            let c = Cluster { dir: dir.to_path_buf(), port: free_port() };
            let opts = format!(
                "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} {settings}",
                c.port,
                dir.display()
            );
            let log = dir.join("pg.log");
            let pg_ctl = format!("{PG_BIN}/pg_ctl");
            let out = as_postgres(&[
                &pg_ctl,
                "-D",
                data.to_str().unwrap(),
                "-o",
                &opts,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ]);
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if out.status.success() {
                return c;
            }
            assert!(attempt < 5 && text.contains("could not bind"), "pg_ctl start: {text}");
            eprintln!("port {} taken; starting the cluster again on another port", c.port);
            std::mem::forget(c); // nothing runs: no pg_ctl stop
        }
        unreachable!("the loop returns or panics")
    }

    /// Runs SQL as the superuser through the cluster's own socket (trusted locally).
    pub fn psql(&self, sql: &str) {
        let psql = format!("{PG_BIN}/psql");
        let port = self.port.to_string();
        let out =
            as_postgres(&[&psql, "-h", self.dir.to_str().unwrap(), "-p", &port, "-v", "ON_ERROR_STOP=1", "-c", sql]);
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn reload(&self) {
        let out = as_postgres(&[&format!("{PG_BIN}/pg_ctl"), "-D", self.dir.join("data").to_str().unwrap(), "reload"]);
        assert!(out.status.success());
    }
}

impl Drop for Cluster {
    /// Stops the server; its directory is the test's (a [`super::scratch::Scratch`]), removed
    /// after it, or kept when the test failed.
    fn drop(&mut self) {
        let pg_ctl = format!("{PG_BIN}/pg_ctl");
        let _ = as_postgres(&[&pg_ctl, "-D", self.dir.join("data").to_str().unwrap(), "-m", "immediate", "stop"]);
    }
}
