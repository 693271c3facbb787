//! The caller's account and financial profile.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AccountView;

/// How much risk the user is willing to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskTolerance {
    /// Capital preservation first.
    Conservative,
    /// Mostly preservation, some growth.
    ModeratelyConservative,
    /// Balanced.
    Moderate,
    /// Mostly growth.
    ModeratelyAggressive,
    /// Growth first, large swings accepted.
    Aggressive,
}

/// How much the user has invested before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvestmentExperience {
    /// Never invested.
    None,
    /// A little.
    Beginner,
    /// Several years.
    Intermediate,
    /// Many years, several asset classes.
    Advanced,
    /// Professional.
    Expert,
}

/// The financial profile. Every field is optional until the user fills it in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FinancialProfile {
    /// Gross annual income in the account currency, with at most 2 decimals.
    #[schema(minimum = 0, maximum = 1_000_000_000_000.0_f64, example = 85000.0)]
    pub annual_income: Option<f64>,
    /// Age in whole years; derived from `birth_year` when that is set (so it can exceed the
    /// 120 accepted as input).
    #[schema(minimum = 0)]
    pub age: Option<u8>,
    /// Year of birth.
    #[schema(minimum = 1900, maximum = 2100)]
    pub birth_year: Option<u16>,
    /// Risk tolerance.
    pub risk_tolerance: Option<RiskTolerance>,
    /// Investment experience.
    pub investment_experience: Option<InvestmentExperience>,
}

/// `GET /users/profile` and the answer to `PUT /users/profile`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProfileResponse {
    /// The account.
    pub account: AccountView,
    /// The financial profile.
    pub profile: FinancialProfile,
    /// When the profile last changed, if ever.
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `PUT /users/profile`: fields left out stay as they are; `null` clears a profile field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// A new e-mail address.
    #[schema(max_length = 254, format = Email)]
    pub email: Option<String>,
    /// Gross annual income, at most 2 decimals.
    #[serde(default, deserialize_with = "crate::users::double_option")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 1_000_000_000_000.0_f64)]
    pub annual_income: Option<Option<f64>>,
    /// Age in whole years (16 to 120). Give either `age` or `birth_year`.
    #[serde(default, deserialize_with = "crate::de::opt_opt_whole")]
    #[schema(value_type = Option<u8>, minimum = 16, maximum = 120)]
    pub age: Option<Option<u8>>,
    /// Year of birth (1900 to this year minus 16).
    #[serde(default, deserialize_with = "crate::de::opt_opt_whole")]
    #[schema(value_type = Option<u16>, minimum = 1900, maximum = 2100)]
    pub birth_year: Option<Option<u16>>,
    /// Risk tolerance.
    #[serde(default, deserialize_with = "crate::users::double_option")]
    #[schema(value_type = Option<RiskTolerance>)]
    pub risk_tolerance: Option<Option<RiskTolerance>>,
    /// Investment experience.
    #[serde(default, deserialize_with = "crate::users::double_option")]
    #[schema(value_type = Option<InvestmentExperience>)]
    pub investment_experience: Option<Option<InvestmentExperience>>,
}

/// `DELETE /users/account`: the password again, so a stolen access token alone cannot
/// destroy an account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    /// The account's current password.
    #[schema(min_length = 1, max_length = 128)]
    pub password: String,
}

/// Distinguishes "absent" (outer `None`) from "explicitly null" (`Some(None)`).
///
/// # Errors
/// Whatever the inner type's deserialisation reports.
pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
