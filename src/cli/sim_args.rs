//! The options of `wasteflow simulate` (clap), turned into the simulator's
//! [`SimOptions`](crate::simulate::SimOptions); the broker comes from the config.

use crate::calendar::Timestamp;
use crate::simulate::{Fault, SimOptions};
use clap::builder::PossibleValue;

/// The `simulate` subcommand's options. Defaults are [`SimOptions::default`]'s.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Messages to publish (duplicates and malformed ones included).
    #[arg(long, default_value_t = SimOptions::default().frames)]
    pub frames: u64,
    /// Readings in each frame.
    #[arg(long, default_value_t = SimOptions::default().readings_per_frame)]
    pub readings_per_frame: usize,
    /// Random seed; the same seed and --start-ms publish the same bytes.
    #[arg(long, default_value_t = SimOptions::default().seed)]
    pub seed: u64,
    /// Messages per second (no limit when absent).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Share of messages that re-send the previous frame (0 to 1).
    #[arg(long, default_value_t = SimOptions::default().duplicates)]
    pub duplicates: f64,
    /// Share of messages that are undecodable garbage (0 to 1).
    #[arg(long, default_value_t = SimOptions::default().malformed)]
    pub malformed: f64,
    /// Time of each gateway's first reading, ms since the Unix epoch (default: far enough in
    /// the past that the last reading is a minute old). With --realistic: the start of the
    /// simulated days.
    #[arg(long)]
    pub start_ms: Option<u64>,
    /// Simulate the zone realistically (shifts, weekends, collections, temperatures,
    /// batteries, registry intervals) over --days ending now, instead of uniform frames.
    #[arg(long)]
    pub realistic: bool,
    /// With --realistic: days to simulate (at most 29, so readings stay within the daemon's
    /// default acceptance window).
    #[arg(long, default_value_t = SimOptions::default().days)]
    pub days: f64,
    /// With --realistic: simulated seconds per real second (10080: a week in a minute);
    /// as fast as possible when absent.
    #[arg(long)]
    pub speedup: Option<f64>,
    /// With --realistic: faults to inject (repeatable): overflow, fire, silent, clock-skew,
    /// flood; and the devices' conditions: fire-alarm, tilt, moved, lid, weak-radio, poor-quality.
    #[arg(long = "fault", value_enum)]
    pub faults: Vec<Fault>,
    /// Broker connections to publish on (1 to 64); each gateway's messages always go through
    /// the same one, in order, as they would from a real gateway.
    #[arg(long, default_value_t = SimOptions::default().connections, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub connections: u16,
    /// The first topic segments of the simulated traffic, in place of those of
    /// mqtt.topic_filter (the demo's by default): fake tonnes never reach a daemon that
    /// subscribes to the zone's real topics.
    #[arg(long, default_value = SIMULATED_PREFIX, conflicts_with = "zone_topics")]
    pub topic_prefix: String,
    /// Publish on the zone's own topics (mqtt.topic_filter as it is): a daemon subscribed there
    /// stores the simulated readings against the real company ids, for good.
    #[arg(long)]
    pub zone_topics: bool,
}

/// Where simulated traffic goes unless `--zone-topics`: the demo's prefix (deploy/demo.sh).
pub const SIMULATED_PREFIX: &str = "demo";

impl SimArgs {
    /// The topic filter the simulator publishes under: `filter` (shared-subscription prefix
    /// removed) with its segments before the first wildcard replaced by `--topic-prefix`, or
    /// as it is with `--zone-topics`. `zone/+/+/up` becomes `demo/+/+/up`.
    pub fn topic_filter(&self, filter: &str) -> Result<String, crate::wire::TopicError> {
        let plain = crate::wire::without_share(filter)?;
        if self.zone_topics {
            return Ok(plain.to_string());
        }
        let segments: Vec<&str> = plain.split('/').collect();
        let first_wildcard = segments.iter().position(|s| *s == "+" || *s == "#").unwrap_or(segments.len());
        let prefix = self.topic_prefix.trim_matches('/');
        Ok(format!("{prefix}/{}", segments[first_wildcard..].join("/")))
    }
}

impl From<SimArgs> for SimOptions {
    fn from(a: SimArgs) -> SimOptions {
        SimOptions {
            frames: a.frames,
            readings_per_frame: a.readings_per_frame,
            seed: a.seed,
            rate: a.rate,
            duplicates: a.duplicates,
            malformed: a.malformed,
            // The flag's milliseconds since the epoch (at most i64::MAX of them).
            start: a.start_ms.map(|ms| Timestamp::from_millis(i64::try_from(ms).unwrap_or(i64::MAX))),
            realistic: a.realistic,
            days: a.days,
            speedup: a.speedup,
            faults: a.faults,
            connections: a.connections,
            clock: None,
        }
    }
}

/// `--fault NAME`: the names are [`Fault::name`]'s, so clap refuses a misspelt one and lists
/// them (and `--help`, the manual pages and the completions offer them).
impl clap::ValueEnum for Fault {
    fn value_variants<'a>() -> &'a [Self] {
        &Fault::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::{CommandFactory, Parser};

    fn parse(args: &[&str]) -> Result<SimOptions, clap::Error> {
        let cli = Cli::try_parse_from([&["wasteflow", "simulate"], args].concat())?;
        match cli.command {
            Command::Simulate(a) => Ok(a.into()),
            other => panic!("not simulate: {other:?}"),
        }
    }

    fn args(extra: &[&str]) -> SimArgs {
        match Cli::try_parse_from([&["wasteflow", "simulate"], extra].concat()).unwrap().command {
            Command::Simulate(a) => a,
            other => panic!("not simulate: {other:?}"),
        }
    }

    #[test]
    fn simulated_traffic_has_topics_of_its_own_unless_asked() {
        assert_eq!(args(&[]).topic_filter("zone/+/+/up").unwrap(), "demo/+/+/up");
        assert_eq!(args(&[]).topic_filter("$share/wasteflow/liévin/zone/+/+/up").unwrap(), "demo/+/+/up");
        assert_eq!(args(&[]).topic_filter("+/+/up").unwrap(), "demo/+/+/up");
        assert_eq!(args(&["--topic-prefix", "trial/one"]).topic_filter("zone/+/+/up").unwrap(), "trial/one/+/+/up");
        assert_eq!(args(&["--zone-topics"]).topic_filter("$share/g/zone/+/+/up").unwrap(), "zone/+/+/up");
        assert!(Cli::try_parse_from(["wasteflow", "simulate", "--zone-topics", "--topic-prefix", "x"]).is_err());
    }

    #[test]
    fn the_defaults_are_the_simulators() {
        assert_eq!(parse(&[]).unwrap(), SimOptions::default());
    }

    #[test]
    fn every_option_reaches_the_simulator() {
        let o = parse(&[
            "--frames=5",
            "--readings-per-frame=6",
            "--seed=7",
            "--rate=8.5",
            "--duplicates=0.25",
            "--malformed=0.5",
            "--start-ms=9",
            "--realistic",
            "--days=2.5",
            "--speedup=60",
            "--fault=clock-skew",
            "--fault",
            "poor-quality",
            "--connections=3",
        ])
        .unwrap();
        let expected = SimOptions {
            frames: 5,
            readings_per_frame: 6,
            seed: 7,
            rate: Some(8.5),
            duplicates: 0.25,
            malformed: 0.5,
            start: Some(Timestamp::from_millis(9)),
            realistic: true,
            days: 2.5,
            speedup: Some(60.0),
            faults: vec![Fault::ClockSkew, Fault::PoorQuality],
            connections: 3,
            clock: None,
        };
        assert_eq!(o, expected);
    }

    #[test]
    fn a_misspelt_fault_is_refused_naming_the_faults() {
        let e = parse(&["--realistic", "--fault", "fire_alarm"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue);
        let text = e.to_string();
        assert!(text.contains("invalid value 'fire_alarm' for '--fault <FAULTS>'"), "{text}");
        let listed = Fault::ALL.map(Fault::name).join(", ");
        assert!(text.contains(&format!("[possible values: {listed}]")), "{text}");
        assert!(parse(&["--connections=0"]).is_err() && parse(&["--connections=65"]).is_err());
    }

    /// The help of --fault names every fault, in the order of [`Fault::ALL`].
    #[test]
    fn the_help_names_every_fault() {
        let cli = Cli::command();
        let sim = cli.find_subcommand("simulate").expect("simulate");
        let arg = sim.get_arguments().find(|a| a.get_id() == "faults").expect("--fault");
        let help = arg.get_help().expect("help").to_string();
        let mut at = 0;
        for f in Fault::ALL {
            let found = help[at..].find(f.name()).unwrap_or_else(|| panic!("{f} missing or out of order in {help:?}"));
            at += found + f.name().len();
        }
    }
}
