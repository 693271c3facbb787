//! Why a trade is on the list, in numbers the server can show or reword.

use std::fmt;

/// Why a trade is on the list. Gaps are weights (0.031 is 3.1 points) of the total the
/// rebalance works on, holdings plus new cash, measured before any trade: the gap the trade
/// closes, which is why a position at its target among the holdings alone can still be under
/// target once new cash arrives.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// A buy paid for by new cash alone.
    InvestCash {
        /// How far under target the position was.
        under_by: f64,
    },
    /// A buy paid for, at least in part, by the proceeds of this list's sells.
    BuyWithProceeds {
        /// How far under target the position was.
        under_by: f64,
    },
    /// A sell of a position over target by more than the band.
    SellOutsideBand {
        /// How far over target the position was.
        over_by: f64,
        /// The drift band.
        band: f64,
    },
    /// A sell of a position over target but inside the band: the portfolio as a whole is
    /// outside its band and is brought back to target.
    SellToTarget {
        /// How far over target the position was.
        over_by: f64,
    },
}

/// A weight as points with one decimal: 0.0312 → "3.1".
fn points(weight: f64) -> String {
    format!("{:.1}", weight * 100.0)
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::InvestCash { under_by } => {
                write!(
                    f,
                    "invest new cash: under target by {} points",
                    points(under_by)
                )
            }
            Self::BuyWithProceeds { under_by } => write!(
                f,
                "buy with sale proceeds: under target by {} points",
                points(under_by)
            ),
            Self::SellOutsideBand { over_by, band } => write!(
                f,
                "sell: over target by {} points, outside the {}-point band",
                points(over_by),
                // The band is a setting, usually whole points: "5", not "5.0".
                format!("{:.1}", band * 100.0).trim_end_matches(".0")
            ),
            Self::SellToTarget { over_by } => write!(
                f,
                "sell: over target by {} points, back to target with the rest of the portfolio",
                points(over_by)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_points() {
        assert_eq!(
            Reason::InvestCash { under_by: 0.0312 }.to_string(),
            "invest new cash: under target by 3.1 points"
        );
        assert_eq!(
            Reason::SellOutsideBand {
                over_by: 0.062,
                band: 0.05
            }
            .to_string(),
            "sell: over target by 6.2 points, outside the 5-point band"
        );
        assert_eq!(
            Reason::SellOutsideBand {
                over_by: 0.1,
                band: 0.025
            }
            .to_string(),
            "sell: over target by 10.0 points, outside the 2.5-point band"
        );
        assert_eq!(
            Reason::BuyWithProceeds { under_by: 0.05 }.to_string(),
            "buy with sale proceeds: under target by 5.0 points"
        );
    }
}
