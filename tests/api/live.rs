//! The live stream end to end: real WebSocket clients, in both encodings, against sessions
//! driven by ticks from the hub or the replay feed.

use std::num::NonZeroUsize;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use glidepath::config::FeedKind;
use protocol::ErrorCode;
use protocol::live::{LiveState, WealthSource, WhatIfChanges};
use protocol::ws::{ClientMessage, Encoding, ServerMessage};
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, ok_json, problem, spawn_app_with};
use crate::websocket::{Socket, burst, connect, receive, send};

/// An app without a feed: prices come only from [`TestApp::tick`].
pub(crate) async fn quiet_app() -> TestApp {
    spawn_app_with(|s| {
        s.market.feed = FeedKind::None;
        s.live.min_interval = Duration::from_millis(1);
        s.testing.fault_injection = true;
    })
    .await
}

pub(crate) async fn open(app: &TestApp, user: &TestUser, encoding: Encoding) -> Socket {
    let mut socket = connect(app, Some(encoding.subprotocol()), None)
        .await
        .unwrap();
    send(
        &mut socket,
        encoding,
        &ClientMessage::Auth {
            token: user.access.clone(),
        },
    )
    .await;
    assert!(matches!(
        receive(&mut socket, encoding).await,
        Ok(ServerMessage::Welcome { .. })
    ));
    socket
}

pub(crate) async fn subscribe(
    socket: &mut Socket,
    encoding: Encoding,
    owner: Option<Uuid>,
) -> (u64, LiveState) {
    send(
        socket,
        encoding,
        &ClientMessage::Subscribe {
            user_id: owner,
            fan_chart: false,
        },
    )
    .await;
    match receive(socket, encoding).await {
        Ok(ServerMessage::Snapshot { seq, state, .. }) => (seq, LiveState::clone(&state)),
        other => panic!("expected a snapshot, got {other:?}"),
    }
}

/// Reads updates until one shows `wealth`; checks that sequence numbers never jump without
/// saying so. Returns the update's seq and state.
pub(crate) async fn until_wealth(
    socket: &mut Socket,
    encoding: Encoding,
    mut last_seq: u64,
    wealth: f64,
) -> (u64, LiveState) {
    loop {
        match receive(socket, encoding).await {
            Ok(ServerMessage::Update {
                seq,
                skipped,
                state,
                ..
            }) => {
                assert_eq!(seq, last_seq + 1 + skipped, "an unannounced gap");
                last_seq = seq;
                if (state.simulation.starting_wealth - wealth).abs() < 1e-6 {
                    return (seq, LiveState::clone(&state));
                }
            }
            Ok(ServerMessage::Alert { .. }) => {}
            other => panic!("expected updates, got {other:?}"),
        }
    }
}

/// The snapshot if it already shows `wealth`, else the first update that does.
pub(crate) async fn settled(
    socket: &mut Socket,
    encoding: Encoding,
    (seq, snapshot): (u64, LiveState),
    wealth: f64,
) -> (u64, LiveState) {
    if (snapshot.simulation.starting_wealth - wealth).abs() < 1e-6 {
        (seq, snapshot)
    } else {
        until_wealth(socket, encoding, seq, wealth).await
    }
}

/// 10 SPY (us_equity) and 20 BND (bonds) shares.
/// `client` revokes `advisor`'s access.
async fn revoke(app: &TestApp, client: &TestUser, advisor: &TestUser) {
    let revoked = app
        .delete(
            &format!("/advisors/grants/{}", advisor.id),
            Some(&client.access),
            None,
        )
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
}

/// Reads (updates allowed) until `owner`'s stream ends because access was revoked.
pub(crate) async fn until_revoked(socket: &mut Socket, encoding: Encoding, owner: Uuid) {
    loop {
        match receive(socket, encoding).await {
            Ok(ServerMessage::Unsubscribed { stream, reason }) => {
                assert_eq!(stream, owner);
                assert_eq!(reason, "access revoked");
                return;
            }
            Ok(ServerMessage::Update { .. }) => {}
            other => panic!("expected the end of the stream, got {other:?}"),
        }
    }
}

pub(crate) async fn with_holdings(app: &TestApp) -> TestUser {
    let user = app.new_user().await;
    app.create_holding(&user, "brokerage", "SPY", 10.0, "us_equity")
        .await;
    app.create_holding(&user, "brokerage", "BND", 20.0, "bonds")
        .await;
    user
}

#[actix_web::test]
async fn a_tick_reaches_a_subscribed_client_as_an_updated_simulation_in_both_encodings() {
    let app = quiet_app().await;
    for encoding in [Encoding::Json, Encoding::MessagePack] {
        let user = with_holdings(&app).await;
        app.tick("SPY", 400.0).await;
        app.tick("BND", 70.0).await;
        let mut socket = open(&app, &user, encoding).await;
        let snapshot = subscribe(&mut socket, encoding, None).await;
        assert_eq!(snapshot.1.user_id, user.id);
        let (seq, state) = settled(&mut socket, encoding, snapshot, 5400.0).await;
        assert_eq!(state.simulation.wealth_source, WealthSource::Holdings);
        assert_eq!(state.simulation.paths, 1000);

        let sent = std::time::Instant::now();
        app.tick("SPY", 420.0).await;
        let (_, after) = until_wealth(&mut socket, encoding, seq, 5600.0).await;
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "{:?}",
            sent.elapsed()
        );
        assert!(after.simulation.success_probability >= state.simulation.success_probability);
        let us = &after.portfolio.classes[0];
        assert_eq!(us.asset_class, "us_equity");
        assert!((us.weight - 4200.0 / 5600.0).abs() < 1e-12);

        // REST shows the same live state.
        let rest: LiveState =
            serde_json::from_value(ok_json(app.get("/live/state", Some(&user.access)).await).await)
                .unwrap();
        assert_eq!(rest.user_id, after.user_id, "{encoding:?}");
        assert_eq!(rest.simulation, after.simulation);
    }
}

#[actix_web::test]
async fn an_advisor_sees_a_clients_updates_until_the_grant_is_revoked() {
    let app = quiet_app().await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let client = with_holdings(&app).await;
    let stranger = app.new_user().await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    let encoding = Encoding::MessagePack;
    let mut watcher = open(&app, &advisor, encoding).await;

    // Without a grant, the client's stream is refused exactly like a user that does not exist.
    for owner in [client.id, Uuid::new_v4()] {
        send(
            &mut watcher,
            encoding,
            &ClientMessage::Subscribe {
                user_id: Some(owner),
                fan_chart: false,
            },
        )
        .await;
        match receive(&mut watcher, encoding).await {
            Ok(ServerMessage::Error { code, message, .. }) => {
                assert_eq!(code, ErrorCode::NotFound);
                assert_eq!(message, "no such plan stream, or no access to it");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    ok_json(
        app.post(
            "/advisors/grants",
            Some(&client.access),
            &json!({"advisor_email": advisor.email}),
        )
        .await,
    )
    .await;
    let (seq, _) = subscribe(&mut watcher, encoding, Some(client.id)).await;
    app.tick("SPY", 500.0).await;
    let (_, seen) = until_wealth(&mut watcher, encoding, seq, 6400.0).await;
    assert_eq!(seen.user_id, client.id);

    // The advisor's client list carries the live success probability.
    let clients = ok_json(app.get("/advisor/clients", Some(&advisor.access)).await).await;
    assert_eq!(clients[0]["user_id"], client.id.to_string());
    assert!(clients[0]["success_probability"].as_f64().is_some());
    problem(
        app.get("/advisor/clients", Some(&stranger.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    revoke(&app, &client, &advisor).await;
    until_revoked(&mut watcher, encoding, client.id).await;
    app.tick("SPY", 510.0).await;
    let nothing = tokio::time::timeout(Duration::from_millis(500), watcher.next()).await;
    assert!(nothing.is_err(), "no frame after revocation: {nothing:?}");
    problem(
        app.get(
            &format!("/live/state?user_id={}", client.id),
            Some(&advisor.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn a_panicking_simulation_actor_is_restarted_and_updates_continue() {
    let app = quiet_app().await;
    let user = with_holdings(&app).await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    let encoding = Encoding::Json;
    let mut socket = open(&app, &user, encoding).await;
    let snapshot = subscribe(&mut socket, encoding, None).await;
    let (seq, before) = settled(&mut socket, encoding, snapshot, 5400.0).await;
    for child in ["simulation", "portfolio", "alerts"] {
        let response = app
            .post(
                &format!("/testing/faults/{child}"),
                Some(&user.access),
                &json!({}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.tick("SPY", 450.0).await;
    let (_, after) = until_wealth(&mut socket, encoding, seq, 5900.0).await;
    // Same seed after the restart: the numbers move only with the wealth.
    assert_eq!(after.simulation.seed, before.simulation.seed);
    assert!(after.simulation.success_probability >= before.simulation.success_probability);
}

/// The stream says which spending and retirement month it simulated (a dashboard's sliders
/// start there, an advisor's too, who cannot read the client's stored plan), and a what-if's
/// variant says its own.
#[actix_web::test]
async fn the_stream_and_what_ifs_carry_the_plans_spending_and_retirement_month() {
    let app = quiet_app().await;
    let user = app.new_user().await;
    let plan = json!({ "initial_wealth": 200000, "monthly_contribution": 1000,
        "monthly_spending": 3100, "retirement_month": 250, "horizon_months": 600 });
    ok_json(app.put("/planning/plan", Some(&user.access), &plan).await).await;
    let encoding = Encoding::Json;
    let mut socket = open(&app, &user, encoding).await;
    let (_, state) = subscribe(&mut socket, encoding, None).await;
    assert_eq!(state.simulation.monthly_spending, 3100.0);
    assert_eq!(state.simulation.retirement_month, 250);
    assert_eq!(state.simulation.horizon_months, 600);
    for (request_id, changes) in [
        (
            1,
            WhatIfChanges {
                monthly_contribution: Some(1500.0),
                ..WhatIfChanges::default()
            },
        ),
        (
            2,
            WhatIfChanges {
                monthly_spending: Some(2500.0),
                retirement_month: Some(270),
                ..WhatIfChanges::default()
            },
        ),
    ] {
        send(
            &mut socket,
            encoding,
            &ClientMessage::WhatIf {
                request_id,
                user_id: None,
                changes: changes.clone(),
            },
        )
        .await;
        let answer = loop {
            match receive(&mut socket, encoding).await {
                Ok(ServerMessage::WhatIfResult {
                    request_id: r,
                    answer,
                    ..
                }) if r == request_id => break answer,
                Ok(ServerMessage::Update { .. }) => {}
                other => panic!("expected a what-if result, got {other:?}"),
            }
        };
        assert_eq!(answer.base.monthly_spending, 3100.0);
        assert_eq!(answer.base.retirement_month, 250);
        assert_eq!(
            answer.variant.monthly_contribution,
            changes.monthly_contribution.unwrap_or(1000.0)
        );
        assert_eq!(
            answer.variant.monthly_spending,
            changes.monthly_spending.unwrap_or(3100.0)
        );
        assert_eq!(
            answer.variant.retirement_month,
            changes.retirement_month.unwrap_or(250)
        );
    }
}

#[actix_web::test]
async fn what_ifs_answer_on_the_same_numbers_and_commit_updates_the_plan() {
    let app = quiet_app().await;
    let mut user = app.new_user().await;
    for encoding in [Encoding::Json, Encoding::MessagePack] {
        // A user per encoding: the first commit's updates must not reach the second socket.
        user = app.new_user().await;
        let mut socket = open(&app, &user, encoding).await;
        let (seq, _) = subscribe(&mut socket, encoding, None).await;
        send(
            &mut socket,
            encoding,
            &ClientMessage::WhatIf {
                request_id: 1,
                user_id: None,
                changes: WhatIfChanges {
                    weights: Some(vec![0.5, 0.5, 0.5]),
                    ..WhatIfChanges::default()
                },
            },
        )
        .await;
        match receive(&mut socket, encoding).await {
            Ok(ServerMessage::Error {
                code,
                field,
                request_id,
                ..
            }) => {
                assert_eq!(code, ErrorCode::ValidationFailed);
                assert_eq!(field.as_deref(), Some("changes.weights"));
                assert_eq!(request_id, Some(1));
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        send(
            &mut socket,
            encoding,
            &ClientMessage::Commit { request_id: 2 },
        )
        .await;
        assert!(matches!(
            receive(&mut socket, encoding).await,
            Ok(ServerMessage::Error {
                code: ErrorCode::Conflict,
                request_id: Some(2),
                ..
            })
        ));
        let contribution = if encoding == Encoding::Json {
            2500.0
        } else {
            3000.0
        };
        let changes = WhatIfChanges {
            monthly_contribution: Some(contribution),
            ..WhatIfChanges::default()
        };
        send(
            &mut socket,
            encoding,
            &ClientMessage::WhatIf {
                request_id: 3,
                user_id: None,
                changes: changes.clone(),
            },
        )
        .await;
        let answer = match receive(&mut socket, encoding).await {
            Ok(ServerMessage::WhatIfResult {
                request_id, answer, ..
            }) => {
                assert_eq!(request_id, 3);
                answer
            }
            other => panic!("expected a what-if result, got {other:?}"),
        };
        assert_eq!(answer.variant.monthly_contribution, contribution);
        assert!(answer.success_probability_change >= 0.0);
        // REST answers the same what-if identically.
        let rest = ok_json(
            app.post(
                "/live/what-if",
                Some(&user.access),
                &json!({"changes": changes}),
            )
            .await,
        )
        .await;
        assert_eq!(
            rest["variant"]["success_probability"].as_f64().unwrap(),
            answer.variant.success_probability
        );

        send(
            &mut socket,
            encoding,
            &ClientMessage::Commit { request_id: 4 },
        )
        .await;
        let mut committed = false;
        let mut last_seq = seq;
        // The commit is acknowledged and the stream moves to the new contribution.
        while !committed || last_seq == seq {
            match receive(&mut socket, encoding).await {
                Ok(ServerMessage::Committed { request_id }) => {
                    assert_eq!(request_id, 4);
                    committed = true;
                }
                Ok(ServerMessage::Update { seq, state, .. }) => {
                    assert_eq!(state.simulation.monthly_contribution, contribution);
                    last_seq = seq;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        let plan = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
        assert_eq!(plan["monthly_contribution"].as_f64().unwrap(), contribution);
    }
    // Only the owner may commit over REST.
    let other = app.new_user().await;
    problem(
        app.post(
            "/live/what-if",
            Some(&other.access),
            &json!({"user_id": user.id, "changes": {}, "commit": true}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let bad = problem(
        app.post(
            "/live/what-if",
            Some(&user.access),
            &json!({"changes": {"monthly_spending": -1}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "changes.monthly_spending");
}

/// A connection with a tiny receive window, so the server's writes back up as soon as the
/// client stops reading; authenticated as `user`.
async fn open_with_small_window(app: &TestApp, user: &TestUser, encoding: Encoding) -> Socket {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket
        .connect(app.address.trim_start_matches("http://").parse().unwrap())
        .await
        .unwrap();
    let mut request = format!("{}/ws", app.address.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        encoding.subprotocol().parse().unwrap(),
    );
    let (mut ws, _) =
        tokio_tungstenite::client_async(request, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    send(
        &mut ws,
        encoding,
        &ClientMessage::Auth {
            token: user.access.clone(),
        },
    )
    .await;
    assert!(matches!(
        receive(&mut ws, encoding).await,
        Ok(ServerMessage::Welcome { .. })
    ));
    ws
}

#[actix_web::test]
async fn a_slow_reader_gets_the_newest_updates_announced_and_keeps_receiving_once_it_catches_up() {
    let symbols: Vec<String> = (0..50).map(|i| format!("S{i:02}")).collect();
    let app = spawn_app_with(|s| {
        s.market.feed = FeedKind::Synthetic;
        s.market.symbols = symbols.clone();
        s.market.tick_interval = Duration::from_millis(1);
        s.live.min_interval = Duration::from_millis(1);
        s.live.stall_timeout = Duration::from_millis(60_000);
    })
    .await;
    let user = app.new_user().await;
    // Every symbol held, so each update carries 50 ticks (~4 KB) and the kernel's socket
    // buffers (up to 4 MB here) fill within seconds.
    for symbol in &symbols {
        app.create_holding(&user, "brokerage", symbol, 1.0, "us_equity")
            .await;
    }
    let encoding = Encoding::Json;
    let mut ws = open_with_small_window(&app, &user, encoding).await;
    let (mut last_seq, _) = subscribe(&mut ws, encoding, None).await;
    // Not reading for a while: the socket's buffers and actix-ws's queue fill, so the
    // connection stops writing updates as they come and keeps only each stream's newest.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (mut skipped_total, mut after_catching_up, mut received) = (0_u64, 0_u32, 0_u32);
    while after_catching_up < 50 && received < 50_000 {
        match receive(&mut ws, encoding).await {
            Ok(ServerMessage::Update { seq, skipped, .. }) => {
                received += 1;
                assert_eq!(seq, last_seq + 1 + skipped, "an unannounced gap");
                last_seq = seq;
                skipped_total += skipped;
                if skipped_total > 0 {
                    after_catching_up += 1;
                }
            }
            Ok(ServerMessage::Alert { .. }) => {}
            other => panic!("expected updates, got {other:?} after seq {last_seq}"),
        }
    }
    assert!(
        skipped_total > 0,
        "{received} updates and none replaced: the reader never fell behind"
    );
}

#[actix_web::test]
async fn a_stalled_client_is_closed_with_4008_and_its_backlog_stays_bounded() {
    let app = spawn_app_with(|s| {
        s.market.feed = FeedKind::None;
        s.live.outbound_queue = NonZeroUsize::new(16).expect("not zero");
        s.live.stall_timeout = Duration::from_millis(4000);
    })
    .await;
    let user = app.new_user().await;
    let mut ws = open_with_small_window(&app, &user, Encoding::Json).await;
    let mut pongs = 0_u32;
    // On a loaded machine the server may still be catching up when the client reads again,
    // and then answers everything: the client goes round again.
    for round in 0..5 {
        // Pings (125-byte payloads) whose answers the client does not read, until TCP holds
        // the client back for a second. Their answers fill every buffer between server and
        // client, the server's write waits and it stops reading.
        while tokio::time::timeout(
            Duration::from_secs(1),
            ws.feed(Message::Ping(vec![7; 125].into())),
        )
        .await
        .is_ok_and(|written| written.is_ok())
        {}
        // Then it stops writing too, like a frozen tab. Past the waiting write's 4 s deadline,
        // and within the close's own (as long again), it reads: the close frame has waited
        // behind what the server wrote.
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let code = loop {
            match tokio::time::timeout(Duration::from_secs(3), ws.next()).await {
                Ok(Some(Ok(Message::Pong(_)))) => pongs += 1,
                Ok(Some(Ok(Message::Close(frame)))) => {
                    break Some(frame.map(|f| u16::from(f.code)));
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) => break Some(None),
                // Caught up: nothing more is coming.
                Err(_) => break None,
            }
        };
        let Some(code) = code else { continue };
        assert_eq!(code, Some(4008), "after {pongs} pongs, round {round}");
        // The server's socket buffers hold at most 4 MiB here: 33,000 answers.
        assert!(
            pongs < 50_000,
            "the backlog was cut, not all {pongs} answers queued"
        );
        let metrics = crate::helpers::scrape(&app).await;
        assert_eq!(
            metrics.get("glidepath_ws_slow_consumer_closes_total"),
            Some(&1.0),
            "the close is counted once"
        );
        return;
    }
    panic!("the server never stalled ({pongs} pongs)");
}

#[actix_web::test]
async fn what_ifs_sent_in_bursts_are_all_answered() {
    const BURSTS: u64 = 20;
    const PER_BURST: u64 = 50;
    let app = quiet_app().await;
    let user = app.new_user().await;
    let encoding = Encoding::Json;
    let mut socket = open(&app, &user, encoding).await;
    subscribe(&mut socket, encoding, None).await;
    let (mut sink, mut stream) = socket.split();
    // A dashboard's slider: what-ifs as fast as the server takes them, answers read as they
    // come.
    let writer = async {
        for b in 0..BURSTS {
            let what_ifs = (0..PER_BURST).map(|i| {
                let request_id = b * PER_BURST + i;
                let message = ClientMessage::WhatIf {
                    request_id,
                    user_id: None,
                    changes: WhatIfChanges {
                        monthly_contribution: Some(1000.0 + request_id as f64),
                        ..WhatIfChanges::default()
                    },
                };
                Message::Text(
                    String::from_utf8(encoding.encode(&message).unwrap())
                        .unwrap()
                        .into(),
                )
            });
            burst(&mut sink, what_ifs).await;
        }
    };
    let reader = async {
        let mut answered = std::collections::BTreeSet::new();
        while answered.len() < (BURSTS * PER_BURST) as usize {
            match receive(&mut stream, encoding).await {
                Ok(ServerMessage::WhatIfResult { request_id, .. }) => {
                    assert!(answered.insert(request_id), "{request_id} answered twice");
                }
                Ok(ServerMessage::Update { .. }) => {}
                other => panic!("after {} answers: {other:?}", answered.len()),
            }
        }
    };
    tokio::time::timeout(
        Duration::from_secs(120),
        futures_util::future::join(writer, reader),
    )
    .await
    .expect("every what-if answered within 2 minutes");
}

#[actix_web::test]
async fn the_replay_feed_drives_a_session_end_to_end() {
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sp500_prices.csv");
    let app = spawn_app_with(|s| {
        s.market.feed = FeedKind::Replay;
        s.market.replay_file = Some(csv.into());
        s.market.tick_interval = Duration::from_millis(20);
        s.market.max_jump_ratio = 3.0;
        s.live.min_interval = Duration::from_millis(1);
    })
    .await;
    let user = app.new_user().await;
    app.create_holding(&user, "ira", "MSFT", 100.0, "us_equity")
        .await;
    app.create_holding(&user, "ira", "JNJ", 50.0, "us_equity")
        .await;
    let encoding = Encoding::MessagePack;
    let mut socket = open(&app, &user, encoding).await;
    let (mut last_seq, _) = subscribe(&mut socket, encoding, None).await;
    let mut wealths = Vec::new();
    while wealths.len() < 5 {
        match receive(&mut socket, encoding).await {
            Ok(ServerMessage::Update {
                seq,
                skipped,
                state,
                ticks,
                ..
            }) => {
                assert_eq!(seq, last_seq + 1 + skipped);
                last_seq = seq;
                assert!(
                    ticks
                        .iter()
                        .all(|t| t.symbol == "MSFT" || t.symbol == "JNJ")
                );
                if state.simulation.wealth_source == WealthSource::Holdings {
                    wealths.push(state.simulation.starting_wealth);
                }
            }
            other => panic!("expected updates, got {other:?}"),
        }
    }
    wealths.dedup();
    assert!(
        wealths.len() >= 3,
        "the wealth follows the replayed closes: {wealths:?}"
    );
}

#[actix_web::test]
async fn a_synthetic_tick_reaches_a_subscribed_client_within_a_bound() {
    let app = spawn_app_with(|s| {
        s.market.feed = FeedKind::Synthetic;
        s.market.symbols = vec!["AAPL".into(), "MSFT".into()];
        s.market.tick_interval = Duration::from_millis(200);
    })
    .await;
    let user = app.new_user().await;
    app.create_holding(&user, "brokerage", "AAPL", 10.0, "us_equity")
        .await;
    let encoding = Encoding::Json;
    let mut socket = open(&app, &user, encoding).await;
    let (mut last_seq, _) = subscribe(&mut socket, encoding, None).await;
    let mut fed = 0;
    while fed < 3 {
        match receive(&mut socket, encoding).await {
            Ok(ServerMessage::Update {
                seq,
                skipped,
                ticks,
                newest_tick_ms: Some(tick_ms),
                state,
                ..
            }) => {
                assert_eq!(seq, last_seq + 1 + skipped);
                last_seq = seq;
                let latency = chrono::Utc::now().timestamp_millis() - tick_ms;
                assert!(
                    (0..2000).contains(&latency),
                    "{latency} ms from tick to client"
                );
                assert_eq!(ticks[0].symbol, "AAPL");
                assert_eq!(state.simulation.starting_wealth, 10.0 * ticks[0].price);
                fed += 1;
            }
            Ok(ServerMessage::Update { seq, .. }) => last_seq = seq,
            other => panic!("expected updates, got {other:?}"),
        }
    }
}

#[actix_web::test]
async fn arrays_are_not_accepted_for_nested_objects() {
    let app = quiet_app().await;
    let user = app.new_user().await;
    let refused = problem(
        app.post(
            "/live/what-if",
            Some(&user.access),
            &json!({"changes": [null, null]}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "changes");
    let refused = problem(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({"plan": [250000, 0, 360, 0, 720, 0.025, 0.002, null, null, null]}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "plan");
    let mut socket = open(&app, &user, Encoding::Json).await;
    socket
        .send(Message::Text(
            r#"{"type":"what_if","request_id":1,"changes":[null,null,null,null]}"#.into(),
        ))
        .await
        .unwrap();
    match receive(&mut socket, Encoding::Json).await {
        Ok(ServerMessage::Error { code, message, .. }) => {
            assert_eq!(code, ErrorCode::MalformedRequest);
            assert!(
                message.starts_with("changes must be a JSON object"),
                "{message}"
            );
        }
        other => panic!("expected an error frame, got {other:?}"),
    }
}

/// Two servers on one database and one Redis prefix; on node B, an advisor watches a client
/// (SPY 10, BND 20 at 400 and 70) whose grant was given through node A. `None` in the embedded
/// pass: two nodes need a database they share and Redis (one SQLite file per test server).
struct TwoNodes {
    node_a: TestApp,
    client: TestUser,
    advisor: TestUser,
    watcher: Socket,
    seq: u64,
    node_b: TestApp,
}

const ENCODING: Encoding = Encoding::Json;

/// The two-node tests run one at a time: one cuts every node's Redis subscription, which
/// would make the other miss the events it waits for.
pub(crate) static TWO_NODE_TESTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn two_nodes() -> Option<(TwoNodes, tokio::sync::MutexGuard<'static, ()>)> {
    if std::env::var("REDIS_URL").is_err() || std::env::var("DATABASE_URL").is_err() {
        eprintln!("needs REDIS_URL and DATABASE_URL (the PostgreSQL + Redis pass)");
        return None;
    }
    let alone = TWO_NODE_TESTS.lock().await;
    let node_a = quiet_app().await;
    let prefix = node_a.settings.redis_prefix.clone();
    let node_b = spawn_app_with(|s| {
        s.market.feed = FeedKind::None;
        s.live.min_interval = Duration::from_millis(1);
        s.redis_prefix = prefix;
    })
    .await;
    let admin = node_a.new_admin().await;
    let advisor = node_a.new_advisor(&admin).await;
    let client = with_holdings(&node_a).await;
    ok_json(
        node_a
            .post(
                "/advisors/grants",
                Some(&client.access),
                &json!({"advisor_email": advisor.email}),
            )
            .await,
    )
    .await;
    node_b.tick("SPY", 400.0).await;
    node_b.tick("BND", 70.0).await;
    let mut watcher = open(&node_b, &advisor, ENCODING).await;
    let snapshot = subscribe(&mut watcher, ENCODING, Some(client.id)).await;
    let (seq, _) = settled(&mut watcher, ENCODING, snapshot, 5400.0).await;
    let nodes = TwoNodes {
        node_a,
        client,
        advisor,
        watcher,
        seq,
        node_b,
    };
    Some((nodes, alone))
}

/// With several nodes (Redis configured), a change made through one node reaches the
/// sessions another node runs: new holdings revalue the plan an advisor watches there, and a
/// revoked grant ends that advisor's subscription at once.
#[actix_web::test]
async fn changes_made_through_one_node_reach_the_sessions_of_another() {
    let Some((mut nodes, _alone)) = two_nodes().await else {
        return;
    };
    nodes
        .node_a
        .create_holding(&nodes.client, "ira", "SPY", 5.0, "us_equity")
        .await;
    let (_, state) = until_wealth(&mut nodes.watcher, ENCODING, nodes.seq, 7400.0).await;
    assert_eq!(state.user_id, nodes.client.id);

    revoke(&nodes.node_a, &nodes.client, &nodes.advisor).await;
    until_revoked(&mut nodes.watcher, ENCODING, nodes.client.id).await;
}

/// An advisor's proposal made through one node, and the client's answer through it, reach
/// the client's stream that the advisor watches on another node.
#[actix_web::test]
async fn a_proposal_made_and_answered_through_one_node_is_seen_on_another() {
    let Some((mut nodes, _alone)) = two_nodes().await else {
        return;
    };
    let made = ok_json(
        nodes
            .node_a
            .post(
                &format!("/advisor/clients/{}/proposals", nodes.client.id),
                Some(&nodes.advisor.access),
                &json!({"message": "Spend less.", "changes": {"monthly_spending": 1000.0}}),
            )
            .await,
    )
    .await;
    let declined = ok_json(
        nodes
            .node_a
            .post(
                &format!(
                    "/planning/proposals/{}/decline",
                    made["id"].as_str().unwrap()
                ),
                Some(&nodes.client.access),
                &json!({}),
            )
            .await,
    )
    .await;
    for expected in [made, declined] {
        let seen = loop {
            match receive(&mut nodes.watcher, ENCODING).await {
                Ok(ServerMessage::Proposal { stream, proposal }) => {
                    assert_eq!(stream, nodes.client.id);
                    break serde_json::to_value(&*proposal).unwrap();
                }
                Ok(ServerMessage::Update { .. }) => {}
                other => panic!("expected a proposal, got {other:?}"),
            }
        };
        assert_eq!(seen, expected);
    }
}

/// A node whose Redis subscription broke misses what was published meanwhile; when it
/// subscribes again it re-checks its advisors' grants, so a revocation it missed still ends
/// the subscription.
#[actix_web::test]
async fn a_node_that_missed_a_revocation_ends_the_subscription_when_it_reconnects() {
    let Some((mut nodes, _alone)) = two_nodes().await else {
        return;
    };
    let url = std::env::var("REDIS_URL").unwrap();
    let mut redis = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    // Every listening node loses its subscription (the other tests' nodes subscribe again).
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(killed >= 2, "both nodes were listening: {killed}");
    revoke(&nodes.node_a, &nodes.client, &nodes.advisor).await;
    until_revoked(&mut nodes.watcher, ENCODING, nodes.client.id).await;
}

/// A profile changed through one node is what another node answers next, although that
/// node had the old one cached: the change's live hook invalidates it there (the cache's own
/// time bound, 30 s, is far beyond what this waits).
#[actix_web::test]
async fn a_profile_changed_through_one_node_is_read_from_another() {
    let Some((nodes, _alone)) = two_nodes().await else {
        return;
    };
    let read = || async {
        ok_json(
            nodes
                .node_b
                .get("/users/profile", Some(&nodes.client.access))
                .await,
        )
        .await
    };
    assert_eq!(
        read().await["profile"]["annual_income"],
        serde_json::Value::Null
    );
    ok_json(
        nodes
            .node_a
            .put(
                "/users/profile",
                Some(&nodes.client.access),
                &json!({ "annual_income": 64000 }),
            )
            .await,
    )
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while read().await["profile"]["annual_income"] != json!(64000.0) {
        assert!(
            std::time::Instant::now() < deadline,
            "node B still answers the old profile"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An account deactivated through one node is refused by every node at once: its connection
/// to another node closes with 4403, and that node refuses its token (whose account state it
/// had cached) on the next request.
#[actix_web::test]
async fn a_deactivation_through_one_node_closes_the_accounts_connections_on_another() {
    let Some((mut nodes, _alone)) = two_nodes().await else {
        return;
    };
    ok_json(
        nodes
            .node_b
            .get("/users/profile", Some(&nodes.advisor.access))
            .await,
    )
    .await;
    let admin = nodes.node_a.new_admin().await;
    ok_json(
        nodes
            .node_a
            .put(
                &format!("/admin/users/{}/status", nodes.advisor.id),
                Some(&admin.access),
                &json!({ "active": false }),
            )
            .await,
    )
    .await;
    loop {
        match receive(&mut nodes.watcher, ENCODING).await {
            Err(code) => {
                assert_eq!(code, protocol::ws::close::ACCOUNT_CLOSED);
                break;
            }
            Ok(ServerMessage::Update { .. } | ServerMessage::Unsubscribed { .. }) => {}
            Ok(other) => panic!("expected the connection to close, got {other:?}"),
        }
    }
    problem(
        nodes
            .node_b
            .get("/users/profile", Some(&nodes.advisor.access))
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}
