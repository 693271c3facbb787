//! Order statistics.

/// The percentiles every summary reports.
pub const LEVELS: [f64; 5] = [0.05, 0.25, 0.50, 0.75, 0.95];

/// Percentiles 5, 25, 50, 75 and 95.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Percentiles {
    /// The five levels of [`LEVELS`] of `values`, reordering `values` in the process.
    /// Empty input gives zeros.
    #[must_use]
    pub fn of(values: &mut [f64]) -> Self {
        let [p5, p25, p50, p75, p95] = quantiles(values, LEVELS);
        Self {
            p5,
            p25,
            p50,
            p75,
            p95,
        }
    }
}

/// Quantiles at `levels` (ascending, in [0, 1]) with linear interpolation between order
/// statistics (Hyndman & Fan type 7, numpy's default): h = (N - 1) p.
///
/// Uses selection rather than a full sort. The order statistics are found by splitting: the
/// middle one over the whole slice, then those below it in the part below and those above in
/// the part above, so the slices shrink as they go (about 2.5 N for five levels, against about
/// 6 N for selecting each rank, and its neighbour, in the remaining tail).
#[must_use]
pub fn quantiles<const K: usize>(values: &mut [f64], levels: [f64; K]) -> [f64; K] {
    let n = values.len();
    if n == 0 {
        return [0.0; K];
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let positions = levels.map(|p| {
        let h = (n - 1) as f64 * p;
        (h.floor() as usize, h - h.floor())
    });
    let mut ranks: Vec<usize> = positions
        .iter()
        .flat_map(|&(lo, frac)| [lo, if frac > 0.0 { lo + 1 } else { lo }])
        .map(|r| r.min(n - 1))
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    select_ranks(values, 0, &ranks);
    positions.map(|(lo, frac)| {
        let low = values[lo];
        if frac > 0.0 && lo + 1 < n {
            low + frac * (values[lo + 1] - low)
        } else {
            low
        }
    })
}

/// Puts the order statistics of ranks `ranks` (ascending, distinct, each at least `offset`,
/// relative to the whole slice `values` starts at `offset` of) in their sorted positions.
fn select_ranks(values: &mut [f64], offset: usize, ranks: &[usize]) {
    let Some(&middle) = ranks.get(ranks.len() / 2) else {
        return;
    };
    let at = middle - offset;
    if at == 0 {
        // The smallest: a scan, cheaper than a partition (common for a rank next to another).
        let smallest = (0..values.len())
            .min_by(|&i, &j| values[i].total_cmp(&values[j]))
            .unwrap_or(0);
        values.swap(0, smallest);
    } else {
        values.select_nth_unstable_by(at, f64::total_cmp);
    }
    let (below, rest) = values.split_at_mut(at);
    select_ranks(below, offset, &ranks[..ranks.len() / 2]);
    select_ranks(&mut rest[1..], middle + 1, &ranks[ranks.len() / 2 + 1..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_numpys_linear_interpolation() {
        // numpy.percentile([..], [5, 25, 50, 75, 95]) for 1..=10 shuffled.
        let mut v = [7.0, 3.0, 10.0, 1.0, 5.0, 9.0, 2.0, 8.0, 4.0, 6.0];
        let p = Percentiles::of(&mut v);
        for (got, want) in [p.p5, p.p25, p.p50, p.p75, p.p95]
            .into_iter()
            .zip([1.45, 3.25, 5.5, 7.75, 9.55])
        {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        let mut one = [42.0];
        assert_eq!(Percentiles::of(&mut one).p95, 42.0);
        let mut ties = [1.0, 1.0, 1.0, 2.0];
        assert_eq!(quantiles(&mut ties, [0.5, 1.0]), [1.0, 2.0]);
    }

    #[test]
    fn equal_a_full_sort_with_ties_and_any_length() {
        let mut state = 12_345_u64;
        for n in [1usize, 2, 3, 7, 10, 101, 1_000, 4_099] {
            let values: Vec<f64> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    // About half zeros, as for ruined paths, then spread values.
                    if state >> 63 == 0 {
                        0.0
                    } else {
                        f64::from(u32::try_from(state >> 40).expect("24 bits"))
                    }
                })
                .collect();
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let levels = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0];
            let mut work = values.clone();
            let got = quantiles(&mut work, levels);
            for (g, p) in got.into_iter().zip(levels) {
                #[allow(
                    clippy::cast_precision_loss,
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss
                )]
                let want = {
                    let h = (n - 1) as f64 * p;
                    let lo = h.floor() as usize;
                    let hi = (lo + 1).min(n - 1);
                    sorted[lo] + (h - h.floor()) * (sorted[hi] - sorted[lo])
                };
                assert_eq!(g.to_bits(), want.to_bits(), "n {n}, p {p}");
            }
        }
    }
}
