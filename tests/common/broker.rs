//! A private Mosquitto started from the shipped `deploy/mosquitto/mosquitto.conf`, on a port
//! of its own, for tests that need the broker to keep a backlog while the daemon is stopped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct PrivateBroker {
    pub port: u16,
    child: Child,
    dir: std::path::PathBuf,
}

fn spawn(dir: &std::path::Path, port: u16) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("broker.log")).unwrap();
    let child = Command::new("mosquitto")
        .arg("-c")
        .arg(dir.join("mosquitto.conf"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("mosquitto must be installed (Debian package mosquitto)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "private mosquitto did not start on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

impl PrivateBroker {
    pub fn start() -> PrivateBroker {
        let port = super::free_port();
        let dir = std::env::temp_dir().join(super::unique("mosquitto-"));
        std::fs::create_dir_all(&dir).unwrap();
        let shipped =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/mosquitto/mosquitto.conf")).unwrap();
        let mut conf: String = shipped
            .lines()
            .map(|l| {
                if l.starts_with("listener ") {
                    format!("listener {port} 127.0.0.1")
                } else if l.starts_with("persistence_location ") {
                    format!("persistence_location {}/", dir.display())
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        // Running as root, Mosquitto would switch to the `mosquitto` user, who cannot write here.
        conf.push_str("\nuser root\n");
        let path = dir.join("mosquitto.conf");
        std::fs::write(&path, conf).unwrap();
        let child = spawn(&dir, port);
        PrivateBroker { port, child, dir }
    }

    /// SIGKILLs the broker (no final save) and starts it again on the same port and data.
    pub fn kill_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(&self.dir, self.port);
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("broker.log")).unwrap_or_default()
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
