//! A small TCP proxy between the daemon and a service, for fault tests: it passes bytes
//! through, or holds them (a stalled network: connections stay open, nothing moves), or cuts
//! every connection and refuses new ones (the service unreachable).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bytes flow both ways.
    Pass,
    /// Connections stay open (and new ones are accepted) but no byte moves either way.
    Stall,
    /// Every connection is closed; new ones are accepted and closed at once.
    Refuse,
}

pub struct Proxy {
    pub port: u16,
    state: watch::Sender<Mode>,
    accepted: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:`target`.
    pub async fn start(target: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (state, _) = watch::channel(Mode::Pass);
        let accepted = Arc::new(AtomicU64::new(0));
        let (st, acc) = (state.clone(), accepted.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                acc.fetch_add(1, Ordering::Relaxed);
                let rx = st.subscribe();
                if *rx.borrow() == Mode::Refuse {
                    drop(client);
                    continue;
                }
                tokio::spawn(connection(client, target, rx));
            }
        });
        Proxy { port, state, accepted, task }
    }

    pub fn set(&self, mode: Mode) {
        self.state.send_replace(mode);
    }

    /// Connections accepted so far (refused ones included): a client's connection attempts.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.state.send_replace(Mode::Refuse);
        self.task.abort();
    }
}

async fn connection(client: TcpStream, target: u16, state: watch::Receiver<Mode>) {
    let Ok(server) = TcpStream::connect(("127.0.0.1", target)).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    // Either direction ending (or a cut) ends both: dropping the halves closes the sockets.
    tokio::select! {
        _ = pump(cr, sw, state.clone()) => {}
        _ = pump(sr, cw, state) => {}
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut state: watch::Receiver<Mode>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // While stalled nothing is read either, so the sender's socket buffers fill up as on a
        // network that holds packets.
        if !wait_for_pass(&mut state).await {
            return;
        }
        let n = tokio::select! {
            r = from.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            changed = state.changed() => {
                if changed.is_err() {
                    return;
                }
                continue;
            }
        };
        // Bytes read just before a stall or cut are held or dropped with the connection.
        if !wait_for_pass(&mut state).await {
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// Waits while stalled; false once the connection must be cut.
async fn wait_for_pass(state: &mut watch::Receiver<Mode>) -> bool {
    loop {
        let mode = *state.borrow_and_update();
        match mode {
            Mode::Pass => return true,
            Mode::Refuse => return false,
            Mode::Stall => {
                if state.changed().await.is_err() {
                    return false;
                }
            }
        }
    }
}
