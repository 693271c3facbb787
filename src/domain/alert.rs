//! Alert rules: each kind's level, and the hysteresis that keeps a rule from flapping.

use protocol::FieldError;
use protocol::alerts::{AlertKind, CreateAlertRuleRequest, Direction};

use super::holding::symbol;

/// A validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// What it watches.
    pub kind: AlertKind,
    /// The level.
    pub level: f64,
    /// The upper-case symbol of a price rule.
    pub symbol: Option<String>,
    /// The direction of a price rule.
    pub direction: Option<Direction>,
    /// The hysteresis, smaller than the level.
    pub hysteresis: f64,
}

/// The accepted range of each kind's level, as a predicate and its description.
fn level_range(kind: AlertKind) -> (fn(f64) -> bool, &'static str) {
    match kind {
        AlertKind::SuccessBelow => (|l| l > 0.0 && l < 1.0, "between 0 and 1 (exclusive)"),
        AlertKind::DriftAbove => (|l| l > 0.0 && l <= 1.0, "greater than 0 and at most 1"),
        AlertKind::PriceCross => (
            |l| l > 0.0 && l <= 1e9,
            "greater than 0 and at most 1000000000",
        ),
    }
}

/// The hysteresis when the request gives none: small enough not to hide a real move, large
/// enough to ignore noise at the level.
fn default_hysteresis(kind: AlertKind, level: f64) -> f64 {
    match kind {
        AlertKind::SuccessBelow => (level / 2.0).min(0.02),
        AlertKind::DriftAbove => level / 5.0,
        AlertKind::PriceCross => level * 0.005,
    }
}

/// Validates a request and fills in the default hysteresis.
///
/// # Errors
/// Every invalid field.
pub fn rule(req: &CreateAlertRuleRequest) -> Result<Rule, Vec<FieldError>> {
    let kind = req.kind;
    let mut errors = Vec::new();
    let (in_range, range) = level_range(kind);
    let level = (req.level.is_finite() && in_range(req.level)).then_some(req.level);
    if level.is_none() {
        errors.push(FieldError::new("level", format!("must be {range}")));
    }
    let price = kind == AlertKind::PriceCross;
    let symbol = match (&req.symbol, price) {
        (Some(raw), true) => symbol("symbol", raw).map_err(|e| errors.push(e)).ok(),
        (None, true) => {
            errors.push(FieldError::new("symbol", "is required for price_cross"));
            None
        }
        (Some(_), false) => {
            errors.push(FieldError::new("symbol", "is only for price_cross"));
            None
        }
        (None, false) => None,
    };
    match (req.direction, price) {
        (None, true) => errors.push(FieldError::new("direction", "is required for price_cross")),
        (Some(_), false) => errors.push(FieldError::new("direction", "is only for price_cross")),
        _ => {}
    }
    let hysteresis = match (req.hysteresis, level) {
        (Some(h), Some(l)) if h.is_finite() && h >= 0.0 && h < l => Some(h),
        // At or past the level the rule could never re-arm.
        (Some(_), _) => {
            errors.push(FieldError::new(
                "hysteresis",
                "must be 0 or more and smaller than level",
            ));
            None
        }
        (None, Some(l)) => Some(default_hysteresis(kind, l)),
        (None, None) => None,
    };
    match (level, hysteresis) {
        (Some(level), Some(hysteresis)) if errors.is_empty() => Ok(Rule {
            kind,
            level,
            symbol,
            direction: req.direction,
            hysteresis,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> CreateAlertRuleRequest {
        serde_json::from_str(json).expect("request")
    }

    #[test]
    fn defaults_and_levels() {
        let r = rule(&parse(r#"{"kind":"success_below","level":0.8}"#)).expect("ok");
        assert_eq!(
            (r.kind, r.level, r.hysteresis),
            (AlertKind::SuccessBelow, 0.8, 0.02)
        );
        let r = rule(&parse(r#"{"kind":"success_below","level":0.01}"#)).expect("ok");
        assert_eq!(r.hysteresis, 0.005);
        let r = rule(&parse(r#"{"kind":"drift_above","level":0.05}"#)).expect("ok");
        assert!((r.hysteresis - 0.01).abs() < 1e-15);
        let r = rule(&parse(
            r#"{"kind":"price_cross","symbol":"vti","direction":"below","level":200}"#,
        ))
        .expect("ok");
        assert_eq!(r.symbol.as_deref(), Some("VTI"));
        assert_eq!((r.direction, r.hysteresis), (Some(Direction::Below), 1.0));
    }

    #[test]
    fn names_bad_fields() {
        let fields = |json: &str| -> Vec<String> {
            rule(&parse(json))
                .expect_err("invalid")
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields(r#"{"kind":"success_below","level":1}"#), ["level"]);
        assert_eq!(
            fields(r#"{"kind":"drift_above","level":0.05,"hysteresis":0.05}"#),
            ["hysteresis"]
        );
        assert_eq!(
            fields(r#"{"kind":"price_cross","symbol":"A B","direction":"above","level":-1}"#),
            ["level", "symbol"]
        );
        assert_eq!(
            fields(r#"{"kind":"price_cross","level":1}"#),
            ["symbol", "direction"]
        );
        assert_eq!(
            fields(r#"{"kind":"drift_above","level":0.1,"symbol":"X","direction":"above"}"#),
            ["symbol", "direction"]
        );
        assert!(
            serde_json::from_str::<CreateAlertRuleRequest>(
                r#"{"kind":"drift_above","level":0.1,"x":1}"#
            )
            .is_err()
        );
    }
}
