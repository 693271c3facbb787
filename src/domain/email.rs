//! E-mail addresses.

use protocol::FieldError;

/// RFC 5321's limit on a forward path.
pub const MAX_LEN: usize = 254;

/// The domain of demo accounts' addresses (`.invalid` never resolves, RFC 2606); no other
/// account may use it or its subdomains, so an address there always means a demo account.
pub const DEMO_DOMAIN: &str = "demo.glidepath.invalid";

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

    /// Whether it is under [`DEMO_DOMAIN`].
    #[must_use]
    pub fn is_demo(&self) -> bool {
        self.0.rsplit_once('@').is_some_and(|(_, domain)| {
            domain == DEMO_DOMAIN
                || domain
                    .strip_suffix(DEMO_DOMAIN)
                    .is_some_and(|sub| sub.ends_with('.'))
        })
    }

    /// Refuses an address under [`DEMO_DOMAIN`], for accounts other than demo ones.
    ///
    /// # Errors
    /// A field error for `field`.
    pub fn not_demo(self, field: &str) -> Result<Self, FieldError> {
        if self.is_demo() {
            return Err(FieldError::new(
                field,
                format!("addresses under {DEMO_DOMAIN} are reserved for demo accounts"),
            ));
        }
        Ok(self)
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

    #[test]
    fn demo_addresses_are_recognised_with_their_subdomains_only() {
        let parse = |raw: &str| Email::parse("email", raw).unwrap();
        assert!(parse("demo-1@demo.glidepath.invalid").is_demo());
        assert!(parse("X@Sub.Demo.Glidepath.Invalid").is_demo());
        assert!(!parse("a@notdemo.glidepath.invalid").is_demo());
        assert!(!parse("a@glidepath.invalid").is_demo());
        assert!(parse("a@example.com").not_demo("email").is_ok());
        let refused = parse("a@demo.glidepath.invalid")
            .not_demo("email")
            .unwrap_err();
        assert_eq!(refused.field, "email");
    }
}
