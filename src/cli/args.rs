//! Command-line arguments (clap).

use clap::{Parser, Subcommand};

/// wasteflow: waste and recycling telemetry from MQTT gateways into exactly-once time series.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Configuration file (TOML); environment variables WASTEFLOW__SECTION__KEY override it.
    #[arg(long, short, global = true, env = "WASTEFLOW_CONFIG")]
    pub config: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon: subscribe, validate, store, acknowledge.
    ///
    /// Signals: SIGTERM or SIGINT stop it, once what was taken is committed and acknowledged
    /// (within shutdown.grace). SIGHUP reloads the configuration file and the zone registry; an
    /// invalid one is refused and the running one kept. SIGUSR1 leaves the shared subscription
    /// group: it stores what the session holds, ends the session, and exits 0.
    ///
    /// Endpoints on metrics.listen: /metrics (Prometheus), /healthz (alive: no loop wedged),
    /// /readyz (ready: database and broker there, data moving). Under systemd (Type=notify) it
    /// reports READY=1 once subscribed, and pings the watchdog while alive.
    ///
    /// Exit status: 0 stopped, everything taken committed and acknowledged; 75 stopped, but
    /// shutdown.grace ran out first (the broker redelivers the rest); 64 configuration refused,
    /// also by the database at start (no such database or role, a wrong or missing password, a
    /// privilege missing: the log line says what to do);
    /// 1 any other failure.
    Run,
    /// Leave the shared subscription group for good, as `run` does on SIGUSR1: connect with
    /// this instance's client id, unsubscribe, store and acknowledge what its session still
    /// holds, end the session, exit 0. For an instance that was stopped instead of leaving.
    Leave,
    /// Reload a running daemon and wait for its verdict: the unit's ExecReload=. Sends SIGHUP
    /// to PID, then reads the daemon's reload counts on metrics.listen until one moves; exits
    /// 0 when the new configuration is in force, 1 when the daemon refused it (it keeps the
    /// running one; its log says why), so that `systemctl reload` fails too.
    Reload {
        /// The daemon's process id ($MAINPID in the unit).
        pid: u32,
    },
    /// Apply pending database migrations and exit. Carries a v1 database's data into storage
    /// v2 in batches (resumable: run it again after an interruption), with its progress.
    Migrate {
        /// Readings copied per transaction by the storage v2 upgrade.
        #[arg(long, default_value_t = crate::store::UPGRADE_BATCH)]
        batch: i64,
    },
    /// Print the psql script a PostgreSQL superuser runs once on a new server: the server's
    /// roles, the configured login (with its password file's password) and database, each
    /// company's reader role, and TimescaleDB if asked. Creates only what is missing.
    ///
    /// E.g. `wasteflow setup-db | sudo -u postgres psql -v ON_ERROR_STOP=1`.
    SetupDb(super::setup_db::SetupDbArgs),
    /// Check the configuration and the zone registry; print every problem.
    CheckConfig {
        /// Also reach the database and the broker and report what works (exit 69 if not).
        #[arg(long)]
        connect: bool,
    },
    /// Encode a JSON frame (stdin) into a wire-format frame, printed as hex.
    Encode,
    /// Decode a wire-format frame given as hex (argument or stdin) into JSON.
    Decode {
        /// The frame as hex; read from stdin when absent.
        hex: Option<String>,
    },
    /// Publish simulated gateway frames for the zone; prints a JSON summary as its last line.
    Simulate(super::sim_args::SimArgs),
    /// The zone registry in the database.
    Registry {
        #[command(subcommand)]
        action: RegistryAction,
    },
    /// Recompute every rollup from the raw readings; exit 1 if any differs.
    Verify,
    /// The waste register (registre chronologique) in the national import format.
    Register {
        #[command(subcommand)]
        action: super::register::RegisterAction,
    },
    /// A company's ESRS E5-5 / GRI 306 figures of a local calendar year (--company), or the
    /// zone's monthly bulletin (--zone), with their coverage, estimates and what is missing.
    ///
    /// --format text (default) prints one page on the terminal; html writes one self-contained
    /// page with charts (the categories per month, stacked, hazardous apart; the rates with
    /// their coverage; the exchanges as a flow diagram; savings once configured); csv and json
    /// carry the same figures for spreadsheets and other systems. Output goes to stdout.
    ///
    /// Exit status: 0 printed; 1 an unknown company or a database error; 64 a command line
    /// it refuses.
    Report(super::report::ReportArgs),
    /// Collection planning across companies: which containers carriers should collect when,
    /// grouped into trips within their vehicles, and the trips saved (docs/planning.md).
    Plan(super::plan_args::PlanArgs),
    /// Dead letters (`rejected_messages`): list, show one, replay them through today's checks.
    DeadLetters {
        #[command(subcommand)]
        action: super::dead_letters::DeadLetterAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum RegistryAction {
    /// Write the zone file into the registry tables (entries no longer in the file are kept,
    /// marked inactive).
    Sync,
}
