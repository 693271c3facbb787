//! The extensions against the base model, hand recursions and their own statistics.

use super::returns::{Constants, Draws, Prepared};
use super::*;
use crate::sim::reference::{p0, p1};
use crate::sim::{AssetClass, rng, simulate};

fn options(paths: u32, seed: u64) -> SimulationOptions {
    SimulationOptions {
        paths,
        seed,
        fan_chart: true,
    }
}

/// One asset with no volatility: every path is the same deterministic path.
fn certain(mu: f64, inflation: f64, fee: f64, horizon: u32, retirement: u32) -> Plan {
    Plan {
        initial_wealth: 1_000_000.0,
        monthly_contribution: 0.0,
        retirement_month: retirement,
        monthly_spending: 4_000.0,
        horizon_months: horizon,
        annual_inflation: inflation,
        annual_fee: fee,
        assets: vec![AssetClass { mu, sigma: 0.0 }],
        weights: vec![1.0],
        correlation: vec![vec![1.0]],
    }
}

fn close(a: f64, b: f64, relative: f64) -> bool {
    (a - b).abs() <= relative * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn base_switches_give_the_base_model_bit_for_bit() {
    for plan in [p0(), p1()] {
        let base = simulate(&plan, &options(3_000, 11)).expect("runs");
        let extended =
            simulate_extended(&plan, &Extensions::default(), &options(3_000, 11)).expect("runs");
        assert_eq!(extended.base, base);
    }
}

#[test]
fn zero_flows_from_extensions_leave_the_base_paths() {
    // Goals, income and events of nothing, and a glide path that never moves: the same
    // paths, bit for bit, now carrying the extended outputs.
    let plan = p1();
    let extensions = Extensions {
        goals: vec![Goal {
            amount: 0.0,
            month: 400,
            priority: Priority::Need,
        }],
        income: vec![IncomeStream {
            monthly_amount: 0.0,
            start_month: 0,
            end_month: None,
            cola: Cola::Inflation,
        }],
        events: vec![CashEvent {
            month: 3,
            amount: 0.0,
        }],
        glide_path: vec![GlidePoint {
            month: 0,
            weights: plan.weights.clone(),
        }],
        ..Extensions::default()
    };
    let base = simulate(&plan, &options(2_000, 5)).expect("runs");
    let extended = simulate_extended(&plan, &extensions, &options(2_000, 5)).expect("runs");
    assert_eq!(extended.base, base);
    // The need is met exactly when the path is still alive in month 400.
    let alive = 1.0 - base.ruin_probability_by_year[32];
    assert!((extended.goals[0].probability - alive).abs() < 1e-12);
    // Constant real spending: every year before ruin spends 12 × 5,000 in today's money.
    let spending = extended.spending.expect("a retirement phase");
    assert_eq!(spending.by_year.len(), 30);
    assert!(close(
        spending.by_year[0].real_spending.p95,
        60_000.0,
        1e-12
    ));
    let lean_share = spending.paths_with_a_year_below_floor;
    assert!((lean_share - (1.0 - base.success_probability)).abs() < 1e-12);
}

#[test]
fn student_t_with_huge_df_is_lognormal_within_monte_carlo_error() {
    let plan = p1();
    let t = Extensions {
        returns: ReturnModel::StudentT { df: 1e6 },
        ..Extensions::default()
    };
    let lognormal = simulate(&plan, &options(20_000, 3)).expect("runs");
    let student = simulate_extended(&plan, &t, &options(20_000, 3)).expect("runs");
    let se = lognormal.success_standard_error;
    assert!(
        (student.base.success_probability - lognormal.success_probability).abs() < 3.0 * se,
        "{} vs {}",
        student.base.success_probability,
        lognormal.success_probability
    );
    let median = lognormal.terminal_real_wealth.p50;
    assert!(close(student.base.terminal_real_wealth.p50, median, 0.02));
}

/// Monthly log returns of a one-asset, no-fee model drawn by `returns`.
fn monthly_log_returns(plan: &Plan, returns: ReturnModel, months: usize) -> Vec<f64> {
    let model = Model::new(plan).expect("valid");
    let constants = Constants {
        assets: 1,
        drift: model.drift.clone(),
        factor: model.factor.clone(),
        monthly_sd: vec![plan.assets[0].sigma / 12f64.sqrt()],
        fee_factor: 1.0,
        returns: Prepared::new(&returns).expect("valid"),
        inflation: InflationModel::Constant,
        mean_inflation: 0.0,
    };
    let mut draws = Draws::new(&constants, rng::path_stream(1, 0), rng::path_stream(1, 1));
    (0..months).map(|_| draws.growth(&[1.0]).0.ln()).collect()
}

fn moments(values: &[f64]) -> (f64, f64, f64) {
    #[allow(clippy::cast_precision_loss)]
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let kurtosis = values.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n / (var * var);
    (mean, var.sqrt(), kurtosis)
}

#[test]
fn student_t_keeps_the_volatility_and_fattens_the_tails() {
    let plan = p0();
    let monthly_sd = 0.15 / 12f64.sqrt();
    let (mean, sd, kurtosis) = moments(&monthly_log_returns(
        &plan,
        ReturnModel::StudentT { df: 6.0 },
        400_000,
    ));
    let drift = (1.07f64.ln() - 0.15 * 0.15 / 2.0) / 12.0;
    assert!((mean - drift).abs() < 4.0 * monthly_sd / 400_000f64.sqrt());
    assert!(close(sd, monthly_sd, 0.01), "{sd} vs {monthly_sd}");
    // A t with 6 degrees of freedom has excess kurtosis 6 / (6 − 4) = 3.
    assert!((kurtosis - 6.0).abs() < 1.5, "kurtosis {kurtosis}");
    let (_, _, normal_kurtosis) =
        moments(&monthly_log_returns(&plan, ReturnModel::Lognormal, 400_000));
    assert!((normal_kurtosis - 3.0).abs() < 0.1);
}

#[test]
fn a_bootstrap_reproduces_the_history_mean_and_volatility() {
    // A history with a strong pattern: 120 months alternating regimes of their own.
    #[allow(clippy::cast_precision_loss)]
    let history: Vec<Vec<f64>> = (0..120)
        .map(|m| vec![0.01 + 0.04 * ((m * 7 % 13) as f64 / 12.0 - 0.5)])
        .collect();
    let column: Vec<f64> = history.iter().map(|r| r[0]).collect();
    let (mean, sd, _) = moments(&column);
    for block_months in [1, 12] {
        let drawn = monthly_log_returns(
            &p0(),
            ReturnModel::Bootstrap {
                history: history.clone(),
                block_months,
            },
            240_000,
        );
        let (drawn_mean, drawn_sd, _) = moments(&drawn);
        assert!((drawn_mean - mean).abs() < 2e-4, "{drawn_mean} vs {mean}");
        assert!(close(drawn_sd, sd, 0.01), "{drawn_sd} vs {sd}");
        // Every drawn month is one of history's (exp then ln, so to rounding).
        assert!(
            drawn
                .iter()
                .take(500)
                .all(|x| column.iter().any(|h| (h - x).abs() < 1e-12))
        );
    }
}

#[test]
fn blocks_keep_consecutive_months_together() {
    #[allow(clippy::cast_precision_loss)]
    let history: Vec<Vec<f64>> = (0..60).map(|m| vec![f64::from(m) * 1e-3]).collect();
    let drawn = monthly_log_returns(
        &p0(),
        ReturnModel::Bootstrap {
            history,
            block_months: 12,
        },
        1_200,
    );
    for block in drawn.chunks(12) {
        for pair in block.windows(2) {
            let step = ((pair[1] - pair[0]) * 1e3).round();
            // Consecutive, or wrapping around from month 59 to month 0.
            assert!(step == 1.0 || step == -59.0, "{pair:?}");
        }
    }
}

#[test]
fn the_regime_mixture_keeps_the_plans_drift_and_volatility() {
    let hardy = RegimeSwitching::hardy_2001();
    let calm = 1.0 - hardy.stressed_share();
    let shift = calm * hardy.calm.drift_shift + (1.0 - calm) * hardy.stressed.drift_shift;
    let second = calm * (hardy.calm.volatility_multiplier.powi(2) + hardy.calm.drift_shift.powi(2))
        + (1.0 - calm)
            * (hardy.stressed.volatility_multiplier.powi(2) + hardy.stressed.drift_shift.powi(2));
    assert!(shift.abs() < 1e-12);
    assert!((second - 1.0).abs() < 1e-12);
    // About 15% of months stressed, and the stressed regime more than twice as volatile.
    assert!((hardy.stressed_share() - 0.150).abs() < 0.001);
    assert!(hardy.stressed.volatility_multiplier > 2.0 * hardy.calm.volatility_multiplier);
    let plan = p0();
    let drawn = monthly_log_returns(&plan, ReturnModel::RegimeSwitching(hardy), 600_000);
    let (mean, sd, kurtosis) = moments(&drawn);
    let monthly_sd = 0.15 / 12f64.sqrt();
    let drift = (1.07f64.ln() - 0.15 * 0.15 / 2.0) / 12.0;
    // Regimes persist, so the sample mean is noisier than independent draws' (about 3×).
    assert!((mean - drift).abs() < 0.1 * monthly_sd, "{mean} vs {drift}");
    assert!(close(sd, monthly_sd, 0.03), "{sd} vs {monthly_sd}");
    assert!(kurtosis > 3.5, "a mixture has fat tails: {kurtosis}");
}

/// The base model's monthly growth of a one-asset plan with no volatility.
fn certain_growth(plan: &Plan) -> f64 {
    (1.0 + plan.assets[0].mu).powf(1.0 / 12.0) * (1.0 - plan.annual_fee).powf(1.0 / 12.0)
}

/// Runs `strategy` on a certain plan and returns (real spending by year from retirement,
/// real terminal wealth).
fn run_certain(plan: &Plan, strategy: Withdrawal) -> (Vec<f64>, f64) {
    let extensions = Extensions {
        withdrawal: strategy,
        ..Extensions::default()
    };
    let result = simulate_extended(plan, &extensions, &options(3, 1)).expect("runs");
    let spending = result.spending.expect("retirement");
    let by_year = spending
        .by_year
        .iter()
        .map(|y| {
            assert_eq!(y.real_spending.p5, y.real_spending.p95, "paths agree");
            y.real_spending.p50
        })
        .collect();
    (by_year, result.base.terminal_real_wealth.p50)
}

/// The hand recursion: each retirement year's annual nominal amount from `decide(year,
/// wealth at the anniversary, index, previous annual, growth of the past year)`, withdrawn
/// in twelve parts.
fn hand(plan: &Plan, decide: impl FnMut(usize, f64, f64, f64, f64) -> f64) -> (Vec<f64>, f64) {
    hand_with(plan, false, decide)
}

/// As [`hand`]; with `monthly_indexed` the year's amount is set in today's money and each
/// month's part follows prices (the base model's constant real spending).
fn hand_with(
    plan: &Plan,
    monthly_indexed: bool,
    mut decide: impl FnMut(usize, f64, f64, f64, f64) -> f64,
) -> (Vec<f64>, f64) {
    let g = certain_growth(plan);
    let index = |t: usize| (1.0 + plan.annual_inflation).powf(t as f64 / 12.0);
    let retirement = plan.retirement_month as usize;
    let mut wealth = plan.initial_wealth;
    let mut annual = 0.0;
    let mut year_growth = 1.0;
    let mut spent = Vec::new();
    let mut spent_this_year = 0.0;
    for t in 0..plan.horizon_months as usize {
        if t >= retirement && (t - retirement).is_multiple_of(12) {
            annual = decide((t - retirement) / 12, wealth, index(t), annual, year_growth);
            year_growth = 1.0;
        }
        if t >= retirement {
            let part = if monthly_indexed {
                annual / 12.0 * index(t)
            } else {
                annual / 12.0
            };
            wealth -= part;
            spent_this_year += part / index(t);
        } else {
            wealth += plan.monthly_contribution * index(t);
        }
        assert!(wealth > 0.0, "the hand cases never ruin");
        wealth *= g;
        year_growth *= g;
        if (t + 1).is_multiple_of(12) {
            if t + 1 > retirement {
                spent.push(spent_this_year);
            }
            spent_this_year = 0.0;
        }
    }
    (spent, wealth / index(plan.horizon_months as usize))
}

fn assert_same(engine: &(Vec<f64>, f64), hand: &(Vec<f64>, f64)) {
    assert_eq!(engine.0.len(), hand.0.len());
    for (year, (e, h)) in engine.0.iter().zip(&hand.0).enumerate() {
        assert!(close(*e, *h, 1e-9), "year {year}: {e} vs {h}");
    }
    assert!(close(engine.1, hand.1, 1e-9), "{} vs {}", engine.1, hand.1);
}

#[test]
fn zero_volatility_strategies_follow_the_hand_recursion() {
    let plan = certain(0.05, 0.02, 0.001, 360, 60);
    let s = plan.monthly_spending;
    assert_same(
        &run_certain(&plan, Withdrawal::ConstantReal),
        &hand_with(&plan, true, |_, _, _, _, _| 12.0 * s),
    );
    assert_same(
        &run_certain(&plan, Withdrawal::ConstantPercentage { annual_rate: 0.05 }),
        &hand(&plan, |_, wealth, _, _, _| 0.05 * wealth),
    );
    let r: f64 = 0.03;
    assert_same(
        &run_certain(&plan, Withdrawal::Vpw { real_return: r }),
        &hand(&plan, |year, wealth, _, _, _| {
            let n = 25.0 - year as f64;
            wealth * r / ((1.0 + r) * (1.0 - (1.0 + r).powf(-n)))
        }),
    );
    assert_same(
        &run_certain(
            &plan,
            Withdrawal::FloorCeiling {
                annual_rate: 0.06,
                floor: 0.9,
                ceiling: 1.1,
            },
        ),
        &hand(&plan, |_, wealth, index, _, _| {
            (0.06 * wealth)
                .max(0.9 * 12.0 * s * index)
                .min(1.1 * 12.0 * s * index)
        }),
    );
}

#[test]
fn vpw_spends_nearly_everything_by_the_horizon() {
    // Real return exactly the model's (no inflation, no fee): the last year's payment is the
    // whole wealth at its start, withdrawn over twelve months while the rest still grows.
    let plan = certain(0.04, 0.0, 0.0, 240, 0);
    let (spent, terminal) = run_certain(&plan, Withdrawal::Vpw { real_return: 0.04 });
    let last = *spent.last().expect("years");
    assert!(
        terminal > 0.0 && terminal < 0.03 * last,
        "{terminal} after {last}"
    );
    // The annuity assumes start-of-year payments; monthly ones leave a little more to grow,
    // so spending creeps up instead of falling.
    assert!(spent.windows(2).all(|w| w[1] >= w[0]));
}

/// Guyton–Klinger by hand, as in the 2006 paper's rules.
fn guyton_klinger_by_hand(
    plan: &Plan,
    guardrail: f64,
    adjustment: f64,
    protected: usize,
) -> (Vec<f64>, f64) {
    let years = (plan.horizon_months - plan.retirement_month) as usize / 12;
    let mut initial_rate = 0.0;
    let mut last_index = 1.0;
    hand(plan, move |year, wealth, index, previous, growth| {
        if year == 0 {
            let annual = 12.0 * plan.monthly_spending * index;
            initial_rate = annual / wealth;
            last_index = index;
            return annual;
        }
        let mut annual = previous;
        if !(growth < 1.0 && annual / wealth > initial_rate) {
            annual *= index / last_index;
        }
        last_index = index;
        let rate = annual / wealth;
        if rate > initial_rate * (1.0 + guardrail) && years - year > protected {
            annual * (1.0 - adjustment)
        } else if rate < initial_rate * (1.0 - guardrail) {
            annual * (1.0 + adjustment)
        } else {
            annual
        }
    })
}

#[test]
fn guyton_klinger_follows_its_rules_in_good_and_bad_markets() {
    let strategy = Withdrawal::GuytonKlinger {
        guardrail: 0.2,
        adjustment: 0.1,
        protected_final_years: 15,
    };
    // A strong market: the prosperity rule raises spending.
    let good = certain(0.09, 0.02, 0.0, 480, 0);
    let engine = run_certain(&good, strategy);
    assert_same(&engine, &guyton_klinger_by_hand(&good, 0.2, 0.1, 15));
    assert!(engine.0.last().expect("years") > &(12.0 * 4_000.0 * 1.1));
    // A falling market: no inflation raises and capital-preservation cuts, none in the
    // last 15 years.
    let mut bad = certain(-0.02, 0.03, 0.0, 360, 0);
    bad.initial_wealth = 1_500_000.0;
    let engine = run_certain(&bad, strategy);
    assert_same(&engine, &guyton_klinger_by_hand(&bad, 0.2, 0.1, 15));
    assert!(
        engine.0[10] < 12.0 * 4_000.0 * 0.95,
        "cut: {}",
        engine.0[10]
    );
}

#[test]
fn goals_income_and_events_move_money_in_their_month() {
    // No growth, no inflation: year-end wealth is the sum of what has moved.
    let mut plan = certain(0.0, 0.0, 0.0, 48, 48);
    plan.initial_wealth = 10_000.0;
    let extensions = Extensions {
        goals: vec![Goal {
            amount: 3_000.0,
            month: 12,
            priority: Priority::Need,
        }],
        income: vec![IncomeStream {
            monthly_amount: 100.0,
            start_month: 6,
            end_month: Some(30),
            cola: Cola::Inflation,
        }],
        events: vec![
            CashEvent {
                month: 11,
                amount: 500.0,
            },
            CashEvent {
                month: 36,
                amount: -700.0,
            },
        ],
        ..Extensions::default()
    };
    let result = simulate_extended(&plan, &extensions, &options(2, 1)).expect("runs");
    let years: Vec<f64> = result
        .base
        .fan_chart
        .iter()
        .map(|y| y.real_wealth.p50)
        .collect();
    // Year 1: months 6..11 of income and the event in month 11; the goal is in month 12.
    assert_eq!(years[0], 10_000.0 + 600.0 + 500.0);
    assert_eq!(years[1], years[0] - 3_000.0 + 1_200.0);
    assert_eq!(years[2], years[1] + 600.0);
    assert_eq!(years[3], years[2] - 700.0);
    assert_eq!(result.goals[0].probability, 1.0);
}

#[test]
fn cash_flows_in_todays_money_follow_prices_and_cola_none_does_not() {
    let mut plan = certain(0.0, 0.12, 0.0, 36, 36);
    plan.initial_wealth = 1.0;
    let indexed = IncomeStream {
        monthly_amount: 100.0,
        start_month: 12,
        end_month: Some(24),
        cola: Cola::Inflation,
    };
    let fixed = IncomeStream {
        cola: Cola::None,
        ..indexed
    };
    let index = |t: f64| 1.12f64.powf(t / 12.0);
    let run = |stream| {
        let ext = Extensions {
            income: vec![stream],
            ..Extensions::default()
        };
        let result = simulate_extended(&plan, &ext, &options(1, 1)).expect("runs");
        result.base.fan_chart[1].real_wealth.p50 * index(24.0)
    };
    // Nominal wealth after year 2: the indexed stream paid 100 · I_t each month, the fixed
    // one 100 · I_12 every month.
    let paid: f64 = (12..24).map(|t| 100.0 * index(f64::from(t))).sum();
    assert!(close(run(indexed), 1.0 + paid, 1e-12));
    assert!(close(run(fixed), 1.0 + 1200.0 * index(12.0), 1e-12));
}

#[test]
fn wants_and_wishes_give_way_to_needs() {
    let mut plan = certain(0.0, 0.0, 0.0, 36, 36);
    plan.initial_wealth = 1_000.0;
    let goal = |amount, month, priority| Goal {
        amount,
        month,
        priority,
    };
    let extensions = Extensions {
        goals: vec![
            goal(300.0, 5, Priority::Wish),
            goal(300.0, 5, Priority::Want),
            goal(600.0, 20, Priority::Need),
        ],
        ..Extensions::default()
    };
    let result = simulate_extended(&plan, &extensions, &options(4, 1)).expect("runs");
    // The want is paid first (it leaves 700, above the 600 still needed); the wish would
    // leave 400, below twice that; the need is paid.
    let met: Vec<f64> = result.goals.iter().map(|g| g.probability).collect();
    assert_eq!(met, vec![0.0, 1.0, 1.0]);
    assert_eq!(result.base.terminal_real_wealth.p50, 100.0);
    assert_eq!(result.base.success_probability, 1.0);
    // A need that cannot be paid ruins the path, like spending.
    let mut too_much = extensions.clone();
    too_much.goals[2].amount = 2_000.0;
    let result = simulate_extended(&plan, &too_much, &options(4, 1)).expect("runs");
    assert_eq!(result.base.success_probability, 0.0);
    assert_eq!(result.goals[2].probability, 0.0);
    assert_eq!(result.base.median_shortfall_years, Some(16.0 / 12.0));
}

#[test]
fn a_glide_path_moves_the_weights_linearly() {
    let plan = Plan {
        assets: vec![
            AssetClass {
                mu: 0.10,
                sigma: 0.0,
            },
            AssetClass {
                mu: 0.02,
                sigma: 0.0,
            },
        ],
        weights: vec![0.5, 0.5],
        correlation: vec![vec![1.0, 0.0], vec![0.0, 1.0]],
        ..certain(0.0, 0.0, 0.0, 240, 240)
    };
    let extensions = Extensions {
        glide_path: vec![
            GlidePoint {
                month: 24,
                weights: vec![0.9, 0.1],
            },
            GlidePoint {
                month: 144,
                weights: vec![0.3, 0.7],
            },
        ],
        ..Extensions::default()
    };
    let result = simulate_extended(&plan, &extensions, &options(1, 1)).expect("runs");
    let (a, b) = (1.10f64.powf(1.0 / 12.0), 1.02f64.powf(1.0 / 12.0));
    let mut wealth = plan.initial_wealth;
    for t in 0..240 {
        let w = if t < 24 {
            0.9
        } else if t >= 144 {
            0.3
        } else {
            0.9 + (f64::from(t) - 24.0) / 120.0 * (0.3 - 0.9)
        };
        wealth *= w * a + (1.0 - w) * b;
    }
    assert!(close(result.base.terminal_real_wealth.p50, wealth, 1e-12));
}

#[test]
fn stochastic_inflation_without_volatility_is_the_constant_rate() {
    let plan = p1();
    let still = Extensions {
        inflation: InflationModel::Stochastic {
            volatility: 0.0,
            persistence: 0.9,
            correlation: -0.3,
        },
        ..Extensions::default()
    };
    let base = simulate(&plan, &options(1_000, 2)).expect("runs");
    let extended = simulate_extended(&plan, &still, &options(1_000, 2)).expect("runs");
    assert_eq!(extended.base.success_probability, base.success_probability);
    let (e, b) = (
        extended.base.terminal_real_wealth,
        base.terminal_real_wealth,
    );
    assert!(close(e.p50, b.p50, 1e-9) && close(e.p95, b.p95, 1e-9));
}

#[test]
fn stochastic_inflation_has_its_mean_volatility_and_correlation() {
    let constants = Constants {
        assets: 1,
        drift: vec![0.0],
        factor: vec![0.04],
        monthly_sd: vec![0.04],
        fee_factor: 1.0,
        returns: Prepared::Lognormal,
        inflation: InflationModel::Stochastic {
            volatility: 0.02,
            persistence: 0.5,
            correlation: -0.4,
        },
        mean_inflation: 0.03,
    };
    let mut draws = Draws::new(&constants, rng::path_stream(4, 0), rng::path_stream(4, 1));
    let months = 300_000;
    let (mut rates, mut shocks) = (Vec::new(), Vec::new());
    for _ in 0..months {
        let (_, shock) = draws.growth(&[1.0]);
        let rise = draws.price_rise(shock);
        rates.push(rise.powi(12) - 1.0);
        shocks.push(shock);
    }
    let (mean, sd, _) = moments(&rates);
    assert!((mean - 0.03).abs() < 3e-4, "{mean}");
    assert!(close(sd, 0.02, 0.02), "{sd}");
    // The rate's innovation (i_t − phi i_{t−1}) carries the shock's correlation.
    let innovations: Vec<f64> = rates.windows(2).map(|w| w[1] - 0.5 * w[0]).collect();
    let (im, isd, _) = moments(&innovations);
    let (zm, zsd, _) = moments(&shocks[1..]);
    #[allow(clippy::cast_precision_loss)]
    let covariance = innovations
        .iter()
        .zip(&shocks[1..])
        .map(|(i, z)| (i - im) * (z - zm))
        .sum::<f64>()
        / innovations.len() as f64;
    let correlation = covariance / (isd * zsd);
    assert!((correlation + 0.4).abs() < 0.01, "{correlation}");
}

#[test]
fn bad_extensions_name_their_field() {
    let plan = p1();
    let field = |extensions: Extensions| {
        simulate_extended(&plan, &extensions, &options(10, 1))
            .expect_err("refused")
            .field()
    };
    let goal = Goal {
        amount: 1.0,
        month: 720,
        priority: Priority::Want,
    };
    assert_eq!(
        field(Extensions {
            goals: vec![goal],
            ..Extensions::default()
        }),
        "goals[0].month"
    );
    assert_eq!(
        field(Extensions {
            income: vec![IncomeStream {
                monthly_amount: 10.0,
                start_month: 10,
                end_month: Some(10),
                cola: Cola::None,
            }],
            ..Extensions::default()
        }),
        "income[0].end_month"
    );
    assert_eq!(
        field(Extensions {
            withdrawal: Withdrawal::FloorCeiling {
                annual_rate: 0.04,
                floor: 1.2,
                ceiling: 1.1,
            },
            ..Extensions::default()
        }),
        "withdrawal.ceiling"
    );
    assert_eq!(
        field(Extensions {
            glide_path: vec![GlidePoint {
                month: 10,
                weights: vec![0.5, 0.5, 0.5],
            }],
            ..Extensions::default()
        }),
        "glide_path[0].weights"
    );
    assert_eq!(
        field(Extensions {
            returns: ReturnModel::StudentT { df: 2.0 },
            ..Extensions::default()
        }),
        "return_model.df"
    );
    assert_eq!(
        field(Extensions {
            returns: ReturnModel::Bootstrap {
                history: vec![vec![0.01, 0.0, f64::NAN]; 24],
                block_months: 6,
            },
            ..Extensions::default()
        }),
        "return_model.history[0][2]"
    );
    assert_eq!(
        field(Extensions {
            inflation: InflationModel::Stochastic {
                volatility: 0.01,
                persistence: 1.0,
                correlation: 0.0,
            },
            ..Extensions::default()
        }),
        "inflation_model.persistence"
    );
    let too_many = simulate_extended(&plan, &Extensions::default(), &options(200_000, 1));
    assert_eq!(too_many.expect_err("refused").field(), "paths");
}
