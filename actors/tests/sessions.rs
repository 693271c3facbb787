//! Sessions with real actors and an in-memory backend: ticks become numbered states, a child
//! that panics is restarted with its state reloaded, revocation ends a viewer's stream, an
//! unwatched session stops, the live plan is solved from the live wealth, and crossing a
//! success threshold brings recommendations (computed by the engine) that the alert carries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::{Actor, Addr, Context, Handler};
use actors::live::LiveSettings;
use actors::live::backend::{
    AlertRule, BackendError, BackendFuture, Holding, NewAlert, RecommendAsk, Recommended, RuleKind,
    RulesClaim, RulesState, SessionBackend, SessionData, Shown,
};
use actors::live::events::{StreamBody, StreamEvent};
use actors::live::registry::{
    Changed, Counters, CurrentState, InjectFault, Revoked, RunSolve, RunWhatIf, SessionCount,
    SessionRegistry, Unwatch, Watch,
};
use actors::live::session::SessionSolve;
use actors::live::simulation::{LiveSolveError, Solve};
use actors::live::supervision::Child;
use actors::market::{PriceHub, Tick};
use engine::sim::reference::p1;
use engine::sim::{Lever, PreparedSimulation, SimulationOptions, SolveError, SolveWith};
use protocol::live::{LiveAlert, WealthSource, WhatIfChanges};
use protocol::recommendations::{
    Recommendation, RecommendationKind, RecommendationStatus, RecommendedChange,
};
use tokio::sync::mpsc;
use uuid::Uuid;

#[derive(Default)]
struct Memory {
    data: Mutex<Option<SessionData>>,
    loads: Mutex<u32>,
    alerts: Mutex<Vec<NewAlert>>,
    asks: Mutex<Vec<RecommendAsk>>,
    /// Rules shared with other nodes (`None`: one node), as a lease would decide.
    lease: Mutex<Option<Lease>>,
    /// What sessions shared with the other nodes.
    shown: Mutex<Vec<Shown>>,
}

/// The rules' lease as the other nodes would leave it.
#[derive(Default)]
struct Lease {
    /// Another node holds the rules.
    elsewhere: bool,
    /// This node holds them.
    here: bool,
    /// Where the rules stand, as the last holder recorded it.
    recorded: Option<RulesState>,
}

struct MemoryBackend(Arc<Memory>);

impl SessionBackend for MemoryBackend {
    fn load(&self, _: Uuid) -> BackendFuture<SessionData> {
        let memory = self.0.clone();
        Box::pin(async move {
            *memory.loads.lock().unwrap() += 1;
            memory
                .data
                .lock()
                .unwrap()
                .clone()
                .ok_or_else(|| BackendError("no data".into()))
        })
    }

    fn record_alert(&self, _: Uuid, alert: NewAlert) -> BackendFuture<LiveAlert> {
        let memory = self.0.clone();
        Box::pin(async move {
            memory.alerts.lock().unwrap().push(alert.clone());
            Ok(LiveAlert {
                id: Uuid::new_v4(),
                rule_id: Some(alert.rule_id),
                kind: alert.kind.into(),
                message: alert.message,
                value: alert.value,
                at_ms: 0,
                recommendation_id: alert.recommendation_id,
            })
        })
    }

    fn rules_shared(&self) -> bool {
        self.0.lease.lock().unwrap().is_some()
    }

    fn claim_rules(&self, _: Uuid, state: Option<RulesState>) -> BackendFuture<RulesClaim> {
        let mut lease = self.0.lease.lock().unwrap();
        let lease = lease.as_mut().expect("rules shared");
        let claim = if lease.elsewhere {
            RulesClaim::Elsewhere
        } else if lease.here && state.is_some() {
            lease.recorded = state;
            RulesClaim::Kept
        } else {
            lease.here = true;
            RulesClaim::Taken(lease.recorded.clone())
        };
        Box::pin(std::future::ready(Ok(claim)))
    }

    fn share(&self, _: Uuid, shown: Shown) {
        self.0.shown.lock().unwrap().push(shown);
    }

    /// Every candidate verified by the engine on the session's paths (the server screens
    /// them with its surrogate first), the best kept.
    fn recommend(&self, _: Uuid, ask: RecommendAsk) -> BackendFuture<Recommended> {
        let memory = self.0.clone();
        Box::pin(async move {
            memory.asks.lock().unwrap().push(ask.clone());
            let equity = [true, true, false];
            let limits = engine::recommend::Limits::default();
            let actions = engine::recommend::candidates(&ask.plan, Some(&equity), &limits);
            let options = SimulationOptions {
                paths: ask.paths,
                seed: ask.seed,
                fan_chart: false,
            };
            let verified = engine::recommend::verify(&ask.plan, &actions, &equity, &options)
                .map_err(|e| BackendError(e.to_string()))?;
            let share = engine::sim::equity_share(&ask.plan.weights, &equity);
            let best = engine::recommend::best(verified, ask.target, share, 5);
            Ok(Recommended::Made(
                best.into_iter()
                    .map(|v| Recommendation {
                        id: Uuid::new_v4(),
                        kind: RecommendationKind::SaveMore,
                        change: RecommendedChange::default(),
                        cost: String::new(),
                        reason: format!("{:?}", v.action),
                        success_before: v.success_before,
                        success_after: v.success_after,
                        success_change: v.change,
                        standard_error: v.change_standard_error,
                        paths: ask.paths,
                        seed: ask.seed,
                        status: RecommendationStatus::New,
                        created_at: chrono::Utc::now(),
                        answered_at: None,
                    })
                    .collect(),
            ))
        })
    }
}

struct Sink(mpsc::UnboundedSender<StreamEvent>);

impl Actor for Sink {
    type Context = Context<Self>;
}

impl Handler<StreamEvent> for Sink {
    type Result = ();
    fn handle(&mut self, msg: StreamEvent, _: &mut Context<Self>) {
        let _ = self.0.send(msg);
    }
}

fn data(rules: Vec<AlertRule>) -> SessionData {
    SessionData {
        plan: p1(),
        extensions: None,
        asset_classes: vec!["us_equity".into(), "intl_equity".into(), "bonds".into()],
        holdings: vec![
            Holding {
                symbol: "AAA".into(),
                quantity: 1000.0,
                asset_class: "us_equity".into(),
            },
            Holding {
                symbol: "BBB".into(),
                quantity: 2000.0,
                asset_class: "bonds".into(),
            },
        ],
        rules,
        rebalance_band: 0.05,
    }
}

struct World {
    memory: Arc<Memory>,
    hub: Addr<PriceHub>,
    registry: Addr<SessionRegistry>,
}

fn world(rules: Vec<AlertRule>, settings: LiveSettings) -> World {
    let memory = Arc::new(Memory::default());
    *memory.data.lock().unwrap() = Some(data(rules));
    let hub = PriceHub::new(10.0).start();
    let registry = SessionRegistry::new(
        Arc::new(MemoryBackend(memory.clone())),
        hub.clone(),
        settings,
        Vec::new(),
    )
    .start();
    World {
        memory,
        hub,
        registry,
    }
}

fn fast() -> LiveSettings {
    LiveSettings {
        min_interval: Duration::from_millis(1),
        ..LiveSettings::default()
    }
}

fn tick(symbol: &str, price: f64, ts_ms: i64) -> Tick {
    Tick {
        symbol: symbol.into(),
        price,
        ts_ms,
    }
}

async fn watch(
    w: &World,
    owner: Uuid,
    viewer: Uuid,
    conn: u64,
) -> mpsc::UnboundedReceiver<StreamEvent> {
    watch_checked_at(w, owner, viewer, conn, std::time::Instant::now()).await
}

/// As [`watch`], asking for the fan chart or not.
async fn watch_fan(
    w: &World,
    owner: Uuid,
    viewer: Uuid,
    conn: u64,
    fan_chart: bool,
) -> mpsc::UnboundedReceiver<StreamEvent> {
    subscribe(w, owner, viewer, conn, std::time::Instant::now(), fan_chart).await
}

/// Watches after `change` reached the registry, with an access check that started before
/// it; returns the receiver and the reason its first event ended the stream (`None` when the
/// first event was not an end).
async fn watch_checked_before<M>(
    w: &World,
    change: M,
    owner: Uuid,
    viewer: Uuid,
    conn: u64,
) -> (mpsc::UnboundedReceiver<StreamEvent>, Option<String>)
where
    M: actix::Message<Result = ()> + Send + 'static,
    SessionRegistry: Handler<M>,
{
    let checked = std::time::Instant::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
    w.registry.send(change).await.unwrap();
    let mut rx = watch_checked_at(w, owner, viewer, conn, checked).await;
    let reason = match &*next(&mut rx).await {
        StreamBody::Ended { reason } => Some(reason.clone()),
        _ => None,
    };
    (rx, reason)
}

/// As [`watch`], for a caller whose access check started at `authorized_at`.
async fn watch_checked_at(
    w: &World,
    owner: Uuid,
    viewer: Uuid,
    conn: u64,
    authorized_at: std::time::Instant,
) -> mpsc::UnboundedReceiver<StreamEvent> {
    subscribe(w, owner, viewer, conn, authorized_at, false).await
}

async fn subscribe(
    w: &World,
    owner: Uuid,
    viewer: Uuid,
    conn: u64,
    authorized_at: std::time::Instant,
    fan_chart: bool,
) -> mpsc::UnboundedReceiver<StreamEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    let sink = Sink(tx).start();
    w.registry
        .send(Watch {
            owner,
            viewer,
            conn,
            events: Arc::new(sink.recipient()),
            home: None,
            authorized_at,
            fan_chart,
        })
        .await
        .unwrap();
    rx
}

async fn next(rx: &mut mpsc::UnboundedReceiver<StreamEvent>) -> Arc<StreamBody> {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .expect("the stream is open")
        .body
}

/// The next update or snapshot whose wealth is `wealth`, skipping intermediate ones.
async fn state_with_wealth(
    rx: &mut mpsc::UnboundedReceiver<StreamEvent>,
    wealth: f64,
) -> (u64, f64) {
    loop {
        match &*next(rx).await {
            StreamBody::Snapshot { seq, state } | StreamBody::Update { seq, state, .. }
                if (state.simulation.starting_wealth - wealth).abs() < 1e-6 =>
            {
                return (*seq, state.simulation.success_probability);
            }
            _ => {}
        }
    }
}

fn expected_success(wealth: f64) -> f64 {
    let prepared = PreparedSimulation::new(
        &p1(),
        &SimulationOptions {
            paths: 1000,
            seed: actors::live::session::user_seed(OWNER),
            fan_chart: false,
        },
    )
    .unwrap();
    prepared.answer(wealth, &mut Vec::new()).success_probability
}

const OWNER: Uuid = Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0);

#[actix::test]
async fn ticks_become_numbered_states_computed_from_the_holdings_value() {
    let w = world(vec![], fast());
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    // No prices yet: the plan's own starting wealth.
    let first = next(&mut rx).await;
    let StreamBody::Snapshot { seq, state } = &*first else {
        panic!("a snapshot first, got {first:?}");
    };
    assert_eq!(state.simulation.wealth_source, WealthSource::Plan);
    assert_eq!(state.simulation.starting_wealth, 250_000.0);
    let mut last_seq = *seq;

    w.hub.do_send(tick("AAA", 100.0, 1));
    w.hub.do_send(tick("BBB", 50.0, 2));
    // 1000 * 100 + 2000 * 50.
    let (seq, success) = state_with_wealth(&mut rx, 200_000.0).await;
    assert!(seq > last_seq);
    assert_eq!(success, expected_success(200_000.0));
    last_seq = seq;

    w.hub.do_send(tick("AAA", 150.0, 3));
    let (seq, success) = state_with_wealth(&mut rx, 250_000.0).await;
    assert_eq!(seq, last_seq + 1, "one tick, one update");
    assert_eq!(success, expected_success(250_000.0));

    let current = w
        .registry
        .send(CurrentState { owner: OWNER })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.simulation.starting_wealth, 250_000.0);
    assert!((current.portfolio.classes[0].weight - 0.6).abs() < 1e-12);
}

#[actix::test]
async fn ticks_faster_than_the_interval_are_coalesced_latest_wins() {
    let w = world(
        vec![],
        LiveSettings {
            min_interval: Duration::from_millis(300),
            ..LiveSettings::default()
        },
    );
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    let _snapshot = next(&mut rx).await;
    w.hub.do_send(tick("BBB", 50.0, 1));
    for i in 0..20 {
        w.hub
            .do_send(tick("AAA", 100.0 + f64::from(i), 10 + i64::from(i)));
    }
    // The last tick's wealth arrives; fewer updates than ticks were published.
    let mut updates = 0;
    let mut coalesced = 0;
    loop {
        if let StreamBody::Update {
            state,
            coalesced: c,
            newest_tick_ms,
            ..
        } = &*next(&mut rx).await
        {
            updates += 1;
            coalesced += c;
            if (state.simulation.starting_wealth - (119_000.0 + 100_000.0)).abs() < 1e-6 {
                assert_eq!(*newest_tick_ms, Some(29));
                break;
            }
        }
    }
    assert!(updates < 21, "{updates} updates for 21 ticks");
    assert!(coalesced > 0);
}

#[actix::test]
async fn a_panicking_child_is_restarted_with_its_state_reloaded_and_updates_continue() {
    let w = world(vec![], fast());
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    w.hub.do_send(tick("AAA", 100.0, 1));
    w.hub.do_send(tick("BBB", 50.0, 2));
    state_with_wealth(&mut rx, 200_000.0).await;
    let loads_before = *w.memory.loads.lock().unwrap();

    for child in Child::ALL {
        assert!(
            w.registry
                .send(InjectFault {
                    owner: OWNER,
                    child,
                })
                .await
                .unwrap()
        );
    }
    // Each restart reloads the session's data.
    for _ in 0..200 {
        let counters = w.registry.send(Counters { owner: OWNER }).await.unwrap();
        if counters.is_some_and(|c| c.restarts == Child::ALL.len() as u64) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let counters = w
        .registry
        .send(Counters { owner: OWNER })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(counters.restarts, Child::ALL.len() as u64);
    assert!(*w.memory.loads.lock().unwrap() >= loads_before + Child::ALL.len() as u32);

    // The new portfolio actor is subscribed again and the new simulation actor answers.
    w.hub.do_send(tick("AAA", 120.0, 3));
    let (_, success) = state_with_wealth(&mut rx, 220_000.0).await;
    assert_eq!(success, expected_success(220_000.0));
}

#[actix::test]
async fn revoking_ends_only_that_viewers_stream() {
    let w = world(vec![], fast());
    let advisor = Uuid::new_v4();
    let mut own = watch(&w, OWNER, OWNER, 1).await;
    let mut advised = watch(&w, OWNER, advisor, 2).await;
    let _ = next(&mut own).await;
    let _ = next(&mut advised).await;
    w.registry
        .send(Revoked {
            owner: OWNER,
            viewer: advisor,
        })
        .await
        .unwrap();
    loop {
        if let StreamBody::Ended { reason } = &*next(&mut advised).await {
            assert_eq!(reason, "access revoked");
            break;
        }
    }
    w.hub.do_send(tick("AAA", 100.0, 1));
    w.hub.do_send(tick("BBB", 50.0, 2));
    state_with_wealth(&mut own, 200_000.0).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(advised.try_recv().is_err(), "nothing after the end");
}

#[actix::test]
async fn a_subscription_checked_before_a_revocation_is_refused_after_it() {
    let w = world(vec![], fast());
    let advisor = Uuid::new_v4();
    // The advisor's access was checked, then revoked before the subscription arrived.
    let revoked = Revoked {
        owner: OWNER,
        viewer: advisor,
    };
    let (mut late, reason) = watch_checked_before(&w, revoked, OWNER, advisor, 7).await;
    assert_eq!(reason.as_deref(), Some("access revoked"), "ends at once");
    // A check made after the revocation (access granted again) subscribes as usual.
    let mut again = watch(&w, OWNER, advisor, 8).await;
    assert!(matches!(
        &*next(&mut again).await,
        StreamBody::Snapshot { .. }
    ));
    w.hub.do_send(tick("AAA", 100.0, 1));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(late.try_recv().is_err(), "nothing after the refusal");
}

#[actix::test]
async fn a_subscription_checked_before_an_account_deletion_is_refused_after_it() {
    let w = world(vec![], fast());
    let advisor = Uuid::new_v4();
    let forget = actors::live::registry::Forget { user: advisor };
    let (_late, reason) = watch_checked_before(&w, forget, OWNER, advisor, 9).await;
    assert_eq!(
        reason.as_deref(),
        Some("access revoked"),
        "the deleted viewer's subscription ends at once"
    );
    assert_eq!(
        w.registry.send(SessionCount).await.unwrap(),
        0,
        "no session was started for it"
    );
}

#[actix::test]
async fn alert_rules_fire_once_are_stored_and_pushed() {
    let rule = AlertRule {
        id: Uuid::new_v4(),
        kind: RuleKind::PriceCross {
            symbol: "AAA".into(),
            above: true,
        },
        level: 110.0,
        hysteresis: 5.0,
    };
    let w = world(vec![rule.clone()], fast());
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    for (i, price) in [100.0, 111.0, 109.0, 112.0].into_iter().enumerate() {
        w.hub.do_send(tick("AAA", price, i64::try_from(i).unwrap()));
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let alert = loop {
        if let StreamBody::Alert(alert) = &*next(&mut rx).await {
            break alert.clone();
        }
    };
    assert_eq!(alert.rule_id, Some(rule.id));
    assert_eq!(alert.value, 111.0);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(w.memory.alerts.lock().unwrap().len(), 1, "hysteresis holds");
}

/// Rules shared with another node: while that node holds them nothing fires here; when this
/// session takes them over it starts from what the other recorded (a breach it fired on
/// stays quiet), fires what nobody fired on yet, and shares what it raises.
#[actix::test]
async fn shared_rules_fire_only_where_held_and_a_takeover_starts_from_the_recorded_state() {
    let (rule, other) = (Uuid::new_v4(), Uuid::new_v4());
    let cross = |id, symbol: &str| AlertRule {
        id,
        kind: RuleKind::PriceCross {
            symbol: symbol.into(),
            above: true,
        },
        level: 110.0,
        hysteresis: 5.0,
    };
    let memory = Arc::new(Memory::default());
    *memory.data.lock().unwrap() = Some(data(vec![cross(rule, "AAA"), cross(other, "BBB")]));
    *memory.lease.lock().unwrap() = Some(Lease {
        elsewhere: true,
        ..Lease::default()
    });
    let hub = PriceHub::new(10.0).start();
    let settings = LiveSettings {
        rules_renew: Duration::from_millis(20),
        ..fast()
    };
    let registry = SessionRegistry::new(
        Arc::new(MemoryBackend(memory.clone())),
        hub.clone(),
        settings,
        Vec::new(),
    )
    .start();
    let w = World {
        memory,
        hub,
        registry,
    };
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    // Both rules breached while the other node holds them: nothing fires here.
    for (i, price) in [100.0, 111.0].into_iter().enumerate() {
        let ts = i64::try_from(i).unwrap();
        w.hub.do_send(tick("AAA", price, ts));
        w.hub.do_send(tick("BBB", price, ts));
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    assert!(w.memory.alerts.lock().unwrap().is_empty());

    // The other node dies having fired on AAA's rule only (BBB's breach came after it).
    {
        let mut lease = w.memory.lease.lock().unwrap();
        let lease = lease.as_mut().unwrap();
        lease.elsewhere = false;
        lease.recorded = Some(RulesState {
            by: Uuid::new_v4(),
            disarmed: vec![rule],
        });
    }
    let alert = loop {
        if let StreamBody::Alert(alert) = &*next(&mut rx).await {
            break alert.clone();
        }
    };
    assert_eq!((alert.rule_id, alert.value), (Some(other), 111.0));
    // Still breached: AAA stays quiet; then it recovers and crosses again: it fires.
    for (i, price) in [112.0, 100.0, 113.0].into_iter().enumerate() {
        w.hub
            .do_send(tick("AAA", price, 10 + i64::try_from(i).unwrap()));
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    let alert = loop {
        if let StreamBody::Alert(alert) = &*next(&mut rx).await {
            break alert.clone();
        }
    };
    assert_eq!((alert.rule_id, alert.value), (Some(rule), 113.0));
    tokio::time::sleep(Duration::from_millis(60)).await;
    let fired: Vec<(Uuid, f64)> = w
        .memory
        .alerts
        .lock()
        .unwrap()
        .iter()
        .map(|a| (a.rule_id, a.value))
        .collect();
    assert_eq!(fired, [(other, 111.0), (rule, 113.0)]);
    let shared = w.memory.shown.lock().unwrap().len();
    assert_eq!(shared, 2, "both alerts shared with the other nodes");
    // And the state recorded says both rules fired and have not recovered.
    let recorded = w
        .memory
        .lease
        .lock()
        .unwrap()
        .as_ref()
        .unwrap()
        .recorded
        .clone();
    let mut disarmed = recorded.unwrap().disarmed;
    disarmed.sort();
    let mut both = vec![rule, other];
    both.sort();
    assert_eq!(disarmed, both);
}

/// Ticks that make the holdings worth `wealth` (AAA and BBB in equal parts).
fn ticks_for(w: &World, wealth: f64, ts_ms: i64) {
    w.hub.do_send(tick("AAA", wealth / 2.0 / 1000.0, ts_ms));
    w.hub.do_send(tick("BBB", wealth / 2.0 / 2000.0, ts_ms));
}

#[actix::test]
async fn crossing_a_success_threshold_pushes_recommendations_and_the_alert_carries_the_top_one() {
    // Within the hub's largest believable move (10x) of each other.
    let (low, high) = (100_000.0, 900_000.0);
    let threshold = expected_success(low) + 0.05;
    assert!(expected_success(high) > threshold, "P1 at 900k is above it");
    let rule = AlertRule {
        id: Uuid::new_v4(),
        kind: RuleKind::SuccessBelow,
        level: threshold,
        hysteresis: 0.0,
    };
    let w = world(vec![rule.clone()], fast());
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    ticks_for(&w, low, 1);
    let (mut alert, mut made) = (None, None);
    while alert.is_none() || made.is_none() {
        match &*next(&mut rx).await {
            StreamBody::Alert(a) => alert = Some(a.clone()),
            StreamBody::Recommendations(r) => made = Some(r.clone()),
            _ => {}
        }
    }
    let (alert, made) = (alert.unwrap(), made.unwrap());
    assert_eq!(made.target_success, Some(threshold));
    assert!((made.starting_wealth - low).abs() < 1e-6);
    assert_eq!(made.success_probability, expected_success(low));
    let top = made
        .recommendations
        .first()
        .expect("P1 at 100k can be helped");
    for r in &made.recommendations {
        // Verified on the session's own paths: the same success to start from.
        assert!((r.success_before - made.success_probability).abs() < 1e-12);
        assert!(r.success_after > r.success_before);
    }
    assert_eq!(alert.rule_id, Some(rule.id));
    assert_eq!(alert.recommendation_id, Some(top.id));
    assert!(
        alert
            .message
            .ends_with(&format!("Top recommendation: {}", top.reason)),
        "{}",
        alert.message
    );
    {
        let asks = w.memory.asks.lock().unwrap();
        assert_eq!(asks.len(), 1);
        assert_eq!(asks[0].target, threshold);
        assert_eq!(asks[0].seed, actors::live::session::user_seed(OWNER));
        assert!((asks[0].plan.initial_wealth - low).abs() < 1e-6);
    }

    // Back above: recommendations end, with nothing computed.
    ticks_for(&w, high, 2);
    let cleared = loop {
        if let StreamBody::Recommendations(r) = &*next(&mut rx).await {
            break r.clone();
        }
    };
    assert_eq!(cleared.target_success, None);
    assert!(cleared.recommendations.is_empty());
    assert_eq!(w.memory.asks.lock().unwrap().len(), 1);

    // A new subscriber gets the latest after its snapshot.
    let mut late = watch(&w, OWNER, OWNER, 2).await;
    assert!(matches!(
        &*next(&mut late).await,
        StreamBody::Snapshot { .. }
    ));
    match &*next(&mut late).await {
        StreamBody::Recommendations(r) => assert_eq!(r, &cleared),
        other => panic!("expected the latest recommendations, got {other:?}"),
    }
}

#[actix::test]
async fn a_threshold_set_above_the_current_success_is_crossed_at_once() {
    let w = world(vec![], fast());
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    ticks_for(&w, 100_000.0, 1);
    state_with_wealth(&mut rx, 100_000.0).await;
    let level = expected_success(100_000.0) + 0.05;
    w.memory.data.lock().unwrap().as_mut().unwrap().rules = vec![AlertRule {
        id: Uuid::new_v4(),
        kind: RuleKind::SuccessBelow,
        level,
        hysteresis: 0.0,
    }];
    w.registry.send(Changed { user: OWNER }).await.unwrap();
    // No new state comes (nothing moved); the recommendations do.
    let made = loop {
        match &*next(&mut rx).await {
            StreamBody::Recommendations(r) => break r.clone(),
            StreamBody::Update { state, .. } => {
                assert!((state.simulation.starting_wealth - 100_000.0).abs() < 1e-6);
            }
            _ => {}
        }
    };
    assert_eq!(made.target_success, Some(level));
    assert_eq!(made.success_probability, expected_success(100_000.0));
    assert!(!made.recommendations.is_empty());
}

#[actix::test]
async fn what_ifs_use_the_same_random_numbers_and_plan_changes_reload() {
    let w = world(vec![], fast());
    let answer = w
        .registry
        .send(RunWhatIf {
            owner: OWNER,
            changes: WhatIfChanges {
                monthly_contribution: Some(3000.0),
                ..WhatIfChanges::default()
            },
        })
        .await
        .unwrap()
        .unwrap();
    let mut richer = p1();
    richer.monthly_contribution = 3000.0;
    let prepared = PreparedSimulation::new(
        &richer,
        &SimulationOptions {
            paths: 1000,
            seed: actors::live::session::user_seed(OWNER),
            fan_chart: false,
        },
    )
    .unwrap();
    let fresh = prepared.answer(250_000.0, &mut Vec::new());
    assert!((answer.variant.success_probability - fresh.success_probability).abs() < 1e-12);
    assert!(answer.success_probability_change > 0.0);

    let spend_more = w
        .registry
        .send(RunWhatIf {
            owner: OWNER,
            changes: WhatIfChanges {
                monthly_spending: Some(9000.0),
                ..WhatIfChanges::default()
            },
        })
        .await
        .unwrap()
        .unwrap();
    assert!(spend_more.success_probability_change < 0.0);

    let bad = w
        .registry
        .send(RunWhatIf {
            owner: OWNER,
            changes: WhatIfChanges {
                weights: Some(vec![0.5, 0.5, 0.5]),
                ..WhatIfChanges::default()
            },
        })
        .await
        .unwrap()
        .unwrap_err();
    assert!(bad.to_string().contains("sum"), "{bad}");

    // A stored change reaches the running session.
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    let _ = next(&mut rx).await;
    {
        let mut data = w.memory.data.lock().unwrap();
        let plan = &mut data.as_mut().unwrap().plan;
        plan.initial_wealth = 400_000.0;
        plan.monthly_contribution = 3000.0;
    }
    w.registry.send(Changed { user: OWNER }).await.unwrap();
    // The first state at the new wealth is already the new plan's (never the old preparation
    // answered under the new plan's name).
    let (_, success) = state_with_wealth(&mut rx, 400_000.0).await;
    assert_eq!(
        success,
        prepared
            .answer(400_000.0, &mut Vec::new())
            .success_probability
    );
}

fn live_solve(lever: Lever, target: f64, classes: &[&str]) -> RunSolve {
    RunSolve {
        owner: OWNER,
        solve: SessionSolve {
            solve: Solve {
                lever,
                target,
                equity: vec![true, true, false],
            },
            classes: classes.iter().map(|c| (*c).to_owned()).collect(),
        },
    }
}

const CLASSES: [&str; 3] = ["us_equity", "intl_equity", "bonds"];

#[actix::test]
async fn the_live_plan_is_solved_from_the_live_wealth_on_the_sessions_paths() {
    let w = world(vec![], fast());
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    w.hub.do_send(tick("AAA", 100.0, 1));
    w.hub.do_send(tick("BBB", 50.0, 2));
    state_with_wealth(&mut rx, 200_000.0).await;
    let mut at_live = p1();
    at_live.initial_wealth = 200_000.0;
    let options = SimulationOptions {
        paths: 1000,
        seed: actors::live::session::user_seed(OWNER),
        fan_chart: false,
    };
    for lever in [
        Lever::InitialWealth,
        Lever::MonthlyContribution,
        Lever::MonthlySpending,
        Lever::EquityShare,
    ] {
        let live = w
            .registry
            .send(live_solve(lever, 0.45, &CLASSES))
            .await
            .unwrap()
            .unwrap();
        let with = SolveWith {
            equity: &[true, true, false],
            ..SolveWith::default()
        };
        let fresh = engine::sim::solve_with(&at_live, lever, 0.45, &options, with).unwrap();
        assert_eq!(live.solution, fresh, "{lever:?}");
        assert_eq!(live.plan, at_live);
        assert_eq!(live.wealth_source, WealthSource::Holdings);
        assert_eq!((live.paths, live.seed), (options.paths, options.seed));
    }
    // The engine's refusals come back as they are.
    let out_of_reach = w
        .registry
        .send(live_solve(Lever::EquityShare, 0.99, &CLASSES))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            out_of_reach,
            LiveSolveError::Solve(SolveError::Unreachable { .. })
        ),
        "{out_of_reach:?}"
    );
    // Equity classes told from another plan's classes (a plan changed meanwhile): ask again.
    let changed = w
        .registry
        .send(live_solve(Lever::EquityShare, 0.45, &["stocks", "bonds"]))
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(changed, LiveSolveError::Unavailable(_)),
        "{changed:?}"
    );
}

#[actix::test]
async fn an_unwatched_session_without_rules_stops_after_the_idle_timeout() {
    let w = world(
        vec![],
        LiveSettings {
            idle_timeout: Duration::from_millis(200),
            ..fast()
        },
    );
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    let _ = next(&mut rx).await;
    assert_eq!(w.registry.send(SessionCount).await.unwrap(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(w.registry.send(SessionCount).await.unwrap(), 1, "watched");
    w.registry
        .send(Unwatch {
            owner: OWNER,
            conn: 1,
        })
        .await
        .unwrap();
    for _ in 0..100 {
        if w.registry.send(SessionCount).await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(w.registry.send(SessionCount).await.unwrap(), 0);
}

#[actix::test]
async fn a_feed_batch_makes_one_update_at_once_without_a_window() {
    let w = world(
        vec![],
        LiveSettings {
            min_interval: Duration::ZERO,
            batch_window: Duration::ZERO,
            ..LiveSettings::default()
        },
    );
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    let _snapshot = next(&mut rx).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    while rx.try_recv().is_ok() {}
    w.hub.do_send(actors::market::Ticks(vec![
        tick("AAA", 100.0, 7),
        tick("BBB", 50.0, 8),
        tick("ZZZ", 1.0, 9),
    ]));
    let body = next(&mut rx).await;
    let StreamBody::Update {
        coalesced,
        ticks,
        newest_tick_ms,
        state,
        ..
    } = &*body
    else {
        panic!("an update, got {body:?}");
    };
    assert_eq!(state.simulation.starting_wealth, 200_000.0);
    assert_eq!(*coalesced, 1, "two ticks of held symbols, one valuation");
    assert_eq!(ticks.len(), 2, "the unheld symbol is not routed here");
    assert_eq!(*newest_tick_ms, Some(8));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        rx.try_recv().is_err(),
        "no second update for the same batch"
    );
}

#[actix::test]
async fn a_batch_window_folds_ticks_sent_one_by_one() {
    let w = world(
        vec![],
        LiveSettings {
            min_interval: Duration::ZERO,
            batch_window: Duration::from_millis(100),
            ..LiveSettings::default()
        },
    );
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    let _snapshot = next(&mut rx).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    while rx.try_recv().is_ok() {}
    w.hub.do_send(tick("AAA", 100.0, 7));
    w.hub.do_send(tick("BBB", 50.0, 8));
    let body = next(&mut rx).await;
    let StreamBody::Update {
        coalesced,
        ticks,
        newest_tick_ms,
        state,
        ..
    } = &*body
    else {
        panic!("an update, got {body:?}");
    };
    assert_eq!(state.simulation.starting_wealth, 200_000.0);
    assert_eq!(*coalesced, 1);
    assert_eq!(ticks.len(), 2);
    assert_eq!(*newest_tick_ms, Some(8));
}

#[actix::test]
async fn forgetting_a_user_stops_their_session_and_their_viewing() {
    let w = world(vec![], fast());
    let advisor = Uuid::new_v4();
    let other_owner = Uuid::new_v4();
    let mut own = watch(&w, OWNER, OWNER, 1).await;
    let mut advised = watch(&w, other_owner, advisor, 2).await;
    let _ = next(&mut own).await;
    let _ = next(&mut advised).await;
    for user in [OWNER, advisor] {
        w.registry
            .send(actors::live::registry::Forget { user })
            .await
            .unwrap();
    }
    for rx in [&mut own, &mut advised] {
        loop {
            if let StreamBody::Ended { .. } = &*next(rx).await {
                break;
            }
        }
    }
    assert_eq!(w.registry.send(SessionCount).await.unwrap(), 1);
}

/// The session's counters once `ready` holds (within 4 s).
async fn counters_when(
    w: &World,
    ready: impl Fn(&actors::live::session::SessionCounters) -> bool,
) -> actors::live::session::SessionCounters {
    for _ in 0..200 {
        if let Some(c) = w.registry.send(Counters { owner: OWNER }).await.unwrap()
            && ready(&c)
        {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the counters never got there: {:?}",
        w.registry.send(Counters { owner: OWNER }).await.unwrap()
    );
}

#[actix::test]
async fn the_fan_chart_goes_only_to_those_who_ask_and_is_kept_only_while_they_watch() {
    let w = world(vec![], fast());
    w.hub.do_send(tick("AAA", 100.0, 1));
    w.hub.do_send(tick("BBB", 50.0, 1));
    let mut plain = watch_fan(&w, OWNER, OWNER, 1, false).await;
    state_with_wealth(&mut plain, 200_000.0).await;
    let lean = counters_when(&w, |c| c.prepared.bytes > 0).await;
    assert!(!lean.prepared.fan_chart);
    assert_eq!(lean.fan_chart_subscribers, 0);

    // A subscriber asking for it gets it in its snapshot, equal to a fresh run's.
    let mut fan = watch_fan(&w, OWNER, OWNER, 2, true).await;
    let StreamBody::Snapshot { state, .. } = &*next(&mut fan).await else {
        panic!("a snapshot first");
    };
    let wealth = state.simulation.starting_wealth;
    let shown = state.simulation.fan_chart.clone().expect("the fan chart");
    let mut plan = p1();
    plan.initial_wealth = wealth;
    let fresh = engine::sim::simulate(
        &plan,
        &SimulationOptions {
            paths: 1000,
            seed: actors::live::session::user_seed(OWNER),
            fan_chart: true,
        },
    )
    .unwrap();
    assert_eq!(shown.len(), fresh.fan_chart.len());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0);
    for (got, want) in shown.iter().zip(&fresh.fan_chart) {
        assert_eq!(got.year, want.year);
        let (g, f) = (&got.real_wealth, &want.real_wealth);
        for (a, b) in [
            (g.p5, f.p5),
            (g.p25, f.p25),
            (g.p50, f.p50),
            (g.p75, f.p75),
            (g.p95, f.p95),
        ] {
            assert!(close(a, b), "year {}: {a} against {b}", got.year);
        }
    }
    let with_fan = counters_when(&w, |c| c.prepared.fan_chart).await;
    assert_eq!(with_fan.fan_chart_subscribers, 1);
    assert_eq!(
        with_fan.prepared.bytes,
        lean.prepared.bytes + 1000 * (60 * 16 + 8)
    );

    // After a tick both get the update; only the one that asked sees the fan chart.
    w.hub.do_send(tick("AAA", 110.0, 2));
    for (rx, wants) in [(&mut fan, true), (&mut plain, false)] {
        loop {
            if let StreamBody::Update { state, .. } = &*next(rx).await
                && (state.simulation.starting_wealth - 210_000.0).abs() < 1e-6
            {
                assert_eq!(state.simulation.fan_chart.is_some(), wants);
                break;
            }
        }
    }

    // The last subscriber that wanted it leaves: the coefficients go.
    w.registry.do_send(Unwatch {
        owner: OWNER,
        conn: 2,
    });
    let after = counters_when(&w, |c| !c.prepared.fan_chart).await;
    assert_eq!(after.fan_chart_subscribers, 0);
    assert_eq!(after.prepared.bytes, lean.prepared.bytes);
    w.hub.do_send(tick("AAA", 120.0, 3));
    let (_, _) = state_with_wealth(&mut plain, 220_000.0).await;
}

/// The next update (skipping snapshots) whose wealth is `wealth` and whose contribution is
/// `contribution`, with its explanation.
async fn explained_update(
    rx: &mut mpsc::UnboundedReceiver<StreamEvent>,
    wealth: f64,
    contribution: f64,
) -> (u64, Option<Arc<protocol::live::Explanation>>) {
    loop {
        if let StreamBody::Update {
            seq,
            state,
            explanation,
            ..
        } = &*next(rx).await
            && (state.simulation.starting_wealth - wealth).abs() < 1e-6
            && state.simulation.monthly_contribution == contribution
        {
            return (*seq, explanation.clone());
        }
    }
}

fn survivors(plan: &engine::sim::Plan, wealth: f64) -> f64 {
    let curve = PreparedSimulation::new(
        plan,
        &SimulationOptions {
            paths: 1000,
            seed: actors::live::session::user_seed(OWNER),
            fan_chart: false,
        },
    )
    .unwrap()
    .success_curve();
    #[allow(clippy::cast_precision_loss)]
    let n = curve.survivors(wealth) as f64;
    n
}

#[actix::test]
async fn updates_explain_the_change_since_each_subscriptions_own_snapshot() {
    use actors::live::explain::ExplainError;
    use actors::live::registry::RunExplain;
    use protocol::live::ExplainedInput;

    let w = world(vec![], fast());
    w.hub.do_send(tick("AAA", 100.0, 1));
    w.hub.do_send(tick("BBB", 50.0, 1));
    let mut early = watch(&w, OWNER, OWNER, 1).await;
    let StreamBody::Snapshot { seq: first, state } = &*next(&mut early).await else {
        panic!("a snapshot first");
    };
    let first = *first;
    if state.simulation.starting_wealth != 200_000.0 {
        state_with_wealth(&mut early, 200_000.0).await;
    }
    // A second subscription's reference is its own snapshot at 200,000.
    let mut late = watch(&w, OWNER, OWNER, 2).await;
    let StreamBody::Snapshot { seq: snapshot, .. } = &*next(&mut late).await else {
        panic!("a snapshot first");
    };
    let snapshot = *snapshot;

    // A price tick: all market, on the plan as it stands.
    w.hub.do_send(tick("AAA", 60.0, 2));
    let (_, market) = explained_update(&mut late, 160_000.0, 1500.0).await;
    let market = market.expect("the success moved");
    assert_eq!(market.since_seq, snapshot);
    let expected = (survivors(&p1(), 160_000.0) - survivors(&p1(), 200_000.0)) / 1000.0;
    assert!(expected < 0.0);
    assert_eq!(market.total, expected);
    assert_eq!(market.market, expected);
    assert_eq!((market.plan, market.rest), (0.0, 0.0));
    assert!(market.changed_inputs.is_empty());
    // The first subscription explains since its own, earlier snapshot.
    let (_, own) = explained_update(&mut early, 160_000.0, 1500.0).await;
    assert_eq!(own.expect("moved").since_seq, first);

    // A stored plan change at unchanged prices: the market part stays, the plan's joins it.
    {
        let mut data = w.memory.data.lock().unwrap();
        data.as_mut().unwrap().plan.monthly_contribution = 3000.0;
    }
    w.registry.send(Changed { user: OWNER }).await.unwrap();
    let (_, both) = explained_update(&mut late, 160_000.0, 3000.0).await;
    let both = both.expect("the plan moved it");
    let mut richer = p1();
    richer.monthly_contribution = 3000.0;
    assert_eq!(both.market, expected);
    assert_eq!(
        both.plan,
        (survivors(&richer, 160_000.0) - survivors(&p1(), 160_000.0)) / 1000.0
    );
    assert!(both.plan > 0.0);
    assert_eq!(both.rest, 0.0);
    assert_eq!(both.changed_inputs.len(), 1);
    let changed = &both.changed_inputs[0];
    assert_eq!(changed.input, ExplainedInput::MonthlyContribution);
    assert_eq!((changed.from, changed.to), (Some(1500.0), Some(3000.0)));
    // Only the old plan's thresholds are kept for the references: 8 bytes a path.
    let counters = counters_when(&w, |c| c.reference_curve_bytes > 0).await;
    assert_eq!(counters.reference_curve_bytes, 8000);
    assert!(counters.history >= 1);

    // Asked since the late snapshot's time: the same explanation as the update's.
    let since = w
        .registry
        .send(RunExplain {
            owner: OWNER,
            since_ms: both.since_ms,
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(since, *both);
    // Since now: nothing moved. Before the first state: refused, saying from when.
    let now = w
        .registry
        .send(RunExplain {
            owner: OWNER,
            since_ms: i64::MAX,
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!((now.total, now.market, now.plan), (0.0, 0.0, 0.0));
    assert!(now.changed_inputs.is_empty());
    let ExplainError::TooOld { oldest_ms } = w
        .registry
        .send(RunExplain {
            owner: OWNER,
            since_ms: 0,
        })
        .await
        .unwrap()
        .unwrap_err()
    else {
        panic!("refused as too old");
    };
    assert!(oldest_ms > 0 && oldest_ms <= both.since_ms);

    // A new snapshot moves the reference on and frees the old plan's curve.
    w.registry.do_send(Unwatch {
        owner: OWNER,
        conn: 2,
    });
    w.registry.do_send(Unwatch {
        owner: OWNER,
        conn: 1,
    });
    let mut again = watch(&w, OWNER, OWNER, 3).await;
    assert!(matches!(
        &*next(&mut again).await,
        StreamBody::Snapshot { .. }
    ));
    let freed = counters_when(&w, |c| c.subscribers == 1).await;
    assert_eq!(freed.reference_curve_bytes, 0);
}

#[actix::test]
async fn explaining_since_an_older_plan_draws_its_curve_again() {
    use actors::live::registry::RunExplain;
    use protocol::live::ExplainedInput;

    let w = world(vec![], fast());
    w.hub.do_send(tick("AAA", 100.0, 1));
    w.hub.do_send(tick("BBB", 50.0, 1));
    let mut rx = watch(&w, OWNER, OWNER, 1).await;
    state_with_wealth(&mut rx, 200_000.0).await;
    let first = counters_when(&w, |c| c.history >= 1).await;
    assert!(first.history >= 1);
    // The oldest state kept is the plan's own wealth or the holdings': either way p1's.
    let start = w
        .registry
        .send(RunExplain {
            owner: OWNER,
            since_ms: 0,
        })
        .await
        .unwrap()
        .unwrap_err();
    let actors::live::explain::ExplainError::TooOld { oldest_ms } = start else {
        panic!("too old");
    };
    // The plan changes and the subscription starts afresh, so no reference holds p1 now.
    {
        let mut data = w.memory.data.lock().unwrap();
        data.as_mut().unwrap().plan.monthly_spending = 4000.0;
    }
    w.registry.send(Changed { user: OWNER }).await.unwrap();
    loop {
        if let StreamBody::Update { state, .. } = &*next(&mut rx).await
            && state.simulation.monthly_spending == 4000.0
        {
            break;
        }
    }
    w.registry.do_send(Unwatch {
        owner: OWNER,
        conn: 1,
    });
    let mut again = watch(&w, OWNER, OWNER, 2).await;
    assert!(matches!(
        &*next(&mut again).await,
        StreamBody::Snapshot { .. }
    ));
    let answer = w
        .registry
        .send(RunExplain {
            owner: OWNER,
            since_ms: oldest_ms,
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.since_ms, oldest_ms);
    assert_eq!(
        answer.market + answer.plan + answer.rest,
        answer.total,
        "{answer:?}"
    );
    assert!(answer.plan > 0.0, "spending less helps: {answer:?}");
    assert!(
        answer
            .changed_inputs
            .iter()
            .any(|c| c.input == ExplainedInput::MonthlySpending)
    );
}
