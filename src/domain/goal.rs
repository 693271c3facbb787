//! Goal fields.

use chrono::NaiveDate;
use protocol::FieldError;

/// Longest goal name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Latest accepted target date: 150 years is beyond any plan.
pub const MAX_YEARS_AHEAD: i32 = 150;

/// A trimmed, non-empty name of at most [`MAX_NAME_CHARS`] characters without control
/// characters.
///
/// # Errors
/// A field error for `name`.
pub fn name(raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new("name", "must not be empty"));
    }
    if trimmed.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::new(
            "name",
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// A priority from 1 (highest) to 5.
///
/// # Errors
/// A field error for `priority`.
pub fn priority(raw: u8) -> Result<i16, FieldError> {
    if (1..=5).contains(&raw) {
        Ok(i16::from(raw))
    } else {
        Err(FieldError::new("priority", "must be from 1 (highest) to 5"))
    }
}

/// A target date no earlier than `today` and not absurdly far ahead.
///
/// # Errors
/// A field error for `target_date`.
pub fn target_date(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    use chrono::Datelike;
    if date < today {
        return Err(FieldError::new("target_date", "must be today or later"));
    }
    if date.year() > today.year() + MAX_YEARS_AHEAD {
        return Err(FieldError::new(
            "target_date",
            format!("must be within {MAX_YEARS_AHEAD} years"),
        ));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_each_field() {
        assert_eq!(name("  House ").expect("ok"), "House");
        assert!(name("   ").is_err());
        assert!(name(&"x".repeat(201)).is_err());
        assert!(name("a\u{0}b").is_err());
        assert!(priority(0).is_err() && priority(6).is_err() && priority(3).is_ok());
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        assert!(target_date(today, today).is_ok());
        assert!(target_date(today.pred_opt().expect("date"), today).is_err());
        assert!(target_date(NaiveDate::from_ymd_opt(2300, 1, 1).expect("date"), today).is_err());
    }
}
