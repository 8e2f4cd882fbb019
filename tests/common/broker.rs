//! A private Mosquitto started from the shipped `deploy/mosquitto/mosquitto.conf`, on a port
//! of its own, for tests that need the broker to keep a backlog while the daemon is stopped.
//! The port is picked free, then checked to be Mosquitto's: if another process took it first,
//! Mosquitto cannot bind it and is started again on another port.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PrivateBroker {
    pub port: u16,
    child: Child,
    /// Its configuration, data and log (`broker.log`): kept if the test fails.
    dir: super::Scratch,
}

/// Starts Mosquitto and waits until it listens on `port`; an error (with its log) if it
/// exits first, e.g. because the port is taken.
fn spawn(dir: &std::path::Path, port: u16) -> Result<Child, String> {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("broker.log")).unwrap();
    let mut child = Command::new("mosquitto")
        .arg("-c")
        .arg(dir.join("mosquitto.conf"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("mosquitto must be installed (Debian package mosquitto)");
    let deadline = Instant::now() + Duration::from_secs(10);
    // Listening itself, not merely some process answering on the port.
    while !super::listening_ports(child.id()).contains(&port) {
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.join("broker.log")).unwrap_or_default();
            return Err(format!("private mosquitto exited ({status}) instead of listening on port {port}:\n{log}"));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("private mosquitto did not start on port {port}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(child)
}

impl PrivateBroker {
    pub fn start() -> PrivateBroker {
        Self::start_with(&[])
    }

    /// Starts one with some settings of the shipped configuration replaced, e.g.
    /// `("max_queued_messages", "100")`.
    pub fn start_with(overrides: &[(&str, &str)]) -> PrivateBroker {
        const ATTEMPTS: usize = 5;
        let dir = super::Scratch::dir("mosquitto-");
        let mut attempt = 1;
        loop {
            let port = super::free_port();
            Self::configure(&dir, port, overrides);
            match spawn(&dir, port) {
                Ok(child) => return PrivateBroker { port, child, dir },
                Err(e) if attempt < ATTEMPTS => {
                    eprintln!("{e}\nstarting it again on another port");
                    let _ = std::fs::remove_file(dir.join("broker.log"));
                    attempt += 1;
                }
                Err(e) => panic!("{e}\n(after {ATTEMPTS} attempts)"),
            }
        }
    }

    /// Writes the shipped configuration with `port` and a data directory in `dir`.
    fn configure(dir: &std::path::Path, port: u16, overrides: &[(&str, &str)]) {
        let shipped =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/mosquitto/mosquitto.conf")).unwrap();
        let mut conf: String = shipped
            .lines()
            .map(|l| {
                if l.starts_with("listener ") {
                    format!("listener {port} 127.0.0.1")
                } else if l.starts_with("persistence_location ") {
                    format!("persistence_location {}/", dir.display())
                } else if let Some((key, value)) = overrides.iter().find(|(k, _)| l.starts_with(&format!("{k} "))) {
                    format!("{key} {value}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        // Running as root, Mosquitto would switch to the `mosquitto` user, who cannot write here.
        conf.push_str("\nuser root\n");
        std::fs::write(dir.join("mosquitto.conf"), conf).unwrap();
    }

    /// SIGKILLs the broker (no final save) and starts it again on the same port and data.
    pub fn kill_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(&self.dir, self.port).unwrap_or_else(|e| panic!("{e}"));
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("broker.log")).unwrap_or_default()
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Then the directory goes (or stays, the test having failed) with the field.
    }
}
