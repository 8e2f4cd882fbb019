//! Waiting for SIGTERM or SIGINT (stop), or SIGUSR1 (leave the group, then stop).

/// Resolves at the first SIGTERM or SIGINT.
pub async fn wait_for_stop() {
    use tokio::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received"),
                _ = int.recv() => tracing::info!("SIGINT received"),
            }
        }
        _ => {
            tracing::warn!("cannot install signal handlers; falling back to ctrl-c only");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Resolves at the first SIGUSR1: leave the shared subscription group, then exit. Never
/// resolves if the handler cannot be installed (logged: SIGUSR1 would then kill the process).
pub async fn wait_for_leave() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::user_defined1()) {
        Ok(mut usr1) => {
            usr1.recv().await;
            tracing::info!("SIGUSR1 received: leaving the shared subscription group");
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot handle SIGUSR1; leaving the group needs it");
            std::future::pending::<()>().await;
        }
    }
}
