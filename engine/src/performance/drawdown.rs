//! The largest fall from a peak.

/// A drawdown: the fall from a peak to the lowest point before the next new high.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drawdown {
    /// `1 − trough / peak`: 0.25 is a 25% fall.
    pub depth: f64,
    /// Index of the peak: the last valuation at that high before the fall.
    pub peak: usize,
    /// Index of the lowest point.
    pub trough: usize,
    /// Index of the first valuation after the trough back at or above the peak; `None` if the
    /// series has not recovered.
    pub recovery: Option<usize>,
}

/// The deepest drawdown of `series` (a growth index or values, positive), or `None` if it
/// never falls below a previous high. Of equally deep drawdowns the first is reported.
/// A fall to 0 is a drawdown of 1; non-finite and negative points are passed over, and a
/// point must be above 0 to be a peak.
#[must_use]
pub fn max_drawdown(series: &[f64]) -> Option<Drawdown> {
    let mut peak: Option<usize> = None;
    let mut deepest: Option<Drawdown> = None;
    for (t, &x) in series.iter().enumerate() {
        if !x.is_finite() || x < 0.0 {
            continue;
        }
        let p = match peak {
            Some(p) if series[p] > x => p,
            _ => {
                if x > 0.0 {
                    peak = Some(t);
                }
                continue;
            }
        };
        let depth = 1.0 - x / series[p];
        if deepest.is_none_or(|d| depth > d.depth) {
            deepest = Some(Drawdown {
                depth,
                peak: p,
                trough: t,
                recovery: None,
            });
        }
    }
    deepest.map(|d| Drawdown {
        recovery: (d.trough + 1..series.len()).find(|&t| series[t] >= series[d.peak]),
        ..d
    })
}
