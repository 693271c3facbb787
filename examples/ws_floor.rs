//! The floor under the live stream: the same actix-web + actix-ws stack as `/ws`, with no
//! sessions, actors or simulation. It speaks just enough of the protocol for
//! `glidepath-load` (answers `subscribe` with a snapshot) and once a second sends every
//! subscriber an update the size of a real one, encoded per connection as `/ws` does.
//! What the load generator measures against it is what actix-ws and loopback TCP cost on
//! this machine, whatever Glidepath does above them.
//!
//!   cargo build --release --example ws_floor -p glidepath
//!   taskset -c 0 target/release/examples/ws_floor 8091 &
//!   taskset -c 1 target/release/glidepath-load --url http://127.0.0.1:8091 --sessions 5000 \
//!       --users-file <a users file of an earlier run>
//!
//! (The generator logs its users in against the real server first: run it once with
//! `loadgen/run.sh N --setup-only` so the users file holds valid tokens.)

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpServer, web};
use futures_util::StreamExt;
use protocol::live::{
    ClassWeight, LivePortfolio, LiveSimulation, LiveState, TickSummary, WealthSource,
};
use protocol::simulations::PercentilesView;
use protocol::ws::{ClientMessage, Encoding, ServerMessage};

// The server's allocator, so the floor and the server differ only in what runs above actix-ws.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Subscribers of this worker thread, with their sequence numbers.
type Subscribers = Rc<RefCell<Vec<(actix_ws::Session, u64)>>>;

thread_local! {
    static SUBSCRIBERS: Subscribers = Subscribers::default();
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn sample_state() -> Arc<LiveState> {
    let class = |name: &str| ClassWeight {
        asset_class: name.into(),
        value: 123_456.78,
        weight: 0.3333,
        target: 0.35,
        drift: -0.0167,
    };
    Arc::new(LiveState {
        user_id: uuid::Uuid::new_v4(),
        simulation: LiveSimulation {
            paths: 1000,
            seed: 1_234_567_890_123,
            starting_wealth: 370_370.34,
            wealth_source: WealthSource::Holdings,
            monthly_contribution: 1500.0,
            monthly_spending: 4000.0,
            retirement_month: 360,
            horizon_months: 720,
            success_probability: 0.8123,
            success_standard_error: 0.0123,
            terminal_real_wealth: PercentilesView {
                p5: 12_345.6,
                p25: 234_567.8,
                p50: 456_789.1,
                p75: 789_012.3,
                p95: 1_234_567.8,
            },
            fan_chart: None,
            goals: Vec::new(),
            extensions: None,
        },
        portfolio: LivePortfolio {
            total_value: 370_370.34,
            classes: vec![class("us_equity"), class("intl_equity"), class("bonds")],
            max_abs_drift: 0.0167,
            unpriced: Vec::new(),
            band: 0.05,
            outside_band: false,
            rebalance_trades: 0,
        },
        computed_at_ms: now_ms(),
    })
}

fn frame(message: &ServerMessage) -> String {
    String::from_utf8(Encoding::Json.encode(message).unwrap_or_default()).unwrap_or_default()
}

async fn connect(
    req: HttpRequest,
    body: web::Payload,
) -> actix_web::Result<actix_web::HttpResponse> {
    let (response, mut session, stream) =
        actix_ws::handle_with_protocols(&req, body, &["glidepath.v1.json"])?;
    let mut stream = stream.max_frame_size(64 * 1024).aggregate_continuations();
    actix_web::rt::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            let actix_ws::AggregatedMessage::Text(text) = message else {
                continue;
            };
            if let Ok(ClientMessage::Subscribe { .. }) = Encoding::Json.decode(text.as_bytes()) {
                let snapshot = ServerMessage::Snapshot {
                    stream: uuid::Uuid::nil(),
                    seq: 0,
                    state: sample_state(),
                };
                if session.text(frame(&snapshot)).await.is_err() {
                    return;
                }
                SUBSCRIBERS.with(|s| s.borrow_mut().push((session.clone(), 0)));
            }
        }
    });
    Ok(response)
}

/// Once a second: one update to every subscriber of this thread, each encoded for it.
async fn tick_forever() {
    let state = sample_state();
    let ticks: Arc<[TickSummary]> = (0..5)
        .map(|i| TickSummary {
            symbol: format!("S{i:02}"),
            price: 100.0 + f64::from(i),
            ts_ms: 0,
        })
        .collect();
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    loop {
        interval.tick().await;
        let tick_ms = now_ms();
        let subscribers = SUBSCRIBERS.with(Rc::clone);
        let mut sessions = std::mem::take(&mut *subscribers.borrow_mut());
        let mut alive = Vec::with_capacity(sessions.len());
        for (mut session, seq) in sessions.drain(..) {
            let update = ServerMessage::Update {
                stream: uuid::Uuid::nil(),
                seq: seq + 1,
                skipped: 0,
                coalesced: 4,
                ticks: ticks.clone(),
                newest_tick_ms: Some(tick_ms),
                state: state.clone(),
                explanation: None,
            };
            if session.text(frame(&update)).await.is_ok() {
                alive.push((session, seq + 1));
            }
        }
        subscribers.borrow_mut().extend(alive);
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8091);
    HttpServer::new(|| {
        actix_web::rt::spawn(tick_forever());
        App::new().route("/ws", web::get().to(connect))
    })
    .workers(1)
    .backlog(4096)
    .max_connection_rate(4096)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
