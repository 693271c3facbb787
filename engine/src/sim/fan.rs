//! The fan chart of a large run in bounded memory: a fixed log-spaced histogram per year.
//!
//! Keeping every path's yearly wealth costs N × years values (240 MB for 500,000 paths of
//! P1) and grows with N. A histogram with fixed bins instead costs the same whatever N, and
//! integer counts merge by addition, which is exact and order-independent: the result is the
//! same bit for bit whatever the number of threads or the way rayon splits the work.
//!
//! Bins: ruined paths (wealth exactly 0) are counted apart and stay exact. A value v >= 1 goes
//! to the bin of its exponent and the top 8 bits of its mantissa, [2^e (1 + j/256),
//! 2^e (1 + (j+1)/256)); a value in (0, 1) to one of 256 equal bins of [0, 1). An order
//! statistic is read as the middle of its bin, so it is within 2^-9 (0.2%) of the true
//! value relative to it, or absolutely below 1; the type 7 interpolation between two order
//! statistics keeps that bound relative to the larger one. At the path counts that take this
//! route the Monte Carlo standard error of a percentile is larger still (of the order of 0.1%
//! for the yearly medians of P1 at 500,000 paths: 1.25 σ / √N with σ, the spread of log
//! wealth, 0.5 to 1).
//!
//! Memory: per year, one dense run of 1 KB per binade from the smallest to the largest value
//! it reached (values below 1 share one binade's worth), grown as values arrive; about 1 MB
//! for P1's 60 years, plus a batch of values held back ([`YearCounter`], 1 MB for P1). One such
//! set per worker thread, merged at the end.

use super::stats::{LEVELS, Percentiles, interpolate, positions, ranks_of};

/// Bins per binade (and in [0, 1)): 2^8. 1,024 bins (2^-11) cost 7.5% more wall time at
/// 500,000 P1 paths (2.566 s against 2.386 s, idle machine): the counts (4 KB per binade and
/// year) stopped fitting the cache; 2^-9 is invisible on a fan chart, and the headline figures
/// (success, terminal percentiles) stay exact.
const BINS: usize = 1 << 8;
/// Keys 0 .. 256 are [0, 1) in equal steps; key 256 (e + 1) + j is
/// [2^e (1 + j/256), 2^e (1 + (j+1)/256)) for e = 0 ..= 1023.
const KEYS: usize = (1 + 1024) * BINS;
/// Bits of an `f64` below the mantissa's top 8.
const SHIFT: u32 = 52 - 8;
/// `value.to_bits() >> SHIFT` of 1.0, less the 256 keys below 1.
const KEY_OFFSET: usize = (1022 << 8) as usize;

/// The key of a value at least 0; larger values never get smaller keys.
#[inline]
fn key_of(value: f64) -> usize {
    if value < 1.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0 <= v·256 < 256
        let key = (value * BINS as f64) as usize;
        key
    } else {
        #[allow(clippy::cast_possible_truncation)] // 22 bits
        let bits = (value.to_bits() >> SHIFT) as usize;
        // An infinite value (never produced) saturates.
        (bits - KEY_OFFSET).min(KEYS - 1)
    }
}

/// The middle of key `key`'s bin.
fn middle(key: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)] // below 2^11
    if key < BINS {
        (key as f64 + 0.5) / BINS as f64
    } else {
        let edge = ((key + KEY_OFFSET) as u64) << SHIFT;
        let (low, high) = (f64::from_bits(edge), f64::from_bits(edge + (1 << SHIFT)));
        // Both are powers of two apart: the mean is exact.
        low + (high - low) / 2.0
    }
}

/// One year's counts over the keys `first .. first + counts.len()`: one dense run, grown a
/// binade at a time as values arrive, so that a count is one indexed increment.
#[derive(Debug, Default)]
struct YearCounts {
    first: usize,
    counts: Vec<u32>,
}

impl YearCounts {
    /// Makes the run cover `low ..= high`.
    fn cover(&mut self, low: usize, high: usize) {
        let (low, high) = (low / BINS * BINS, (high / BINS + 1) * BINS);
        if self.counts.is_empty() {
            self.first = low;
            self.counts = vec![0; high - low];
            return;
        }
        let end = self.first + self.counts.len();
        if low >= self.first && high <= end {
            return;
        }
        let first = low.min(self.first);
        let mut counts = vec![0; high.max(end) - first];
        counts[self.first - first..end - first].copy_from_slice(&self.counts);
        self.first = first;
        self.counts = counts;
    }

    /// Counts values by their keys.
    fn add_keys(&mut self, keys: &[u32]) {
        let (low, high) = keys.iter().fold((usize::MAX, 0), |(l, h), k| {
            (l.min(*k as usize), h.max(*k as usize))
        });
        if low > high {
            return;
        }
        self.cover(low, high);
        // A loop this small keeps many increments' cache misses in flight at once.
        let counts = &mut self.counts[..];
        for k in keys {
            counts[*k as usize - self.first] += 1;
        }
    }

    fn merge(&mut self, other: &Self) {
        if other.counts.is_empty() {
            return;
        }
        self.cover(other.first, other.first + other.counts.len() - 1);
        let at = other.first - self.first;
        for (c, o) in self.counts[at..].iter_mut().zip(&other.counts) {
            *c += o;
        }
    }
}

/// Counts of the values per bin, for each year of a run.
#[derive(Debug)]
pub struct YearHistograms {
    zeros: Vec<u32>,
    years: Vec<YearCounts>,
}

impl YearHistograms {
    /// Empty counts for `years` years.
    pub fn new(years: usize) -> Self {
        Self {
            zeros: vec![0; years],
            years: (0..years).map(|_| YearCounts::default()).collect(),
        }
    }

    /// Counts a surviving path's real wealth `value` (at least 0) at year index `year`.
    #[cfg(test)]
    fn add(&mut self, year: usize, value: f64) {
        #[allow(clippy::cast_possible_truncation)] // below 2^21
        self.years[year].add_keys(&[key_of(value) as u32]);
    }

    /// Sets the count of ruined paths (wealth 0) of each year from those ruined during each
    /// year (ruined paths are not counted otherwise).
    pub fn set_zeros(&mut self, ruined_in_year: &[u32]) {
        let mut so_far = 0;
        for (zeros, ruined) in self.zeros.iter_mut().zip(ruined_in_year) {
            so_far += ruined;
            *zeros = so_far;
        }
    }

    /// Adds `other`'s counts (exact, so the order of merging does not matter).
    pub fn merge(&mut self, other: &Self) {
        for (zeros, more) in self.zeros.iter_mut().zip(&other.zeros) {
            *zeros += more;
        }
        for (mine, theirs) in self.years.iter_mut().zip(&other.years) {
            mine.merge(theirs);
        }
    }

    /// The percentiles of each year, each order statistic read as its bin's middle.
    pub fn percentiles(&self) -> Vec<Percentiles> {
        (0..self.years.len()).map(|year| self.year(year)).collect()
    }

    fn year(&self, year: usize) -> Percentiles {
        let zeros = self.zeros[year] as usize;
        let run = &self.years[year];
        let n = zeros + run.counts.iter().map(|&c| c as usize).sum::<usize>();
        if n == 0 {
            return Percentiles::of(&mut []);
        }
        let positions = positions(n, LEVELS);
        let ranks = ranks_of(&positions, n);
        // One walk up the bins (a binade at a time where no wanted rank falls), reading each
        // wanted rank as it is passed.
        let mut found: Vec<(usize, f64)> = Vec::with_capacity(ranks.len());
        let mut wanted = ranks.iter().copied().filter(|r| *r >= zeros).peekable();
        let mut below = zeros;
        for (binade, counts) in run.counts.chunks(BINS).enumerate() {
            let total: usize = counts.iter().map(|&c| c as usize).sum();
            if wanted.peek().is_none_or(|r| *r >= below + total) {
                below += total;
                continue;
            }
            for (bin, &count) in counts.iter().enumerate() {
                below += count as usize;
                while let Some(r) = wanted.next_if(|r| *r < below) {
                    found.push((r, middle(run.first + binade * BINS + bin)));
                }
            }
        }
        let at = |r: usize| {
            if r < zeros {
                0.0
            } else {
                found
                    .iter()
                    .find(|(rank, _)| *rank == r)
                    .map_or(0.0, |(_, v)| *v)
            }
        };
        let [p5, p25, p50, p75, p95] = interpolate(&positions, n, at);
        Percentiles {
            p5,
            p25,
            p50,
            p75,
            p95,
        }
    }
}

/// Paths whose yearly values a [`YearCounter`] holds before counting them.
const BATCH: usize = 2_048;

/// Counts paths' yearly values a batch at a time, year by year.
///
/// Counting is memory-bound: each value increments one of several MB of counts. Holding a
/// batch back and counting it a year at a time means one range check per year and batch
/// (the year's run of bins grows only then) and an increment loop small enough to keep many
/// cache misses in flight. Measured with `perf` on one thread (300,000 P1 paths), holding and
/// counting take 4.7% of the run; counting each path's values as it ended, into per-binade
/// blocks, took about as much (5-6% by CPU time), so the gain is in simplicity of the
/// counts more than in speed. The batch costs 8 bytes per path and year (1 MB per worker for
/// P1), whatever N.
#[derive(Debug)]
pub struct YearCounter {
    counts: YearHistograms,
    /// `held[year * BATCH + i]`, the first `fill[year]` of each year.
    held: Vec<f64>,
    fill: Vec<usize>,
    /// One year's keys of a batch.
    keys: Vec<u32>,
}

impl YearCounter {
    /// Nothing counted yet, for `years` years.
    pub fn new(years: usize) -> Self {
        Self {
            counts: YearHistograms::new(years),
            held: vec![0.0; years * BATCH],
            fill: vec![0; years],
            keys: Vec::with_capacity(BATCH),
        }
    }

    /// Holds a path's real wealth for each year it was alive (ruined years, 0, are counted
    /// apart: [`YearHistograms::set_zeros`]).
    #[inline]
    pub fn add_path(&mut self, alive: &[f64]) {
        for (year, value) in alive.iter().enumerate() {
            self.held[year * BATCH + self.fill[year]] = *value;
            self.fill[year] += 1;
        }
        // Year 0 holds the most: every path alive later was alive then.
        if self.fill.first().is_some_and(|f| *f == BATCH) {
            self.flush();
        }
    }

    fn flush(&mut self) {
        for (year, fill) in self.fill.iter_mut().enumerate() {
            // Keys first, then the increments in a loop of their own (see `add_keys`).
            self.keys.clear();
            #[allow(clippy::cast_possible_truncation)] // below 2^21
            self.keys.extend(
                self.held[year * BATCH..year * BATCH + *fill]
                    .iter()
                    .map(|v| key_of(*v) as u32),
            );
            self.counts.years[year].add_keys(&self.keys);
            *fill = 0;
        }
    }

    /// The counts, everything held counted.
    pub fn finish(mut self) -> YearHistograms {
        self.flush();
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ordered_and_their_middles_are_within_the_bound() {
        let mut state = 99_u64;
        for _ in 0..100_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            #[allow(clippy::cast_precision_loss)]
            let value = ((state >> 11) as f64 / (1u64 << 53) as f64 * 60.0 - 12.0).exp2();
            let key = key_of(value);
            let mid = middle(key);
            let bound = (value.max(1.0)) / 512.0;
            assert!((mid - value).abs() <= bound, "{value} in {key}: {mid}");
            assert!(key_of(value * 1.01) >= key);
        }
        assert_eq!(key_of(0.0), 0);
        assert_eq!(key_of(0.999_999), 255);
        assert_eq!(key_of(1.0), 256);
        assert_eq!(key_of(f64::MAX), KEYS - 1);
        assert_eq!(key_of(f64::INFINITY), KEYS - 1);
    }

    /// Counts `values[year * count + path]`, zeros apart.
    fn add_year_major(h: &mut YearHistograms, values: &[f64], count: usize) {
        for (year, column) in values.chunks_exact(count).enumerate() {
            for &v in column {
                if v > 0.0 {
                    h.add(year, v);
                } else {
                    h.zeros[year] += 1;
                }
            }
        }
    }

    #[test]
    fn percentiles_are_within_the_bound_of_the_exact_ones_and_merge_in_any_order() {
        // Two years of 3,001 values: about a third zeros, the rest spread over 2^-5 .. 2^30.
        let n = 3_001;
        let mut state = 7_u64;
        let mut values = vec![0.0; 2 * n];
        for v in &mut values {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            #[allow(clippy::cast_precision_loss)]
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            *v = if u < 0.33 {
                0.0
            } else {
                (u * 35.0 - 5.0).exp2()
            };
        }
        let mut whole = YearHistograms::new(2);
        add_year_major(&mut whole, &values, n);
        // The same values in two halves, merged either way round.
        let half = |from: usize, to: usize| {
            let mut h = YearHistograms::new(2);
            let part: Vec<f64> = (0..2)
                .flat_map(|y| values[y * n + from..y * n + to].iter().copied())
                .collect();
            add_year_major(&mut h, &part, to - from);
            h
        };
        let (mut ab, b) = (half(0, 1_000), half(1_000, n));
        ab.merge(&b);
        let (a, mut ba) = (half(0, 1_000), half(1_000, n));
        ba.merge(&a);
        let got = whole.percentiles();
        assert_eq!(got, ab.percentiles());
        assert_eq!(got, ba.percentiles());
        for (year, p) in got.iter().enumerate() {
            let mut column = values[year * n..(year + 1) * n].to_vec();
            column.sort_by(f64::total_cmp);
            for (level, estimate) in LEVELS.iter().zip([p.p5, p.p25, p.p50, p.p75, p.p95]) {
                #[allow(
                    clippy::cast_precision_loss,
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss
                )]
                let (lo, frac) = {
                    let h = (n - 1) as f64 * level;
                    (h.floor() as usize, h - h.floor())
                };
                let hi = (lo + 1).min(n - 1);
                let exact = column[lo] + frac * (column[hi] - column[lo]);
                let bound = column[hi].max(1.0) / 512.0;
                assert!(
                    (estimate - exact).abs() <= bound,
                    "year {year}, level {level}: {estimate} vs {exact}"
                );
            }
        }
    }
}
