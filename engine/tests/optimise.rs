//! The optimiser's own checks: KKT conditions on random problems, redundant constraints,
//! named infeasibilities and input errors, and cases small enough to check by hand.

mod support;

use engine::optimise::{
    Bound, ConstraintFamily, Constraints, CovarianceEstimator, EstimateError, Estimators, Group,
    Infeasibility, Market, Objective, OptimiseError, Options, Portfolio, Rebalance,
    ReturnEstimator, Status, WeightBounds, estimate, frontier, optimise,
};
use ndarray::{Array1, Array2, array};

/// splitmix64: a seeded stream for random problems, independent of the crate's RNGs.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A random positive definite covariance (factor model plus specific variance) and
/// expected returns, of annual-looking magnitudes.
fn random_market(n: usize, s: &mut Stream) -> (Array1<f64>, Array2<f64>) {
    let k = 3;
    let b = Array2::from_shape_fn((n, k), |_| s.next() * 0.3 - 0.05);
    let mut cov = b.dot(&b.t());
    for i in 0..n {
        cov[[i, i]] += 0.01 + 0.04 * s.next();
    }
    let mu = Array1::from_shape_fn(n, |_| 0.02 + 0.15 * s.next());
    (mu, cov)
}

fn market<'a>(mu: &'a Array1<f64>, cov: &'a Array2<f64>) -> Market<'a> {
    Market {
        expected_returns: mu.view(),
        covariance: cov.view(),
        scenarios: None,
    }
}

fn solve(mu: &Array1<f64>, cov: &Array2<f64>, objective: Objective, c: &Constraints) -> Portfolio {
    optimise(&market(mu, cov), &objective, c, &Options::default())
        .unwrap_or_else(|e| panic!("{objective:?} should solve: {e}"))
}

fn sample_market() -> (Array1<f64>, Array2<f64>, Array2<f64>) {
    let (_, prices) = support::sp500_window(support::WINDOW.0, support::WINDOW.1);
    let est = estimate(prices.view(), &Estimators::default()).expect("estimates");
    (est.expected_returns, est.covariance, est.returns)
}

/// Least squares `min ‖A x - b‖` by normal equations with Gaussian elimination (tiny
/// systems only), for the KKT multipliers.
fn least_squares(a: &Array2<f64>, b: &Array1<f64>) -> Array1<f64> {
    let mut m = a.t().dot(a);
    let mut r = a.t().dot(b);
    let k = m.nrows();
    for i in 0..k {
        m[[i, i]] += 1e-14;
    }
    for col in 0..k {
        let pivot = (col..k)
            .max_by(|&x, &y| m[[x, col]].abs().total_cmp(&m[[y, col]].abs()))
            .expect("rows");
        for j in 0..k {
            m.swap([col, j], [pivot, j]);
        }
        r.swap(col, pivot);
        for row in (col + 1)..k {
            let f = m[[row, col]] / m[[col, col]];
            for j in col..k {
                m[[row, j]] -= f * m[[col, j]];
            }
            r[row] -= f * r[col];
        }
    }
    let mut x = Array1::zeros(k);
    for i in (0..k).rev() {
        let s: f64 = ((i + 1)..k).map(|j| m[[i, j]] * x[j]).sum();
        x[i] = (r[i] - s) / m[[i, i]];
    }
    x
}

#[test]
fn min_variance_satisfies_kkt_on_random_problems() {
    let mut s = Stream(15);
    for problem in 0..25 {
        let n = 6 + (problem % 7);
        let (mu, cov) = random_market(n, &mut s);
        let bounds: Vec<Bound> = (0..n)
            .map(|_| Bound {
                lower: if s.next() < 0.3 { 0.02 } else { 0.0 },
                upper: 0.15 + 0.4 * s.next(),
            })
            .collect();
        let groups = vec![
            Group {
                name: "a".into(),
                assets: (0..n / 2).collect(),
                lower: 0.3,
                upper: 0.45,
            },
            Group {
                name: "b".into(),
                assets: (n / 2..n).step_by(2).collect(),
                lower: 0.1,
                upper: 0.25,
            },
        ];
        let c = Constraints {
            bounds: WeightBounds::PerAsset(bounds.clone()),
            groups: groups.clone(),
            rebalance: None,
        };
        let p = solve(&mu, &cov, Objective::MinVariance, &c);
        assert_eq!(p.status, Status::Optimal);
        let w = Array1::from(p.weights.clone());
        // Primal feasibility.
        let feas = 1e-8;
        assert!(
            (w.sum() - 1.0).abs() < feas,
            "problem {problem}: Σw = {}",
            w.sum()
        );
        for (i, b) in bounds.iter().enumerate() {
            assert!(
                w[i] >= b.lower - feas && w[i] <= b.upper + feas,
                "problem {problem}: w[{i}] = {}",
                w[i]
            );
        }
        let gsum: Vec<f64> = groups
            .iter()
            .map(|g| g.assets.iter().map(|&i| w[i]).sum())
            .collect();
        for (g, sum) in groups.iter().zip(&gsum) {
            assert!(
                *sum >= g.lower - feas && *sum <= g.upper + feas,
                "problem {problem}: group {} sums to {sum}",
                g.name
            );
        }
        // Active constraints and their gradients (columns): the stationarity condition is
        // ∇(wᵀΣw) = 2Σw = λ·1 + Σ_active ν_j·a_j with ν_j ≥ 0 for the `-a_j` side.
        // A constraint that is active with a zero multiplier (degenerate) is left by an
        // interior-point method about √tolerance inside its bound (7e-6 was seen), so
        // "active" is a slack below 1e-5; complementary slackness still bounds ν·slack.
        let active = 1e-5;
        let mut columns: Vec<(Array1<f64>, f64, bool)> = vec![(Array1::ones(n), 0.0, false)];
        for (i, b) in bounds.iter().enumerate() {
            let mut e = Array1::zeros(n);
            e[i] = 1.0;
            if w[i] - b.lower < active {
                columns.push((e.clone(), w[i] - b.lower, true));
            }
            if b.upper - w[i] < active {
                columns.push((-e, b.upper - w[i], true));
            }
        }
        for (g, sum) in groups.iter().zip(&gsum) {
            let mut e = Array1::zeros(n);
            for &i in &g.assets {
                e[i] = 1.0;
            }
            if sum - g.lower < active {
                columns.push((e.clone(), sum - g.lower, true));
            }
            if g.upper - sum < active {
                columns.push((-e, g.upper - sum, true));
            }
        }
        let a = Array2::from_shape_fn((n, columns.len()), |(i, j)| columns[j].0[i]);
        let grad = cov.dot(&w) * 2.0;
        let nu = least_squares(&a, &grad);
        let residual = (&a.dot(&nu) - &grad)
            .iter()
            .map(|v| v.abs())
            .fold(0.0, f64::max);
        // Stationarity.
        assert!(
            residual < 1e-6,
            "problem {problem}: stationarity residual {residual:e}"
        );
        for (j, (_, slack, inequality)) in columns.iter().enumerate() {
            if *inequality {
                // Dual feasibility and complementary slackness.
                assert!(
                    nu[j] > -1e-6,
                    "problem {problem}: multiplier {j} = {}",
                    nu[j]
                );
                assert!(
                    (nu[j] * slack).abs() < 1e-8,
                    "problem {problem}: ν·slack = {:e}",
                    nu[j] * slack
                );
            }
        }
    }
}

#[test]
fn redundant_constraints_change_nothing() {
    let (mu, cov, _) = sample_market();
    let n = mu.len();
    for objective in [
        Objective::MinVariance,
        Objective::MaxSharpe,
        Objective::EfficientReturn { target_return: 0.2 },
    ] {
        let plain = solve(&mu, &cov, objective, &Constraints::default());
        let redundant = Constraints {
            bounds: WeightBounds::PerAsset(vec![
                Bound {
                    lower: 0.0,
                    upper: 1.0
                };
                n
            ]),
            groups: vec![
                Group {
                    name: "everything".into(),
                    assets: (0..n).collect(),
                    lower: 0.5,
                    upper: 1.5,
                },
                Group {
                    name: "first five".into(),
                    assets: (0..5).collect(),
                    lower: 0.0,
                    upper: 1.0,
                },
            ],
            rebalance: Some(Rebalance {
                current_weights: vec![1.0 / n as f64; n],
                turnover_limit: Some(2.0),
                cost_rate: 0.0,
            }),
        };
        let other = solve(&mu, &cov, objective, &redundant);
        let dw = plain
            .weights
            .iter()
            .zip(&other.weights)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(dw < 1e-6, "{objective:?}: weights moved by {dw:e}");
        assert!((plain.volatility - other.volatility).abs() < 1e-8);
    }
}

#[test]
fn two_asset_min_variance_is_the_analytic_answer() {
    let (s1, s2, rho): (f64, f64, f64) = (0.2, 0.3, 0.25);
    let c12 = rho * s1 * s2;
    let cov = array![[s1 * s1, c12], [c12, s2 * s2]];
    let mu = array![0.05, 0.08];
    let p = solve(&mu, &cov, Objective::MinVariance, &Constraints::default());
    // d/dw of w²σ1² + (1-w)²σ2² + 2w(1-w)σ12 = 0.
    let w1 = (s2 * s2 - c12) / (s1 * s1 + s2 * s2 - 2.0 * c12);
    assert!((p.weights[0] - w1).abs() < 1e-8, "{} vs {w1}", p.weights[0]);
    assert!((p.weights[1] - (1.0 - w1)).abs() < 1e-8);
    let var = w1 * w1 * s1 * s1 + (1.0 - w1).powi(2) * s2 * s2 + 2.0 * w1 * (1.0 - w1) * c12;
    assert!((p.volatility - var.sqrt()).abs() < 1e-10);
}

#[test]
fn risk_parity_contributions_are_equal() {
    let (mu, cov, _) = sample_market();
    let p = solve(&mu, &cov, Objective::RiskParity, &Constraints::default());
    let w = Array1::from(p.weights.clone());
    let contributions = &w * &cov.dot(&w);
    let total: f64 = contributions.sum();
    let n = w.len() as f64;
    for (i, c) in contributions.iter().enumerate() {
        assert!(
            (c / total - 1.0 / n).abs() < 1e-8,
            "asset {i}: share {} of the risk",
            c / total
        );
    }
    assert!((w.sum() - 1.0).abs() < 1e-12);
    assert!(w.iter().all(|&x| x > 0.0));
}

/// The mean of the `k` largest losses: CVaR when `T(1 - β) = k` is whole.
fn worst_k_mean(scenarios: &Array2<f64>, w: &[f64], k: usize) -> f64 {
    let mut losses: Vec<f64> = scenarios
        .rows()
        .into_iter()
        .map(|r| -(r[0] * w[0] + r[1] * w[1]))
        .collect();
    losses.sort_by(|a, b| b.total_cmp(a));
    losses[..k].iter().sum::<f64>() / k as f64
}

#[test]
fn min_cvar_on_ten_scenarios_matches_brute_force() {
    let scenarios = array![
        [0.02, -0.01],
        [-0.05, 0.01],
        [0.01, -0.04],
        [0.03, 0.02],
        [-0.02, -0.01],
        [0.00, 0.03],
        [0.04, -0.02],
        [-0.01, 0.00],
        [0.02, 0.01],
        [-0.03, 0.02]
    ];
    let mu = array![0.05, 0.04];
    let cov = array![[0.04, 0.0], [0.0, 0.03]];
    // β = 0.8 over 10 scenarios: the mean of the 2 worst losses.
    let m = Market {
        expected_returns: mu.view(),
        covariance: cov.view(),
        scenarios: Some(scenarios.view()),
    };
    let p = optimise(
        &m,
        &Objective::MinCvar { beta: 0.8 },
        &Constraints::default(),
        &Options::default(),
    )
    .expect("solves");
    let (mut best, mut best_w) = (f64::INFINITY, 0.0);
    for step in 0..=100_000 {
        let w = f64::from(step) / 100_000.0;
        let c = worst_k_mean(&scenarios, &[w, 1.0 - w], 2);
        if c < best {
            (best, best_w) = (c, w);
        }
    }
    let ours = worst_k_mean(&scenarios, &p.weights, 2);
    assert!(
        (ours - best).abs() < 1e-6,
        "CVaR {ours} vs brute force {best} at w = {best_w}"
    );
    assert!((p.cvar.expect("reported") - ours).abs() < 1e-9);
    assert!(
        (p.weights[0] - best_w).abs() < 1e-4,
        "w {} vs {best_w}",
        p.weights[0]
    );
}

#[test]
fn frontier_runs_from_min_variance_to_max_return() {
    let (mu, cov, _) = sample_market();
    let options = Options {
        risk_free_rate: 0.02,
    };
    let f =
        frontier(&market(&mu, &cov), &Constraints::default(), &options, 50).expect("a frontier");
    assert_eq!(f.points.len(), 50);
    let least = solve(&mu, &cov, Objective::MinVariance, &Constraints::default());
    assert!((f.points[0].volatility - least.volatility).abs() < 1e-8);
    let max_mu = mu.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let last = &f.points[49];
    assert!(
        (last.expected_return - max_mu).abs() < 1e-6,
        "{} vs {max_mu}",
        last.expected_return
    );
    for (k, pair) in f.points.windows(2).enumerate() {
        assert!(
            pair[1].expected_return > pair[0].expected_return - 1e-9,
            "return falls at {k}"
        );
        assert!(
            pair[1].volatility >= pair[0].volatility - 1e-9,
            "volatility falls at {k}"
        );
    }
    for (p, t) in f.points.iter().zip(&f.targets) {
        assert!(p.expected_return >= t - 1e-7);
        assert!((p.sharpe - (p.expected_return - 0.02) / p.volatility).abs() < 1e-12);
    }
    // The frontier's best Sharpe is no better than the maximum-Sharpe portfolio's.
    let tangency = optimise(
        &market(&mu, &cov),
        &Objective::MaxSharpe,
        &Constraints::default(),
        &options,
    )
    .expect("max Sharpe");
    let best = f
        .points
        .iter()
        .map(|p| p.sharpe)
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(best <= tangency.sharpe + 1e-9 && best > tangency.sharpe - 0.01);
}

/// Every point of the frontier against a separate efficient-return solve at its target.
fn assert_frontier_matches_point_solves(mu: &Array1<f64>, cov: &Array2<f64>, c: &Constraints) {
    let f = frontier(&market(mu, cov), c, &Options::default(), 50).expect("a frontier");
    if c.groups.is_empty() {
        assert!(
            f.solved < 10,
            "most points come from the active set ({} solved)",
            f.solved
        );
    } else {
        assert_eq!(f.solved, 50, "with groups every point is solved");
    }
    let interpolated = f.points.iter().filter(|p| p.iterations == 0).count();
    assert_eq!(interpolated, 50 - f.solved);
    for (k, (p, &t)) in f.points.iter().zip(&f.targets).enumerate() {
        let direct = solve(mu, cov, Objective::EfficientReturn { target_return: t }, c);
        let gap = p
            .weights
            .iter()
            .zip(&direct.weights)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        // The variance is flat to second order around the optimum: solves accurate to 1e-10
        // in the objective fix weights to about 1e-5, so two solves of the same point differ
        // that much. The volatility is the sharp test.
        assert!(gap < 1e-4, "point {k}: weights differ by {gap}");
        assert!(p.expected_return >= t - 1e-8, "point {k} misses its target");
        assert!(
            (p.volatility - direct.volatility).abs() < 1e-8,
            "point {k}: {} vs {}",
            p.volatility,
            direct.volatility
        );
        assert!((p.weights.iter().sum::<f64>() - 1.0).abs() < 1e-8);
    }
}

#[test]
fn frontier_points_from_the_active_set_are_the_optimal_portfolios() {
    let (mu, cov, _) = sample_market();
    assert_frontier_matches_point_solves(&mu, &cov, &Constraints::default());
    // Bounds and a group bind and unbind along the way.
    let grouped = Constraints {
        bounds: WeightBounds::Uniform(Bound {
            lower: 0.01,
            upper: 0.3,
        }),
        groups: vec![Group {
            name: "first five".into(),
            assets: vec![0, 1, 2, 3, 4],
            lower: 0.2,
            upper: 0.5,
        }],
        rebalance: None,
    };
    assert_frontier_matches_point_solves(&mu, &cov, &grouped);
    // Bounds alone: weights reach their upper bounds too.
    let bounded = Constraints {
        groups: Vec::new(),
        ..grouped
    };
    assert_frontier_matches_point_solves(&mu, &cov, &bounded);
    let mut s = Stream(11);
    for _ in 0..5 {
        let (mu, cov) = random_market(12, &mut s);
        assert_frontier_matches_point_solves(&mu, &cov, &Constraints::default());
    }
}

#[test]
fn with_bounds_only_the_highest_return_fills_the_best_assets_first() {
    let (mu, cov, _) = sample_market();
    let c = Constraints {
        bounds: WeightBounds::Uniform(Bound {
            lower: 0.02,
            upper: 0.4,
        }),
        ..Constraints::default()
    };
    // By hand: 0.02 everywhere (0.4 of 20 assets), then 0.38 more to the best and the
    // remaining 0.22 to the second.
    let mut sorted: Vec<f64> = mu.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let floor = 0.02 * mu.sum();
    let left = 1.0 - 0.02 * mu.len() as f64;
    let by_hand = floor + 0.38 * sorted[0] + (left - 0.38) * sorted[1];
    match optimise(
        &market(&mu, &cov),
        &Objective::EfficientReturn { target_return: 1.0 },
        &c,
        &Options::default(),
    ) {
        Err(OptimiseError::Infeasible(Infeasibility::TargetReturnAboveMax {
            max_return, ..
        })) => assert!(
            (max_return - by_hand).abs() < 1e-12,
            "{max_return} vs {by_hand}"
        ),
        other => panic!("expected target return above max, got {other:?}"),
    }
    // And it is reachable: the efficient-return portfolio at that target exists.
    let top = solve(
        &mu,
        &cov,
        Objective::EfficientReturn {
            target_return: by_hand,
        },
        &c,
    );
    assert!((top.expected_return - by_hand).abs() < 1e-7);
}

#[test]
fn efficient_risk_spends_its_volatility_budget() {
    let (mu, cov, _) = sample_market();
    let p = solve(
        &mu,
        &cov,
        Objective::EfficientRisk {
            target_volatility: 0.22,
        },
        &Constraints::default(),
    );
    assert!((p.volatility - 0.22).abs() < 1e-7, "{}", p.volatility);
    let q = solve(
        &mu,
        &cov,
        Objective::EfficientReturn {
            target_return: p.expected_return,
        },
        &Constraints::default(),
    );
    assert!(
        (q.volatility - p.volatility).abs() < 1e-6,
        "the two problems meet on the frontier"
    );
}

#[test]
fn turnover_and_costs_are_respected_and_priced() {
    let (mu, cov, _) = sample_market();
    let n = mu.len();
    let w0 = vec![1.0 / n as f64; n];
    let limited = Constraints {
        rebalance: Some(Rebalance {
            current_weights: w0.clone(),
            turnover_limit: Some(0.3),
            cost_rate: 0.0,
        }),
        ..Constraints::default()
    };
    for objective in [
        Objective::MinVariance,
        Objective::MaxSharpe,
        Objective::EfficientRisk {
            target_volatility: 0.2,
        },
    ] {
        let p = solve(&mu, &cov, objective, &limited);
        let t = p.turnover.expect("reported");
        assert!(t <= 0.3 + 1e-7, "{objective:?}: turnover {t}");
    }
    // Costs make the net Sharpe-maximising portfolio trade less than the gross one, and it
    // beats the gross one on net Sharpe.
    let costly = Constraints {
        rebalance: Some(Rebalance {
            current_weights: w0.clone(),
            turnover_limit: None,
            cost_rate: 0.02,
        }),
        ..Constraints::default()
    };
    let free = solve(
        &mu,
        &cov,
        Objective::MaxSharpe,
        &Constraints {
            rebalance: Some(Rebalance {
                cost_rate: 0.0,
                ..costly.rebalance.clone().expect("set")
            }),
            ..Constraints::default()
        },
    );
    let net = solve(&mu, &cov, Objective::MaxSharpe, &costly);
    let net_sharpe = |p: &Portfolio, cost: f64| (p.expected_return - cost - 0.0) / p.volatility;
    let c = 0.02;
    assert!(net.turnover.expect("t") < free.turnover.expect("t"));
    assert!((net.transaction_cost - c * net.turnover.expect("t")).abs() < 1e-15);
    assert!(
        net_sharpe(&net, net.transaction_cost)
            >= net_sharpe(&free, c * free.turnover.expect("t")) - 1e-9
    );
}

#[test]
fn bounds_that_cannot_sum_to_one_are_named() {
    let (mu, cov) = random_market(4, &mut Stream(1));
    let low = Constraints {
        bounds: WeightBounds::PerAsset(vec![
            Bound {
                lower: 0.5,
                upper: 1.0,
            },
            Bound {
                lower: 0.0,
                upper: 1.0,
            },
            Bound {
                lower: 0.3,
                upper: 1.0,
            },
            Bound {
                lower: 0.3,
                upper: 1.0,
            },
        ]),
        ..Constraints::default()
    };
    match optimise(
        &market(&mu, &cov),
        &Objective::MinVariance,
        &low,
        &Options::default(),
    ) {
        Err(OptimiseError::Infeasible(Infeasibility::LowerBoundsAboveOne { sum, assets })) => {
            assert!((sum - 1.1).abs() < 1e-12);
            assert_eq!(assets, vec![0, 2, 3]);
        }
        other => panic!("expected lower bounds above one, got {other:?}"),
    }
    let high = Constraints {
        bounds: WeightBounds::Uniform(Bound {
            lower: 0.0,
            upper: 0.2,
        }),
        ..Constraints::default()
    };
    match optimise(
        &market(&mu, &cov),
        &Objective::MaxSharpe,
        &high,
        &Options::default(),
    ) {
        Err(OptimiseError::Infeasible(Infeasibility::UpperBoundsBelowOne { sum, assets })) => {
            assert!((sum - 0.8).abs() < 1e-12);
            assert_eq!(assets, vec![0, 1, 2, 3]);
        }
        other => panic!("expected upper bounds below one, got {other:?}"),
    }
}

#[test]
fn a_group_its_members_cannot_meet_is_named() {
    let (mu, cov) = random_market(4, &mut Stream(2));
    let c = Constraints {
        bounds: WeightBounds::Uniform(Bound {
            lower: 0.0,
            upper: 0.3,
        }),
        groups: vec![
            Group {
                name: "fine".into(),
                assets: vec![0, 1, 2, 3],
                lower: 0.0,
                upper: 1.0,
            },
            Group {
                name: "tech".into(),
                assets: vec![0, 1],
                lower: 0.7,
                upper: 1.0,
            },
        ],
        rebalance: None,
    };
    match optimise(
        &market(&mu, &cov),
        &Objective::MinVariance,
        &c,
        &Options::default(),
    ) {
        Err(OptimiseError::Infeasible(Infeasibility::GroupConflictsWithAssetBounds {
            group,
            name,
            members_upper,
            ..
        })) => {
            assert_eq!((group, name.as_str()), (1, "tech"));
            assert!((members_upper - 0.6).abs() < 1e-12);
        }
        other => panic!("expected a group conflict, got {other:?}"),
    }
}

#[test]
fn unreachable_targets_name_the_reachable_limit() {
    let (mu, cov, _) = sample_market();
    let max_mu = mu.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match optimise(
        &market(&mu, &cov),
        &Objective::EfficientReturn {
            target_return: max_mu + 0.01,
        },
        &Constraints::default(),
        &Options::default(),
    ) {
        Err(OptimiseError::Infeasible(Infeasibility::TargetReturnAboveMax {
            max_return, ..
        })) => {
            // Long-only with weights summing to 1: the best single asset.
            assert!(
                (max_return - max_mu).abs() < 1e-7,
                "{max_return} vs {max_mu}"
            );
        }
        other => panic!("expected target return above max, got {other:?}"),
    }
    let least = solve(&mu, &cov, Objective::MinVariance, &Constraints::default());
    match optimise(
        &market(&mu, &cov),
        &Objective::EfficientRisk {
            target_volatility: least.volatility * 0.9,
        },
        &Constraints::default(),
        &Options::default(),
    ) {
        Err(OptimiseError::Infeasible(Infeasibility::TargetVolatilityBelowMin {
            min_volatility,
            ..
        })) => {
            assert!((min_volatility - least.volatility).abs() < 1e-9);
        }
        other => panic!("expected target volatility below min, got {other:?}"),
    }
}

#[test]
fn solver_infeasibility_says_what_dropping_turnover_does() {
    let (mu, cov) = random_market(4, &mut Stream(3));
    // From all-in-asset-0, a group needs assets 2 and 3 to hold half: turnover ≥ 1 > 0.5.
    let c = Constraints {
        groups: vec![Group {
            name: "defensive".into(),
            assets: vec![2, 3],
            lower: 0.5,
            upper: 1.0,
        }],
        rebalance: Some(Rebalance {
            current_weights: vec![1.0, 0.0, 0.0, 0.0],
            turnover_limit: Some(0.5),
            cost_rate: 0.0,
        }),
        ..Constraints::default()
    };
    match optimise(
        &market(&mu, &cov),
        &Objective::MinVariance,
        &c,
        &Options::default(),
    ) {
        Err(OptimiseError::Infeasible(Infeasibility::Solver {
            families,
            feasible_without_turnover,
            feasible_without_groups,
            feasible_without_both,
        })) => {
            assert!(
                families.contains(&ConstraintFamily::Turnover)
                    && families.contains(&ConstraintFamily::Groups)
            );
            assert_eq!(feasible_without_turnover, Some(true));
            assert_eq!(feasible_without_groups, Some(true));
            assert_eq!(feasible_without_both, Some(true));
        }
        other => panic!("expected a solver infeasibility, got {other:?}"),
    }
}

#[test]
fn max_sharpe_below_the_risk_free_rate_is_an_error() {
    let (_, cov) = random_market(5, &mut Stream(4));
    let mu = array![0.01, 0.015, 0.005, 0.012, 0.019];
    match optimise(
        &market(&mu, &cov),
        &Objective::MaxSharpe,
        &Constraints::default(),
        &Options {
            risk_free_rate: 0.02,
        },
    ) {
        Err(OptimiseError::NoReturnAboveRiskFree {
            risk_free_rate,
            max_return,
        }) => {
            assert_eq!(risk_free_rate, 0.02);
            assert!((max_return - 0.019).abs() < 1e-8);
        }
        other => panic!("expected no return above the risk-free rate, got {other:?}"),
    }
    // One asset above rf is enough, unless the bounds keep the portfolio out of it.
    let mu = array![0.01, 0.015, 0.005, 0.012, 0.05];
    assert!(
        optimise(
            &market(&mu, &cov),
            &Objective::MaxSharpe,
            &Constraints::default(),
            &Options {
                risk_free_rate: 0.02
            }
        )
        .is_ok()
    );
    let capped = Constraints {
        bounds: WeightBounds::PerAsset(vec![
            Bound {
                lower: 0.0,
                upper: 1.0,
            },
            Bound {
                lower: 0.0,
                upper: 1.0,
            },
            Bound {
                lower: 0.0,
                upper: 1.0,
            },
            Bound {
                lower: 0.0,
                upper: 1.0,
            },
            Bound {
                lower: 0.0,
                upper: 0.05,
            },
        ]),
        ..Constraints::default()
    };
    assert!(matches!(
        optimise(
            &market(&mu, &cov),
            &Objective::MaxSharpe,
            &capped,
            &Options {
                risk_free_rate: 0.02
            }
        ),
        Err(OptimiseError::NoReturnAboveRiskFree { .. })
    ));
}

#[test]
fn invalid_inputs_name_field_and_index() {
    let (mu, cov) = random_market(3, &mut Stream(5));
    let opts = Options::default();
    let d = Constraints::default();
    let mv = Objective::MinVariance;
    let mut bad_mu = mu.clone();
    bad_mu[1] = f64::NAN;
    assert!(matches!(
        optimise(&market(&bad_mu, &cov), &mv, &d, &opts),
        Err(OptimiseError::NotFinite {
            field: "expected_returns",
            index: 1,
            ..
        })
    ));
    let mut bad_cov = cov.clone();
    bad_cov[[2, 0]] = f64::INFINITY;
    assert!(matches!(
        optimise(&market(&mu, &bad_cov), &mv, &d, &opts),
        Err(OptimiseError::MatrixNotFinite {
            field: "covariance",
            row: 2,
            column: 0,
            ..
        })
    ));
    let mut asym = cov.clone();
    asym[[0, 2]] += 0.01;
    assert!(matches!(
        optimise(&market(&mu, &asym), &mv, &d, &opts),
        Err(OptimiseError::NotSymmetric {
            row: 0,
            column: 2,
            ..
        })
    ));
    let not_psd = array![[0.04, 0.0, 0.0], [0.0, 0.04, 0.06], [0.0, 0.06, 0.04]];
    let err = optimise(&market(&mu, &not_psd), &mv, &d, &opts).expect_err("not PSD");
    assert!(
        matches!(err, OptimiseError::NotPositiveSemiDefinite { index: 2, .. }),
        "{err}"
    );
    let short = array![0.1, 0.2];
    assert!(matches!(
        optimise(&market(&short, &cov), &mv, &d, &opts),
        Err(OptimiseError::Length {
            field: "covariance",
            expected: 2,
            actual: 3
        })
    ));
    let reversed = Constraints {
        bounds: WeightBounds::PerAsset(vec![
            Bound {
                lower: 0.0,
                upper: 1.0,
            },
            Bound {
                lower: 0.6,
                upper: 0.4,
            },
            Bound {
                lower: 0.0,
                upper: 1.0,
            },
        ]),
        ..d.clone()
    };
    assert!(matches!(
        optimise(&market(&mu, &cov), &mv, &reversed, &opts),
        Err(OptimiseError::BoundsReversed { index: Some(1), .. })
    ));
    let bad_group = Constraints {
        groups: vec![Group {
            name: "x".into(),
            assets: vec![0, 7],
            lower: 0.0,
            upper: 1.0,
        }],
        ..d.clone()
    };
    assert!(matches!(
        optimise(&market(&mu, &cov), &mv, &bad_group, &opts),
        Err(OptimiseError::Group { group: 0, .. })
    ));
    let bad_w0 = Constraints {
        rebalance: Some(Rebalance {
            current_weights: vec![0.5, 0.5],
            turnover_limit: None,
            cost_rate: 0.0,
        }),
        ..d.clone()
    };
    assert!(matches!(
        optimise(&market(&mu, &cov), &mv, &bad_w0, &opts),
        Err(OptimiseError::Length {
            field: "rebalance.current_weights",
            ..
        })
    ));
    assert!(matches!(
        optimise(
            &market(&mu, &cov),
            &Objective::EfficientRisk {
                target_volatility: -0.1
            },
            &d,
            &opts
        ),
        Err(OptimiseError::OutOfRange {
            field: "target_volatility",
            ..
        })
    ));
    assert!(matches!(
        optimise(
            &market(&mu, &cov),
            &Objective::MinCvar { beta: 0.95 },
            &d,
            &opts
        ),
        Err(OptimiseError::MissingScenarios)
    ));
    assert!(matches!(
        optimise(
            &market(&mu, &cov),
            &Objective::RiskParity,
            &bad_group,
            &opts
        ),
        Err(OptimiseError::Group { .. })
    ));
    let grouped = Constraints {
        groups: vec![Group {
            name: "g".into(),
            assets: vec![0],
            lower: 0.0,
            upper: 0.5,
        }],
        ..d.clone()
    };
    assert!(matches!(
        optimise(&market(&mu, &cov), &Objective::RiskParity, &grouped, &opts),
        Err(OptimiseError::Unsupported { .. })
    ));
    // Every message names its field.
    assert!(err.to_string().contains("covariance"));
}

#[test]
fn estimator_errors_say_which_row_and_column() {
    let prices = array![[10.0, 20.0], [11.0, 19.0]];
    assert_eq!(
        estimate(prices.view(), &Estimators::default()),
        Err(EstimateError::TooFewRows {
            estimator: "sample covariance",
            rows: 2,
            needed: 3
        })
    );
    let prices = array![[10.0, 20.0], [11.0, 0.0], [12.0, 21.0]];
    assert_eq!(
        estimate(prices.view(), &Estimators::default()),
        Err(EstimateError::BadPrice {
            row: 1,
            column: 1,
            value: 0.0
        })
    );
    let prices = array![[10.0, 20.0], [11.0, 19.0], [12.0, 21.0]];
    let ewma = Estimators {
        returns: ReturnEstimator::Ewma { span: 0.5 },
        covariance: CovarianceEstimator::Sample,
        ..Estimators::default()
    };
    assert!(matches!(
        estimate(prices.view(), &ewma),
        Err(EstimateError::Span {
            field: "returns.span",
            ..
        })
    ));
    // Two returns, by hand: 10 → 11 → 12 and 20 → 19 → 21.
    let est = estimate(prices.view(), &Estimators::default()).expect("three rows suffice");
    let (r1, r2) = ([0.1, 12.0 / 11.0 - 1.0], [-0.05, 21.0 / 19.0 - 1.0]);
    let mean = |r: [f64; 2]| (r[0] + r[1]) / 2.0;
    assert!((est.expected_returns[0] - 252.0 * mean(r1)).abs() < 1e-12);
    let cov01 = (r1[0] - mean(r1)) * (r2[0] - mean(r2)) + (r1[1] - mean(r1)) * (r2[1] - mean(r2));
    assert!((est.covariance[[0, 1]] - 252.0 * cov01).abs() < 1e-12);
}
