//! Solving a plan for a target success probability: each lever's answer is the boundary on
//! the search's random numbers, agrees with a plain simulation, matches a hand computation
//! where there is no randomness, and says when the target is out of reach. The equity share,
//! whose success is not monotone, is checked on a plan where it rises then falls; and a
//! prepared simulation's thresholds give the answers a fresh search gives.
#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use engine::sim::reference::p1;
use engine::sim::{
    AssetClass, Lever, Plan, PreparedSimulation, SimulationOptions, SolveError, SolveWith,
    equity_share, equity_weights, simulate, solve, solve_with,
};

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
        Lever::EquityShare => unreachable!("set with equity_weights"),
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

/// Two classes, the first equity: a plan whose weights the equity share sets directly.
fn two_classes(equity: AssetClass, other: AssetClass) -> Plan {
    Plan {
        initial_wealth: 1_000_000.0,
        monthly_contribution: 0.0,
        retirement_month: 0,
        monthly_spending: 3_500.0,
        horizon_months: 360,
        annual_inflation: 0.0,
        annual_fee: 0.0,
        assets: vec![equity, other],
        weights: vec![0.5, 0.5],
        correlation: vec![vec![1.0, 0.0], vec![0.0, 1.0]],
    }
}

const FIRST_IS_EQUITY: [bool; 2] = [true, false];

fn at_share(plan: &Plan, equity: &[bool], share: f64) -> Plan {
    let mut p = plan.clone();
    p.weights = equity_weights(&plan.weights, equity, share);
    p
}

fn by_equity(
    plan: &Plan,
    equity: &[bool],
    target: f64,
    paths: u32,
) -> Result<engine::sim::Solution, SolveError> {
    solve_with(
        plan,
        Lever::EquityShare,
        target,
        &options(paths),
        SolveWith {
            equity,
            ..SolveWith::default()
        },
    )
}

#[test]
fn the_equity_share_moves_the_equity_classes_together_and_the_others_together() {
    // P1: 0.6 and 0.2 of equity (3 : 1), 0.2 of bonds.
    let plan = p1();
    let equity = [true, true, false];
    assert!((equity_share(&plan.weights, &equity) - 0.8).abs() < 1e-12);
    let w = equity_weights(&plan.weights, &equity, 0.4);
    assert!(
        (w[0] - 0.3).abs() < 1e-12 && (w[1] - 0.1).abs() < 1e-12,
        "{w:?}"
    );
    assert!((w[2] - 0.6).abs() < 1e-12, "{w:?}");
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // A side holding nothing is shared equally.
    let w = equity_weights(&[0.0, 0.0, 1.0], &equity, 0.5);
    assert_eq!(w, [0.25, 0.25, 0.5]);
    assert_eq!(equity_weights(&plan.weights, &equity, 1.0)[2], 0.0);
}

#[test]
fn without_randomness_the_least_equity_share_is_the_hand_computed_one() {
    // Equity grows 12% a year for certain, the other class not at all; spending 1,000 a
    // month for 120 months from month 0. With a monthly gross return G the money lasts iff
    // W_0 > 1,000 · Σ_{t<120} G^-t. Starting with that annuity's value at G = half equity
    // (and a hair more), half equity is the least share that lasts.
    let g_equity = 1.12_f64.powf(1.0 / 12.0);
    let g = 0.5 * g_equity + 0.5;
    let annuity = (1.0 - g.powi(-120)) / (1.0 - 1.0 / g);
    let mut plan = two_classes(
        AssetClass {
            mu: 0.12,
            sigma: 0.0,
        },
        AssetClass {
            mu: 0.0,
            sigma: 0.0,
        },
    );
    plan.horizon_months = 120;
    plan.monthly_spending = 1_000.0;
    plan.initial_wealth = 1_000.0 * annuity * (1.0 + 1e-9);
    plan.weights = vec![0.3, 0.7];
    let s = by_equity(&plan, &FIRST_IS_EQUITY, 1.0, 50).unwrap();
    assert_eq!(s.lever, Lever::EquityShare);
    assert_eq!(s.value, 0.5);
    assert_eq!((s.search_success, s.achieved_success), (1.0, 1.0));
    // A tenth of a point less runs out.
    let short = success(&at_share(&plan, &FIRST_IS_EQUITY, 0.499), 2026);
    assert_eq!(short, 0.0);
    // 10 grid points (0 to 0.5 reaches at the sixth), then bisecting 0.4..0.5 to 0.001.
    assert!(s.evaluations <= 6 + 7, "{}", s.evaluations);
}

#[test]
fn an_equity_share_out_of_reach_is_said_with_the_best_there_is() {
    // Not even all equity at 12% a year for certain makes 60,000 last 120 months of 1,000.
    let mut plan = two_classes(
        AssetClass {
            mu: 0.12,
            sigma: 0.0,
        },
        AssetClass {
            mu: 0.0,
            sigma: 0.0,
        },
    );
    plan.horizon_months = 120;
    plan.monthly_spending = 1_000.0;
    plan.initial_wealth = 60_000.0;
    match by_equity(&plan, &FIRST_IS_EQUITY, 0.5, 50) {
        Err(
            e @ SolveError::Unreachable {
                lever, best, limit, ..
            },
        ) => {
            assert_eq!(lever, Lever::EquityShare);
            assert_eq!(best, 0.0);
            assert_eq!(limit, 1.0);
            assert!(
                e.to_string()
                    .starts_with("no equity_share from 0 to 1 reaches"),
                "{e}"
            );
        }
        other => panic!("expected out of reach, got {other:?}"),
    }
    // P1 (saving, then spending 5,000): about 56% at most, with all of it in equity.
    match by_equity(&p1(), &[true, true, false], 0.85, 1_000) {
        Err(SolveError::Unreachable {
            best, limit_value, ..
        }) => {
            assert!(best < 0.85 && best > 0.4, "{best}");
            assert!(limit_value > 0.8, "{limit_value}");
        }
        other => panic!("expected out of reach, got {other:?}"),
    }
}

#[test]
fn equity_classes_that_cannot_move_the_share_are_refused() {
    for equity in [
        &[true, true, true][..],
        &[false, false, false],
        &[true, false],
        &[],
    ] {
        assert!(
            matches!(
                by_equity(&p1(), equity, 0.5, 100),
                Err(SolveError::EquityClasses(_))
            ),
            "{equity:?}"
        );
    }
    // Without them (`solve` alone), likewise.
    assert!(matches!(
        solve(&p1(), Lever::EquityShare, 0.5, &options(100)),
        Err(SolveError::EquityClasses(_))
    ));
}

/// A retiree's plan: all cash runs out in under 24 years of 30, all equity (10%, volatility
/// 50%) fails often; success rises to about 47% near 0.3 equity and falls to about 25%.
fn hump() -> Plan {
    two_classes(
        AssetClass {
            mu: 0.10,
            sigma: 0.5,
        },
        AssetClass {
            mu: 0.0,
            sigma: 0.0,
        },
    )
}

#[test]
fn where_success_rises_then_falls_the_least_share_reaching_the_target_is_found() {
    let plan = hump();
    let target = 0.45;
    let at = |share: f64| success(&at_share(&plan, &FIRST_IS_EQUITY, share), 2026);
    // Not monotone: neither end reaches the target, so a bisection over 0..1 has no bracket.
    assert!(at(0.0) < target && at(1.0) < target);
    let s = by_equity(&plan, &FIRST_IS_EQUITY, target, 2_000).unwrap();
    // The answer reaches the target on the search's paths and a tenth of a point less does
    // not; and it is the least: no grid point below it does either.
    assert!(at(s.value) >= target, "{s:?}");
    assert_eq!(at(s.value), s.search_success);
    assert!(at(s.value - 0.001) < target, "{s:?}");
    let grid_below = (0..=10)
        .map(|k| f64::from(k) / 10.0)
        .filter(|g| *g < s.value);
    for g in grid_below {
        assert!(at(g) < target, "{g}");
    }
    assert!(s.value > 0.1 && s.value < 0.3, "{s:?}");
    assert!(
        (s.achieved_success - target).abs() < 5.0 * s.standard_error + 0.02,
        "{s:?}"
    );
}

#[test]
fn a_peak_between_grid_points_is_found() {
    // A target above every grid point's success but below the peak's between them.
    let plan = hump();
    let at = |share: f64| success(&at_share(&plan, &FIRST_IS_EQUITY, share), 2026);
    let grid_best = (0..=10)
        .map(|k| at(f64::from(k) / 10.0))
        .fold(0.0, f64::max);
    let (peak_share, peak) = (0..=1000)
        .step_by(5)
        .map(|k| (f64::from(k) / 1000.0, at(f64::from(k) / 1000.0)))
        .fold((0.0, 0.0), |best, x| if x.1 > best.1 { x } else { best });
    assert!(
        peak > grid_best,
        "no peak between grid points: {grid_best} {peak}"
    );
    let target = peak;
    let s = by_equity(&plan, &FIRST_IS_EQUITY, target, 2_000).unwrap();
    assert!(s.search_success >= target, "{s:?}");
    assert!(at(s.value) >= target);
    assert!(at(s.value - 0.001) < target, "{s:?}");
    assert!(
        (s.value - peak_share).abs() < 0.1,
        "{s:?} against a peak at {peak_share}"
    );
}

#[test]
fn a_prepared_simulations_thresholds_give_the_answers_of_a_fresh_search() {
    // What a live session does: the stored plan prepared once, the live wealth then put in.
    let mut plan = p1();
    let opts = options(1_000);
    let prepared = PreparedSimulation::new(&plan, &opts).unwrap();
    for wealth in [120_000.0, 250_000.0, 410_000.0] {
        plan.initial_wealth = wealth;
        let by_contribution = prepared.contribution_thresholds(wealth);
        for (lever, thresholds) in [
            (Lever::InitialWealth, prepared.wealth_thresholds()),
            (Lever::MonthlyContribution, &by_contribution[..]),
        ] {
            let live = solve_with(
                &plan,
                lever,
                0.8,
                &opts,
                SolveWith {
                    thresholds: Some(thresholds),
                    ..SolveWith::default()
                },
            )
            .unwrap();
            let fresh = solve(&plan, lever, 0.8, &opts).unwrap();
            assert_eq!(live.value, fresh.value, "{lever:?} at {wealth}");
            assert_eq!(live.search_success, fresh.search_success);
            assert_eq!(live.achieved_success, fresh.achieved_success);
        }
    }
}
