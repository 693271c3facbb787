//! E-mail addresses.

use protocol::FieldError;

/// RFC 5321's limit on a forward path.
pub const MAX_LEN: usize = 254;

/// A syntactically plausible, lower-cased e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims, lower-cases and checks the shape `local@domain.tld`. Deliverability is not
    /// checked: only a confirmation mail could prove it.
    ///
    /// # Errors
    /// A field error for `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        let bad = |m: &str| FieldError::new(field, m);
        if email.is_empty() {
            return Err(bad("must not be empty"));
        }
        if email.len() > MAX_LEN {
            return Err(bad("must be at most 254 characters"));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(bad("must look like name@example.com"));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@');
        if !domain_ok || !local_ok {
            return Err(bad("must look like name@example.com"));
        }
        Ok(Self(email))
    }

    /// The normalised address.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_rejects() {
        assert_eq!(
            Email::parse("email", "  Ada@Example.COM ")
                .expect("ok")
                .as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "no-at",
            "@x.com",
            "a@",
            "a@b",
            "a@.com",
            "a@b..com",
            "a b@c.com",
            "a@b c.com",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
        assert!(Email::parse("email", &format!("{}@x.com", "a".repeat(300))).is_err());
    }
}
