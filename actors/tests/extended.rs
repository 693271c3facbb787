//! Sessions of plans with model extensions, with real actors and an in-memory backend: a plan
//! whose cash flows do not depend on wealth is answered from its prepared extended paths as a
//! fresh extended run would answer, a plan whose withdrawal strategy does is simulated again
//! per (coalesced) tick, and both carry their goals' chances, the fan chart when asked,
//! explanations and what-ifs; solving searches them under the extended model.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::{Actor, Addr, Context, Handler};
use actors::live::LiveSettings;
use actors::live::backend::{
    BackendError, BackendFuture, Holding, NewAlert, SessionBackend, SessionData,
};
use actors::live::events::{StreamBody, StreamEvent};
use actors::live::plan::{GoalLabel, Method, ModelExtensions};
use actors::live::registry::{
    Changed, Counters, RunExplain, RunSolve, RunWhatIf, SessionRegistry, Unwatch, Watch,
};
use actors::live::session::{SessionCounters, SessionSolve, user_seed};
use actors::live::simulation::Solve;
use actors::market::{PriceHub, Tick};
use engine::sim::extended::prepared::PreparedExtended;
use engine::sim::extended::{
    Cola, ExtendedResult, Extensions, Goal, IncomeStream, Priority, Withdrawal, simulate_extended,
};
use engine::sim::reference::p1;
use engine::sim::{Lever, Plan, SimulationOptions, SolveWith, solve_with};
use protocol::extensions::GoalPriority;
use protocol::live::{ExplainedInput, LiveMethod, LiveState, WhatIfChanges};
use tokio::sync::mpsc;
use uuid::Uuid;

const OWNER: Uuid = Uuid::from_u128(0x0fed_cba9_8765_4321_0fed_cba9_8765_4321);

struct MemoryBackend(Arc<Mutex<SessionData>>);

impl SessionBackend for MemoryBackend {
    fn load(&self, _: Uuid) -> BackendFuture<SessionData> {
        let data = self.0.lock().unwrap().clone();
        Box::pin(async move { Ok(data) })
    }

    fn record_alert(&self, _: Uuid, _: NewAlert) -> BackendFuture<protocol::live::LiveAlert> {
        Box::pin(async { Err(BackendError("no rules here".into())) })
    }

    fn recommend(
        &self,
        _: Uuid,
        _: actors::live::backend::RecommendAsk,
    ) -> BackendFuture<actors::live::backend::Recommended> {
        Box::pin(async { Err(BackendError("no rules here".into())) })
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

/// P1 with a need (a house deposit in five years) and a pension from month 420, and the
/// withdrawal strategy given.
fn extensions(withdrawal: Withdrawal) -> ModelExtensions {
    ModelExtensions {
        model: Extensions {
            goals: vec![Goal {
                amount: 60_000.0,
                month: 60,
                priority: Priority::Need,
            }],
            income: vec![IncomeStream {
                monthly_amount: 1_200.0,
                start_month: 420,
                end_month: None,
                cola: Cola::Inflation,
            }],
            withdrawal,
            ..Extensions::default()
        },
        goals: vec![GoalLabel {
            name: "house deposit".into(),
            month: 60,
            priority: GoalPriority::Need,
        }],
        left_out: None,
    }
}

fn guardrails() -> Withdrawal {
    Withdrawal::GuytonKlinger {
        guardrail: 0.2,
        adjustment: 0.1,
        protected_final_years: 15,
    }
}

struct World {
    data: Arc<Mutex<SessionData>>,
    hub: Addr<PriceHub>,
    registry: Addr<SessionRegistry>,
}

fn world(extensions: ModelExtensions, settings: LiveSettings) -> World {
    let data = Arc::new(Mutex::new(SessionData {
        plan: p1(),
        extensions: Some(extensions),
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
        rules: Vec::new(),
        rebalance_band: 0.05,
    }));
    let hub = PriceHub::new(10.0).start();
    let registry = SessionRegistry::new(
        Arc::new(MemoryBackend(data.clone())),
        hub.clone(),
        settings,
        Vec::new(),
    )
    .start();
    World {
        data,
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

async fn watch(w: &World, conn: u64, fan_chart: bool) -> mpsc::UnboundedReceiver<StreamEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    let sink = Sink(tx).start();
    w.registry
        .send(Watch {
            owner: OWNER,
            viewer: OWNER,
            conn,
            events: Arc::new(sink.recipient()),
            home: None,
            authorized_at: std::time::Instant::now(),
            fan_chart,
        })
        .await
        .unwrap();
    rx
}

async fn next(rx: &mut mpsc::UnboundedReceiver<StreamEvent>) -> Arc<StreamBody> {
    tokio::time::timeout(Duration::from_secs(20), rx.recv())
        .await
        .expect("an event within 20 s")
        .expect("the stream is open")
        .body
}

/// The next snapshot or update at `wealth` (and, when given, this spending).
async fn state_at(
    rx: &mut mpsc::UnboundedReceiver<StreamEvent>,
    wealth: f64,
    spending: Option<f64>,
) -> (Arc<StreamBody>, LiveState) {
    loop {
        let body = next(rx).await;
        if let StreamBody::Snapshot { state, .. } | StreamBody::Update { state, .. } = &*body
            && (state.simulation.starting_wealth - wealth).abs() < 1e-6
            && spending.is_none_or(|s| state.simulation.monthly_spending == s)
        {
            let state = LiveState::clone(state);
            return (body, state);
        }
    }
}

fn options() -> SimulationOptions {
    SimulationOptions {
        paths: 1000,
        seed: user_seed(OWNER),
        fan_chart: true,
    }
}

fn at(plan: &Plan, wealth: f64) -> Plan {
    let mut plan = plan.clone();
    plan.initial_wealth = wealth;
    plan
}

/// A fresh extended run at `wealth`, what `POST /simulations/monte-carlo` computes.
fn fresh(plan: &Plan, extensions: &ModelExtensions, wealth: f64) -> ExtendedResult {
    simulate_extended(&at(plan, wealth), &extensions.model, &options()).unwrap()
}

/// Within one path of 1,000 (a path on its threshold can round either way) and to 1e-6
/// relative for amounts.
fn close(live: &LiveState, run: &ExtendedResult) {
    let sim = &live.simulation;
    let one = 1.0 / 1000.0 + 1e-12;
    assert!(
        (sim.success_probability - run.base.success_probability).abs() <= one,
        "success {} against a fresh run's {}",
        sim.success_probability,
        run.base.success_probability
    );
    assert_eq!(sim.goals.len(), run.goals.len());
    for (shown, goal) in sim.goals.iter().zip(&run.goals) {
        assert!((shown.probability - goal.probability).abs() <= one);
    }
    let (a, b) = (&sim.terminal_real_wealth, &run.base.terminal_real_wealth);
    for (x, y) in [(a.p5, b.p5), (a.p50, b.p50), (a.p95, b.p95)] {
        assert!((x - y).abs() <= 1e-6 * y.abs().max(1.0), "{x} against {y}");
    }
}

async fn counters_when(w: &World, ready: impl Fn(&SessionCounters) -> bool) -> SessionCounters {
    for _ in 0..500 {
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

/// Solves the live plan for `lever` at 50% and checks the answer is the engine's solve of
/// the plan at the live `wealth` with its extensions, on the session's paths and seed.
async fn solves_as_the_engine(w: &World, ext: &ModelExtensions, lever: Lever, wealth: f64) {
    let solved = w
        .registry
        .send(RunSolve {
            owner: OWNER,
            solve: SessionSolve {
                solve: Solve {
                    lever,
                    target: 0.5,
                    equity: vec![true, true, false],
                },
                classes: vec!["us_equity".into(), "intl_equity".into(), "bonds".into()],
            },
        })
        .await
        .unwrap()
        .unwrap();
    let plan = at(&w.data.lock().unwrap().plan, wealth);
    let expected = solve_with(
        &plan,
        lever,
        0.5,
        &SimulationOptions {
            fan_chart: false,
            ..options()
        },
        SolveWith {
            equity: &[true, true, false],
            extensions: Some(&ext.model),
            ..SolveWith::default()
        },
    )
    .unwrap();
    assert_eq!(solved.solution, expected, "{lever:?}");
    assert_eq!(solved.plan.initial_wealth, wealth);
}

#[actix::test]
async fn a_plan_whose_flows_do_not_depend_on_wealth_is_answered_from_its_prepared_paths() {
    let ext = extensions(Withdrawal::ConstantReal);
    let w = world(ext.clone(), fast());
    w.hub.do_send(tick("AAA", 100.0, 1));
    w.hub.do_send(tick("BBB", 50.0, 1));
    let mut rx = watch(&w, 1, false).await;
    let (_, state) = state_at(&mut rx, 200_000.0, None).await;
    let prepared = PreparedExtended::new(
        &p1(),
        &ext.model,
        &SimulationOptions {
            fan_chart: false,
            ..options()
        },
    )
    .unwrap();
    let answer = prepared.answer(200_000.0, &mut Vec::new());
    assert_eq!(
        state.simulation.success_probability,
        answer.success_probability
    );
    assert_eq!(
        state.simulation.goals[0].probability,
        answer.goals[0].probability
    );
    assert_eq!(state.simulation.goals[0].name, "house deposit");
    close(&state, &fresh(&p1(), &ext, 200_000.0));
    let shown = state.simulation.extensions.as_ref().expect("said how");
    assert_eq!(shown.method, LiveMethod::Incremental);
    assert_eq!(shown.resimulated_because, None);
    // 8 bytes of threshold, 16 of terminal coefficients and 8 per goal, per path.
    let lean = counters_when(&w, |c| c.prepared.bytes > 0).await;
    assert_eq!(lean.prepared.method, Some(Method::Incremental));
    assert_eq!(lean.prepared.bytes, 1000 * (8 + 16 + 8));

    // A tick moves it as a fresh run at the new wealth, explained as all market to a
    // subscription whose snapshot was at the holdings' value.
    let mut late = watch(&w, 3, false).await;
    state_at(&mut late, 200_000.0, None).await;
    w.hub.do_send(tick("AAA", 60.0, 2));
    let (body, state) = state_at(&mut late, 160_000.0, None).await;
    close(&state, &fresh(&p1(), &ext, 160_000.0));
    let StreamBody::Update {
        explanation: Some(explanation),
        ..
    } = &*body
    else {
        panic!("an explained update, got {body:?}");
    };
    let curve = prepared.success_curve();
    #[allow(clippy::cast_precision_loss)]
    let expected = (curve.survivors(160_000.0) as f64 - curve.survivors(200_000.0) as f64) / 1000.0;
    assert_eq!(explanation.total, expected);
    assert_eq!(explanation.market, expected);
    assert_eq!((explanation.plan, explanation.rest), (0.0, 0.0));

    // The fan chart, prepared for a subscriber who asks: a fresh run's bands.
    let mut fan = watch(&w, 2, true).await;
    let (_, state) = state_at(&mut fan, 160_000.0, None).await;
    let bands = state.simulation.fan_chart.clone().expect("the fan chart");
    let run = fresh(&p1(), &ext, 160_000.0);
    assert_eq!(bands.len(), run.base.fan_chart.len());
    for (got, want) in bands.iter().zip(&run.base.fan_chart) {
        let (g, f) = (&got.real_wealth, &want.real_wealth);
        for (x, y) in [(g.p5, f.p5), (g.p50, f.p50), (g.p95, f.p95)] {
            assert!(
                (x - y).abs() <= 1e-6 * y.abs().max(1.0),
                "year {}",
                got.year
            );
        }
    }
    let with_fan = counters_when(&w, |c| c.prepared.fan_chart).await;
    assert_eq!(
        with_fan.prepared.bytes,
        lean.prepared.bytes + 1000 * 60 * 24
    );
    w.registry.do_send(Unwatch {
        owner: OWNER,
        conn: 2,
    });
    let after = counters_when(&w, |c| !c.prepared.fan_chart).await;
    assert_eq!(after.prepared.bytes, lean.prepared.bytes);

    // A what-if: the plan as it stands from its paths, the variant by an extended run.
    let answer = w
        .registry
        .send(RunWhatIf {
            owner: OWNER,
            changes: WhatIfChanges {
                monthly_spending: Some(4000.0),
                ..WhatIfChanges::default()
            },
        })
        .await
        .unwrap()
        .unwrap();
    let mut frugal = p1();
    frugal.monthly_spending = 4000.0;
    let variant = fresh(&frugal, &ext, 160_000.0);
    assert_eq!(
        answer.variant.success_probability,
        variant.base.success_probability
    );
    assert_eq!(
        answer.variant.goals[0].probability,
        variant.goals[0].probability
    );
    assert_eq!(answer.variant.monthly_spending, 4000.0);
    assert!(answer.success_probability_change > 0.0);
    assert_eq!(
        answer.base.success_probability,
        prepared
            .answer(160_000.0, &mut Vec::new())
            .success_probability
    );

    // Solving searches the plan with its extensions: the starting wealth from the prepared
    // thresholds, the spending by a run per step.
    for lever in [Lever::InitialWealth, Lever::MonthlySpending] {
        solves_as_the_engine(&w, &ext, lever, 160_000.0).await;
    }
}

#[actix::test]
async fn a_plan_whose_withdrawals_depend_on_wealth_is_simulated_again_at_each_wealth() {
    let ext = extensions(guardrails());
    let w = world(ext.clone(), fast());
    w.hub.do_send(tick("AAA", 100.0, 1));
    w.hub.do_send(tick("BBB", 50.0, 1));
    let mut rx = watch(&w, 1, false).await;
    let (_, state) = state_at(&mut rx, 200_000.0, None).await;
    // The same run: equal to the last bit.
    let run = fresh(&p1(), &ext, 200_000.0);
    assert_eq!(
        state.simulation.success_probability,
        run.base.success_probability
    );
    assert_eq!(
        state.simulation.goals[0].probability,
        run.goals[0].probability
    );
    assert_eq!(
        state.simulation.terminal_real_wealth.p50,
        run.base.terminal_real_wealth.p50
    );
    let shown = state.simulation.extensions.as_ref().expect("said how");
    assert_eq!(shown.method, LiveMethod::Resimulated);
    assert!(
        shown
            .resimulated_because
            .as_deref()
            .is_some_and(|why| why.contains("withdrawal strategy"))
    );
    let counters = counters_when(&w, |c| c.prepared.method.is_some()).await;
    assert!(matches!(
        counters.prepared.method,
        Some(Method::Resimulated(_))
    ));
    assert_eq!(counters.prepared.bytes, 0, "nothing is kept between runs");

    // Ticks keep it moving, each answer a run at the new wealth, explained as the market's
    // to a subscription whose snapshot was at the holdings' value.
    let mut late = watch(&w, 3, false).await;
    state_at(&mut late, 200_000.0, None).await;
    w.hub.do_send(tick("AAA", 120.0, 2));
    let (body, state) = state_at(&mut late, 220_000.0, None).await;
    let moved = fresh(&p1(), &ext, 220_000.0);
    assert_eq!(
        state.simulation.success_probability,
        moved.base.success_probability
    );
    if let StreamBody::Update {
        explanation: Some(explanation),
        ..
    } = &*body
    {
        assert_eq!(explanation.market, explanation.total);
        assert_eq!((explanation.plan, explanation.rest), (0.0, 0.0));
    } else {
        assert_eq!(
            moved.base.success_probability, run.base.success_probability,
            "an update without an explanation moved nothing: {body:?}"
        );
    }

    // The fan chart comes with every run.
    let mut fan = watch(&w, 2, true).await;
    let (_, state) = state_at(&mut fan, 220_000.0, None).await;
    let bands = state.simulation.fan_chart.expect("the fan chart");
    assert_eq!(bands.len(), moved.base.fan_chart.len());
    assert_eq!(
        bands[9].real_wealth.p50,
        moved.base.fan_chart[9].real_wealth.p50
    );

    // A what-if runs both plans at the live wealth.
    let answer = w
        .registry
        .send(RunWhatIf {
            owner: OWNER,
            changes: WhatIfChanges {
                retirement_month: Some(372),
                ..WhatIfChanges::default()
            },
        })
        .await
        .unwrap()
        .unwrap();
    let mut later = p1();
    later.retirement_month = 372;
    let variant = fresh(&later, &ext, 220_000.0);
    assert_eq!(
        answer.base.success_probability,
        moved.base.success_probability
    );
    assert_eq!(
        answer.variant.success_probability,
        variant.base.success_probability
    );
    assert_eq!(answer.variant.retirement_month, 372);
    // Solving runs the extended plan at every step, the starting wealth too.
    for lever in [Lever::InitialWealth, Lever::MonthlySpending] {
        solves_as_the_engine(&w, &ext, lever, 220_000.0).await;
    }

    // The stored spending changes: the update carries no explanation against the old plan
    // (it has no curve), but `explain` counts the old plan again by runs.
    let since = state.computed_at_ms;
    w.data.lock().unwrap().plan.monthly_spending = 4500.0;
    w.registry.send(Changed { user: OWNER }).await.unwrap();
    let (body, state) = state_at(&mut late, 220_000.0, Some(4500.0)).await;
    let StreamBody::Update { explanation, .. } = &*body else {
        panic!("an update, got {body:?}");
    };
    assert_eq!(*explanation, None);
    let mut frugal = p1();
    frugal.monthly_spending = 4500.0;
    let now = fresh(&frugal, &ext, 220_000.0);
    assert_eq!(
        state.simulation.success_probability,
        now.base.success_probability
    );
    let explained = w
        .registry
        .send(RunExplain {
            owner: OWNER,
            since_ms: since,
        })
        .await
        .unwrap()
        .unwrap();
    let plan_part = now.base.success_probability - moved.base.success_probability;
    assert!(plan_part > 0.0, "spending less helps");
    assert!((explained.plan - plan_part).abs() < 1e-12, "{explained:?}");
    assert_eq!((explained.market, explained.rest), (0.0, 0.0));
    assert_eq!(
        explained.changed_inputs[0].input,
        ExplainedInput::MonthlySpending
    );
}

#[actix::test]
async fn valuations_arriving_during_a_run_are_folded_into_the_next_latest_wins() {
    let w = world(
        extensions(guardrails()),
        LiveSettings {
            min_interval: Duration::from_millis(300),
            ..LiveSettings::default()
        },
    );
    let mut rx = watch(&w, 1, false).await;
    let _snapshot = next(&mut rx).await;
    w.hub.do_send(tick("BBB", 50.0, 1));
    for i in 0..20 {
        w.hub
            .do_send(tick("AAA", 100.0 + f64::from(i), 10 + i64::from(i)));
    }
    let (mut updates, mut coalesced) = (0, 0);
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
            if (state.simulation.starting_wealth - 219_000.0).abs() < 1e-6 {
                assert_eq!(*newest_tick_ms, Some(29));
                break;
            }
        }
    }
    assert!(updates < 21, "{updates} updates for 21 ticks");
    assert!(coalesced > 0);
}

#[actix::test]
async fn extensions_that_move_no_wealth_keep_the_base_preparation() {
    // Only a spending floor, which the stream does not report: the base model's preparation,
    // its memory and its numbers, with the extensions said to be there.
    let w = world(
        ModelExtensions {
            model: Extensions {
                spending_floor: Some(4000.0),
                ..Extensions::default()
            },
            ..ModelExtensions::default()
        },
        fast(),
    );
    let mut rx = watch(&w, 1, false).await;
    let (_, state) = state_at(&mut rx, 250_000.0, None).await;
    let base = engine::sim::PreparedSimulation::new(
        &p1(),
        &SimulationOptions {
            fan_chart: false,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(
        state.simulation.success_probability,
        base.answer(250_000.0, &mut Vec::new()).success_probability
    );
    assert!(state.simulation.goals.is_empty());
    assert_eq!(
        state.simulation.extensions.map(|e| e.method),
        Some(LiveMethod::Incremental)
    );
    let counters = counters_when(&w, |c| c.prepared.bytes > 0).await;
    assert_eq!(counters.prepared.method, Some(Method::Base));
    assert_eq!(counters.prepared.bytes, base.memory_bytes());
}
