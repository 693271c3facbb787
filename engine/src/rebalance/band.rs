//! The live path's question, asked on every price tick: is the portfolio outside its band,
//! and how many trades would bring it back? O(n), no heap allocation.

use super::error::{RebalanceError, validate};
use super::fill::round_shares;
use super::{OUTSIDE_SLACK, Position, RebalanceSettings};

/// Where the holdings stand against their band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandStatus {
    /// Whether some position's weight is more than the band away from its target.
    pub outside: bool,
    /// The largest `|weight − target|`; 0 when nothing is held.
    pub max_abs_drift: f64,
    /// How many trades [`rebalance`](super::rebalance) with no new cash would list: 0 inside
    /// the band or when selling is not allowed, otherwise the positions whose trade back to
    /// target is at least one share step and at least the minimum trade value. Exact with
    /// fractional shares when no sell falls below the minimum. Otherwise the sells raise a
    /// little less (a dropped sell) or a little more or less (whole shares rounded) than the
    /// buys need, and a buy near the minimum or near half a share may go the other way.
    pub trades_needed: usize,
}

/// The band status of `positions` (weights among the holdings alone, as the live allocation
/// shows them). Nothing held is inside the band: weights mean nothing then.
///
/// # Errors
/// The same input checks as [`rebalance`](super::rebalance) (see [`RebalanceError`]).
pub fn band_status(
    positions: &[Position],
    settings: &RebalanceSettings,
) -> Result<BandStatus, RebalanceError> {
    validate(positions, None, settings)?;
    let holdings: f64 = positions.iter().map(|p| p.quantity * p.price).sum();
    if holdings <= 0.0 {
        return Ok(BandStatus {
            outside: false,
            max_abs_drift: 0.0,
            trades_needed: 0,
        });
    }
    let max_abs_drift = positions
        .iter()
        .map(|p| (p.quantity * p.price / holdings - p.target).abs())
        .fold(0.0, f64::max);
    let outside = max_abs_drift > settings.band + OUTSIDE_SLACK;
    let trades_needed = if outside && settings.allow_sells {
        positions
            .iter()
            .filter(|p| {
                let gap = p.target * holdings - p.quantity * p.price;
                let mut shares = round_shares(gap.abs() / p.price, settings.shares);
                if gap < 0.0 {
                    shares = shares.min(p.quantity);
                }
                shares > 0.0 && shares * p.price >= settings.min_trade_value
            })
            .count()
    } else {
        0
    };
    Ok(BandStatus {
        outside,
        max_abs_drift,
        trades_needed,
    })
}
