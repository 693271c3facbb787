//! Monthly log returns for the bootstrap from daily closes.

/// Each basket's monthly log returns from daily closes, rebalanced to the basket's weights at
/// each month end: row m holds, per basket, ln Σ_j w_j · close_j(end of month m + 1) /
/// close_j(end of month m). `month_of[d]` numbers day d's calendar month (ascending, as the
/// days are); `closes[d][j]` is symbol j's close on day d; `baskets[k][j]` is basket k's
/// weight on symbol j (summing to 1). The first month only gives its month-end, and a month
/// is whole from its first to its last day in the data, so the last month counts only when
/// a later one started.
#[must_use]
pub fn monthly_log_returns(
    month_of: &[u32],
    closes: &[Vec<f64>],
    baskets: &[Vec<f64>],
) -> Vec<Vec<f64>> {
    // The last trading day of each month that a later month follows.
    let ends: Vec<usize> = month_of
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| pair[1] != pair[0])
        .map(|(d, _)| d)
        .collect();
    ends.windows(2)
        .map(|pair| {
            let (from, to) = (&closes[pair[0]], &closes[pair[1]]);
            baskets
                .iter()
                .map(|basket| {
                    basket
                        .iter()
                        .zip(from.iter().zip(to))
                        .map(|(w, (a, b))| w * b / a)
                        .sum::<f64>()
                        .ln()
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_ends_give_the_basket_returns() {
        // Months 0, 0, 1, 1, 2, 3: ends are days 1, 3 and 4 (month 3 has not ended).
        let month_of = [0, 0, 1, 1, 2, 3];
        let closes = vec![
            vec![1.0, 10.0],
            vec![2.0, 10.0],
            vec![3.0, 11.0],
            vec![4.0, 12.0],
            vec![3.0, 15.0],
            vec![9.0, 99.0],
        ];
        let baskets = vec![vec![1.0, 0.0], vec![0.5, 0.5]];
        let returns = monthly_log_returns(&month_of, &closes, &baskets);
        assert_eq!(returns.len(), 2);
        assert!((returns[0][0] - 2f64.ln()).abs() < 1e-15);
        assert!((returns[0][1] - (0.5 * 2.0 + 0.5 * 1.2f64).ln()).abs() < 1e-15);
        assert!((returns[1][0] - 0.75f64.ln()).abs() < 1e-15);
        assert!((returns[1][1] - (0.5 * 0.75 + 0.5 * 1.25f64).ln()).abs() < 1e-15);
    }
}
