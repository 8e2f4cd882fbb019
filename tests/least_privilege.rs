//! Least privilege in the database: with migrations run separately by the owner, the daemon
//! runs as a member of `wasteflow_writer` (rows only, no DDL); a daemon facing an outdated
//! schema says to run `wasteflow migrate` instead of altering anything; a sync that may not
//! create a company's role says which, and a superuser creates it as docs/security.md says.

mod common;
use common::*;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_runs_as_the_writer_role_without_ddl() {
    let db = TestDb::new().await;
    let owner = Env::new(&db);
    let out = owner.command().arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let role = unique("wf_w_");
    let admin = pg(PG_ADMIN).await;
    admin.batch_execute(&format!("CREATE ROLE {role} LOGIN IN ROLE wasteflow_writer")).await.unwrap();
    let mut env = owner.clone();
    env.db_url = format!("postgres://{role}@127.0.0.1:5432/{}", db.name);
    env.extra.push(("WASTEFLOW__DATABASE__MIGRATE_ON_START".into(), "false".into()));
    let daemon = Daemon::start(&env).await;
    let start = (now_ms() - 3_600_000).to_string();
    let summary = simulate(
        &env,
        &["--frames", "300", "--readings-per-frame", "10", "--seed", "4", "--start-ms", &start, "--malformed", "0.05"],
    );
    let expected = summary["readings"].as_i64().unwrap();
    wait_until(Duration::from_secs(30), "stored by the writer role", || async {
        db.count("SELECT count(*) FROM readings").await == expected
    })
    .await;
    // Dead letters too (with their message_sha256, migration 0005).
    let malformed = summary["malformed"].as_i64().expect("summary counts malformed messages");
    assert!(malformed > 0);
    wait_until(Duration::from_secs(30), "dead letters written by the writer role", || async {
        db.count("SELECT count(*) FROM rejected_messages").await == malformed
    })
    .await;
    let (ok, out) = verify(&owner);
    assert!(ok, "{out}");

    // The same role cannot change the schema nor remove or rewrite history.
    let writer = pg(&env.db_url).await;
    for sql in [
        "CREATE TABLE intruder (x int)",
        "DROP TABLE readings",
        "ALTER TABLE readings ADD COLUMN x int",
        "DELETE FROM readings",
        "UPDATE readings SET value_milli = 0",
        "UPDATE rejected_messages SET payload = ''",
        "DELETE FROM rejected_messages",
        "TRUNCATE flow_rollup_1m",
    ] {
        let err = writer.batch_execute(sql).await.expect_err(sql);
        assert_eq!(err.code(), Some(&tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{sql}: {err}");
    }
    // A dead-letter replay marks a dead letter replayed, and only that.
    writer.batch_execute("UPDATE rejected_messages SET replayed_at = now() WHERE id = 0").await.expect("mark replayed");
    assert!(daemon.terminate().await.success());
    drop(writer);
    admin.batch_execute(&format!("DROP ROLE {role}")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmigrated_database_is_named_not_altered() {
    let db = TestDb::new().await;
    let mut env = Env::new(&db);
    env.extra.push(("WASTEFLOW__DATABASE__MIGRATE_ON_START".into(), "false".into()));
    let log = Scratch::file("wf-outdated-", "log");
    let mut child = env.command().arg("run").stderr(std::fs::File::create(&log).unwrap()).spawn().unwrap();
    wait_until(Duration::from_secs(20), "the outdated schema reported", || async {
        std::fs::read_to_string(&log).unwrap_or_default().contains("run `wasteflow migrate`")
    })
    .await;
    // metrics.listen is 127.0.0.1:0: the port the daemon chose.
    let port = listening_ports(child.id()).first().copied().expect("the daemon's metrics listener");
    let (code, body) = http_get(port, "/readyz").await.unwrap();
    assert_eq!(code, 503, "{body}");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(db.count("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").await, 0, "nothing created");
}

/// A registry sync by a login that may not create roles (the writer's) still syncs, names the
/// company role it could not create and says so on its line; the documented psql call, run by a
/// superuser, creates it (docs/security.md, "The roles").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_that_may_not_create_a_company_role_names_it_and_a_superuser_creates_it() {
    let db = TestDb::new().await;
    let mut owner = Env::new(&db);
    let (zone_path, original) = owner.with_own_zone("");
    let out = owner.command().arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // A company no other test knows, so that its role is new to the server.
    let id = unique("late-");
    std::fs::write(
        &zone_path,
        format!("{original}\n[[companies]]\nid = \"{id}\"\nsiren = \"000000000\"\nname = \"A late member\"\n"),
    )
    .unwrap();
    let login = unique("wf_w_");
    let admin = pg(PG_ADMIN).await;
    admin.batch_execute(&format!("CREATE ROLE {login} LOGIN IN ROLE wasteflow_writer")).await.unwrap();
    let mut writer = owner.clone();
    writer.db_url = format!("postgres://{login}@127.0.0.1:5432/{}", db.name);
    let out = writer.command().args(["registry", "sync"]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("0 company roles created, 1 missing (docs/security.md)"), "{stdout}");
    let role = format!("wasteflow_company_{id}");
    assert!(stderr.contains("company roles missing") && stderr.contains(&role), "{stderr}");
    // Its row is there: the views will filter by it once the role exists.
    assert_eq!(db.count(&format!("SELECT count(*) FROM company_roles WHERE role_name = '{role}'")).await, 1);

    // The superuser's call of docs/security.md, as written there.
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/security.md")).unwrap();
    let call = doc.split("<<'SQL'\n").nth(1).and_then(|s| s.split("\nSQL\n").next()).expect("the psql call");
    let mut psql = std::process::Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", &db.name])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    psql.stdin.take().unwrap().write_all(call.as_bytes()).unwrap();
    assert!(psql.wait().unwrap().success(), "{call}");
    let reader: bool = admin
        .query_one("SELECT pg_has_role($1::text::name, 'wasteflow_reader', 'MEMBER')", &[&role])
        .await
        .unwrap()
        .get(0);
    assert!(reader, "{role} created a reader");
    let out = writer.command().args(["registry", "sync"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("0 company roles created") && !stdout.contains("missing"), "{stdout}");
    drop(db);
    admin.batch_execute(&format!("DROP ROLE {login}; DROP ROLE \"{role}\"")).await.unwrap();
}
