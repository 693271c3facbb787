//! Exact money. The wire carries decimal numbers; the database holds integer cents.

use protocol::FieldError;

/// The largest amount accepted, 1 trillion: beyond any personal plan, far inside the range
/// where an f64 still represents every cent exactly (2^53 cents).
pub const MAX_AMOUNT: f64 = 1_000_000_000_000.0;

/// Converts a wire amount to cents, refusing non-finite, negative, oversized values and
/// fractions of a cent.
///
/// # Errors
/// A field error for `field`.
pub fn to_cents(field: &str, amount: f64, allow_zero: bool) -> Result<i64, FieldError> {
    if !amount.is_finite() {
        return Err(FieldError::new(field, "must be a finite number"));
    }
    if amount < 0.0 || (!allow_zero && amount == 0.0) {
        let bound = if allow_zero {
            "0 or more"
        } else {
            "greater than 0"
        };
        return Err(FieldError::new(field, format!("must be {bound}")));
    }
    if amount > MAX_AMOUNT {
        return Err(FieldError::new(field, "must be at most 1000000000000"));
    }
    let cents = (amount * 100.0).round();
    // A decimal with two places, parsed to the nearest f64, is within a few ulps of a whole
    // number of cents; anything further off has a third decimal.
    if (amount * 100.0 - cents).abs() > 1e-6 * cents.abs().max(1.0) {
        return Err(FieldError::new(field, "must have at most 2 decimal places"));
    }
    // A positive amount below half a cent (say 5e-324) rounds to nothing.
    if !allow_zero && cents < 1.0 {
        return Err(FieldError::new(field, "must be at least 0.01"));
    }
    // In range by the checks above.
    #[allow(clippy::cast_possible_truncation)]
    Ok(cents as i64)
}

/// Cents back to a wire amount.
#[must_use]
#[allow(clippy::cast_precision_loss)] // exact below 2^53 cents, which MAX_AMOUNT guarantees
pub fn from_cents(cents: i64) -> f64 {
    cents as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_two_decimals_exactly() {
        for (amount, cents) in [
            (0.01, 1),
            (0.1, 10),
            (19.99, 1999),
            (1_500_000.5, 150_000_050),
            (999_999_999_999.99, 99_999_999_999_999),
        ] {
            assert_eq!(to_cents("a", amount, false).expect("ok"), cents);
            assert_eq!(from_cents(cents), amount);
        }
    }

    #[test]
    fn refuses_bad_amounts() {
        for bad in [
            f64::NAN,
            f64::INFINITY,
            -1.0,
            0.0,
            0.001,
            0.004,
            5e-324,
            1e-10,
            1.234,
            2e12,
        ] {
            assert!(to_cents("a", bad, false).is_err(), "{bad}");
        }
        assert_eq!(to_cents("a", 0.0, true).expect("zero allowed"), 0);
    }
}
