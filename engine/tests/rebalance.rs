//! Rebalancing trade lists against hand-computed examples, and properties over seeded random
//! portfolios.

use engine::rebalance::{
    Position, Reason, Rebalance, RebalanceError, RebalanceSettings, ShareUnit, Side, Trade,
    band_status, rebalance,
};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn pos(quantity: f64, price: f64, target: f64) -> Position {
    Position {
        quantity,
        price,
        target,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn settings(band: f64) -> RebalanceSettings {
    RebalanceSettings {
        band,
        ..RebalanceSettings::default()
    }
}

fn assert_trade(t: &Trade, side: Side, position: usize, shares: f64, value: f64) {
    assert_eq!((t.side, t.position), (side, position), "{t:?}");
    assert!(close(t.shares, shares) && close(t.value, value), "{t:?}");
}

#[test]
fn new_cash_alone_brings_the_portfolio_inside_its_band_without_selling() {
    // A 62 × 10 = 620, B 38 × 10 = 380, targets 50/50: drift +12/−12 points, outside 5.
    // With 200 of cash the total is 1200, targets 600 each: A is 20 over, B 220 under. All
    // the cash goes to B (20 shares): A 620, B 580 of 1200 is 51.67/48.33, inside the band, so
    // nothing is sold even though A is still 20 over target.
    let r = rebalance(
        &[pos(62.0, 10.0, 0.5), pos(38.0, 10.0, 0.5)],
        200.0,
        &settings(0.05),
    )
    .expect("valid");
    assert_eq!(r.trades.len(), 1);
    assert_trade(&r.trades[0], Side::Buy, 1, 20.0, 200.0);
    // B was 220 under of 1200: 18.3 points.
    assert_eq!(
        r.trades[0].reason.to_string(),
        "invest new cash: under target by 18.3 points"
    );
    assert!(r.before.outside && close(r.before.max_abs_drift, 0.12));
    assert!(!r.after.outside);
    assert!(close(r.after.drift[0], 20.0 / 1200.0) && close(r.after.drift[1], -20.0 / 1200.0));
    assert!(close(r.cash_left, 0.0));
}

/// A 30 × 15 = 450, B 35 × 10 = 350, C 10 × 20 = 200, targets 30/30/40, cash 100.
fn three() -> [Position; 3] {
    [
        pos(30.0, 15.0, 0.3),
        pos(35.0, 10.0, 0.3),
        pos(10.0, 20.0, 0.4),
    ]
}

#[test]
fn still_outside_after_the_cash_sells_everything_over_target_and_buys_with_the_proceeds() {
    // Total 1100; targets 330, 330, 440; gaps A −120, B −20, C +240. The 100 of cash goes to
    // C: A 450, B 350, C 300 of 1100 leaves A at 40.9% against 30%, outside. So everything
    // goes to target: sell A 120 (8 shares, 10.9 points over: outside the band), sell B 20
    // (2 shares, 1.8 points over: inside, sold back to target), buy C 240 (12 shares) with
    // the 100 of cash and 140 of proceeds.
    let r = rebalance(&three(), 100.0, &settings(0.05)).expect("valid");
    assert_eq!(r.trades.len(), 3);
    assert_trade(&r.trades[0], Side::Sell, 0, 8.0, 120.0);
    assert_trade(&r.trades[1], Side::Sell, 1, 2.0, 20.0);
    assert_trade(&r.trades[2], Side::Buy, 2, 12.0, 240.0);
    assert!(
        matches!(r.trades[0].reason, Reason::SellOutsideBand { over_by, band }
        if close(over_by, 120.0 / 1100.0) && band == 0.05)
    );
    assert!(
        matches!(r.trades[1].reason, Reason::SellToTarget { over_by }
        if close(over_by, 20.0 / 1100.0))
    );
    assert!(
        matches!(r.trades[2].reason, Reason::BuyWithProceeds { under_by }
        if close(under_by, 240.0 / 1100.0))
    );
    assert_eq!(
        r.trades[0].reason.to_string(),
        "sell: over target by 10.9 points, outside the 5-point band"
    );
    // Before: 450, 350, 200 of 1000 held.
    assert!(close(r.before.weights[0], 0.45) && close(r.before.drift[2], -0.2));
    for (w, t) in r.after.weights.iter().zip([0.3, 0.3, 0.4]) {
        assert!(close(*w, t), "{w} against {t}");
    }
    assert!(close(r.cash_left, 0.0) && !r.after.outside);
}

#[test]
fn without_selling_only_the_cash_is_invested_and_the_band_may_stay_broken() {
    // As above, but no sells: the 100 goes to C (5 shares) and A stays 40.9% against 30%.
    let no_sells = RebalanceSettings {
        allow_sells: false,
        ..settings(0.05)
    };
    let r = rebalance(&three(), 100.0, &no_sells).expect("valid");
    assert_eq!(r.trades.len(), 1);
    assert_trade(&r.trades[0], Side::Buy, 2, 5.0, 100.0);
    assert!(r.after.outside && close(r.after.drift[0], 450.0 / 1100.0 - 0.3));
}

#[test]
fn whole_shares_never_spend_more_than_the_cash() {
    // Nothing held, 500 of cash, targets 30/30/40 at prices 33, 47, 101: ideal buys 150, 150,
    // 200 are 4.55, 3.19 and 1.98 shares, rounded 5, 3, 2 costing 165 + 141 + 202 = 508 >
    // 500. Rounding made A 15 too dear, C 2 and B 9 cheap: one share of A goes, 4 × 33 +
    // 141 + 202 = 475, and 25 is left.
    let whole = RebalanceSettings {
        shares: ShareUnit::Whole,
        ..settings(0.05)
    };
    let r = rebalance(
        &[
            pos(0.0, 33.0, 0.3),
            pos(0.0, 47.0, 0.3),
            pos(0.0, 101.0, 0.4),
        ],
        500.0,
        &whole,
    )
    .expect("valid");
    let shares: Vec<(usize, f64)> = r.trades.iter().map(|t| (t.position, t.shares)).collect();
    // Largest gap first: C (200), then A and B (150 each) by index.
    assert_eq!(shares, [(2, 2.0), (0, 4.0), (1, 3.0)]);
    assert!(close(r.cash_left, 25.0));
    // Nothing held before: inside the band by definition, weights 0.
    assert!(!r.before.outside && r.before.max_abs_drift == 0.0);
    assert!(close(r.after.weights[0], 132.0 / 475.0));
    assert!(
        r.trades
            .iter()
            .all(|t| matches!(t.reason, Reason::InvestCash { .. }))
    );
}

#[test]
fn trades_below_the_minimum_are_dropped_and_their_money_goes_elsewhere() {
    // A 600, B 290, C 110 at 10 each, targets 50/30/20, no cash: A is 10 points over. Back to
    // target: sell A 100, buy B 10 and C 90. With a minimum of 25 the buy of B goes, C still
    // gets its 90 (it cannot take more than its gap), and 10 stays as cash: B is 0.7 points
    // under (290 of 990 held) and says so.
    let positions = [
        pos(60.0, 10.0, 0.5),
        pos(29.0, 10.0, 0.3),
        pos(11.0, 10.0, 0.2),
    ];
    let all = rebalance(&positions, 0.0, &settings(0.05)).expect("valid");
    assert_eq!(all.trades.len(), 3);
    assert_trade(&all.trades[2], Side::Buy, 1, 1.0, 10.0);

    let min = RebalanceSettings {
        min_trade_value: 25.0,
        ..settings(0.05)
    };
    let r = rebalance(&positions, 0.0, &min).expect("valid");
    assert_eq!(r.trades.len(), 2);
    assert_trade(&r.trades[0], Side::Sell, 0, 10.0, 100.0);
    assert_trade(&r.trades[1], Side::Buy, 2, 9.0, 90.0);
    assert!(close(r.cash_left, 10.0));
    assert!(close(r.after.drift[1], 290.0 / 990.0 - 0.3));
    assert!(!r.after.outside);
}

#[test]
fn a_minimum_larger_than_every_trade_leaves_the_drift_as_it_was() {
    // A 520, B 480 at 10 each, targets 50/50, band 1 point: 2 points out, but the 20 to move
    // is under the minimum of 25, so nothing is traded and the portfolio stays outside.
    let min = RebalanceSettings {
        min_trade_value: 25.0,
        ..settings(0.01)
    };
    let r = rebalance(&[pos(52.0, 10.0, 0.5), pos(48.0, 10.0, 0.5)], 0.0, &min).expect("valid");
    assert!(r.trades.is_empty());
    assert!(r.before.outside && r.after.outside);
    assert_eq!(r.before, r.after);
}

#[test]
fn inside_the_band_nothing_is_traded() {
    // 51/49 against 50/50 with a 5-point band and no cash.
    let positions = [pos(51.0, 10.0, 0.5), pos(49.0, 10.0, 0.5)];
    let r = rebalance(&positions, 0.0, &settings(0.05)).expect("valid");
    assert!(r.trades.is_empty() && !r.before.outside && !r.after.outside);
    assert!(close(r.before.max_abs_drift, 0.01) && r.cash_left == 0.0);
    let s = band_status(&positions, &settings(0.05)).expect("valid");
    assert!(!s.outside && s.trades_needed == 0 && close(s.max_abs_drift, 0.01));
}

#[test]
fn exactly_at_the_band_edge_is_inside() {
    // 55/45 against 50/50 is exactly 5 points: not outside a 5-point band.
    let s = band_status(
        &[pos(55.0, 10.0, 0.5), pos(45.0, 10.0, 0.5)],
        &settings(0.05),
    )
    .expect("valid");
    assert!(!s.outside);
}

#[test]
fn nothing_held_and_no_cash_means_nothing_to_do() {
    let positions = [pos(0.0, 10.0, 0.6), pos(0.0, 20.0, 0.4)];
    let r = rebalance(&positions, 0.0, &settings(0.05)).expect("valid");
    assert!(r.trades.is_empty() && r.cash_left == 0.0);
    assert!(!r.before.outside && !r.after.outside);
    assert_eq!(r.after.weights, [0.0, 0.0]);
    let s = band_status(&positions, &settings(0.05)).expect("valid");
    assert_eq!(
        (s.outside, s.max_abs_drift, s.trades_needed),
        (false, 0.0, 0)
    );
}

#[test]
fn cash_into_an_empty_portfolio_buys_the_targets() {
    // 1000 into 60/40 at prices 10 and 20: 60 and 20 shares.
    let r = rebalance(
        &[pos(0.0, 10.0, 0.6), pos(0.0, 20.0, 0.4)],
        1000.0,
        &settings(0.05),
    )
    .expect("valid");
    assert_trade(&r.trades[0], Side::Buy, 0, 60.0, 600.0);
    assert_trade(&r.trades[1], Side::Buy, 1, 20.0, 400.0);
    assert!(close(r.after.weights[0], 0.6) && close(r.cash_left, 0.0));
}

#[test]
fn band_status_counts_the_trades_back_to_target() {
    // A 70, B 20, C 10 at 10 each, targets 50/30/20: 20 points out; back to target sells A
    // and buys B and C: 3 trades. With whole shares at price 10 all three are at least one
    // share; a minimum of 150 keeps only A's 200.
    let positions = [
        pos(7.0, 10.0, 0.5),
        pos(2.0, 10.0, 0.3),
        pos(1.0, 10.0, 0.2),
    ];
    let s = band_status(&positions, &settings(0.05)).expect("valid");
    assert!(s.outside && close(s.max_abs_drift, 0.2) && s.trades_needed == 3);
    let r = rebalance(&positions, 0.0, &settings(0.05)).expect("valid");
    assert_eq!(r.trades.len(), s.trades_needed);
    let min = RebalanceSettings {
        min_trade_value: 15.0,
        ..settings(0.05)
    };
    assert_eq!(
        band_status(&positions, &min).expect("valid").trades_needed,
        1
    );
    let no_sells = RebalanceSettings {
        allow_sells: false,
        ..settings(0.05)
    };
    let s = band_status(&positions, &no_sells).expect("valid");
    assert!(s.outside && s.trades_needed == 0);
}

#[test]
fn refuses_bad_inputs_naming_the_field() {
    let ok = pos(1.0, 10.0, 0.5);
    let s = settings(0.05);
    let cases: [(Vec<Position>, f64, RebalanceSettings, RebalanceError); 11] = [
        (
            vec![ok, pos(-1.0, 10.0, 0.5)],
            0.0,
            s,
            RebalanceError::Quantity(1),
        ),
        (
            vec![pos(f64::NAN, 10.0, 0.5), ok],
            0.0,
            s,
            RebalanceError::Quantity(0),
        ),
        (
            vec![ok, pos(1.0, 0.0, 0.5)],
            0.0,
            s,
            RebalanceError::Price(1),
        ),
        (
            vec![ok, pos(1.0, f64::INFINITY, 0.5)],
            0.0,
            s,
            RebalanceError::Price(1),
        ),
        (
            vec![ok, pos(1.0, 10.0, -0.5)],
            0.0,
            s,
            RebalanceError::Target(1),
        ),
        (
            vec![ok, pos(1.0, 10.0, 0.4)],
            0.0,
            s,
            RebalanceError::TargetSum(0.9),
        ),
        (vec![], 0.0, s, RebalanceError::TargetSum(0.0)),
        (vec![ok, ok], -1.0, s, RebalanceError::Cash),
        (vec![ok, ok], f64::NAN, s, RebalanceError::Cash),
        (
            vec![ok, ok],
            0.0,
            RebalanceSettings { band: -0.1, ..s },
            RebalanceError::Band,
        ),
        (
            vec![ok, ok],
            0.0,
            RebalanceSettings {
                min_trade_value: f64::NAN,
                ..s
            },
            RebalanceError::MinTradeValue,
        ),
    ];
    for (positions, cash, settings, expected) in cases {
        assert_eq!(
            rebalance(&positions, cash, &settings),
            Err(expected.clone())
        );
        if expected != RebalanceError::Cash {
            assert_eq!(band_status(&positions, &settings), Err(expected));
        }
    }
}

/// A random portfolio: 1 to 12 positions, some empty, prices from 1 to 500, random targets.
fn random_portfolio(rng: &mut Xoshiro256PlusPlus) -> (Vec<Position>, f64) {
    let n = rng.random_range(1..=12usize);
    let raw: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..1.0)).collect();
    let sum: f64 = raw.iter().sum();
    let positions = raw
        .iter()
        .map(|r| {
            let quantity = if rng.random_range(0.0..1.0) < 0.2 {
                0.0
            } else {
                rng.random_range(0.0..200.0)
            };
            pos(quantity, rng.random_range(1.0..500.0), r / sum)
        })
        .collect();
    let cash = if rng.random_range(0.0..1.0) < 0.4 {
        0.0
    } else {
        rng.random_range(0.0..20_000.0)
    };
    (positions, cash)
}

/// Checks that hold for every rebalance.
fn check_invariants(positions: &[Position], cash: f64, s: &RebalanceSettings, r: &Rebalance) {
    assert!(r.cash_left >= 0.0, "cash left {}", r.cash_left);
    let (mut bought, mut sold) = (0.0, 0.0);
    for t in &r.trades {
        let p = positions[t.position];
        assert!(t.shares > 0.0 && t.value >= s.min_trade_value, "{t:?}");
        assert!(close(t.value, t.shares * p.price));
        if s.shares == ShareUnit::Whole && t.side == Side::Buy {
            assert_eq!(t.shares, t.shares.round(), "{t:?}");
        }
        match t.side {
            Side::Buy => bought += t.value,
            Side::Sell => {
                assert!(s.allow_sells && t.shares <= p.quantity, "{t:?}");
                // Whole shares, unless the sell empties a position held in a fraction.
                if s.shares == ShareUnit::Whole {
                    assert!(
                        t.shares == t.shares.round() || t.shares == p.quantity,
                        "{t:?}"
                    );
                }
                sold += t.value;
            }
        }
    }
    assert!(
        bought <= cash + sold,
        "bought {bought} with {cash} + {sold}"
    );
    assert!((r.cash_left - (cash + sold - bought)).abs() < 1e-6);
    let positions_traded = r.trades.iter().map(|t| t.position);
    let mut seen = vec![false; positions.len()];
    for i in positions_traded {
        assert!(!seen[i], "position {i} traded twice");
        seen[i] = true;
    }
}

#[test]
fn random_portfolios_keep_cash_non_negative_and_fractional_trades_reach_target() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_260_315);
    let mut reached = 0;
    for case in 0..2_000 {
        let (positions, cash) = random_portfolio(&mut rng);
        let band = [0.0, 0.02, 0.05, 0.2][case % 4];
        for shares in [ShareUnit::Fractional, ShareUnit::Whole] {
            for min_trade_value in [0.0, 250.0] {
                for allow_sells in [true, false] {
                    let s = RebalanceSettings {
                        band,
                        shares,
                        min_trade_value,
                        allow_sells,
                    };
                    let r = rebalance(&positions, cash, &s).expect("valid");
                    check_invariants(&positions, cash, &s, &r);
                    let exact =
                        shares == ShareUnit::Fractional && min_trade_value == 0.0 && allow_sells;
                    if !exact {
                        continue;
                    }
                    // Exact trades always end inside the band: cash alone did it, or
                    // everything went to target.
                    assert!(!r.after.outside, "case {case}: {r:?}");
                    let sold = r.trades.iter().any(|t| t.side == Side::Sell);
                    if sold || (cash == 0.0 && r.before.outside) {
                        assert!(r.after.max_abs_drift < 1e-6, "case {case}: {r:?}");
                        reached += 1;
                    }
                    if cash == 0.0 {
                        let status = band_status(&positions, &s).expect("valid");
                        assert_eq!(status.outside, r.before.outside);
                        assert_eq!(status.max_abs_drift, r.before.max_abs_drift);
                        assert_eq!(status.trades_needed, r.trades.len(), "case {case}");
                    }
                }
            }
        }
    }
    // The "back to target" branch ran often enough to mean something.
    assert!(reached > 200, "{reached}");
}
