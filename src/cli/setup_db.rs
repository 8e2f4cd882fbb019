//! `wasteflow setup-db`: prints the psql script a superuser runs once on a new PostgreSQL
//! server (src/store/schema/setup.rs), for the configured login and database.

use crate::config::Settings;
use crate::store::{SetupLayout as Layout, SetupPlan};
use crate::zone::Zone;

/// The set-up to print (docs/operations.md, "The database and its roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    /// The daemon's login owns the database and migrates at start.
    OneRole,
    /// An owner login migrates; the daemon's login only reads and writes rows.
    LeastPrivilege,
}

#[derive(Debug, clap::Args)]
pub struct SetupDbArgs {
    /// Which documented set-up.
    #[arg(long, value_enum, default_value_t = LayoutArg::OneRole)]
    layout: LayoutArg,
    /// A file holding the daemon's password (its first line); database.password_file (or the
    /// credential db-password) by default, else the URL's password, else none.
    #[arg(long)]
    password_file: Option<String>,
    /// The owner's login, for --layout least-privilege.
    #[arg(long, default_value = "wasteflow_owner")]
    owner: String,
    /// A file holding the owner's password (its first line), for --layout least-privilege.
    #[arg(long)]
    owner_password_file: Option<String>,
    /// Also create the TimescaleDB extension in the database (the server must have it).
    #[arg(long)]
    timescaledb: bool,
}

/// Why the script cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum SetupDbError {
    #[error("database.url: {0}")]
    Url(#[source] tokio_postgres::Error),
    #[error("database.url names no user: write it as postgres://USER@HOST:PORT/DATABASE")]
    NoUser,
    #[error(transparent)]
    PasswordFile(crate::store::StoreError),
}

/// The script, for the configured `database.url` (its user and database) and password file,
/// with a reader role for each company of the zone.
pub fn script(args: &SetupDbArgs, settings: &Settings, zone: &Zone) -> Result<String, SetupDbError> {
    let url: tokio_postgres::Config = settings.database.url.parse().map_err(SetupDbError::Url)?;
    let login = url.get_user().ok_or(SetupDbError::NoUser)?.to_string();
    let database = url.get_dbname().unwrap_or(&login).to_string();
    let read = |path: &String| crate::store::read_password_file(path).map_err(SetupDbError::PasswordFile);
    let password_file = args.password_file.as_ref().or(settings.database.password_file.as_ref());
    let login_password = match (password_file, url.get_password()) {
        (Some(path), _) => Some(read(path)?),
        (None, Some(p)) => Some(String::from_utf8_lossy(p).into_owned()),
        (None, None) => None,
    };
    let plan = SetupPlan {
        layout: match args.layout {
            LayoutArg::OneRole => Layout::OneRole,
            LayoutArg::LeastPrivilege => Layout::LeastPrivilege,
        },
        login,
        login_password,
        owner: args.owner.clone(),
        owner_password: args.owner_password_file.as_ref().map(read).transpose()?,
        database,
        companies: zone.file.companies.iter().map(|c| c.id.clone()).collect(),
        timescaledb: args.timescaledb,
    };
    Ok(plan.script())
}
