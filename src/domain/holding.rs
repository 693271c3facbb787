//! Holding fields, and the asset classes and target weights a plan gives holdings.

use engine::sim::reference::p1;
use protocol::FieldError;
use protocol::simulations::{DEFAULT_REBALANCE_BAND, PlanSpec};

use super::plan::{DEFAULT_ASSET_NAMES, asset_classes, to_engine};

/// Most shares in one holding: 10^9 shares are 10^15 micro-shares, below 2^53, so every
/// stored quantity is exact as an f64.
pub const MAX_QUANTITY: f64 = 1_000_000_000.0;
/// Longest account name.
pub const MAX_ACCOUNT_CHARS: usize = 40;
/// Longest asset class name a holding can refer to.
pub const MAX_CLASS_CHARS: usize = 60;
/// Longest ticker.
pub const MAX_SYMBOL_CHARS: usize = 16;

/// An account name: 1 to 40 letters, digits, `_`, `-` or `.`, lower-cased so that `IRA` and
/// `ira` are one account. Nothing is trimmed: the schema's pattern refuses spaces, and the
/// server must refuse what the schema refuses.
///
/// # Errors
/// A field error for `account`.
pub fn account(raw: &str) -> Result<String, FieldError> {
    let ok = (1..=MAX_ACCOUNT_CHARS).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(FieldError::new(
            "account",
            "must be 1 to 40 letters, digits, '_', '-' or '.'",
        ))
    }
}

/// A ticker: 1 to 16 letters, digits, `.` or `-` (the rule of `/market/quotes`), upper-cased.
///
/// # Errors
/// A field error for `field`.
pub fn symbol(field: &str, raw: &str) -> Result<String, FieldError> {
    let ok = (1..=MAX_SYMBOL_CHARS).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if ok {
        Ok(raw.to_ascii_uppercase())
    } else {
        Err(FieldError::new(
            field,
            "must be 1 to 16 letters, digits, '.' or '-'",
        ))
    }
}

/// Shares to millionths of a share, refusing non-finite, non-positive, oversized values and
/// more than 6 decimals.
///
/// # Errors
/// A field error for `quantity`.
pub fn quantity_micros(quantity: f64) -> Result<i64, FieldError> {
    let bad = |m: &str| Err(FieldError::new("quantity", m));
    if !quantity.is_finite() || quantity <= 0.0 {
        return bad("must be a number greater than 0");
    }
    if quantity > MAX_QUANTITY {
        return bad("must be at most 1000000000");
    }
    let micros = (quantity * 1e6).round();
    // A decimal with six places parses to within a few ulps of a whole number of micros; a
    // seventh decimal is at least 0.1 micro off (and below 2^53 micros, visible).
    let tolerance = (micros * 4.0 * f64::EPSILON).max(1e-3);
    if (quantity * 1e6 - micros).abs() > tolerance {
        return bad("must have at most 6 decimal places");
    }
    if micros < 1.0 {
        return bad("must be at least 0.000001");
    }
    // In range by the checks above.
    #[allow(clippy::cast_possible_truncation)]
    Ok(micros as i64)
}

/// The asset class names and target weights holdings are measured against: the stored
/// plan's, or the default plan's when none is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// Asset class names, in the plan's order.
    pub names: Vec<String>,
    /// Target weights, one per name.
    pub weights: Vec<f64>,
    /// The drift band beyond which a rebalance sells.
    pub band: f64,
}

impl Targets {
    /// The targets of `plan`, or the defaults without one.
    ///
    /// # Errors
    /// A stored plan that no longer validates (it was validated when written).
    pub fn of(plan: Option<&PlanSpec>) -> Result<Self, FieldError> {
        let Some(plan) = plan else {
            return Ok(Self {
                names: DEFAULT_ASSET_NAMES
                    .iter()
                    .map(|n| (*n).to_owned())
                    .collect(),
                weights: p1().weights,
                band: DEFAULT_REBALANCE_BAND,
            });
        };
        let engine = to_engine(plan, "plan.")?;
        Ok(Self {
            names: asset_classes(plan).into_iter().map(|c| c.name).collect(),
            weights: engine.weights,
            band: plan.rebalance_band.unwrap_or(DEFAULT_REBALANCE_BAND),
        })
    }

    /// The index of the class called `name`.
    #[must_use]
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// `name` if the plan has such a class.
    ///
    /// # Errors
    /// A field error for `asset_class` listing the plan's classes.
    pub fn class(&self, name: &str) -> Result<String, FieldError> {
        // A plan's class name is at most 60 characters once trimmed, but may carry more in
        // surrounding spaces; the column holds 60.
        let fits = name.chars().count() <= MAX_CLASS_CHARS;
        self.index(name)
            .filter(|_| fits)
            .map(|_| name.to_owned())
            .ok_or_else(|| {
                FieldError::new(
                    "asset_class",
                    format!(
                        "must be one of your plan's asset classes: {}",
                        self.names.join(", ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_each_field() {
        assert_eq!(account("Roth_IRA-2.x").expect("ok"), "roth_ira-2.x");
        for bad in ["", " ira", "a b", &"a".repeat(41), "ira\n", "é"] {
            assert!(account(bad).is_err(), "{bad:?}");
        }
        assert_eq!(symbol("symbol", "brk.b").expect("ok"), "BRK.B");
        for bad in ["", "AAPL ", "A,B", &"A".repeat(17)] {
            assert!(symbol("symbol", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn quantities_are_exact_micro_shares() {
        for (q, micros) in [
            (1.0, 1_000_000),
            (0.000_001, 1),
            (12.345_678, 12_345_678),
            (1e9, 1_000_000_000_000_000),
        ] {
            assert_eq!(quantity_micros(q).expect("ok"), micros, "{q}");
        }
        for bad in [
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            1e9 + 1.0,
            0.000_000_1,
            1.000_000_1,
            5e-324,
        ] {
            assert!(quantity_micros(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_targets_are_the_reference_plan() {
        let t = Targets::of(None).expect("defaults");
        assert_eq!(t.names, DEFAULT_ASSET_NAMES);
        assert_eq!(t.weights, [0.6, 0.2, 0.2]);
        assert_eq!(t.index("bonds"), Some(2));
        assert_eq!(t.class("gold").expect_err("unknown").field, "asset_class");
    }
}
