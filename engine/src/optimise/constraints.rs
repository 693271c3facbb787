//! The constraints every objective shares: the weights sum to 1, per-asset bounds, group
//! bounds, and a rebalance from current weights (turnover limit, proportional costs).

use super::error::OptimiseError;

/// Lower and upper bound of one weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    /// Smallest weight; negative allows a short position of at most `-lower`.
    pub lower: f64,
    /// Largest weight.
    pub upper: f64,
}

/// Per-asset weight bounds.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightBounds {
    /// One bound for every asset. The default is long-only, `0 ≤ w ≤ 1`.
    Uniform(Bound),
    /// One bound per asset, in input order.
    PerAsset(Vec<Bound>),
}

impl Default for WeightBounds {
    fn default() -> Self {
        Self::Uniform(Bound {
            lower: 0.0,
            upper: 1.0,
        })
    }
}

/// A named set of assets (a sector, an asset class) whose summed weight is bounded.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// A name for messages.
    pub name: String,
    /// Asset indices; distinct.
    pub assets: Vec<usize>,
    /// Smallest summed weight; `f64::NEG_INFINITY` for none.
    pub lower: f64,
    /// Largest summed weight; `f64::INFINITY` for none.
    pub upper: f64,
}

/// A rebalance from the current portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct Rebalance {
    /// The current weights `w0`, in input order.
    pub current_weights: Vec<f64>,
    /// Largest turnover `Σ|w - w0|`, if limited.
    pub turnover_limit: Option<f64>,
    /// Proportional cost `c` per unit of weight traded: the objective is charged
    /// `c · Σ|w - w0|` (see the module documentation of [`super`] for how each objective
    /// takes it). 0 for none.
    pub cost_rate: f64,
}

/// All constraints of an optimisation. The weights always sum to 1.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Constraints {
    /// Per-asset bounds; long-only `0..1` by default.
    pub bounds: WeightBounds,
    /// Group bounds.
    pub groups: Vec<Group>,
    /// Turnover and costs against the current weights.
    pub rebalance: Option<Rebalance>,
}

impl Constraints {
    /// The bound of each of `n` assets.
    pub(crate) fn bounds_for(&self, n: usize) -> Vec<Bound> {
        match &self.bounds {
            WeightBounds::Uniform(b) => vec![*b; n],
            WeightBounds::PerAsset(v) => v.clone(),
        }
    }

    /// The cost rate, 0 without a rebalance.
    pub(crate) fn cost_rate(&self) -> f64 {
        self.rebalance.as_ref().map_or(0.0, |r| r.cost_rate)
    }

    /// The turnover limit, if any.
    pub(crate) fn turnover_limit(&self) -> Option<f64> {
        self.rebalance.as_ref().and_then(|r| r.turnover_limit)
    }

    /// Whether the problem needs the auxiliary `t ≥ |w - w0|` variables.
    pub(crate) fn needs_trades(&self) -> bool {
        self.rebalance
            .as_ref()
            .is_some_and(|r| r.turnover_limit.is_some() || r.cost_rate > 0.0)
    }

    /// Checks the constraints for `n` assets: lengths, finiteness, order of bounds, group
    /// membership, non-negative limits.
    pub(crate) fn validate(&self, n: usize) -> Result<(), OptimiseError> {
        match &self.bounds {
            WeightBounds::Uniform(b) => check_bound("bounds", None, *b)?,
            WeightBounds::PerAsset(v) => {
                if v.len() != n {
                    return Err(OptimiseError::Length {
                        field: "bounds",
                        expected: n,
                        actual: v.len(),
                    });
                }
                for (i, b) in v.iter().enumerate() {
                    check_bound("bounds", Some(i), *b)?;
                }
            }
        }
        for (g, group) in self.groups.iter().enumerate() {
            let bad = |problem: String| OptimiseError::Group {
                group: g,
                name: group.name.clone(),
                problem,
            };
            if group.assets.is_empty() {
                return Err(bad("has no assets".into()));
            }
            let mut seen = vec![false; n];
            for &a in &group.assets {
                match seen.get_mut(a) {
                    None => return Err(bad(format!("asset index {a} is not below {n}"))),
                    Some(true) => return Err(bad(format!("asset index {a} is listed twice"))),
                    Some(s) => *s = true,
                }
            }
            if group.lower.is_nan() || group.upper.is_nan() {
                return Err(bad("a bound is NaN".into()));
            }
            if group.lower == f64::INFINITY || group.upper == f64::NEG_INFINITY {
                return Err(bad("a bound is infinite on the wrong side".into()));
            }
            if group.lower > group.upper {
                return Err(bad(format!(
                    "lower bound {} is above upper bound {}",
                    group.lower, group.upper
                )));
            }
        }
        if let Some(r) = &self.rebalance {
            if r.current_weights.len() != n {
                return Err(OptimiseError::Length {
                    field: "rebalance.current_weights",
                    expected: n,
                    actual: r.current_weights.len(),
                });
            }
            for (index, &value) in r.current_weights.iter().enumerate() {
                if !value.is_finite() {
                    return Err(OptimiseError::NotFinite {
                        field: "rebalance.current_weights",
                        index,
                        value,
                    });
                }
            }
            if let Some(l) = r.turnover_limit
                && !(l.is_finite() && l >= 0.0)
            {
                return Err(OptimiseError::OutOfRange {
                    field: "rebalance.turnover_limit",
                    value: l,
                    requirement: "finite and 0 or more",
                });
            }
            if !(r.cost_rate.is_finite() && r.cost_rate >= 0.0) {
                return Err(OptimiseError::OutOfRange {
                    field: "rebalance.cost_rate",
                    value: r.cost_rate,
                    requirement: "finite and 0 or more",
                });
            }
        }
        Ok(())
    }
}

fn check_bound(field: &'static str, index: Option<usize>, b: Bound) -> Result<(), OptimiseError> {
    let at = index.unwrap_or(0);
    for value in [b.lower, b.upper] {
        if !value.is_finite() {
            return Err(OptimiseError::NotFinite {
                field,
                index: at,
                value,
            });
        }
    }
    if b.lower > b.upper {
        return Err(OptimiseError::BoundsReversed {
            index,
            lower: b.lower,
            upper: b.upper,
        });
    }
    Ok(())
}
