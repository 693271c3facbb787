//! The states and updates the explanation benchmark and `examples/explain_cost.rs` measure:
//! P1 at the live 1,000 paths.

use std::sync::Arc;

use actors::live::explain::{Mark, Reference};
use actors::live::plan::LivePlan;
use engine::sim::explain::{SuccessCurve, WealthFrom};
use engine::sim::reference::p1;
use engine::sim::{PreparedSimulation, SimulationOptions};
use protocol::live::{
    ClassWeight, Explanation, LivePortfolio, LiveSimulation, LiveState, TickSummary, WealthSource,
};
use protocol::simulations::PercentilesView;
use protocol::ws::ServerMessage;

/// An update as a session with three asset classes and two moved prices sends it.
pub fn update(explanation: Option<Explanation>) -> ServerMessage {
    let p = PercentilesView {
        p5: 0.0,
        p25: 412_345.67,
        p50: 1_234_567.89,
        p75: 2_345_678.9,
        p95: 4_567_890.12,
    };
    let class = |name: &str, value: f64, weight: f64, target: f64| ClassWeight {
        asset_class: name.into(),
        value,
        weight,
        target,
        drift: weight - target,
    };
    ServerMessage::Update {
        stream: uuid::Uuid::from_u128(0x0b5c_0000_0000_4000_8000_0000_0000_0001),
        seq: 1234,
        skipped: 0,
        coalesced: 1,
        ticks: vec![
            TickSummary {
                symbol: "BND".into(),
                price: 70.21,
                ts_ms: 1_795_854_133_000,
            },
            TickSummary {
                symbol: "SPY".into(),
                price: 420.13,
                ts_ms: 1_795_854_133_000,
            },
        ]
        .into(),
        newest_tick_ms: Some(1_795_854_133_000),
        state: Arc::new(LiveState {
            user_id: uuid::Uuid::from_u128(0x0b5c_0000_0000_4000_8000_0000_0000_0001),
            simulation: LiveSimulation {
                paths: 1000,
                seed: 6_917_529_027_641_081,
                starting_wealth: 251_234.56,
                wealth_source: WealthSource::Holdings,
                monthly_contribution: 1500.0,
                monthly_spending: 5000.0,
                retirement_month: 360,
                horizon_months: 720,
                success_probability: 0.512,
                success_standard_error: 0.015_806,
                terminal_real_wealth: p,
                fan_chart: None,
                goals: Vec::new(),
                extensions: None,
            },
            portfolio: LivePortfolio {
                total_value: 251_234.56,
                classes: vec![
                    class("us_equity", 150_740.74, 0.6, 0.6),
                    class("intl_equity", 50_246.91, 0.2, 0.2),
                    class("bonds", 50_246.91, 0.2, 0.2),
                ],
                max_abs_drift: 0.0,
                unpriced: Vec::new(),
                band: 0.05,
                outside_band: false,
                rebalance_trades: 0,
            },
            computed_at_ms: 1_795_854_133_004,
        }),
        explanation: explanation.map(Arc::new),
    }
}

/// A subscription's reference at 250,000 on P1, and three states to explain against it: the
/// wealth barely moved (no path changed side), it fell to 200,000, and the contribution was
/// raised to 2,500 at 200,000.
pub struct Scene {
    pub reference: Reference,
    pub still: Mark,
    pub fallen: Mark,
    pub committed: Mark,
    /// P1 and the options it was prepared with, for drawing its curve again.
    #[allow(dead_code)] // the example does not draw
    pub plan: Arc<LivePlan>,
    #[allow(dead_code)]
    pub options: SimulationOptions,
}

pub fn scene() -> Scene {
    let options = SimulationOptions {
        paths: 1000,
        seed: 42,
        fan_chart: false,
    };
    let plan = Arc::new(LivePlan::from(p1()));
    let curve = PreparedSimulation::new(&plan.base, &options)
        .expect("P1 is valid")
        .success_curve();
    let mut richer = p1();
    richer.monthly_contribution = 2500.0;
    let richer = Arc::new(LivePlan::from(richer));
    let richer_curve = PreparedSimulation::new(&richer.base, &options)
        .expect("valid")
        .success_curve();
    let mark = |plan: &Arc<LivePlan>, curve: &SuccessCurve, wealth: f64| Mark {
        seq: 1,
        at_ms: 1_700_000_000_000,
        plan: plan.clone(),
        wealth,
        survivors: u32::try_from(curve.survivors(wealth)).expect("1,000 paths"),
        holdings: 0,
        wealth_from: WealthFrom::Holdings,
    };
    Scene {
        reference: Reference {
            mark: mark(&plan, &curve, 250_000.0),
            curve: Some(curve.clone()),
            paths: options.paths,
        },
        still: mark(&plan, &curve, 250_000.0 + 1e-3),
        fallen: mark(&plan, &curve, 200_000.0),
        committed: mark(&richer, &richer_curve, 200_000.0),
        plan,
        options,
    }
}
