//! Validation of a rebalance's inputs: every error names the offending field and index.

use super::{Position, RebalanceSettings};

/// How far the targets' sum may stray from 1: weights typed as percentages with a few
/// decimals do not add up to exactly 1 in binary floating point.
pub const TARGET_SUM_TOLERANCE: f64 = 1e-6;

/// Why a rebalance (or a band status) cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RebalanceError {
    /// A quantity that is not finite and 0 or more.
    #[error("positions[{0}].quantity must be finite and 0 or more")]
    Quantity(usize),
    /// A price that is not finite and greater than 0.
    #[error("positions[{0}].price must be finite and greater than 0")]
    Price(usize),
    /// A target weight that is not finite and between 0 and 1.
    #[error("positions[{0}].target must be finite and between 0 and 1")]
    Target(usize),
    /// Targets that do not sum to 1 (within [`TARGET_SUM_TOLERANCE`]); also the error for no
    /// positions at all, whose targets sum to 0.
    #[error("positions[..].target must sum to 1, not {0}")]
    TargetSum(f64),
    /// New cash that is not finite and 0 or more.
    #[error("cash must be finite and 0 or more")]
    Cash,
    /// A drift band that is not finite and 0 or more.
    #[error("settings.band must be finite and 0 or more")]
    Band,
    /// A minimum trade value that is not finite and 0 or more.
    #[error("settings.min_trade_value must be finite and 0 or more")]
    MinTradeValue,
}

/// Checks the positions and settings; `cash` is checked too when given.
pub(super) fn validate(
    positions: &[Position],
    cash: Option<f64>,
    settings: &RebalanceSettings,
) -> Result<(), RebalanceError> {
    let mut sum = 0.0;
    for (i, p) in positions.iter().enumerate() {
        if !p.quantity.is_finite() || p.quantity < 0.0 {
            return Err(RebalanceError::Quantity(i));
        }
        if !p.price.is_finite() || p.price <= 0.0 {
            return Err(RebalanceError::Price(i));
        }
        if !p.target.is_finite() || !(0.0..=1.0).contains(&p.target) {
            return Err(RebalanceError::Target(i));
        }
        sum += p.target;
    }
    if (sum - 1.0).abs() > TARGET_SUM_TOLERANCE {
        return Err(RebalanceError::TargetSum(sum));
    }
    if cash.is_some_and(|c| !c.is_finite() || c < 0.0) {
        return Err(RebalanceError::Cash);
    }
    if !settings.band.is_finite() || settings.band < 0.0 {
        return Err(RebalanceError::Band);
    }
    if !settings.min_trade_value.is_finite() || settings.min_trade_value < 0.0 {
        return Err(RebalanceError::MinTradeValue);
    }
    Ok(())
}
