//! One WebSocket per user: authenticate, subscribe, then measure every update.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt, stream};
use protocol::ws::{ClientMessage, Encoding};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::Options;
use crate::setup::User;

/// Counters shared by every connection.
#[derive(Debug, Default)]
pub struct Stats {
    /// Handshakes or subscriptions that failed.
    pub failed_handshakes: AtomicU64,
    /// Connections that ended before the run did.
    pub lost: AtomicU64,
    /// Updates received during the measurement.
    pub updates: AtomicU64,
    /// Revaluations the server folded into those updates.
    pub coalesced: AtomicU64,
    /// Updates the server dropped for a slow reader and announced (`skipped`).
    pub skipped: AtomicU64,
    /// Sequence numbers that jumped without being announced.
    pub gaps: AtomicU64,
    /// Alerts and other frames.
    pub other_frames: AtomicU64,
}

/// What a run measured besides the counters.
#[derive(Debug)]
pub struct Run {
    /// Tick-to-client latencies in milliseconds.
    pub latencies_ms: Vec<u32>,
    /// Sessions subscribed when the measurement started.
    pub subscribed: usize,
    /// How long connecting and subscribing everyone took.
    pub connect_time: Duration,
    /// The measurement's length.
    pub measured: Duration,
    /// CPU seconds the server used during the measurement (with `--server-pid`).
    pub server_cpu_secs: Option<f64>,
    /// CPU seconds this generator used during the measurement.
    pub generator_cpu_secs: Option<f64>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn encode(encoding: Encoding, message: &ClientMessage) -> anyhow::Result<Message> {
    let bytes = encoding.encode(message)?;
    Ok(match encoding {
        Encoding::Json => Message::Text(String::from_utf8(bytes)?.into()),
        Encoding::MessagePack => Message::Binary(bytes.into()),
    })
}

/// The kinds of server frames the generator tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Snapshot,
    Update,
    Error,
    #[serde(other)]
    Other,
}

/// The fields of a server frame the generator reads. Decoding only these (the state is
/// skipped, not built) keeps the generator's core well ahead of the server's, so the
/// latencies it reports are the server's.
#[derive(Debug, serde::Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: Kind,
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    skipped: u64,
    #[serde(default)]
    coalesced: u32,
    #[serde(default)]
    newest_tick_ms: Option<i64>,
    #[serde(default)]
    message: Option<String>,
}

fn decode(encoding: Encoding, frame: &Message) -> Option<Frame> {
    match frame {
        Message::Text(t) => encoding.decode(t.as_bytes()).ok(),
        Message::Binary(b) => encoding.decode(b).ok(),
        _ => None,
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, authenticates and subscribes; returns the socket and the snapshot's seq.
async fn open(
    options: &Options,
    encoding: Encoding,
    i: usize,
    user: &User,
) -> anyhow::Result<(Socket, u64)> {
    let mut request =
        format!("{}/ws", options.url_for(i).replacen("http", "ws", 1)).into_client_request()?;
    request
        .headers_mut()
        .insert("sec-websocket-protocol", encoding.subprotocol().parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    socket
        .send(encode(
            encoding,
            &ClientMessage::Auth {
                token: user.token.clone(),
            },
        )?)
        .await?;
    socket
        .send(encode(
            encoding,
            &ClientMessage::Subscribe {
                user_id: None,
                fan_chart: false,
            },
        )?)
        .await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let frame = tokio::time::timeout(Duration::from_secs(120), socket.next())
            .await?
            .ok_or_else(|| anyhow::anyhow!("closed during the handshake"))??;
        match decode(encoding, &frame) {
            Some(Frame {
                kind: Kind::Snapshot,
                seq,
                ..
            }) => return Ok((socket, seq)),
            Some(Frame {
                kind: Kind::Error,
                message,
                ..
            }) => anyhow::bail!("refused: {}", message.unwrap_or_default()),
            _ => {}
        }
    }
    anyhow::bail!("no snapshot")
}

/// Reads updates until `end`, checking sequence numbers and recording latencies once
/// `measuring` turns true.
async fn follow(
    mut socket: Socket,
    mut seq: u64,
    encoding: Encoding,
    stats: &Stats,
    mut measuring: watch::Receiver<Option<Instant>>,
) -> Vec<u32> {
    let mut latencies = Vec::new();
    loop {
        let end = *measuring.borrow();
        let frame = tokio::select! {
            frame = socket.next() => frame,
            _ = measuring.changed() => continue,
            () = async {
                match end {
                    Some(end) => tokio::time::sleep_until(end.into()).await,
                    None => std::future::pending().await,
                }
            } => {
                let _ = socket.close(None).await;
                return latencies;
            }
        };
        let frame = match frame {
            Some(Ok(Message::Close(close))) => {
                eprintln!("the server closed a connection: {close:?}");
                stats.lost.fetch_add(1, Ordering::Relaxed);
                return latencies;
            }
            Some(Ok(frame)) => frame,
            Some(Err(e)) => {
                eprintln!("a connection failed: {e}");
                stats.lost.fetch_add(1, Ordering::Relaxed);
                return latencies;
            }
            None => {
                eprintln!("a connection ended without a close frame");
                stats.lost.fetch_add(1, Ordering::Relaxed);
                return latencies;
            }
        };
        let counting = end.is_some();
        match decode(encoding, &frame) {
            Some(Frame {
                kind: Kind::Update,
                seq: next,
                skipped,
                coalesced,
                newest_tick_ms,
                ..
            }) => {
                if next != seq + 1 + skipped {
                    stats.gaps.fetch_add(1, Ordering::Relaxed);
                }
                seq = next;
                if counting {
                    stats.updates.fetch_add(1, Ordering::Relaxed);
                    stats
                        .coalesced
                        .fetch_add(u64::from(coalesced), Ordering::Relaxed);
                    stats.skipped.fetch_add(skipped, Ordering::Relaxed);
                    if let Some(tick) = newest_tick_ms {
                        let ms = (now_ms() - tick).max(0);
                        latencies.push(u32::try_from(ms).unwrap_or(u32::MAX));
                    }
                }
            }
            Some(Frame {
                kind: Kind::Snapshot,
                seq: s,
                ..
            }) => seq = s,
            Some(_) => {
                stats.other_frames.fetch_add(1, Ordering::Relaxed);
            }
            None => {}
        }
    }
}

/// Opens every session, measures for `duration`, and gathers the latencies.
pub async fn run(
    options: &Options,
    encoding: Encoding,
    users: Vec<User>,
    stats: Arc<Stats>,
    duration: Duration,
) -> anyhow::Result<Run> {
    let started = Instant::now();
    let (start_tx, start_rx) = watch::channel(None::<Instant>);
    // Each socket is read from the moment it is subscribed (answering the server's pings and
    // draining updates); only the measurement window counts.
    let tasks: Vec<Option<tokio::task::JoinHandle<Vec<u32>>>> = stream::iter(users)
        .enumerate()
        .map(|(i, user)| {
            let (stats, rx) = (stats.clone(), start_rx.clone());
            async move {
                match open(options, encoding, i, &user).await {
                    Ok((socket, seq)) => Some(tokio::spawn(async move {
                        follow(socket, seq, encoding, &stats, rx).await
                    })),
                    Err(e) => {
                        eprintln!("handshake failed: {e:#}");
                        stats.failed_handshakes.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                }
            }
        })
        .buffer_unordered(options.connect_concurrency.max(1))
        .collect()
        .await;
    let tasks: Vec<_> = tasks.into_iter().flatten().collect();
    let subscribed = tasks.len();
    let connect_time = started.elapsed();
    eprintln!("{subscribed} sessions subscribed in {connect_time:.1?}; measuring for {duration:?}");
    // Let the sessions settle (a first update each) before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cpu = || {
        (
            crate::report::servers_cpu_seconds(&options.server_pid),
            crate::report::cpu_seconds("self"),
        )
    };
    let measure_from = Instant::now();
    let cpu_before = cpu();
    start_tx.send_replace(Some(measure_from + duration));
    tokio::time::sleep_until((measure_from + duration).into()).await;
    let cpu_after = cpu();
    let measured = measure_from.elapsed();
    let mut latencies_ms = Vec::new();
    for task in tasks {
        latencies_ms.extend(task.await?);
    }
    let used = |before: Option<f64>, after: Option<f64>| Some(after? - before?);
    Ok(Run {
        latencies_ms,
        subscribed,
        connect_time,
        measured,
        server_cpu_secs: used(cpu_before.0, cpu_after.0),
        generator_cpu_secs: used(cpu_before.1, cpu_after.1),
    })
}

#[cfg(test)]
mod tests {
    use protocol::live::{
        ClassWeight, LivePortfolio, LiveSimulation, LiveState, TickSummary, WealthSource,
    };
    use protocol::simulations::PercentilesView;
    use protocol::ws::ServerMessage;

    use super::*;

    fn update() -> ServerMessage {
        let p = PercentilesView {
            p5: 1.0,
            p25: 2.0,
            p50: 3.0,
            p75: 4.0,
            p95: 5.0,
        };
        ServerMessage::Update {
            stream: uuid::Uuid::nil(),
            seq: 9,
            skipped: 2,
            coalesced: 3,
            ticks: vec![TickSummary {
                symbol: "S01".into(),
                price: 101.5,
                ts_ms: 1_700_000_000_123,
            }]
            .into(),
            newest_tick_ms: Some(1_700_000_000_123),
            state: std::sync::Arc::new(LiveState {
                user_id: uuid::Uuid::nil(),
                simulation: LiveSimulation {
                    paths: 1000,
                    seed: 7,
                    starting_wealth: 1.0,
                    wealth_source: WealthSource::Holdings,
                    monthly_contribution: 0.0,
                    monthly_spending: 0.0,
                    retirement_month: 0,
                    horizon_months: 0,
                    success_probability: 0.5,
                    success_standard_error: 0.01,
                    terminal_real_wealth: p,
                    fan_chart: None,
                    goals: Vec::new(),
                    extensions: None,
                },
                portfolio: LivePortfolio {
                    total_value: 1.0,
                    classes: vec![ClassWeight {
                        asset_class: "us_equity".into(),
                        value: 1.0,
                        weight: 1.0,
                        target: 1.0,
                        drift: 0.0,
                    }],
                    max_abs_drift: 0.0,
                    unpriced: Vec::new(),
                    band: 0.05,
                    outside_band: false,
                    rebalance_trades: 0,
                },
                computed_at_ms: 1_700_000_000_200,
            }),
            explanation: None,
        }
    }

    #[test]
    fn reads_the_fields_it_needs_from_real_frames_in_both_encodings() {
        for encoding in [Encoding::Json, Encoding::MessagePack] {
            let bytes = encoding.encode(&update()).unwrap();
            let message = match encoding {
                Encoding::Json => Message::Text(String::from_utf8(bytes).unwrap().into()),
                Encoding::MessagePack => Message::Binary(bytes.into()),
            };
            let frame = decode(encoding, &message).unwrap();
            assert_eq!(frame.kind, Kind::Update, "{encoding:?}");
            assert_eq!((frame.seq, frame.skipped, frame.coalesced), (9, 2, 3));
            assert_eq!(frame.newest_tick_ms, Some(1_700_000_000_123));
            let pong = encoding.encode(&ServerMessage::Pong { nonce: 5 }).unwrap();
            let pong = match encoding {
                Encoding::Json => Message::Text(String::from_utf8(pong).unwrap().into()),
                Encoding::MessagePack => Message::Binary(pong.into()),
            };
            assert_eq!(decode(encoding, &pong).unwrap().kind, Kind::Other);
        }
    }
}
