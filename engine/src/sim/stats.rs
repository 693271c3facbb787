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

impl Percentiles {
    /// The five levels of [`LEVELS`] of `zeros` zeros together with `positive` (every value
    /// greater than 0 and finite), reordering `positive`. Equal bit for bit to
    /// [`Percentiles::of`] on all the values, and cheaper: ranks among the zeros (ruined
    /// paths) need no selection, and the rest is found by [`order_statistics_of_positive`].
    #[must_use]
    pub fn of_zeros_and(zeros: usize, positive: &mut [f64]) -> Self {
        let n = zeros + positive.len();
        if n == 0 {
            return Self::of(positive);
        }
        let positions = positions(n, LEVELS);
        let ranks: Vec<usize> = ranks_of(&positions, n)
            .into_iter()
            .filter(|r| *r >= zeros)
            .map(|r| r - zeros)
            .collect();
        let values = order_statistics_of_positive(positive, &ranks);
        let at = |r: usize| {
            ranks
                .iter()
                .zip(&values)
                .find(|(rank, _)| **rank + zeros == r)
                .map_or(0.0, |(_, v)| *v)
        };
        let [p5, p25, p50, p75, p95] = interpolate(&positions, n, at);
        Self {
            p5,
            p25,
            p50,
            p75,
            p95,
        }
    }
}

/// Compares values that are never NaN with a plain `<`, cheaper than `total_cmp`.
#[allow(clippy::trivially_copy_pass_by_ref)] // the signature `select_nth_unstable_by` wants
fn less(x: &f64, y: &f64) -> std::cmp::Ordering {
    if x < y {
        std::cmp::Ordering::Less
    } else if x > y {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

/// Buckets of [`order_statistics_of_positive`].
const KEYS: usize = 512;
/// Below this many values, plain selection is as fast.
const BUCKETED_FROM: usize = 128;

/// The smallest and largest of `values` (not empty, no NaN), in four lanes: a plain fold
/// is one dependent compare per value, and `u64` min/max (the bits' order) does not vectorise
/// on the baseline x86-64 target, while `f64` compares do.
fn range(values: &[f64]) -> (f64, f64) {
    let mut low = [values[0]; 4];
    let mut high = low;
    let chunks = values.chunks_exact(4);
    let rest = chunks.remainder();
    for chunk in chunks {
        for i in 0..4 {
            low[i] = if chunk[i] < low[i] { chunk[i] } else { low[i] };
            high[i] = if chunk[i] > high[i] {
                chunk[i]
            } else {
                high[i]
            };
        }
    }
    let pick = |lanes: [f64; 4], better: fn(f64, f64) -> bool| {
        lanes
            .into_iter()
            .chain(rest.iter().copied())
            .fold(lanes[0], |m, v| if better(v, m) { v } else { m })
    };
    (pick(low, |v, m| v < m), pick(high, |v, m| v > m))
}

/// The order statistics of ranks `ranks` (ascending, distinct) of `values`, all greater than 0
/// and finite, reordering `values`.
///
/// Repeated selection (`select_nth_unstable`, about 2.5 N element moves for ten ranks) cost
/// about 5 µs per 1,000 values, 80% of a prepared fan chart's 60 years. Instead: the order of
/// positive `f64`s is their bits' order, so dropping the same low bits of each keeps them
/// ordered by bucket. Drop just enough for the values' range to fit 512 buckets (so a
/// year of values that differ by 30% gets buckets as fine as one that spans 40 binades),
/// count the values per bucket, walk the counts to the buckets holding the wanted ranks, and
/// select only among those buckets' values, a few dozen out of 1,000. Exact whatever the
/// values: a crowded bucket only makes the last selection larger.
#[must_use]
pub fn order_statistics_of_positive(values: &mut [f64], ranks: &[usize]) -> Vec<f64> {
    if values.len() < BUCKETED_FROM || ranks.is_empty() {
        select_ranks(values, 0, ranks, &less);
        return ranks.iter().map(|r| values[*r]).collect();
    }
    let (low, high) = range(values);
    let (low, high) = (low.to_bits(), high.to_bits());
    let mut shift = 0;
    while (high - low) >> shift > KEYS as u64 - 2 {
        shift += 1;
    }
    let base = low >> shift;
    #[allow(clippy::cast_possible_truncation)] // below KEYS
    let key = |v: f64| ((v.to_bits() >> shift) - base) as usize;
    let mut counts = [0u32; KEYS];
    // Kept for the gathering pass rather than recomputed (a variable shift each).
    let keys: Vec<u16> = values
        .iter()
        .map(|v| {
            let k = key(*v);
            counts[k] += 1;
            #[allow(clippy::cast_possible_truncation)] // below KEYS
            let k = k as u16;
            k
        })
        .collect();
    // (bucket, values below it, its count) for each bucket holding a wanted rank.
    let mut buckets: Vec<(usize, usize, usize)> = Vec::with_capacity(ranks.len());
    let mut wanted = ranks.iter().copied().peekable();
    let mut below = 0;
    for (k, count) in counts.iter_mut().enumerate() {
        let c = *count as usize;
        if wanted.peek().is_some_and(|r| *r < below + c) {
            buckets.push((k, below, c));
            while wanted.next_if(|r| *r < below + c).is_some() {}
            // Marks the bucket for the gathering pass below (counts are not needed again).
            *count = u32::MAX;
        }
        below += c;
        if wanted.peek().is_none() {
            break;
        }
    }
    let mut gathered: Vec<f64> =
        Vec::with_capacity(buckets.iter().map(|(_, _, c)| c).sum::<usize>());
    gathered.extend(
        values
            .iter()
            .zip(&keys)
            .filter(|(_, k)| counts[usize::from(**k)] == u32::MAX)
            .map(|(v, _)| *v),
    );
    // Rank r of bucket b is rank r − (below b) + (gathered values in earlier marked buckets).
    let mut local: Vec<usize> = Vec::with_capacity(ranks.len());
    let mut earlier = 0;
    let mut rank = ranks.iter().copied().peekable();
    for (_, below, count) in &buckets {
        while let Some(r) = rank.next_if(|r| *r < below + count) {
            local.push(r - below + earlier);
        }
        earlier += count;
    }
    select_ranks(&mut gathered, 0, &local, &less);
    local.iter().map(|r| gathered[*r]).collect()
}

/// For each level, the lower order statistic's rank and the weight of the next one
/// (h = (N - 1) p).
pub(crate) fn positions<const K: usize>(n: usize, levels: [f64; K]) -> [(usize, f64); K] {
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    levels.map(|p| {
        let h = (n - 1) as f64 * p;
        (h.floor() as usize, h - h.floor())
    })
}

/// The distinct ranks `positions` read, ascending.
pub(crate) fn ranks_of(positions: &[(usize, f64)], n: usize) -> Vec<usize> {
    let mut ranks: Vec<usize> = positions
        .iter()
        .flat_map(|&(lo, frac)| [lo, if frac > 0.0 { lo + 1 } else { lo }])
        .map(|r| r.min(n - 1))
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    ranks
}

/// Type 7 interpolation between the order statistics `at` returns.
pub(crate) fn interpolate<const K: usize>(
    positions: &[(usize, f64); K],
    n: usize,
    at: impl Fn(usize) -> f64,
) -> [f64; K] {
    positions.map(|(lo, frac)| {
        let low = at(lo);
        if frac > 0.0 && lo + 1 < n {
            low + frac * (at(lo + 1) - low)
        } else {
            low
        }
    })
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
    let positions = positions(n, levels);
    select_ranks(values, 0, &ranks_of(&positions, n), &f64::total_cmp);
    interpolate(&positions, n, |r| values[r])
}

/// Puts the order statistics of ranks `ranks` (ascending, distinct, each at least `offset`,
/// relative to the whole slice `values` starts at `offset` of) in their sorted positions.
fn select_ranks<T>(
    values: &mut [T],
    offset: usize,
    ranks: &[usize],
    cmp: &impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    let Some(&middle) = ranks.get(ranks.len() / 2) else {
        return;
    };
    let at = middle - offset;
    if at == 0 {
        // The smallest: a scan, cheaper than a partition (common for a rank next to another).
        let smallest = (0..values.len())
            .min_by(|&i, &j| cmp(&values[i], &values[j]))
            .unwrap_or(0);
        values.swap(0, smallest);
    } else {
        values.select_nth_unstable_by(at, cmp);
    }
    let (below, rest) = values.split_at_mut(at);
    select_ranks(below, offset, &ranks[..ranks.len() / 2], cmp);
    select_ranks(
        &mut rest[1..],
        middle + 1,
        &ranks[ranks.len() / 2 + 1..],
        cmp,
    );
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

    #[test]
    fn zeros_and_positive_values_give_of_s_bits_whatever_their_spread() {
        let mut state = 4_242_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            #[allow(clippy::cast_precision_loss)]
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            u
        };
        // Spread over many binades, crowded into one bucket, beyond the buckets' range at
        // both ends, with ties, and short.
        let spreads: [(usize, &dyn Fn(f64) -> f64); 5] = [
            (1_000, &|u| (u * 40.0 - 10.0).exp2()),
            (5_000, &|u| 1_000.0 + u),
            (700, &|u| {
                if u < 0.5 {
                    1e-300 * (1.0 + u)
                } else {
                    1e300 * u
                }
            }),
            (999, &|u| (u * 8.0).floor() + 1.0),
            (100, &|u| u + 0.1),
        ];
        for (n, spread) in spreads {
            for zero_share in [0.0, 0.3, 0.97] {
                let values: Vec<f64> = (0..n)
                    .map(|_| {
                        let u = next();
                        if u < zero_share { 0.0 } else { spread(next()) }
                    })
                    .collect();
                let mut positive: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
                let zeros = n - positive.len();
                let got = Percentiles::of_zeros_and(zeros, &mut positive);
                let want = Percentiles::of(&mut values.clone());
                assert_eq!(got, want, "n {n}, zeros {zeros}");
            }
        }
        assert_eq!(
            Percentiles::of_zeros_and(3, &mut []),
            Percentiles::of(&mut [0.0; 3])
        );
    }
}
