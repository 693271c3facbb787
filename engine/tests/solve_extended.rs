//! Solving plans with model extensions: every lever's answer is the boundary on the search's
//! random numbers under the extended model, wealth from one prepared pass where no flow depends
//! on wealth, and the default switches give the base model's answers exactly.
#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use engine::sim::extended::{
    Cola, Extensions, Goal, IncomeStream, Priority, Withdrawal, simulate_extended,
};
use engine::sim::reference::p1;
use engine::sim::{Lever, Plan, SimulationOptions, SolveWith, solve, solve_with};

fn options() -> SimulationOptions {
    SimulationOptions {
        paths: 1_500,
        seed: 77,
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
        Lever::EquityShare => unreachable!("not searched here"),
    }
    p
}

fn success(plan: &Plan, extensions: &Extensions) -> f64 {
    simulate_extended(plan, extensions, &options())
        .unwrap()
        .base
        .success_probability
}

fn needs_and_pension() -> Extensions {
    Extensions {
        goals: vec![Goal {
            amount: 80_000.0,
            month: 120,
            priority: Priority::Need,
        }],
        income: vec![IncomeStream {
            monthly_amount: 1_500.0,
            start_month: 420,
            end_month: None,
            cola: Cola::Inflation,
        }],
        ..Extensions::default()
    }
}

/// The answer reaches the target on the search's paths and one step beyond it does not.
fn assert_boundary(plan: &Plan, extensions: &Extensions, lever: Lever, target: f64) {
    let found = solve_with(
        plan,
        lever,
        target,
        &options(),
        SolveWith {
            extensions: Some(extensions),
            ..SolveWith::default()
        },
    )
    .unwrap();
    let at = success(&with(plan, lever, found.value), extensions);
    assert!(at >= target, "{lever:?} at {}: {at}", found.value);
    assert_eq!(found.search_success, at);
    let step = match lever {
        Lever::RetirementMonth => 1.0,
        Lever::MonthlySpending => (found.value * 2e-4).max(0.02),
        _ => 0.02,
    };
    let beyond = match lever {
        Lever::MonthlySpending => found.value + step,
        _ => found.value - step,
    };
    assert!(
        beyond >= 0.0,
        "{lever:?}: the answer is at the end of the range"
    );
    let past = success(&with(plan, lever, beyond), extensions);
    assert!(past < target, "{lever:?} at {beyond}: {past}");
    // The fresh check runs the extended model on seed + 1.
    let fresh = simulate_extended(
        &with(plan, lever, found.value),
        extensions,
        &SimulationOptions {
            seed: 78,
            ..options()
        },
    )
    .unwrap();
    assert_eq!(found.achieved_success, fresh.base.success_probability);
}

#[test]
fn each_lever_is_the_boundary_under_the_extended_model() {
    let plan = p1();
    let extensions = needs_and_pension();
    for lever in [
        Lever::InitialWealth,
        Lever::MonthlyContribution,
        Lever::MonthlySpending,
        Lever::RetirementMonth,
    ] {
        assert_boundary(&plan, &extensions, lever, 0.8);
    }
}

#[test]
fn a_wealth_dependent_strategy_is_searched_by_simulation() {
    let plan = p1();
    let extensions = Extensions {
        withdrawal: Withdrawal::GuytonKlinger {
            guardrail: 0.2,
            adjustment: 0.1,
            protected_final_years: 15,
        },
        ..needs_and_pension()
    };
    // Guardrails cut spending in bad markets, so ruin is rare: the target is set high.
    for lever in [Lever::InitialWealth, Lever::MonthlySpending] {
        assert_boundary(&plan, &extensions, lever, 0.995);
    }
}

#[test]
fn default_switches_give_the_base_answers() {
    let plan = p1();
    for lever in [Lever::InitialWealth, Lever::MonthlySpending] {
        let base = solve(&plan, lever, 0.85, &options()).unwrap();
        let extended = solve_with(
            &plan,
            lever,
            0.85,
            &options(),
            SolveWith {
                extensions: Some(&Extensions::default()),
                ..SolveWith::default()
            },
        )
        .unwrap();
        assert_eq!(base, extended);
    }
}
