use super::*;
use crate::sim::reference::p1;
use crate::sim::simulate;

fn options(paths: u32) -> SimulationOptions {
    SimulationOptions {
        paths,
        seed: 11,
        fan_chart: false,
    }
}

/// P1's classes: two equities and bonds.
const EQUITY: [bool; 3] = [true, true, false];

#[test]
fn the_paired_difference_and_its_standard_error_by_hand() {
    // 10 paths, 3 saved and 1 lost: d = (1, 1, 1, -1, 0, ...), its mean and sample
    // variance computed directly.
    let d = [1.0, 1.0, 1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    let mean: f64 = d.iter().sum::<f64>() / 10.0;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 9.0;
    let (change, se) = paired(3, 1, 10);
    assert!((change - mean).abs() < 1e-15);
    assert!((se - (var / 10.0).sqrt()).abs() < 1e-15, "{se}");
    assert_eq!(paired(0, 0, 100), (0.0, 0.0));
    assert_eq!(paired(0, 0, 0), (0.0, 0.0));
}

#[test]
fn verified_successes_are_those_of_simulating_each_plan_on_the_same_seed() {
    let plan = p1();
    let actions = candidates(&plan, Some(&EQUITY), &Limits::default());
    let o = options(2000);
    let verified = verify(&plan, &actions, &EQUITY, &o).unwrap();
    assert_eq!(verified.len(), actions.len());
    let before = simulate(&plan, &o).unwrap().success_probability;
    for v in &verified {
        assert!((v.success_before - before).abs() < 1e-12);
        let after = simulate(&v.action.apply(&plan, &EQUITY), &o)
            .unwrap()
            .success_probability;
        assert!((v.success_after - after).abs() < 1e-12, "{v:?}: {after}");
        assert!((v.change - (v.success_after - v.success_before)).abs() < 1e-12);
    }
}

#[test]
fn saving_spending_retiring_and_fees_only_ever_save_paths() {
    // Each path is monotone in these levers on common random numbers: none is lost, so
    // the change is the share saved and its error is that of a proportion.
    let plan = p1();
    let o = options(2000);
    let actions: Vec<Action> = candidates(&plan, None, &Limits::default());
    assert!(
        actions
            .iter()
            .all(|a| !matches!(a, Action::EquityShare { .. }))
    );
    for v in verify(&plan, &actions, &EQUITY, &o).unwrap() {
        assert_eq!(v.paths_lost, 0, "{v:?}");
        assert!(v.change >= 0.0);
        let p = v.change;
        let proportion = (p * (1.0 - p) / 2000.0 * 2000.0 / 1999.0).sqrt();
        assert!(
            (v.change_standard_error - proportion).abs() < 1e-12,
            "{v:?}"
        );
    }
}

#[test]
fn the_paired_error_is_far_below_that_of_two_independent_runs() {
    let plan = p1();
    let o = options(4000);
    let small = [Action::SpendLess {
        monthly_spending: plan.monthly_spending * 0.97,
    }];
    let v = &verify(&plan, &small, &EQUITY, &o).unwrap()[0];
    let independent = ((v.success_before * (1.0 - v.success_before)
        + v.success_after * (1.0 - v.success_after))
        / 4000.0)
        .sqrt();
    assert!(v.change > 0.0);
    assert!(
        v.change_standard_error < independent / 3.0,
        "{v:?} vs {independent}"
    );
}

#[test]
fn candidates_stay_within_what_the_user_can_carry() {
    let plan = p1();
    let limits = Limits {
        max_monthly_contribution: Some(plan.monthly_contribution + 1.0),
        equity_share: Some((0.5, 0.75)),
        least_fee: plan.annual_fee,
    };
    let actions = candidates(&plan, Some(&EQUITY), &limits);
    for a in &actions {
        match *a {
            Action::SaveMore { .. } => panic!("no contribution above the limit: {a:?}"),
            Action::LowerFees { .. } => panic!("no fee cut below the least fee: {a:?}"),
            Action::EquityShare { share } => assert!((0.5..=0.75).contains(&share), "{a:?}"),
            Action::RetireLater { retirement_month } => {
                assert!(retirement_month < plan.horizon_months);
            }
            Action::SpendLess { monthly_spending } => {
                assert!(monthly_spending < plan.monthly_spending);
            }
        }
    }
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::EquityShare { .. }))
    );
    let loose = candidates(&plan, Some(&EQUITY), &Limits::default());
    assert!(loose.iter().any(|a| matches!(a, Action::SaveMore { .. })));
    assert!(
        loose
            .iter()
            .any(|a| matches!(a, Action::LowerFees { annual_fee } if *annual_fee == LEAST_FEE))
    );
    // A retired plan saves nothing more; one with no spending spends no less.
    let mut retired = plan.clone();
    retired.retirement_month = 0;
    retired.monthly_spending = 0.0;
    assert!(
        candidates(&retired, None, &Limits::default())
            .iter()
            .all(|a| !matches!(a, Action::SaveMore { .. } | Action::SpendLess { .. }))
    );
}

#[test]
fn screening_keeps_the_cheapest_change_estimated_to_reach_the_target_and_its_neighbours() {
    let plan = p1();
    let later = |months: u32| Action::RetireLater {
        retirement_month: plan.retirement_month + months,
    };
    let save = |c: f64| Action::SaveMore {
        monthly_contribution: c,
    };
    let actions = [
        later(12),
        later(24),
        later(36),
        later(60),
        save(2000.0),
        save(3000.0),
        save(4000.0),
        Action::LowerFees { annual_fee: 0.0005 },
    ];
    // The estimate: 1 % a month of later retirement, 0.01 % per unit of contribution;
    // it cannot judge fee changes.
    let estimate = |p: &Plan| {
        if p.annual_fee < plan.annual_fee {
            return None;
        }
        let months = f64::from(p.retirement_month - plan.retirement_month);
        Some(0.5 + months / 100.0 + (p.monthly_contribution - plan.monthly_contribution) / 10_000.0)
    };
    // Retiring 36 months later is the first estimated at 0.85 (0.86): it and its
    // neighbours; no contribution reaches it (0.55 to 0.75): the best and the one before;
    // the fee change is kept unjudged.
    let kept = screen(&plan, &actions, &EQUITY, estimate, 0.85);
    assert_eq!(
        kept,
        [
            later(24),
            later(36),
            later(60),
            save(3000.0),
            save(4000.0),
            actions[7]
        ]
    );
    // A target every change reaches keeps the cheapest of each kind and the next.
    let kept = screen(&plan, &actions, &EQUITY, estimate, 0.0);
    assert_eq!(
        kept,
        [later(12), later(24), save(2000.0), save(3000.0), actions[7]]
    );
}

fn verified(action: Action, before: f64, after: f64, se: f64) -> Verified {
    Verified {
        action,
        success_before: before,
        success_after: after,
        change: after - before,
        change_standard_error: se,
        paths_saved: 0,
        paths_lost: 0,
    }
}

#[test]
fn the_best_of_each_kind_is_the_cheapest_that_reaches_the_target_else_the_most_helpful() {
    let save = |c: f64| Action::SaveMore {
        monthly_contribution: c,
    };
    let later = |m: u32| Action::RetireLater {
        retirement_month: m,
    };
    let fees = Action::LowerFees { annual_fee: 0.0005 };
    let all = vec![
        verified(save(3000.0), 0.5, 0.9, 0.01),
        verified(save(2000.0), 0.5, 0.82, 0.01),
        verified(save(1600.0), 0.5, 0.7, 0.01),
        verified(later(384), 0.5, 0.6, 0.01),
        verified(later(396), 0.5, 0.7, 0.01),
        // Helps, but within two standard errors: not worth saying.
        verified(fees, 0.5, 0.515, 0.01),
    ];
    let best = best(all, 0.8, 0.6, 5);
    // Saving: 2,000 is the cheapest that reaches 80 %; retiring: none does, so the most
    // helpful; fees: not significant. Best first.
    assert_eq!(
        best.iter().map(|v| v.action).collect::<Vec<_>>(),
        [save(2000.0), later(396)]
    );
    assert_eq!(
        super::best(vec![verified(save(1.0), 0.5, 0.4, 0.01)], 0.8, 0.6, 5),
        []
    );
}
