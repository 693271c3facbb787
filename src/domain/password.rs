//! Password policy (NIST SP 800-63B: length, not composition rules).

use protocol::FieldError;

/// Shortest accepted password, in characters.
pub const MIN_CHARS: usize = 12;
/// Longest accepted password: bounds hashing work per request.
pub const MAX_CHARS: usize = 128;

/// Checks a new password.
///
/// # Errors
/// A field error for `field`.
pub fn check_new(field: &str, password: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at least {MIN_CHARS} characters"),
        ));
    }
    if chars > MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_CHARS} characters"),
        ));
    }
    if password.trim().is_empty() {
        return Err(FieldError::new(field, "must not be only white space"));
    }
    Ok(())
}

/// Checks a password presented for verification: only the length bound matters.
///
/// # Errors
/// A field error for `field`.
pub fn check_presented(field: &str, password: &str) -> Result<(), FieldError> {
    if password.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if password.chars().count() > MAX_CHARS {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_CHARS} characters"),
        ));
    }
    Ok(())
}
