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
            Action::DelayGoal { .. } | Action::DropGoal { .. } => {
                panic!("no goal trade-off without goals: {a:?}");
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

/// P1 with a boat it wants at 10 years, a wedding it wishes for at 20, a roof it needs at 35
/// and a state pension from retirement: its goals weigh on its success.
fn with_goals() -> Extensions {
    use crate::sim::extended::{Cola, Goal, IncomeStream};
    Extensions {
        goals: vec![
            Goal {
                amount: 80_000.0,
                month: 120,
                priority: Priority::Want,
            },
            Goal {
                amount: 40_000.0,
                month: 240,
                priority: Priority::Wish,
            },
            Goal {
                amount: 120_000.0,
                month: 420,
                priority: Priority::Need,
            },
        ],
        income: vec![IncomeStream {
            monthly_amount: 800.0,
            start_month: 360,
            end_month: None,
            cola: Cola::Inflation,
        }],
        ..Extensions::default()
    }
}

#[test]
fn path_ends_succeed_as_often_as_the_extended_simulation_says() {
    let o = options(1000);
    let ends = path_ends(&p1(), &with_goals(), &o).unwrap();
    let result = crate::sim::simulate_extended(&p1(), &with_goals(), &o).unwrap();
    #[allow(clippy::cast_precision_loss)]
    let share = ends.iter().filter(|e| e.succeeded()).count() as f64 / 1000.0;
    assert_eq!(share, result.base.success_probability);
    for (g, goal) in result.goals.iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let met = ends.iter().filter(|e| e.goals_met >> g & 1 == 1).count() as f64 / 1000.0;
        assert_eq!(met, goal.probability);
    }
}

#[test]
fn needs_are_never_traded_and_wants_and_wishes_are_dropped_or_delayed_within_the_horizon() {
    let mut ext = with_goals();
    // A wish too close to the horizon to be delayed by more than a year.
    ext.goals.push(crate::sim::extended::Goal {
        amount: 10_000.0,
        month: 700,
        priority: Priority::Wish,
    });
    let actions = candidates_extended(&p1(), &ext, Some(&EQUITY), &Limits::default());
    let traded: Vec<Action> = actions
        .iter()
        .filter(|a| a.goal().is_some())
        .copied()
        .collect();
    assert!(traded.iter().all(|a| a.goal() != Some(2)), "{traded:?}");
    assert_eq!(
        traded,
        [
            Action::DropGoal { goal: 0 },
            Action::DelayGoal {
                goal: 0,
                month: 132
            },
            Action::DelayGoal {
                goal: 0,
                month: 144
            },
            Action::DelayGoal {
                goal: 0,
                month: 156
            },
            Action::DropGoal { goal: 1 },
            Action::DelayGoal {
                goal: 1,
                month: 252
            },
            Action::DelayGoal {
                goal: 1,
                month: 264
            },
            Action::DelayGoal {
                goal: 1,
                month: 276
            },
            Action::DropGoal { goal: 3 },
            Action::DelayGoal {
                goal: 3,
                month: 712
            },
        ]
    );
    // The other kinds stay where they act on the model.
    assert_eq!(
        actions.len() - traded.len(),
        candidates(&p1(), Some(&EQUITY), &Limits::default()).len()
    );
}

#[test]
fn only_the_largest_wants_and_wishes_are_traded() {
    let goal = |amount: f64| crate::sim::extended::Goal {
        amount,
        month: 100,
        priority: Priority::Want,
    };
    let ext = Extensions {
        goals: [1.0, 6.0, 2.0, 5.0, 3.0, 4.0].map(goal).to_vec(),
        ..Extensions::default()
    };
    let dropped: Vec<usize> = candidates_extended(&p1(), &ext, None, &Limits::default())
        .iter()
        .filter_map(|a| {
            matches!(a, Action::DropGoal { .. })
                .then(|| a.goal())
                .flatten()
        })
        .collect();
    assert_eq!(dropped, [1, 3, 4, 5]);
}

#[test]
fn spending_less_and_the_equity_share_are_left_out_where_the_extensions_override_them() {
    let percentage = Extensions {
        withdrawal: Withdrawal::ConstantPercentage { annual_rate: 0.04 },
        ..Extensions::default()
    };
    let actions = candidates_extended(&p1(), &percentage, Some(&EQUITY), &Limits::default());
    assert!(
        !actions
            .iter()
            .any(|a| matches!(a, Action::SpendLess { .. }))
    );
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::EquityShare { .. }))
    );
    let glide = Extensions {
        glide_path: vec![crate::sim::extended::GlidePoint {
            month: 0,
            weights: vec![0.5, 0.2, 0.3],
        }],
        ..Extensions::default()
    };
    let actions = candidates_extended(&p1(), &glide, Some(&EQUITY), &Limits::default());
    assert!(
        !actions
            .iter()
            .any(|a| matches!(a, Action::EquityShare { .. }))
    );
    assert!(
        actions
            .iter()
            .any(|a| matches!(a, Action::SpendLess { .. }))
    );
}

#[test]
fn a_verified_goal_trade_off_is_a_direct_extended_simulation_with_the_goal_changed() {
    let (plan, ext) = (p1(), with_goals());
    let o = options(2000);
    let actions = candidates_extended(&plan, &ext, Some(&EQUITY), &Limits::default());
    let verified = verify_extended(&plan, &ext, &actions, &EQUITY, &o).unwrap();
    assert_eq!(verified.len(), actions.len());
    let before = crate::sim::simulate_extended(&plan, &ext, &o)
        .unwrap()
        .base
        .success_probability;
    let mut dropped = Extensions {
        goals: ext.goals.clone(),
        ..ext.clone()
    };
    dropped.goals.remove(0);
    let mut delayed = ext.clone();
    delayed.goals[1].month = 264;
    let direct = |e: &Extensions| {
        crate::sim::simulate_extended(&plan, e, &o)
            .unwrap()
            .base
            .success_probability
    };
    let find = |a: Action| verified.iter().find(|v| v.action == a).unwrap();
    for (action, by_hand) in [
        (Action::DropGoal { goal: 0 }, direct(&dropped)),
        (
            Action::DelayGoal {
                goal: 1,
                month: 264,
            },
            direct(&delayed),
        ),
    ] {
        let v = find(action);
        assert_eq!(v.success_before, before);
        assert_eq!(v.success_after, by_hand, "{v:?}");
        assert!((v.change - (by_hand - before)).abs() < 1e-12);
    }
    // Every other kind too: each one's figure is that of its changed plan simulated directly.
    for v in &verified {
        let (p, e) = v.action.apply_extended(&plan, &ext, &EQUITY);
        let after = crate::sim::simulate_extended(&p, &e, &o)
            .unwrap()
            .base
            .success_probability;
        assert_eq!(v.success_after, after, "{v:?}");
    }
    // Dropping the want frees its 80,000 on every path that would have paid it: it can only
    // save paths.
    let drop = find(Action::DropGoal { goal: 0 });
    assert_eq!(drop.paths_lost, 0);
    assert!(drop.change > 2.0 * drop.change_standard_error, "{drop:?}");
}

#[test]
fn best_keeps_each_goals_trade_offs_apart() {
    let v = |action: Action, after: f64| Verified {
        action,
        success_before: 0.6,
        success_after: after,
        change: after - 0.6,
        change_standard_error: 0.001,
        paths_saved: 1,
        paths_lost: 0,
    };
    let chosen = best(
        vec![
            v(
                Action::DelayGoal {
                    goal: 0,
                    month: 132,
                },
                0.7,
            ),
            v(
                Action::DelayGoal {
                    goal: 0,
                    month: 144,
                },
                0.75,
            ),
            v(
                Action::DelayGoal {
                    goal: 1,
                    month: 252,
                },
                0.65,
            ),
        ],
        0.9,
        0.8,
        5,
    );
    assert_eq!(
        chosen.iter().map(|c| c.action).collect::<Vec<_>>(),
        [
            Action::DelayGoal {
                goal: 0,
                month: 144
            },
            Action::DelayGoal {
                goal: 1,
                month: 252
            },
        ]
    );
}
