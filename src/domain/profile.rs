//! Financial-profile fields.

use chrono::Datelike;
use protocol::FieldError;

/// Youngest accepted age.
pub const MIN_AGE: u8 = 16;
/// Oldest accepted age.
pub const MAX_AGE: u8 = 120;

/// An age within bounds.
///
/// # Errors
/// A field error for `age`.
pub fn age(raw: u8) -> Result<i16, FieldError> {
    if (MIN_AGE..=MAX_AGE).contains(&raw) {
        Ok(i16::from(raw))
    } else {
        Err(FieldError::new(
            "age",
            format!("must be from {MIN_AGE} to {MAX_AGE}"),
        ))
    }
}

/// The earliest accepted birth year.
pub const MIN_BIRTH_YEAR: i32 = 1900;

/// A birth year from [`MIN_BIRTH_YEAR`] to this year minus [`MIN_AGE`].
///
/// # Errors
/// A field error for `birth_year`.
pub fn birth_year(raw: u16, today: chrono::NaiveDate) -> Result<i16, FieldError> {
    let year = today.year();
    let earliest = MIN_BIRTH_YEAR;
    let latest = year - i32::from(MIN_AGE);
    if (earliest..=latest).contains(&i32::from(raw)) {
        i16::try_from(raw).map_err(|_| FieldError::new("birth_year", "out of range"))
    } else {
        Err(FieldError::new(
            "birth_year",
            format!("must be from {earliest} to {latest}"),
        ))
    }
}

/// The age implied by a birth year (the age reached this calendar year).
#[must_use]
pub fn age_from_birth_year(birth_year: i16, today: chrono::NaiveDate) -> Option<u8> {
    u8::try_from(today.year() - i32::from(birth_year)).ok()
}
