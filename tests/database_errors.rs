//! A database that refuses the daemon says why, in the server's words and with its SQLSTATE,
//! for each mistake a new operator makes: a database nobody created, a role that does not
//! exist, a wrong password, no password at all, nothing listening. Against a private cluster
//! with password authentication (scram-sha-256), as a production server has: the machine's
//! server trusts every local connection and would accept any password.

mod common;
use common::cluster::Cluster;
use common::*;

/// What `wasteflow verify` (the shortest command that needs the database) prints on stderr,
/// with its exit code.
fn refused(env: &Env, url: &str, password_file: Option<&std::path::Path>) -> (Option<i32>, String) {
    let mut cmd = env.command();
    cmd.arg("verify").env("WASTEFLOW__DATABASE__URL", url);
    if let Some(f) = password_file {
        cmd.env("WASTEFLOW__DATABASE__PASSWORD_FILE", f);
    }
    let out = cmd.output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_refusal_names_its_cause() {
    let dir = Scratch::dir("wf-pgauth-");
    let cluster = Cluster::start(&dir, &["--auth-local=trust", "--auth-host=scram-sha-256"], "");
    cluster.psql("CREATE ROLE wf_known LOGIN PASSWORD 'right-password'");
    cluster.psql("CREATE DATABASE wf_db OWNER wf_known");
    let right = dir.join("right");
    let wrong = dir.join("wrong");
    std::fs::write(&right, "right-password\n").unwrap();
    std::fs::write(&wrong, "wrong-password\n").unwrap();
    let db = TestDb::new().await; // only for the zone and config the commands load
    let env = Env::new(&db);
    let port = cluster.port;

    // The right role, password and database: it gets as far as the (empty) schema.
    let (_, err) = refused(&env, &format!("postgres://wf_known@127.0.0.1:{port}/wf_db"), Some(&right));
    assert!(!err.contains("password authentication failed"), "the right password is accepted: {err}");

    // A database nobody created (docs/operations.md, "The database and its roles").
    let (code, err) = refused(&env, &format!("postgres://wf_known@127.0.0.1:{port}/wasteflow"), Some(&right));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("FATAL 3D000: database \"wasteflow\" does not exist"), "{err}");

    // A wrong password, and a role that does not exist: under password authentication the
    // server answers both alike (it does not tell a stranger which roles exist).
    let (_, err) = refused(&env, &format!("postgres://wf_known@127.0.0.1:{port}/wf_db"), Some(&wrong));
    assert!(err.contains("FATAL 28P01: password authentication failed for user \"wf_known\""), "{err}");
    let (_, err) = refused(&env, &format!("postgres://wf_nobody@127.0.0.1:{port}/wf_db"), Some(&right));
    assert!(err.contains("FATAL 28P01: password authentication failed for user \"wf_nobody\""), "{err}");

    // No password configured where the server asks for one.
    let (_, err) = refused(&env, &format!("postgres://wf_known@127.0.0.1:{port}/wf_db"), None);
    assert!(err.contains("password missing: the server asks for a password; set database.password_file"), "{err}");

    // A role that does not exist, on a server that trusts the connection (as the machine's
    // does): the server names it.
    let (_, err) = refused(&env, "postgres://wf_nobody@127.0.0.1:5432/postgres", None);
    assert!(err.contains("FATAL 28000: role \"wf_nobody\" does not exist"), "{err}");

    // Nothing listening.
    let closed = free_port();
    let (_, err) = refused(&env, &format!("postgres://wf_known@127.0.0.1:{closed}/wf_db"), Some(&right));
    assert!(err.to_lowercase().contains("connection refused"), "{err}");
    drop(cluster);
}
