//! Solving a plan for a target success probability: each lever's answer is the boundary on
//! the search's random numbers, agrees with a plain simulation, matches a hand computation
//! where there is no randomness, and says when the target is out of reach.
#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use engine::sim::reference::p1;
use engine::sim::{AssetClass, Lever, Plan, SimulationOptions, SolveError, simulate, solve};

const LEVERS: [Lever; 4] = [
    Lever::MonthlySpending,
    Lever::MonthlyContribution,
    Lever::RetirementMonth,
    Lever::InitialWealth,
];

fn options(paths: u32) -> SimulationOptions {
    SimulationOptions {
        paths,
        seed: 2026,
        fan_chart: false,
    }
}

fn with(plan: &Plan, lever: Lever, value: f64) -> Plan {
    let mut p = plan.clone();
    match lever {
        Lever::MonthlySpending => p.monthly_spending = value,
        Lever::MonthlyContribution => p.monthly_contribution = value,
        Lever::RetirementMonth => p.retirement_month = value as u32,
        Lever::InitialWealth => p.initial_wealth = value,
    }
    p
}

fn success(plan: &Plan, seed: u64) -> f64 {
    simulate(
        plan,
        &SimulationOptions {
            seed,
            ..options(2_000)
        },
    )
    .unwrap()
    .success_probability
}

#[test]
fn each_answer_is_the_boundary_on_the_searchs_random_numbers() {
    let plan = p1();
    for lever in LEVERS {
        let s = solve(&plan, lever, 0.8, &options(2_000)).unwrap();
        // The value reaches the target on the search's paths, by a plain simulation too (the
        // prepared levers are checked against the simulation this way).
        let at = success(&with(&plan, lever, s.value), 2026);
        assert!(at >= 0.8, "{lever:?} at {}: {at}", s.value);
        assert!(s.search_success >= 0.8);
        // A step the wrong way falls short: the answer is the boundary, not merely safe.
        let step = match lever {
            Lever::RetirementMonth => 1.0,
            Lever::MonthlySpending => (2e-4 * s.value).max(0.02),
            _ => 0.02,
        };
        let worse = match lever {
            Lever::MonthlySpending => s.value + step,
            _ => s.value - step,
        };
        let below = success(&with(&plan, lever, worse), 2026);
        assert!(below < 0.8, "{lever:?} at {worse}: {below}");
        // The fresh run is another set of paths: near the target, with its standard error.
        assert!(
            (s.achieved_success - 0.8).abs() < 5.0 * s.standard_error + 0.01,
            "{s:?}"
        );
        assert!((s.standard_error - (0.8_f64 * 0.2 / 2_000.0).sqrt()).abs() < 0.002);
        assert_eq!(s.lever, lever);
    }
}

/// One asset that never moves, no inflation or fee: spending W_0 over T months is the most.
fn deterministic(months: u32, wealth: f64) -> Plan {
    Plan {
        initial_wealth: wealth,
        monthly_contribution: 0.0,
        retirement_month: 0,
        monthly_spending: 1.0,
        horizon_months: months,
        annual_inflation: 0.0,
        annual_fee: 0.0,
        assets: vec![AssetClass {
            mu: 0.0,
            sigma: 0.0,
        }],
        weights: vec![1.0],
        correlation: vec![vec![1.0]],
    }
}

#[test]
fn without_randomness_the_answers_are_the_hand_computed_ones() {
    // 120 months from 120,000: 1,000 a month is the boundary (within the search's 1e-4).
    let s = solve(
        &deterministic(120, 120_000.0),
        Lever::MonthlySpending,
        1.0,
        &options(100),
    )
    .unwrap();
    assert!((s.value - 1_000.0).abs() <= 0.11, "{}", s.value);
    assert_eq!(s.achieved_success, 1.0);
    // Spending 1,000 for 120 months needs 120,000 to start with.
    let mut plan = deterministic(120, 1.0);
    plan.monthly_spending = 1_000.0;
    let s = solve(&plan, Lever::InitialWealth, 1.0, &options(100)).unwrap();
    assert!((s.value - 120_000.0).abs() <= 0.02, "{}", s.value);
    // Saving for 60 months, then spending 1,000 for 60: 1,000 a month saved is the least.
    plan.initial_wealth = 0.0;
    plan.retirement_month = 60;
    let s = solve(&plan, Lever::MonthlyContribution, 1.0, &options(100)).unwrap();
    assert!((s.value - 1_000.0).abs() <= 0.02, "{}", s.value);
    // Saving 1,000 a month until retiring, then spending 3,000 for the rest of 120 months:
    // retiring at month 90 saves exactly the 90,000 that 30 months of 3,000 take, ending at
    // 0, which the model counts as ruin; month 91 is the first that succeeds.
    plan.monthly_contribution = 1_000.0;
    plan.monthly_spending = 3_000.0;
    let s = solve(&plan, Lever::RetirementMonth, 1.0, &options(100)).unwrap();
    assert_eq!(s.value, 91.0);
}

#[test]
fn out_of_reach_and_bad_targets_are_said_plainly() {
    // Retired from month 0: no contribution can help.
    let mut plan = p1();
    plan.retirement_month = 0;
    plan.initial_wealth = 100_000.0;
    match solve(&plan, Lever::MonthlyContribution, 0.9, &options(1_000)) {
        Err(SolveError::Unreachable {
            lever, best, limit, ..
        }) => {
            assert_eq!(lever, Lever::MonthlyContribution);
            assert!(best < 0.9);
            assert_eq!(limit, 1e9);
        }
        other => panic!("expected out of reach, got {other:?}"),
    }
    for target in [0.0, -0.5, 1.5, f64::NAN] {
        assert!(matches!(
            solve(&p1(), Lever::MonthlySpending, target, &options(100)),
            Err(SolveError::Target(_))
        ));
    }
    // Already there at the least favourable end: the end is the answer.
    let s = solve(
        &deterministic(12, 1e6),
        Lever::InitialWealth,
        0.5,
        &options(100),
    );
    assert!(s.is_err() || s.unwrap().value >= 12.0);
}
