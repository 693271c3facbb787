//! Performance measures against hand computations (the arithmetic is in the comments), a
//! textbook XIRR, and back-tests over the S&P 500 sample in `datasets/`.

use engine::performance::{
    Flow, PerformanceError, Series, TRADING_DAYS_PER_YEAR, Valuation, XirrError, analyse, backtest,
    beta_alpha, daily_returns, max_drawdown, money_weighted_return, sharpe, sortino,
    time_weighted_return, volatility, xirr,
};

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn day(y: i32, m: i32, d: i32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

/// Valuations on consecutive day numbers from 19_000.
fn series(values: &[f64]) -> Vec<Valuation> {
    values
        .iter()
        .zip(19_000..)
        .map(|(&value, day)| Valuation { day, value })
        .collect()
}

fn flow(day: i32, amount: f64) -> Flow {
    Flow { day, amount }
}

/// 5 valuations with 500 added on the third day (day 19_002), included in its 1650.
fn five_with_a_flow() -> (Vec<Valuation>, Vec<Flow>) {
    (
        series(&[1000.0, 1100.0, 1650.0, 1485.0, 1633.5]),
        vec![flow(19_002, 500.0)],
    )
}

#[test]
fn day_numbers_are_days_since_1970() {
    assert_eq!(day(1970, 1, 1), 0);
    assert_eq!(day(2000, 1, 1), 10_957);
    assert_eq!(day(2008, 3, 1) - day(2008, 2, 28), 2, "2008 is a leap year");
    assert_eq!(day(1969, 12, 31), -1);
}

#[test]
fn time_weighted_return_takes_the_flow_out() {
    // r1 = 1100 / 1000 − 1           = 0.1
    // r2 = (1650 − 500) / 1100 − 1   = 1150 / 1100 − 1 = 1/22
    // r3 = 1485 / 1650 − 1           = −0.1
    // r4 = 1633.5 / 1485 − 1         = 0.1
    // TWR = 1.1 × 1150/1100 × 0.9 × 1.1 − 1 = 1.15 × 0.99 − 1 = 0.1385
    let (v, f) = five_with_a_flow();
    let r = daily_returns(&v, &f).expect("valid");
    let expected = [0.1, 1.0 / 22.0, -0.1, 0.1];
    for (a, b) in r.iter().zip(expected) {
        assert!(close(*a, b, 1e-12), "{r:?}");
    }
    let twr = time_weighted_return(&v, &f).expect("valid");
    assert!(close(twr.total, 0.1385, 1e-12), "{twr:?}");
    // Four days are not annualised.
    assert_eq!(twr.annualised, None);
    // Without taking the flow out the value grew 63%: the flow is not performance.
    assert!(close(1633.5 / 1000.0 - 1.0, 0.6335, 1e-12));
}

#[test]
fn time_weighted_return_is_annualised_over_calendar_days() {
    // 100 → 146.41 over 1461 days (4 × 365.25): (1.4641)^(1/4) − 1 = 1.1 − 1 = 0.1.
    let v = [
        Valuation {
            day: 0,
            value: 100.0,
        },
        Valuation {
            day: 1461,
            value: 146.41,
        },
    ];
    let twr = time_weighted_return(&v, &[]).expect("valid");
    assert!(close(twr.total, 0.4641, 1e-12));
    assert!(close(twr.annualised.expect("4 years"), 0.1, 1e-12));
}

#[test]
fn adding_a_flow_and_the_same_value_leaves_the_time_weighted_return_unchanged() {
    let base = series(&[1000.0, 1100.0, 1210.0, 1150.0]);
    let plain = time_weighted_return(&base, &[]).expect("valid").total;
    // 500 more on day 19_002, in that day's value, then growing as the rest did
    // (1150 / 1210) the next day.
    let with = series(&[1000.0, 1100.0, 1710.0, 1150.0 * 1710.0 / 1210.0]);
    let flows = [flow(19_002, 500.0)];
    let twr = time_weighted_return(&with, &flows).expect("valid").total;
    assert!(close(twr, plain, 1e-12), "{twr} against {plain}");
    // The same on the last day, and for a withdrawal.
    let out = series(&[1000.0, 1100.0, 1210.0, 1150.0 - 300.0]);
    let twr = time_weighted_return(&out, &[flow(19_003, -300.0)])
        .expect("valid")
        .total;
    assert!(close(twr, plain, 1e-12));
}

#[test]
fn flows_belong_to_the_next_valuation_and_outside_the_window_are_left_out() {
    // Friday (day 10) and Monday (day 13): 500 added on Saturday is in Monday's 1600,
    // r = (1600 − 500) / 1000 − 1 = 0.1.
    let v = [
        Valuation {
            day: 10,
            value: 1000.0,
        },
        Valuation {
            day: 13,
            value: 1600.0,
        },
    ];
    let r = daily_returns(&v, &[flow(11, 500.0)]).expect("valid");
    assert!(close(r[0], 0.1, 1e-12));
    // A flow on the first day is in the 1000 already, one after the last day is not yet in
    // any value: neither counts, r = 1600 / 1000 − 1 = 0.6.
    let r = daily_returns(&v, &[flow(10, 500.0), flow(14, 500.0), flow(2, 9.0)]).expect("valid");
    assert!(close(r[0], 0.6, 1e-12));
}

#[test]
fn volatility_sharpe_and_sortino_by_hand() {
    // Returns 0.1, 1/22, −0.1, 0.1 (above). In elevenths: 1.1, 0.5, −1.1, 1.1, sum 1.6, mean
    // m = 0.4/11. Deviations 0.7, 0.1, −1.5, 0.7 (/11), squares sum 3.24/121, sample variance
    // 3.24/121/3 = 1.08/121, sd = √1.08 / 11; annualised × √252.
    let (v, f) = five_with_a_flow();
    let r = daily_returns(&v, &f).expect("valid");
    let vol = 1.08_f64.sqrt() / 11.0 * 252.0_f64.sqrt();
    assert!(close(volatility(&r).expect("4 returns"), vol, 1e-12));
    // Sharpe with rf 2.52% a year, 0.0001 a day: (0.4/11 − 0.0001) × 252 / vol.
    let s = (0.4 / 11.0 - 0.0001) * 252.0 / vol;
    assert!(close(sharpe(&r, 0.0252).expect("defined"), s, 1e-12));
    // Sortino with the same rf: only −0.1 is below 0.0001, by 0.1001; downside deviation
    // √(0.1001² / 4 × 252).
    let downside = (0.1001_f64.powi(2) / 4.0 * 252.0).sqrt();
    let so = (0.4 / 11.0 - 0.0001) * 252.0 / downside;
    assert!(close(sortino(&r, 0.0252).expect("defined"), so, 1e-12));
    // Undefined: one return has no sample deviation; no return below the rate has no
    // downside deviation.
    assert_eq!(volatility(&[0.01]), None);
    assert_eq!(sharpe(&[0.01, 0.01], 0.0), None);
    assert_eq!(sortino(&[0.01, 0.02], 0.0), None);
}

#[test]
fn max_drawdown_finds_the_deeper_of_two() {
    // 100, 120 (peak), 90 (−25%), 125 (new high: recovered), 100, 75 (−40% from 125), 110.
    let dd = max_drawdown(&[100.0, 120.0, 90.0, 125.0, 100.0, 75.0, 110.0]).expect("falls");
    assert!(close(dd.depth, 1.0 - 75.0 / 125.0, 1e-12));
    assert_eq!((dd.peak, dd.trough, dd.recovery), (3, 5, None));
    // Back above 125 at index 7: recovered.
    let dd = max_drawdown(&[100.0, 120.0, 90.0, 125.0, 100.0, 75.0, 110.0, 130.0]).expect("falls");
    assert_eq!(dd.recovery, Some(7));
    // First the deeper: 200 → 100 (−50%), recovered at 210, then 210 → 168 (−20%).
    let dd = max_drawdown(&[100.0, 200.0, 100.0, 210.0, 168.0]).expect("falls");
    assert!(close(dd.depth, 0.5, 1e-12));
    assert_eq!((dd.peak, dd.trough, dd.recovery), (1, 2, Some(3)));
    // Equal highs: the drawdown starts at the last of them.
    let dd = max_drawdown(&[100.0, 100.0, 80.0]).expect("falls");
    assert_eq!(dd.peak, 1);
    assert_eq!(max_drawdown(&[1.0, 2.0, 2.0, 3.0]), None);
}

#[test]
fn drawdown_of_the_analysis_ignores_withdrawals() {
    // 1000 → 1100, then 600 withdrawn: 500 is no fall, returns are +10%, 0%.
    let v = series(&[1000.0, 1100.0, 500.0]);
    let p = analyse(&v, &[flow(19_002, -600.0)], None, 0.0).expect("valid");
    assert_eq!(p.max_drawdown, None);
    assert!(close(p.growth[2], 1.1, 1e-12));
}

#[test]
fn the_benchmark_against_itself_has_beta_1_and_alpha_0() {
    let v = series(&[100.0, 103.0, 99.0, 104.0, 101.0, 108.0]);
    let p = analyse(&v, &[], Some(&v), 0.03).expect("valid");
    let b = p.benchmark.expect("given");
    let ba = b.beta_alpha.expect("defined");
    assert!(
        close(ba.beta, 1.0, 1e-12) && close(ba.alpha, 0.0, 1e-12),
        "{ba:?}"
    );
    assert_eq!(b.time_weighted, p.time_weighted);
}

#[test]
fn beta_and_alpha_by_hand() {
    // Benchmark returns 0.1, −0.1, 0.1; the portfolio's are 2 × those + 0.001. Then
    // cov(2x + c, x) / var(x) = 2, and Jensen's alpha with daily rf = 0.0252 / 252 = 0.0001
    // is (mean(r) − rf − 2 (mean(rb) − rf)) × 252 = (0.001 + 0.0001) × 252 = 0.2772.
    let rb = [0.1, -0.1, 0.1];
    let r: Vec<f64> = rb.iter().map(|x| 2.0 * x + 0.001).collect();
    let ba = beta_alpha(&r, &rb, 0.0252).expect("defined");
    assert!(
        close(ba.beta, 2.0, 1e-12) && close(ba.alpha, 0.2772, 1e-12),
        "{ba:?}"
    );
    // The same through valuations: compounding those returns from 100.
    let values = |rs: &[f64]| {
        let mut v = vec![100.0];
        for x in rs {
            v.push(v[v.len() - 1] * (1.0 + x));
        }
        series(&v)
    };
    let p = analyse(&values(&r), &[], Some(&values(&rb)), 0.0252).expect("valid");
    let ba = p.benchmark.and_then(|b| b.beta_alpha).expect("defined");
    assert!(
        close(ba.beta, 2.0, 1e-12) && close(ba.alpha, 0.2772, 1e-12),
        "{ba:?}"
    );
    // A flat benchmark has no beta; mismatched lengths have none either.
    assert_eq!(beta_alpha(&r, &[0.0, 0.0, 0.0], 0.0), None);
    assert_eq!(beta_alpha(&r, &rb[..2], 0.0), None);
}

#[test]
fn xirr_matches_excels_documented_example() {
    // Microsoft's XIRR documentation: 0.373362535. Excel iterates only to a 0.000001%
    // tolerance; the exact root is 0.3733625335..., so its ninth digit is off by 1.5e-9.
    let flows = [
        flow(day(2008, 1, 1), -10_000.0),
        flow(day(2008, 3, 1), 2_750.0),
        flow(day(2008, 10, 30), 4_250.0),
        flow(day(2009, 2, 15), 3_250.0),
        flow(day(2009, 4, 1), 2_750.0),
    ];
    let rate = xirr(&flows).expect("has a root");
    assert!(close(rate, 0.373_362_535, 2e-9), "{rate}");
    // And the present value at that rate is 0, to the cent's millionth.
    let npv: f64 = flows
        .iter()
        .map(|f| f.amount * (1.0 + rate).powf(-f64::from(f.day - flows[0].day) / 365.0))
        .sum();
    assert!(npv.abs() < 1e-8, "{npv}");
    // Order does not matter.
    let mut shuffled = flows;
    shuffled.reverse();
    assert!(close(xirr(&shuffled).expect("has a root"), rate, 1e-12));
}

#[test]
fn xirr_finds_deep_losses_and_huge_gains() {
    // −100 then +1 a year later: 1 / 100 − 1 = −99%. −1 then +1000 a year later: 99,900%.
    let loss = xirr(&[flow(0, -100.0), flow(365, 1.0)]).expect("root");
    assert!(close(loss, -0.99, 1e-10), "{loss}");
    let gain = xirr(&[flow(0, -1.0), flow(365, 1000.0)]).expect("root");
    assert!(close(gain, 999.0, 1e-6), "{gain}");
}

#[test]
fn xirr_refuses_what_has_no_rate() {
    assert_eq!(xirr(&[flow(0, -1.0)]), Err(XirrError::TooFewFlows(1)));
    assert_eq!(
        xirr(&[flow(0, 1.0), flow(5, 2.0)]),
        Err(XirrError::NoSignChange)
    );
    assert_eq!(
        xirr(&[flow(0, -1.0), flow(5, f64::NAN)]),
        Err(XirrError::Amount(1))
    );
    // −100, +100, −100 a year apart: −100 (1 − x + x²) with x = 1/(1 + r) is never 0.
    assert_eq!(
        xirr(&[flow(0, -100.0), flow(365, 100.0), flow(730, -100.0)]),
        Err(XirrError::NoRoot)
    );
}

#[test]
fn money_weighted_return_by_hand() {
    // 1000 at day 0 grows 10% to 1100 at day 365, 1000 more comes in (2100), and that grows
    // 10% to 2310 at day 730. With years 0, 1, 2 the rate r solves
    // −1000 − 1000 / (1 + r) + 2310 / (1 + r)² = 0, and r = 0.1 does: −1000 − 909.09 + 1909.09.
    let v = [
        Valuation {
            day: 0,
            value: 1000.0,
        },
        Valuation {
            day: 365,
            value: 2100.0,
        },
        Valuation {
            day: 730,
            value: 2310.0,
        },
    ];
    let f = [flow(365, 1000.0)];
    let mwr = money_weighted_return(&v, &f).expect("root");
    assert!(close(mwr, 0.1, 1e-10), "{mwr}");
    // The time-weighted return is 1.1 × 1.1 − 1 = 0.21 over 730 days, annualised
    // 1.21^(365.25 / 730) − 1.
    let p = analyse(&v, &f, None, 0.0).expect("valid");
    assert!(close(p.time_weighted.total, 0.21, 1e-12));
    let annual = 1.21_f64.powf(365.25 / 730.0) - 1.0;
    assert!(close(
        p.time_weighted.annualised.expect("2 years"),
        annual,
        1e-12
    ));
    assert!(close(p.money_weighted.expect("root"), 0.1, 1e-10));
}

#[test]
fn analyse_refuses_bad_inputs_naming_the_index() {
    let ok = series(&[100.0, 110.0, 120.0]);
    let v = Series::Valuations;
    let err = |vals: &[Valuation], flows: &[Flow], bench: Option<&[Valuation]>| {
        analyse(vals, flows, bench, 0.0).expect_err("invalid")
    };
    assert_eq!(
        err(&ok[..1], &[], None),
        PerformanceError::TooFewValuations {
            series: v,
            found: 1
        }
    );
    assert_eq!(
        err(&series(&[100.0, f64::NAN, 1.0]), &[], None),
        PerformanceError::Value {
            series: v,
            index: 1
        }
    );
    let mut unordered = ok.clone();
    unordered[2].day = unordered[1].day;
    assert_eq!(
        err(&unordered, &[], None),
        PerformanceError::DayOrder {
            series: v,
            index: 2
        }
    );
    assert_eq!(
        err(&series(&[100.0, 0.0, 10.0]), &[], None),
        PerformanceError::NonPositiveValue {
            series: v,
            index: 1
        }
    );
    assert_eq!(
        err(&series(&[100.0, -1.0]), &[], None),
        PerformanceError::NonPositiveValue {
            series: v,
            index: 1
        }
    );
    assert_eq!(
        err(&ok, &[flow(19_001, 0.0), flow(19_001, f64::INFINITY)], None),
        PerformanceError::FlowAmount(1)
    );
    // 110 on day 1 cannot include 200 of new money with flows at the end of the day.
    assert_eq!(
        err(&ok, &[flow(19_001, 200.0)], None),
        PerformanceError::FlowExceedsValue(1)
    );
    assert_eq!(
        err(&ok, &[], Some(&ok[..2])),
        PerformanceError::BenchmarkLength {
            expected: 3,
            found: 2
        }
    );
    let mut shifted = ok.clone();
    shifted[1].day += 1;
    assert_eq!(
        err(&ok, &[], Some(&shifted)),
        PerformanceError::BenchmarkDay(1)
    );
    assert_eq!(
        err(&ok, &[], Some(&series(&[100.0, 0.0, 1.0]))),
        PerformanceError::NonPositiveValue {
            series: Series::Benchmark,
            index: 1
        }
    );
    assert_eq!(
        analyse(&ok, &[], None, f64::NAN),
        Err(PerformanceError::RiskFreeRate)
    );
    // The message names the field.
    assert_eq!(
        PerformanceError::DayOrder {
            series: v,
            index: 2
        }
        .to_string(),
        "valuations[2].day must be after valuations[1].day"
    );
}

#[test]
fn backtest_values_holdings_and_refuses_bad_prices() {
    // Two assets, three days: 2 × (10, 11, 12) + 1 × (50, 45, 60) = 70, 67, 84.
    let prices = [10.0, 50.0, 11.0, 45.0, 12.0, 60.0];
    let v = backtest(&[1, 2, 3], &prices, &[2.0, 1.0]).expect("valid");
    let values: Vec<f64> = v.iter().map(|v| v.value).collect();
    assert_eq!(values, [70.0, 67.0, 84.0]);
    assert_eq!(v[2].day, 3);
    assert_eq!(
        backtest(&[1, 2], &prices, &[2.0, 1.0]),
        Err(PerformanceError::PricesShape {
            expected: 4,
            found: 6
        })
    );
    let mut bad = prices;
    bad[3] = 0.0;
    assert_eq!(
        backtest(&[1, 2, 3], &bad, &[2.0, 1.0]),
        Err(PerformanceError::Price { row: 1, column: 1 })
    );
    assert_eq!(
        backtest(&[1, 2, 3], &prices, &[2.0, -1.0]),
        Err(PerformanceError::Quantity(1))
    );
    assert_eq!(
        backtest(&[1, 1, 3], &prices, &[2.0, 1.0]),
        Err(PerformanceError::DayOrder {
            series: Series::Valuations,
            index: 1
        })
    );
}

/// The S&P 500 sample: tickers, day numbers, and prices row-major.
fn sp500() -> (Vec<String>, Vec<i32>, Vec<f64>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/sp500_prices.csv");
    let text =
        std::fs::read_to_string(path).expect("datasets/sp500_prices.csv is in the repository");
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let tickers: Vec<String> = header.split(',').skip(1).map(str::to_owned).collect();
    let (mut days, mut prices) = (Vec::new(), Vec::new());
    for line in lines {
        let mut fields = line.split(',');
        let date: Vec<i32> = fields
            .next()
            .expect("a date")
            .split('-')
            .map(|p| p.parse().expect("a YYYY-MM-DD date"))
            .collect();
        days.push(day(date[0], date[1], date[2]));
        prices.extend(fields.map(|p| p.parse::<f64>().expect("a price")));
    }
    (tickers, days, prices)
}

#[test]
fn sp500_backtest_of_2022() {
    let (tickers, days, prices) = sp500();
    let n = tickers.len();
    assert_eq!(prices.len(), days.len() * n);
    let column = |t: &str| tickers.iter().position(|x| x == t).expect("ticker");
    let (aapl, xom) = (column("AAPL"), column("XOM"));
    let start = days.partition_point(|&d| d < day(2022, 1, 1));
    let (days, prices) = (&days[start..], &prices[start * n..]);
    // 10 AAPL and 20 XOM, nothing else.
    let mut quantities = vec![0.0; n];
    quantities[aapl] = 10.0;
    quantities[xom] = 20.0;
    let values = backtest(days, prices, &quantities).expect("valid");
    let price = |row: usize, col: usize| prices[row * n + col];
    let last = days.len() - 1;
    let v0 = 10.0 * price(0, aapl) + 20.0 * price(0, xom);
    let vt = 10.0 * price(last, aapl) + 20.0 * price(last, xom);
    // Without flows the daily returns compound to the buy-and-hold ratio.
    let p = analyse(&values, &[], None, 0.0).expect("valid");
    assert!(close(p.time_weighted.total, vt / v0 - 1.0, 1e-12));
    // With no flows the money-weighted return is the same growth, per 365 days instead of
    // 365.25: (vT / v0)^(365 / days) − 1.
    let span = f64::from(days[last] - days[0]);
    let mwr = (vt / v0).powf(365.0 / span) - 1.0;
    assert!(close(p.money_weighted.expect("root"), mwr, 1e-9));
    // The deepest drawdown, against every pair (i < j) of the values.
    let vals: Vec<f64> = values.iter().map(|v| v.value).collect();
    let mut brute: f64 = 0.0;
    for i in 0..vals.len() {
        for j in i + 1..vals.len() {
            brute = brute.max(1.0 - vals[j] / vals[i]);
        }
    }
    let dd = p.max_drawdown.expect("2022 fell");
    assert!(
        close(dd.depth, brute, 1e-12),
        "{} against {brute}",
        dd.depth
    );
    assert!(close(1.0 - vals[dd.trough] / vals[dd.peak], brute, 1e-12));
    // Against XOM alone: a portfolio that is mostly XOM moves with it (beta well above 0) but
    // not one for one. And XOM against itself: 1 and 0.
    let xom_only: Vec<Valuation> = (0..days.len())
        .map(|t| Valuation {
            day: days[t],
            value: price(t, xom),
        })
        .collect();
    let p = analyse(&values, &[], Some(&xom_only), 0.02).expect("valid");
    let ba = p.benchmark.and_then(|b| b.beta_alpha).expect("defined");
    assert!(ba.beta > 0.3 && ba.beta < 1.0, "{ba:?}");
    let own = analyse(&xom_only, &[], Some(&xom_only), 0.02).expect("valid");
    let ba = own.benchmark.and_then(|b| b.beta_alpha).expect("defined");
    assert!(close(ba.beta, 1.0, 1e-12) && close(ba.alpha, 0.0, 1e-12));
    // Volatility is that of the daily returns, annualised: recomputed here from the values.
    let r: Vec<f64> = vals.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
    let m = r.iter().sum::<f64>() / r.len() as f64;
    let var = r.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (r.len() - 1) as f64;
    let vol = (var * TRADING_DAYS_PER_YEAR).sqrt();
    assert!(close(p.volatility.expect("defined"), vol, 1e-12));
}
