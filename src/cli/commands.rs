//! One function per subcommand.

use super::args::{Cli, Command, RegistryAction};
use super::{EX_UNAVAILABLE, EX_USAGE};
use crate::config::{self, parse_mqtt_url, Settings};
use crate::simulate::{run_simulation, SimBroker, SimOptions};
use crate::wire::TopicLayout;
use crate::zone::Zone;
use std::error::Error;
use std::path::Path;
use std::process::ExitCode;

/// What a subcommand returns: its exit code, or the error printed as the last line.
type Outcome = Result<ExitCode, Box<dyn Error>>;

/// Runs the parsed command line and returns the process exit code.
pub fn dispatch(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Encode => return super::frame_text::encode(),
        Command::Decode { hex } => return super::frame_text::decode(hex),
        _ => {}
    }
    let (settings, zone) = match load(&cli) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if let Command::SetupDb(args) = &cli.command {
        return match super::setup_db::script(args, &settings, &zone) {
            Ok(script) => {
                print!("{script}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(EX_USAGE)
            }
        };
    }
    crate::logging::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The daemon's errors go to its log (the journal); a one-off command's to the terminal,
    // once.
    let daemon = matches!(cli.command, Command::Run | Command::Leave);
    match runtime.block_on(run_command(cli, settings, zone)) {
        Ok(code) => code,
        Err(e) if daemon => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The configuration (the one given, or an installed host's for a one-off command) and the
/// zone registry it names; every problem printed, and exit 64, when either is refused.
fn load(cli: &Cli) -> Result<(Settings, Zone), ExitCode> {
    let config_path = super::installed::config_path(cli.config.as_deref(), &cli.command, Path::is_file);
    let mut settings = config::load(config_path.as_deref()).map_err(|e| {
        eprint!("{e}");
        ExitCode::from(EX_USAGE)
    })?;
    super::installed::installed_credentials(&mut settings, config_path.as_deref());
    let zone = Zone::load(&settings.zone.file).map_err(|e| {
        eprint!("{e}");
        if cli.config.is_none() && !Path::new(&settings.zone.file).exists() {
            eprintln!(
                "no configuration file was given (zone.file is {:?}): pass --config \
                 /etc/wasteflow/wasteflow.toml, or set WASTEFLOW_CONFIG",
                settings.zone.file
            );
        }
        ExitCode::from(EX_USAGE)
    })?;
    Ok((settings, zone))
}

/// The subcommands that run on the async runtime.
async fn run_command(cli: Cli, settings: Settings, zone: Zone) -> Outcome {
    match cli.command {
        Command::Run => run(settings, zone, cli.config.clone(), false).await,
        Command::Leave => run(settings, zone, cli.config.clone(), true).await,
        Command::Migrate { batch } => migrate(&settings, &zone, batch).await,
        Command::Registry { action: RegistryAction::Sync } => registry_sync(&settings, &zone).await,
        Command::CheckConfig { connect } => {
            println!("configuration and zone registry are valid ({} gateways)", zone.gateways().len());
            if connect && !super::check::check_connections(&settings).await {
                return Ok(ExitCode::from(EX_UNAVAILABLE));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify => verify(&settings).await,
        Command::Reload { pid } => {
            super::reload::reload(&settings, pid).await?;
            println!("reloaded: the new configuration is in force");
            Ok(ExitCode::SUCCESS)
        }
        Command::DeadLetters { action } => super::dead_letters::run(action, settings, zone).await,
        Command::Register { action } => super::register::run(action, settings).await,
        Command::Report(args) => super::report::run(&settings, args).await,
        Command::Plan(args) => super::plan::run(args, &settings, &zone).await,
        Command::Simulate(args) => simulate(args, &settings, &zone).await,
        Command::Encode | Command::Decode { .. } | Command::SetupDb(_) => Ok(ExitCode::SUCCESS),
    }
}

/// `wasteflow simulate`: on the demo's topics unless `--zone-topics`; prints the summary.
async fn simulate(args: super::sim_args::SimArgs, settings: &Settings, zone: &Zone) -> Outcome {
    let ep = parse_mqtt_url(&settings.mqtt.url)?;
    let filter = args.topic_filter(&settings.mqtt.topic_filter)?;
    let layout = TopicLayout::parse(&filter)?;
    eprintln!(
        "simulate: publishing on {filter}{}",
        if args.zone_topics { " (the zone's topics)" } else { " (--zone-topics for the zone's own)" }
    );
    let broker = SimBroker { host: ep.host, port: ep.port, client_id: format!("wasteflow-sim-{}", std::process::id()) };
    let mut options: SimOptions = args.into();
    if options.realistic {
        options.clock = super::sim_clock::zone_clock(settings, options.start).await;
    }
    let summary = run_simulation(zone, &layout, &options, &broker).await?;
    println!("{}", serde_json::to_string(&summary)?);
    Ok(ExitCode::SUCCESS)
}

/// `wasteflow run`, or with `leave` `wasteflow leave`: the daemon leaving the group at once.
async fn run(settings: Settings, zone: Zone, config_path: Option<String>, leave: bool) -> Outcome {
    let handle = crate::metrics::install()?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        crate::signals::wait_for_stop().await;
        let _ = stop_tx.send(true);
    });
    let (leave_tx, leave_rx) = tokio::sync::watch::channel(leave);
    tokio::spawn(async move {
        crate::signals::wait_for_leave().await;
        let _ = leave_tx.send(true);
    });
    tracing::info!(version = env!("CARGO_PKG_VERSION"), leave, "wasteflow starting");
    match crate::daemon::run(settings, zone, handle, stop_rx, leave_rx, config_path).await {
        // A setting or a login the database refuses: a configuration error, not an outage.
        Err(e) if e.is_configuration() => {
            tracing::error!(error = %e, "configuration refused by the database; not retrying (exit 64)");
            Ok(ExitCode::from(EX_USAGE))
        }
        Err(e) => Err(e.into()),
        Ok(crate::daemon::Exit::Drained) => {
            tracing::info!("stopped cleanly");
            Ok(ExitCode::SUCCESS)
        }
        Ok(crate::daemon::Exit::Left) => {
            tracing::info!("left the shared subscription group; stopped cleanly");
            Ok(ExitCode::SUCCESS)
        }
        Ok(crate::daemon::Exit::GraceExpired) => Ok(ExitCode::from(crate::daemon::Exit::GRACE_EXPIRED_CODE)),
    }
}

async fn migrate(settings: &Settings, zone: &Zone, batch: i64) -> Outcome {
    if batch < 1 {
        return Err("--batch: must be at least 1 (readings per transaction; the default is 50000)".into());
    }
    let mut db = crate::store::connect(&settings.database).await?;
    let mut progress = super::progress::Progress::new();
    let (_, applied) = crate::store::migrate_and_upgrade(
        &mut db.client,
        settings.database.schema.as_deref(),
        settings.database.statement_timeout,
        batch,
        &mut |copied, total| progress.show(copied, total),
    )
    .await?;
    progress.finish();
    db.close().await;
    let p = crate::store::prepare(settings, zone, true).await?;
    let applied = if applied.is_empty() {
        "none (the database was up to date)".to_string()
    } else {
        applied.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    };
    println!("storage mode: {}; migrations applied now: {applied}", p.mode);
    for line in &p.policies {
        println!("storage policy: {line}");
    }
    println!("registry: {}", p.registry);
    Ok(ExitCode::SUCCESS)
}

async fn registry_sync(settings: &Settings, zone: &Zone) -> Outcome {
    let mut db = crate::store::connect(&settings.database).await?;
    let (report, _) = crate::store::sync_registry(
        &mut db.client,
        zone,
        &settings.zone.time_zone,
        settings.database.statement_timeout,
    )
    .await?;
    println!("registry synchronised: {report}");
    Ok(ExitCode::SUCCESS)
}

async fn verify(settings: &Settings) -> Outcome {
    let db = crate::store::connect(&settings.database).await?;
    let limit = settings.database.statement_timeout.max(std::time::Duration::from_secs(300));
    let mismatches = crate::store::verify(&db.client, limit).await?;
    for m in &mismatches {
        println!("{m}");
    }
    if mismatches.is_empty() {
        println!("verify: every rollup equals its recomputation from the raw readings");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("verify: {} mismatch(es)", mismatches.len());
        Ok(ExitCode::FAILURE)
    }
}
