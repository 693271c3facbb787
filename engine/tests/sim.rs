//! The base model against closed forms, hand-computed recursions, itself across thread
//! counts, and its prepared (incremental) form.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::float_cmp
)]

use engine::sim::reference::{p0, p1};
use engine::sim::{Plan, PreparedSimulation, SimulationOptions, simulate};

fn options(paths: u32, seed: u64) -> SimulationOptions {
    SimulationOptions {
        paths,
        seed,
        fan_chart: true,
    }
}

#[test]
fn p0_mean_and_median_match_the_closed_forms() {
    let paths = 200_000;
    let r = simulate(&p0(), &options(paths, 11)).unwrap();
    let mean = 100_000.0 * 1.07f64.powi(30);
    let s = 0.15 * 30f64.sqrt();
    let median = 100_000.0 * (30.0 * (1.07f64.ln() - 0.15 * 0.15 / 2.0)).exp();
    assert!(
        (r.terminal_real_wealth_mean - mean).abs()
            < 3.0 * r.terminal_real_wealth_mean_standard_error,
        "mean {} vs {mean} (se {})",
        r.terminal_real_wealth_mean,
        r.terminal_real_wealth_mean_standard_error
    );
    // Asymptotic standard error of the sample median of a lognormal: m s sqrt(pi / 2) / sqrt(N).
    let median_se = median * s * (std::f64::consts::PI / 2.0).sqrt() / f64::from(paths).sqrt();
    assert!(
        (r.terminal_real_wealth.p50 - median).abs() < 3.0 * median_se,
        "median {} vs {median}",
        r.terminal_real_wealth.p50
    );
    assert_eq!(r.success_probability, 1.0);
    assert_eq!(r.success_standard_error, 0.0);
    assert!(r.median_shortfall_years.is_none());
}

/// The model's month (`docs/simulation-model.md`), by hand, for a deterministic gross return.
fn by_hand(plan: &Plan) -> (Vec<f64>, Option<u32>) {
    let pi = plan.annual_inflation;
    let g: f64 = plan
        .weights
        .iter()
        .zip(&plan.assets)
        .map(|(w, a)| w * (1.0 + a.mu).powf(1.0 / 12.0))
        .sum();
    let fee = (1.0 - plan.annual_fee).powf(1.0 / 12.0);
    let mut w = plan.initial_wealth;
    let mut real_by_year = Vec::new();
    let mut ruin = None;
    for t in 0..plan.horizon_months {
        let scale = (1.0 + pi).powf(f64::from(t) / 12.0);
        if t < plan.retirement_month {
            w += plan.monthly_contribution * scale;
        } else {
            w -= plan.monthly_spending * scale;
        }
        if ruin.is_none() && w <= 0.0 {
            ruin = Some(t);
        }
        if ruin.is_some() {
            w = 0.0;
        } else {
            w *= g * fee;
        }
        if (t + 1) % 12 == 0 {
            real_by_year.push(w / (1.0 + pi).powf(f64::from(t + 1) / 12.0));
        }
    }
    (real_by_year, ruin)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn zero_volatility_follows_the_hand_computed_recursion() {
    let mut plan = p1();
    plan.assets.iter_mut().for_each(|a| a.sigma = 0.0);
    let (years, ruin) = by_hand(&plan);
    assert!(ruin.is_none(), "this plan survives without volatility");
    let r = simulate(&plan, &options(64, 3)).unwrap();
    assert_eq!(r.success_probability, 1.0);
    let terminal = *years.last().unwrap();
    for v in [
        r.terminal_real_wealth.p5,
        r.terminal_real_wealth.p50,
        r.terminal_real_wealth.p95,
    ] {
        assert!(close(v, terminal), "{v} vs {terminal}");
    }
    assert_eq!(r.fan_chart.len(), 60);
    for (point, expected) in r.fan_chart.iter().zip(&years) {
        assert!(
            close(point.real_wealth.p25, *expected),
            "year {}: {} vs {expected}",
            point.year,
            point.real_wealth.p25
        );
    }

    // Spending twice as much runs out: every path is ruined in the same month.
    plan.monthly_spending = 10_000.0;
    let (years, ruin) = by_hand(&plan);
    let ruin = ruin.expect("ruined");
    let r = simulate(&plan, &options(64, 3)).unwrap();
    assert_eq!(r.success_probability, 0.0);
    assert_eq!(r.terminal_real_wealth.p95, 0.0);
    assert_eq!(r.median_shortfall_years, Some(f64::from(720 - ruin) / 12.0));
    for (k, p) in r.ruin_probability_by_year.iter().enumerate() {
        let expected = if ruin < 12 * (k as u32 + 1) { 1.0 } else { 0.0 };
        assert_eq!(*p, expected, "year {}", k + 1);
    }
    for (point, expected) in r.fan_chart.iter().zip(&years) {
        assert!(
            close(point.real_wealth.p50, *expected),
            "year {}",
            point.year
        );
    }
}

#[test]
fn the_seed_fixes_the_result_whatever_the_thread_count() {
    let run = |threads: usize, seed: u64| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| simulate(&p1(), &options(3_000, seed)).unwrap())
    };
    let one = run(1, 42);
    assert_eq!(one, run(2, 42));
    assert_eq!(one, run(8, 42));
    let other = run(2, 43);
    assert_ne!(one.terminal_real_wealth, other.terminal_real_wealth);
}

#[test]
fn the_histogram_fan_chart_is_the_same_whatever_the_thread_count() {
    use engine::sim::{FanChartMethod, simulate_with};
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| simulate_with(&p1(), &options(3_000, 42), FanChartMethod::Histogram))
            .unwrap()
    };
    let one = run(1);
    assert!(!one.fan_chart_exact);
    assert_eq!(one, run(2));
    assert_eq!(one, run(8));
}

#[test]
fn the_histogram_fan_chart_is_within_its_bound_and_the_rest_is_exact() {
    use engine::sim::{EXACT_FAN_CHART_PATHS, FanChartMethod, simulate_with};
    let opts = options(20_000, 5);
    let exact = simulate_with(&p1(), &opts, FanChartMethod::Exact).unwrap();
    let histogram = simulate_with(&p1(), &opts, FanChartMethod::Histogram).unwrap();
    assert!(exact.fan_chart_exact && !histogram.fan_chart_exact);
    // Everything but the fan chart is computed the same way.
    assert_eq!(
        SimulationResultWithoutFan::of(&exact),
        SimulationResultWithoutFan::of(&histogram)
    );
    // Each order statistic within 2^-9 relative (absolute below 1). At 20,000 paths
    // neighbouring order statistics are far closer than the bound's slack of 1%, so the
    // bound is checked against the exact percentile itself.
    let mut zeros = 0;
    for (e, h) in exact.fan_chart.iter().zip(&histogram.fan_chart) {
        assert_eq!(e.year, h.year);
        let year = e.year;
        let (e, h) = (e.real_wealth, h.real_wealth);
        for (x, y) in [
            (e.p5, h.p5),
            (e.p25, h.p25),
            (e.p50, h.p50),
            (e.p75, h.p75),
            (e.p95, h.p95),
        ] {
            assert!(
                (x - y).abs() <= 1.01 * x.max(1.0) / 512.0,
                "year {year}: {x} vs {y}"
            );
            zeros += usize::from(x == 0.0);
            assert_eq!(x == 0.0, y == 0.0, "ruined paths stay exactly 0");
        }
    }
    assert!(zeros > 10, "percentiles among ruined paths are exercised");
    // simulate itself: exact up to the switch, the histogram above.
    let exact_at = |paths| simulate(&p1(), &options(paths, 5)).unwrap().fan_chart_exact;
    assert!(exact_at(EXACT_FAN_CHART_PATHS));
    assert!(!exact_at(EXACT_FAN_CHART_PATHS + 1));
}

/// A result's fields other than the fan chart.
#[derive(Debug, PartialEq)]
struct SimulationResultWithoutFan {
    success: (f64, f64),
    terminal: engine::sim::Percentiles,
    mean: (f64, f64),
    ruin: Vec<f64>,
    shortfall: Option<f64>,
}

impl SimulationResultWithoutFan {
    fn of(r: &engine::sim::SimulationResult) -> Self {
        Self {
            success: (r.success_probability, r.success_standard_error),
            terminal: r.terminal_real_wealth,
            mean: (
                r.terminal_real_wealth_mean,
                r.terminal_real_wealth_mean_standard_error,
            ),
            ruin: r.ruin_probability_by_year.clone(),
            shortfall: r.median_shortfall_years,
        }
    }
}

/// Asserts that a prepared answer equals a fresh run: success exactly, percentiles to 1e-9.
fn assert_same(
    answer: &engine::sim::prepared::PreparedAnswer,
    fresh: &engine::sim::SimulationResult,
    what: &str,
) {
    assert_eq!(
        answer.success_probability, fresh.success_probability,
        "{what}"
    );
    assert_eq!(
        answer.success_standard_error, fresh.success_standard_error,
        "{what}"
    );
    let (a, f) = (answer.terminal_real_wealth, fresh.terminal_real_wealth);
    for (x, y) in [
        (a.p5, f.p5),
        (a.p25, f.p25),
        (a.p50, f.p50),
        (a.p75, f.p75),
        (a.p95, f.p95),
    ] {
        assert!(close(x, y), "{what}: {x} vs {y}");
    }
}

#[test]
fn prepared_answers_equal_fresh_runs_with_the_new_starting_wealth() {
    let plan = p1();
    let opts = SimulationOptions {
        paths: 2_000,
        seed: 9,
        fan_chart: false,
    };
    let prepared = PreparedSimulation::new(&plan, &opts).unwrap();
    assert_eq!(prepared.paths(), 2_000);
    let mut scratch = Vec::new();
    for wealth in [0.0, 50_000.0, 250_000.0, 600_000.0, 2_000_000.0] {
        let fresh = simulate(
            &Plan {
                initial_wealth: wealth,
                ..plan.clone()
            },
            &opts,
        )
        .unwrap();
        let answer = prepared.answer(wealth, &mut scratch);
        assert_same(&answer, &fresh, &format!("W0 = {wealth}"));
    }
    // The answers span the interesting range: some but not all paths fail in the middle.
    let middle = prepared.answer(250_000.0, &mut scratch).success_probability;
    assert!(middle > 0.05 && middle < 0.99, "{middle}");
}

#[test]
fn invalid_plans_and_path_counts_are_refused_with_the_field() {
    let mut plan = p1();
    plan.weights = vec![0.5, 0.5, 0.5];
    assert_eq!(
        simulate(&plan, &options(10, 1)).unwrap_err().field(),
        "weights"
    );
    assert_eq!(
        simulate(&p1(), &options(0, 1)).unwrap_err().field(),
        "paths"
    );
    assert!(PreparedSimulation::new(&plan, &options(10, 1)).is_err());
}

#[test]
fn prepared_answers_equal_fresh_runs_with_a_new_contribution_too() {
    let plan = p1();
    let opts = SimulationOptions {
        paths: 1_500,
        seed: 21,
        fan_chart: false,
    };
    let prepared = PreparedSimulation::new(&plan, &opts).unwrap();
    let mut scratch = Vec::new();
    for (wealth, contribution) in [
        (250_000.0, 0.0),
        (250_000.0, 3_000.0),
        (50_000.0, 800.0),
        (900_000.0, 1_500.0),
        (0.0, 4_000.0),
    ] {
        let fresh = simulate(
            &Plan {
                initial_wealth: wealth,
                monthly_contribution: contribution,
                ..plan.clone()
            },
            &opts,
        )
        .unwrap();
        let answer = prepared.answer_with(wealth, contribution, &mut scratch);
        assert_same(
            &answer,
            &fresh,
            &format!("W0 = {wealth}, c = {contribution}"),
        );
    }
    // Saving more never hurts on the same paths.
    let less = prepared
        .answer_with(250_000.0, 500.0, &mut scratch)
        .success_probability;
    let more = prepared
        .answer_with(250_000.0, 2_500.0, &mut scratch)
        .success_probability;
    assert!(more > less, "{more} vs {less}");
    // The envelopes stay small: the memory a session holds per 1,000 paths.
    let per_thousand = prepared.memory_bytes() * 1000 / prepared.paths();
    assert!(
        per_thousand < 200_000,
        "{per_thousand} bytes per 1,000 paths"
    );
}

/// Asserts that a prepared fan chart equals a fresh exact run's: the answer as
/// [`assert_same`], ruin by year exactly, every year's percentiles to 1e-9.
fn assert_same_fan(
    answer: &engine::sim::PreparedFanChart,
    fresh: &engine::sim::SimulationResult,
    what: &str,
) {
    assert_same(&answer.answer, fresh, what);
    assert_eq!(
        answer.ruin_probability_by_year, fresh.ruin_probability_by_year,
        "{what}"
    );
    assert_eq!(answer.fan_chart.len(), fresh.fan_chart.len(), "{what}");
    for (a, f) in answer.fan_chart.iter().zip(&fresh.fan_chart) {
        assert_eq!(a.year, f.year);
        let (a, f) = (a.real_wealth, f.real_wealth);
        for (x, y) in [
            (a.p5, f.p5),
            (a.p25, f.p25),
            (a.p50, f.p50),
            (a.p75, f.p75),
            (a.p95, f.p95),
        ] {
            assert!(close(x, y), "{what}: {x} vs {y}");
        }
    }
}

#[test]
fn prepared_fan_charts_equal_fresh_exact_runs() {
    use engine::sim::{FanChartMethod, PreparedOptions, simulate_with};
    // P1, and variants that retire mid-year, at once, or never, with a horizon ending
    // mid-year: each branch of the yearly coefficients.
    let mut mid_year = p1();
    mid_year.retirement_month = 305;
    mid_year.horizon_months = 610;
    let mut at_once = p1();
    at_once.retirement_month = 0;
    at_once.monthly_spending = 1_200.0;
    let mut never = p1();
    never.retirement_month = never.horizon_months;
    let cases = [
        (
            p1(),
            vec![(250_000.0, 1_500.0), (0.0, 0.0), (40_000.0, 3_000.0)],
        ),
        (mid_year, vec![(250_000.0, 1_500.0), (600_000.0, 500.0)]),
        (
            at_once,
            vec![(300_000.0, 0.0), (1_000.0, 2_000.0), (1_200.0, 0.0)],
        ),
        (never, vec![(0.0, 1_500.0), (10_000.0, 0.0)]),
    ];
    for (plan, inputs) in cases {
        let opts = SimulationOptions {
            paths: 1_200,
            seed: 77,
            fan_chart: true,
        };
        let prepared =
            PreparedSimulation::with_options(&plan, &opts, PreparedOptions { fan_chart: true })
                .unwrap();
        let mut scratch = Vec::new();
        for (wealth, contribution) in inputs {
            let fresh = simulate_with(
                &Plan {
                    initial_wealth: wealth,
                    monthly_contribution: contribution,
                    ..plan.clone()
                },
                &opts,
                FanChartMethod::Exact,
            )
            .unwrap();
            let what = format!(
                "retirement {}, W0 = {wealth}, c = {contribution}",
                plan.retirement_month
            );
            let answer = prepared
                .answer_with_fan_chart(wealth, contribution, &mut scratch)
                .unwrap();
            assert_same_fan(&answer, &fresh, &what);
            if contribution == plan.monthly_contribution {
                let answer = prepared.answer_fan_chart(wealth, &mut scratch).unwrap();
                assert_same_fan(&answer, &fresh, &what);
            }
        }
    }
}

#[test]
fn the_fan_chart_is_opt_in_and_its_memory_is_as_documented() {
    use engine::sim::PreparedOptions;
    let opts = SimulationOptions {
        paths: 1_000,
        seed: 20_261_128,
        fan_chart: false,
    };
    let base = PreparedSimulation::new(&p1(), &opts).unwrap();
    let fan = PreparedSimulation::with_options(&p1(), &opts, PreparedOptions { fan_chart: true })
        .unwrap();
    let mut scratch = Vec::new();
    assert!(!base.has_fan_chart() && fan.has_fan_chart());
    assert!(base.answer_fan_chart(250_000.0, &mut scratch).is_none());
    // The same paths: the base answers are unchanged by the fan chart's coefficients.
    assert_eq!(
        base.answer(250_000.0, &mut scratch),
        fan.answer(250_000.0, &mut scratch)
    );
    // BENCHMARKS.md and the docs: 68,004 bytes for the base P1 plan of 1,000 paths, plus
    // 16 bytes per path and year and 8 per path for the fan chart (60 years).
    assert_eq!(base.memory_bytes(), 68_004);
    assert!(std::mem::size_of::<PreparedSimulation>() <= 120);
    assert_eq!(fan.memory_bytes(), 68_004 + 1_000 * (60 * 16 + 8));
    // Dropping the fan chart gives its memory back and leaves the other answers alone.
    let mut dropped = fan.clone();
    dropped.drop_fan_chart();
    assert!(!dropped.has_fan_chart());
    assert_eq!(dropped.memory_bytes(), 68_004);
    assert!(dropped.answer_fan_chart(250_000.0, &mut scratch).is_none());
    assert_eq!(
        dropped.answer(250_000.0, &mut scratch),
        fan.answer(250_000.0, &mut scratch)
    );
}
