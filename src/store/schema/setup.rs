//! What a PostgreSQL superuser runs once on a new server before wasteflow's first migration:
//! the server's roles, the logins, the database, and (when asked) TimescaleDB. `wasteflow
//! setup-db` prints it as a psql script (docs/operations.md, "The database and its roles").
//!
//! Why a superuser at all: roles belong to the server, and creating one needs a superuser or
//! `CREATEROLE` (PostgreSQL 15, `CREATE ROLE`). Migrations 2, 4 and 16 create the roles they grant
//! to only when they are missing; once this script has made them, a login that merely owns its
//! database runs every migration. A TimescaleDB extension is not trusted, so it needs a
//! superuser too (`CREATE EXTENSION`).
//!
//! Every statement creates only what is missing (`\gexec` of a query that returns nothing when
//! the object exists; `GRANT` of a membership already held is a notice), so running the
//! script again changes nothing: a second zone on the same server, or an upgrade, is safe.

use super::access::READER_ROLE;
use crate::store::error::{column, timed, StoreError};
use std::time::Duration;
use tokio_postgres::Client;

/// The role the daemon's login belongs to when it does not own the tables (migration 4).
pub const WRITER_ROLE: &str = "wasteflow_writer";
/// A reader of every company's rows (migration 16).
pub const COORDINATOR_ROLE: &str = "wasteflow_coordinator";
/// The first release's read-only role, a coordinator since migration 16 (migration 2).
pub const GRAFANA_ROLE: &str = "wasteflow_grafana";

/// The two documented set-ups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The daemon's login owns the database and migrates at start.
    OneRole,
    /// An owner login migrates; the daemon's login is a member of [`WRITER_ROLE`] only.
    LeastPrivilege,
}

/// What to set up.
#[derive(Debug, Clone)]
pub struct SetupPlan {
    pub layout: Layout,
    /// The daemon's login (the user of `database.url`).
    pub login: String,
    /// Its password, when one is configured (`database.password_file`).
    pub login_password: Option<String>,
    /// The owner's login, for [`Layout::LeastPrivilege`].
    pub owner: String,
    pub owner_password: Option<String>,
    /// The database (of `database.url`).
    pub database: String,
    /// The registry's company ids: each gets its reader role.
    pub companies: Vec<String>,
    pub timescaledb: bool,
}

impl SetupPlan {
    /// The psql script.
    pub fn script(&self) -> String {
        let mut s = String::new();
        let layout = match self.layout {
            Layout::OneRole => "one role",
            Layout::LeastPrivilege => "least privilege",
        };
        s.push_str(&format!(
            "-- wasteflow setup-db: the set-up \"{layout}\" (docs/operations.md, \"The database and its roles\").\n\
             -- Run by a PostgreSQL superuser, e.g. `wasteflow setup-db | sudo -u postgres psql -v ON_ERROR_STOP=1`.\n\
             -- Each statement creates only what is missing: running it again changes nothing.\n\
             \\set ON_ERROR_STOP on\n\n\
             -- The server's roles, without login; the migrations grant them their rights.\n"
        ));
        for role in [WRITER_ROLE, GRAFANA_ROLE, READER_ROLE, COORDINATOR_ROLE] {
            s.push_str(&create_role(role, "NOLOGIN"));
        }
        s.push_str(&format!(
            "GRANT {READER_ROLE} TO {COORDINATOR_ROLE};\nGRANT {COORDINATOR_ROLE} TO {GRAFANA_ROLE};\n"
        ));
        if !self.companies.is_empty() {
            s.push_str("\n-- Each company's reader role (docs/security.md, \"The roles\").\n");
            for id in &self.companies {
                s.push_str(&create_role(&company_role(id), &format!("NOLOGIN IN ROLE {READER_ROLE}")));
            }
        }
        let owner = match self.layout {
            Layout::OneRole => &self.login,
            Layout::LeastPrivilege => &self.owner,
        };
        s.push_str("\n-- The logins.\n");
        if self.layout == Layout::LeastPrivilege {
            s.push_str(&login(owner, self.owner_password.as_deref(), "--owner-password-file"));
        }
        s.push_str(&login(&self.login, self.login_password.as_deref(), "--password-file, or database.password_file"));
        if self.layout == Layout::LeastPrivilege {
            s.push_str(&format!("GRANT {WRITER_ROLE} TO {};\n", ident(&self.login)));
        }
        s.push_str(&format!(
            "\n-- The database, owned by the login that migrates.\n\
             SELECT 'CREATE DATABASE {} OWNER {}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {}) \\gexec\n",
            ident(&self.database).replace('\'', "''"),
            ident(owner).replace('\'', "''"),
            literal(&self.database),
        ));
        if self.timescaledb {
            s.push_str(&format!(
                "\n-- TimescaleDB (an untrusted extension: a superuser creates it).\n\\connect {}\n\
                 CREATE EXTENSION IF NOT EXISTS timescaledb;\n",
                ident(&self.database)
            ));
        }
        s
    }
}

/// What keeps this login from running the migrations, in words with the fix; empty when
/// nothing does. The two things a fresh server lacks: the server's roles, which the login may
/// not create (no superuser, no `CREATEROLE`), and the right to create tables in the schema (a
/// login that does not own its database). `check-config --connect` says it before a start.
pub async fn migration_blockers(client: &Client, limit: Duration) -> Result<Vec<String>, StoreError> {
    let row = timed(
        limit,
        client.query_one(
            "SELECT current_user::text AS login, current_schema()::text AS schema,
                    (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) AS may_create_roles,
                    has_schema_privilege(current_schema(), 'CREATE') AS may_create_tables,
                    ARRAY(SELECT r FROM unnest($1::text[]) r WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r)) AS missing",
            &[&[WRITER_ROLE, GRAFANA_ROLE, READER_ROLE, COORDINATOR_ROLE].as_slice()],
        ),
    )
    .await?;
    let login: String = column(&row, "login")?;
    let missing: Vec<String> = column(&row, "missing")?;
    let mut blockers = Vec::new();
    if !missing.is_empty() && !column::<bool>(&row, "may_create_roles")? {
        blockers
            .push(format!("the server's roles {} are missing and {login:?} may not create roles", missing.join(", ")));
    }
    if !column::<bool>(&row, "may_create_tables")? {
        let schema: String = column(&row, "schema")?;
        blockers
            .push(format!("{login:?} may not create tables in the schema {schema:?} (it does not own the database)"));
    }
    Ok(blockers)
}

/// `CREATE ROLE name options`, when `name` does not exist.
fn create_role(name: &str, options: &str) -> String {
    format!(
        "SELECT 'CREATE ROLE {} {options}' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {}) \\gexec\n",
        ident(name).replace('\'', "''"),
        literal(name)
    )
}

/// A login role, created when missing; its password set when given.
fn login(name: &str, password: Option<&str>, given_by: &str) -> String {
    let mut s = create_role(name, "LOGIN");
    match password {
        Some(p) => s.push_str(&format!("ALTER ROLE {} LOGIN PASSWORD {};\n", ident(name), literal(p))),
        None => s.push_str(&format!(
            "-- No password was given for {name} ({given_by}): set one with \\password {name}\n\
             -- if the server asks for one (Debian's does on 127.0.0.1).\n"
        )),
    }
    s
}

/// A company's role name, as `wf_company_role` (migration 16) makes it: `wasteflow_company_`
/// and the id, or for an id too long for PostgreSQL's 63-byte names its first 36 characters,
/// `_` and the first 8 hex digits of the id's MD5.
pub fn company_role(id: &str) -> String {
    let name = format!("wasteflow_company_{id}");
    if name.len() <= 63 {
        return name;
    }
    let head: String = id.chars().take(36).collect();
    let digest = md5_hex(id.as_bytes());
    format!("wasteflow_company_{head}_{}", &digest[..8])
}

/// An SQL identifier, quoted.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// An SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// MD5 in hex: PostgreSQL's `md5()`, which names long company roles.
fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    hex::encode(md5::Md5::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_is_rfc_1321s() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            md5_hex(b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    #[test]
    fn company_roles_are_named_as_the_migration_names_them() {
        assert_eq!(company_role("beton-artois"), "wasteflow_company_beton-artois");
        // 18 + 45 = 63 bytes: kept whole; one more and the id is cut, with its MD5.
        let long = "a".repeat(45);
        assert_eq!(company_role(&long), format!("wasteflow_company_{long}"));
        let longer = "a".repeat(46);
        assert_eq!(
            company_role(&longer),
            format!("wasteflow_company_{}_{}", "a".repeat(36), &md5_hex(longer.as_bytes())[..8])
        );
        assert!(company_role(&longer).len() <= 63);
    }

    #[test]
    fn quotes_are_doubled_in_names_and_passwords() {
        let plan = SetupPlan {
            layout: Layout::OneRole,
            login: "wf\"x".into(),
            login_password: Some("it's".into()),
            owner: "unused".into(),
            owner_password: None,
            database: "d'b".into(),
            companies: vec![],
            timescaledb: false,
        };
        let s = plan.script();
        assert!(s.contains("ALTER ROLE \"wf\"\"x\" LOGIN PASSWORD 'it''s';"), "{s}");
        assert!(s.contains("SELECT 'CREATE DATABASE \"d''b\" OWNER \"wf\"\"x\"' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'd''b') \\gexec"), "{s}");
        assert!(!s.contains("unused"));
    }
}
