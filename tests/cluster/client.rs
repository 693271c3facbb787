//! A live client as a dashboard is one: a WebSocket through nginx that authenticates,
//! subscribes to its own plan and checks every frame's sequence number.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use protocol::live::{LiveAlert, LiveState};
use protocol::ws::{ClientMessage, Encoding, ServerMessage};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

const ENCODING: Encoding = Encoding::Json;

/// What a read brought.
#[derive(Debug)]
pub enum Frame {
    Snapshot(u64, LiveState),
    Update(u64, LiveState),
    Alert(LiveAlert),
    /// Any other message (the welcome, recommendations, …).
    Other,
    /// The connection ended (close code, or 1006 when it just broke).
    Closed(u16),
}

pub struct LiveClient {
    token: String,
    socket: Socket,
    /// The sequence number of the last state seen.
    pub seq: u64,
    /// The last state seen.
    pub state: LiveState,
}

impl LiveClient {
    /// Opens `/ws` at `base` (nginx), authenticates and subscribes: `Err` with what went
    /// wrong while the deployment cannot take it.
    pub async fn connect(base: &str, token: &str) -> Result<Self, String> {
        let url = format!("{}/ws", base.replace("http://", "ws://"));
        let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        for message in [
            ClientMessage::Auth {
                token: token.to_owned(),
            },
            ClientMessage::Subscribe {
                user_id: None,
                fan_chart: false,
            },
        ] {
            let text = String::from_utf8(ENCODING.encode(&message).unwrap()).unwrap();
            socket
                .send(Message::Text(text.into()))
                .await
                .map_err(|e| format!("send: {e}"))?;
        }
        loop {
            match read(&mut socket, 0).await {
                Frame::Snapshot(seq, state) => {
                    return Ok(Self {
                        token: token.to_owned(),
                        socket,
                        seq,
                        state,
                    });
                }
                Frame::Closed(code) => return Err(format!("closed with {code}")),
                Frame::Other => {}
                other => return Err(format!("expected welcome and snapshot, got {other:?}")),
            }
        }
    }

    /// Connects again and again until a snapshot comes or `limit` has passed; returns the
    /// client and how long it took.
    pub async fn reconnect(base: &str, token: &str, limit: Duration) -> (Self, Duration) {
        let started = Instant::now();
        loop {
            match Self::connect(base, token).await {
                Ok(client) => return (client, started.elapsed()),
                Err(why) => assert!(
                    started.elapsed() < limit,
                    "no snapshot within {limit:?} (last: {why})"
                ),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The next message, within 15 s.
    pub async fn next(&mut self) -> Frame {
        read(&mut self.socket, self.seq).await
    }

    /// Reads until a state shows `wealth` (at once if the last one does; a snapshot resets the
    /// sequence); alerts on the way are returned with it.
    pub async fn until_wealth(&mut self, wealth: f64) -> Vec<LiveAlert> {
        let mut alerts = Vec::new();
        if (self.state.simulation.starting_wealth - wealth).abs() < 1e-6 {
            return alerts;
        }
        loop {
            match self.next().await {
                Frame::Snapshot(seq, state) | Frame::Update(seq, state) => {
                    self.seq = seq;
                    self.state = state;
                    if (self.state.simulation.starting_wealth - wealth).abs() < 1e-6 {
                        return alerts;
                    }
                }
                Frame::Alert(alert) => alerts.push(alert),
                Frame::Other => {}
                Frame::Closed(code) => panic!("closed with {code} waiting for wealth {wealth}"),
            }
        }
    }

    /// Reads until an alert comes (states allowed).
    pub async fn until_alert(&mut self) -> LiveAlert {
        loop {
            match self.next().await {
                Frame::Snapshot(seq, state) | Frame::Update(seq, state) => {
                    self.seq = seq;
                    self.state = state;
                }
                Frame::Alert(alert) => return alert,
                Frame::Other => {}
                Frame::Closed(code) => panic!("closed with {code} waiting for an alert"),
            }
        }
    }

    /// Reads until the connection ends (states allowed): its close code.
    pub async fn until_closed(&mut self) -> u16 {
        loop {
            if let Frame::Closed(code) = self.next().await {
                return code;
            }
        }
    }
}

/// The next message on `socket` (the welcome is `Other`), within 15 s; an update must follow
/// `seq` (the last state seen, 0: none yet) or say what it skipped.
async fn read(socket: &mut Socket, seq: u64) -> Frame {
    loop {
        let read = tokio::time::timeout(Duration::from_secs(15), socket.next())
            .await
            .expect("a frame within 15 s");
        let message = match read {
            Some(Ok(Message::Text(text))) => ENCODING.decode(text.as_bytes()).unwrap(),
            Some(Ok(Message::Close(frame))) => {
                return Frame::Closed(frame.map_or(1005, |f| u16::from(f.code)));
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Frame::Closed(1006),
        };
        return match message {
            ServerMessage::Snapshot { seq, state, .. } => {
                Frame::Snapshot(seq, LiveState::clone(&state))
            }
            ServerMessage::Update {
                seq: next,
                skipped,
                state,
                ..
            } => {
                if seq != 0 {
                    assert_eq!(next, seq + 1 + skipped, "an unannounced gap");
                }
                Frame::Update(next, LiveState::clone(&state))
            }
            ServerMessage::Alert { alert, .. } => Frame::Alert(alert),
            _ => Frame::Other,
        };
    }
}
