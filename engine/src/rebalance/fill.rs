//! Sizing the buys: spreading the money over the positions under target, then turning the
//! amounts into shares without spending more than there is.

use super::ShareUnit;

/// Amounts to buy so that `funds` shrinks the largest gaps first (water-filling): the gaps
/// above a level `L` are cut down to `L`, with `L` as low as the funds allow (0 when they
/// cover every gap). Of all ways to spend the money this leaves the smallest largest gap.
///
/// `gaps[i]` is the currency position `i` is under target (≤ 0: not under, never bought).
/// A position whose amount would fall below `min_amount` is left out, the smallest first
/// (ties: the higher index), and the level is found again without it, so that its money goes
/// to the others rather than being lost to a dropped trade.
pub(super) fn water_fill(gaps: &[f64], funds: f64, min_amount: f64) -> Vec<f64> {
    let mut candidates: Vec<usize> = (0..gaps.len()).filter(|&i| gaps[i] > 0.0).collect();
    // Largest gap first, ties by index, so that the result does not depend on sort stability.
    candidates.sort_by(|&a, &b| gaps[b].total_cmp(&gaps[a]).then(a.cmp(&b)));
    loop {
        let level = level(&candidates, gaps, funds);
        let mut amounts = vec![0.0; gaps.len()];
        for &i in &candidates {
            amounts[i] = (gaps[i] - level).max(0.0);
        }
        // Candidates are in descending gap order, so the last positive amount is the smallest.
        let smallest = candidates
            .iter()
            .rposition(|&i| amounts[i] > 0.0)
            .filter(|&k| amounts[candidates[k]] < min_amount);
        match smallest {
            Some(k) => {
                candidates.remove(k);
            }
            None => return amounts,
        }
    }
}

/// The level `L ≥ 0` with `Σ max(gap − L, 0) = funds` over `sorted` (descending gaps), or 0
/// when the funds cover every gap.
fn level(sorted: &[usize], gaps: &[f64], funds: f64) -> f64 {
    let total: f64 = sorted.iter().map(|&i| gaps[i]).sum();
    if funds >= total {
        return 0.0;
    }
    let mut prefix = 0.0;
    for (k, &i) in sorted.iter().enumerate() {
        prefix += gaps[i];
        let level = (prefix - funds) / (k + 1) as f64;
        let next = sorted.get(k + 1).map_or(0.0, |&j| gaps[j]);
        if level >= next {
            return level.max(0.0);
        }
    }
    0.0
}

/// Shares per share unit: trades are whole multiples of `1 / steps_per_share(unit)` shares.
pub(super) fn steps_per_share(unit: ShareUnit) -> f64 {
    match unit {
        ShareUnit::Whole => 1.0,
        ShareUnit::Fractional => 1.0 / super::FRACTIONAL_SHARE_STEP,
    }
}

/// `shares` rounded to the nearest step of `unit`.
pub(super) fn round_shares(shares: f64, unit: ShareUnit) -> f64 {
    let steps = steps_per_share(unit);
    (shares * steps).round() / steps
}

/// Shares to buy for `amounts` at `prices`: each rounded to the nearest step, then, while the
/// total costs more than `funds`, one step less of the buy that rounding made the most
/// expensive (ties: the lower index), so that the buys never cost more than `funds`; finally
/// buys worth less than `min_amount` are dropped. Each buy ends within one step of its amount.
pub(super) fn buy_shares(
    amounts: &[f64],
    prices: &[f64],
    funds: f64,
    unit: ShareUnit,
    min_amount: f64,
) -> Vec<f64> {
    let steps = steps_per_share(unit);
    let mut shares: Vec<f64> = amounts
        .iter()
        .zip(prices)
        .map(|(&a, &p)| round_shares(a / p, unit))
        .collect();
    let cost = |shares: &[f64]| -> f64 { shares.iter().zip(prices).map(|(s, p)| s * p).sum() };
    while cost(&shares) > funds {
        // Ends: every step taken off lowers the shares, and no shares cost nothing.
        let Some(i) = (0..shares.len())
            .filter(|&i| shares[i] > 0.0)
            .max_by(|&a, &b| {
                let over = |i: usize| shares[i] * prices[i] - amounts[i];
                over(a).total_cmp(&over(b)).then(b.cmp(&a))
            })
        else {
            break;
        };
        shares[i] = (((shares[i] * steps).round() - 1.0) / steps).max(0.0);
    }
    for (s, p) in shares.iter_mut().zip(prices) {
        if *s * p < min_amount {
            *s = 0.0;
        }
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn water_fill_levels_the_largest_gaps() {
        // Gaps 10, 9, 1 and 5 to spend: the level L with (10 − L) + (9 − L) = 5 is 7, above
        // the third gap, so amounts are 3, 2, 0.
        let a = water_fill(&[10.0, 9.0, 1.0], 5.0, 0.0);
        assert_eq!(a, [3.0, 2.0, 0.0]);
        // Enough for every gap: each is filled, negatives are not.
        let a = water_fill(&[10.0, -4.0, 1.0], 20.0, 0.0);
        assert_eq!(a, [10.0, 0.0, 1.0]);
    }

    #[test]
    fn water_fill_drops_small_amounts_and_reuses_their_money() {
        // Gaps 10, 9, 8 and 6 to spend: L = (27 − 6) / 3 = 7 gives 3, 2, 1. With a minimum of
        // 1.5 the 1 goes; without it L = (19 − 6) / 2 = 6.5 gives 3.5 and 2.5.
        let a = water_fill(&[10.0, 9.0, 8.0], 6.0, 1.5);
        assert_eq!(a, [3.5, 2.5, 0.0]);
    }

    #[test]
    fn whole_share_buys_never_cost_more_than_the_funds() {
        // 2.6 and 2.6 shares at 10 round to 3 and 3 (60) but only 52 is there: the trim takes
        // one share off the first of the equally over-rounded buys, then costs 50.
        let s = buy_shares(&[26.0, 26.0], &[10.0, 10.0], 52.0, ShareUnit::Whole, 0.0);
        assert_eq!(s, [2.0, 3.0]);
        assert!(s[0] * 10.0 + s[1] * 10.0 <= 52.0);
    }
}
