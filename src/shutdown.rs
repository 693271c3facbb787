//! Graceful shutdown. SIGTERM, SIGINT or [`StopHandle::stop`] stop the listener and give
//! in-flight requests `shutdown_timeout_secs` to finish. actix drops the connections of
//! requests still running at that limit without an answer, so a little before it the
//! [`ShutdownDeadline`](crate::http::middleware::ShutdownDeadline) turns and
//! [`answer_before_shutdown`](crate::http::middleware::answer_before_shutdown) answers them
//! with a 503 problem body. A second signal stops at once.
//!
//! WebSocket connections would hold the server for the whole grace period: each one watches
//! [`StopHandle`] (a signal turns it too) and closes with 1001 and a retry hint as soon as the
//! stop begins, so its client reconnects through the proxy to another node.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::watch;

/// Stops a running server the way SIGTERM does (tests use it; a process has its signals).
#[derive(Debug, Clone)]
pub struct StopHandle(Arc<watch::Sender<bool>>);

impl StopHandle {
    pub(crate) fn new() -> Self {
        Self(Arc::new(watch::channel(false).0))
    }

    /// Starts a graceful shutdown; calling it again changes nothing.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    /// Returns once a stop has begun (at once if it has).
    pub async fn stopped(&self) {
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = self.0.subscribe().wait_for(|stop| *stop).await;
    }
}

/// When requests still running are answered with 503, counted from the stop: before the grace
/// limit by enough to write the answers (a second, or half of a shorter grace period).
#[must_use]
pub fn answer_after(grace: Duration) -> Duration {
    grace - (grace / 2).min(Duration::from_secs(1))
}

/// SIGTERM and SIGINT; a signal that cannot be listened for (a sandbox) is logged and ignored.
struct Signals {
    term: Option<Signal>,
    int: Option<Signal>,
}

async fn next_of(signal: Option<&mut Signal>) {
    if let Some(signal) = signal
        && signal.recv().await.is_some()
    {
        return;
    }
    std::future::pending().await
}

impl Signals {
    fn new() -> Self {
        let open = |kind: SignalKind| {
            signal(kind)
                .map_err(|e| tracing::warn!(error = %e, "cannot listen for a signal"))
                .ok()
        };
        Self {
            term: open(SignalKind::terminate()),
            int: open(SignalKind::interrupt()),
        }
    }

    async fn next(&mut self) -> &'static str {
        let Self { term, int } = self;
        tokio::select! {
            () = next_of(term.as_mut()) => "SIGTERM",
            () = next_of(int.as_mut()) => "SIGINT",
        }
    }
}

/// Waits for a stop (a signal or `stop`), stops `server` gracefully, turns `deadline` at
/// [`answer_after`] the grace period, and stops at once on a second signal. Never returns:
/// the caller races it against the server, which ends the shutdown.
pub(crate) async fn supervise(
    server: ServerHandle,
    stop: StopHandle,
    deadline: watch::Sender<bool>,
    grace: Duration,
) -> Infallible {
    let mut signals = Signals::new();
    tokio::select! {
        name = signals.next() => {
            tracing::info!(signal = name, grace_secs = grace.as_secs(), "stopping gracefully");
            // What watches the handle (WebSocket connections) hears of a signal's stop too.
            stop.stop();
        }
        () = stop.stopped() => tracing::info!(grace_secs = grace.as_secs(), "stopping gracefully"),
    }
    // The command leaves at once; the returned future would only wait for its completion.
    drop(server.stop(true));
    let answer = tokio::time::sleep(answer_after(grace));
    tokio::pin!(answer);
    let mut answered = false;
    loop {
        tokio::select! {
            () = &mut answer, if !answered => {
                answered = true;
                tracing::info!("grace period nearly over: requests still running get 503");
                deadline.send_replace(true);
            }
            name = signals.next() => {
                tracing::warn!(signal = name, "stopping at once");
                drop(server.stop(false));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_go_out_before_the_grace_limit() {
        let ms = |secs| answer_after(Duration::from_secs(secs)).as_millis();
        assert_eq!([ms(0), ms(1), ms(2), ms(10)], [0, 500, 1000, 9000]);
    }
}
