//! Alert rules and the alerts they raise.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat,
    SchemaType, Type,
};

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// The live success probability falls below `level`.
    SuccessBelow,
    /// The largest absolute drift from the target allocation rises above `level`.
    DriftAbove,
    /// A symbol's price crosses `level` in `direction`.
    PriceCross,
}

impl AlertKind {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::SuccessBelow, Self::DriftAbove, Self::PriceCross];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SuccessBelow => "success_below",
            Self::DriftAbove => "drift_above",
            Self::PriceCross => "price_cross",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Which way a price must cross.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Fires when the price reaches `level` or more.
    Above,
    /// Fires when the price falls to `level` or less.
    Below,
}

impl Direction {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Above => "above",
            Self::Below => "below",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Above, Self::Below]
            .into_iter()
            .find(|d| d.as_str() == value)
    }
}

/// `POST /alerts/rules`. After firing, a rule fires again only once the observed value has
/// come back past `level` by `hysteresis` (in the level's unit), so a value hovering at the
/// level does not flap.
///
/// Its schema is written by hand (`rule_schema`): one object per kind, so that the level's
/// range, and whether `symbol` and `direction` belong, are in the document, not only in the
/// server's answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAlertRuleRequest {
    /// What the rule watches.
    pub kind: AlertKind,
    /// `success_below`: a probability strictly between 0 and 1. `drift_above`: a weight
    /// difference, at most 1. `price_cross`: a price.
    pub level: f64,
    /// The ticker, required for `price_cross` and only there; stored upper-case.
    pub symbol: Option<String>,
    /// Which way the price must cross, required for `price_cross` and only there.
    pub direction: Option<Direction>,
    /// Smaller than `level`. When omitted: 0.02 (or half the level, if smaller) for
    /// `success_below`, a fifth of the level for `drift_above`, 0.5 % of the level for
    /// `price_cross`.
    #[serde(default)]
    pub hysteresis: Option<f64>,
}

impl utoipa::PartialSchema for CreateAlertRuleRequest {
    fn schema() -> RefOr<Schema> {
        let price = rule_schema(
            AlertKind::PriceCross,
            number().exclusive_minimum(Some(0)).maximum(Some(1e9)),
            "A symbol's price crosses `level` in `direction`.",
        )
        .property(
            "symbol",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(16))
                .pattern(Some(r"^[A-Za-z0-9.\-]{1,16}$"))
                .description(Some("The ticker; stored upper-case.")),
        )
        .required("symbol")
        .property(
            "direction",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["above", "below"]))
                .description(Some("Fire when the price reaches `level` from below (`above`) or from above (`below`).")),
        )
        .required("direction");
        let null = || ObjectBuilder::new().schema_type(Type::Null);
        let not_price = |kind, level, description| {
            rule_schema(kind, level, description)
                .property("symbol", null())
                .property("direction", null())
        };
        OneOfBuilder::new()
            .item(not_price(
                AlertKind::SuccessBelow,
                number()
                    .exclusive_minimum(Some(0))
                    .exclusive_maximum(Some(1)),
                "The live success probability falls below `level`.",
            ))
            .item(not_price(
                AlertKind::DriftAbove,
                number().exclusive_minimum(Some(0)).maximum(Some(1)),
                "The largest absolute drift from the target weights rises above `level`.",
            ))
            .item(price)
            .into()
    }
}

impl ToSchema for CreateAlertRuleRequest {}

fn number() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Number)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
}

/// One kind's object: `kind`, `level` (with the kind's range) and the optional `hysteresis`;
/// nothing else.
fn rule_schema(kind: AlertKind, level: ObjectBuilder, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(description))
        .property(
            "kind",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([kind.as_str()])),
        )
        .required("kind")
        .property("level", level)
        .required("level")
        .property(
            "hysteresis",
            ObjectBuilder::new()
                .schema_type(
                    [Type::Number, Type::Null]
                        .into_iter()
                        .collect::<SchemaType>(),
                )
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
                .minimum(Some(0))
                .maximum(Some(1e9))
                .description(Some(
                    "Smaller than `level`; a default suited to the kind when omitted.",
                )),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(false)))
}

/// A rule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AlertRuleView {
    /// The rule's id.
    pub id: uuid::Uuid,
    /// What it watches.
    pub kind: AlertKind,
    /// The level.
    pub level: f64,
    /// The symbol, for `price_cross`.
    pub symbol: Option<String>,
    /// The direction, for `price_cross`.
    pub direction: Option<Direction>,
    /// How far back past the level the value must come before the rule fires again.
    pub hysteresis: f64,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A stored alert.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AlertView {
    /// The alert's id.
    pub id: uuid::Uuid,
    /// The rule that fired; absent when the rule was deleted since.
    pub rule_id: Option<uuid::Uuid>,
    /// What fired.
    pub kind: AlertKind,
    /// What happened, for people.
    pub message: String,
    /// The observed value that fired the rule.
    pub value: f64,
    /// When.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// For a `success_below` alert: the top recommendation computed when it fired (its
    /// sentence ends `message`), while it stands in `GET /ml/recommendations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recommendation_id: Option<uuid::Uuid>,
}
