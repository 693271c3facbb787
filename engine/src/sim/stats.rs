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
/// Uses repeated selection rather than a full sort: O(N) per distinct rank.
#[must_use]
pub fn quantiles<const K: usize>(values: &mut [f64], levels: [f64; K]) -> [f64; K] {
    let n = values.len();
    if n == 0 {
        return [0.0; K];
    }
    let mut out = [0.0; K];
    // Ranks are visited in ascending order; each selection leaves everything after the
    // selected rank >= it, so the next selection only searches the tail.
    let mut done = 0usize;
    let mut select = |rank: usize, values: &mut [f64]| -> f64 {
        if rank >= done {
            values[done..].select_nth_unstable_by(rank - done, f64::total_cmp);
            done = rank;
        }
        values[rank]
    };
    for (slot, p) in out.iter_mut().zip(levels) {
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let (lo, frac) = {
            let h = (n - 1) as f64 * p;
            (h.floor() as usize, h - h.floor())
        };
        let low = select(lo, values);
        *slot = if frac > 0.0 && lo + 1 < n {
            let high = select(lo + 1, values);
            low + frac * (high - low)
        } else {
            low
        };
    }
    out
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
}
