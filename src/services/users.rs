//! The caller's profile and account deletion.

use std::sync::Arc;

use chrono::Utc;
use protocol::FieldError;
use protocol::users::{
    DeleteAccountRequest, FinancialProfile, InvestmentExperience, ProfileResponse, RiskTolerance,
    UpdateProfileRequest,
};
use uuid::Uuid;

use super::{account_view, collect};
use crate::domain::{email::Email, money, password, profile};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::profiles::ProfileRow;

fn snake<T: serde::Serialize>(value: T) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

fn parse_snake<T: serde::de::DeserializeOwned>(value: Option<&String>) -> Option<T> {
    value.and_then(|v| serde_json::from_value(serde_json::Value::String(v.clone())).ok())
}

fn profile_view(row: &ProfileRow) -> FinancialProfile {
    let today = Utc::now().date_naive();
    FinancialProfile {
        annual_income: row.annual_income_cents.map(money::from_cents),
        age: match row.birth_year {
            Some(year) => profile::age_from_birth_year(year, today),
            None => row.age.and_then(|a| u8::try_from(a).ok()),
        },
        birth_year: row.birth_year.and_then(|y| u16::try_from(y).ok()),
        risk_tolerance: parse_snake::<RiskTolerance>(row.risk_tolerance.as_ref()),
        investment_experience: parse_snake::<InvestmentExperience>(
            row.investment_experience.as_ref(),
        ),
    }
}

/// The caller's account and profile, from the account cache when it holds them (every change
/// to either invalidates it: [`crate::auth::accounts`]).
///
/// # Errors
/// 404 when the account no longer exists (deleted while the token lives on).
pub async fn get_profile(state: &AppState, user: Uuid) -> Result<ProfileResponse, ApiError> {
    let record = state
        .accounts
        .record(user, async {
            match state.db.account_and_profile(user).await? {
                Some((account, row)) => {
                    Ok::<_, ApiError>(Some(Arc::new((account_view(&account)?, row))))
                }
                None => Ok(None),
            }
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let (account, row) = &*record;
    Ok(ProfileResponse {
        account: account.clone(),
        profile: profile_view(row),
        updated_at: row.updated_at,
    })
}

/// Applies the fields present in `req`; nothing changes unless all of them are valid.
fn apply(row: &mut ProfileRow, req: &UpdateProfileRequest) -> Vec<FieldError> {
    let today = Utc::now().date_naive();
    let mut errors = Vec::new();
    if let Some(income) = req.annual_income {
        match income
            .map(|v| money::to_cents("annual_income", v, true))
            .transpose()
        {
            Ok(cents) => row.annual_income_cents = cents,
            Err(e) => errors.push(e),
        }
    }
    match (req.age, req.birth_year) {
        (Some(Some(_)), Some(Some(_))) => {
            errors.push(FieldError::new(
                "age",
                "give either age or birth_year, not both",
            ));
        }
        (Some(age), _) => match age.map(profile::age).transpose() {
            Ok(age) => {
                row.age = age;
                if age.is_some() {
                    row.birth_year = None;
                }
            }
            Err(e) => errors.push(e),
        },
        (None, Some(year)) => match year.map(|y| profile::birth_year(y, today)).transpose() {
            Ok(year) => {
                row.birth_year = year;
                if year.is_some() {
                    row.age = None;
                }
            }
            Err(e) => errors.push(e),
        },
        (None, None) => {}
    }
    if let Some(risk) = req.risk_tolerance {
        row.risk_tolerance = risk.and_then(snake);
    }
    if let Some(experience) = req.investment_experience {
        row.investment_experience = experience.and_then(snake);
    }
    errors
}

/// Updates e-mail and profile fields.
///
/// # Errors
/// 422 for bad fields, 409 for an e-mail taken by another account, 404 for a deleted account.
pub async fn update_profile(
    state: &AppState,
    user: Uuid,
    req: UpdateProfileRequest,
) -> Result<ProfileResponse, ApiError> {
    let account = state.db.find_user(user).await?.ok_or(ApiError::NotFound)?;
    let mut row = state.db.profile(user).await?;
    let mut errors = apply(&mut row, &req);
    let email = match req
        .email
        .as_deref()
        .map(|e| Email::parse("email", e).and_then(|e| e.not_demo("email")))
        .transpose()
    {
        Ok(email) => email,
        Err(e) => {
            errors.push(e);
            None
        }
    };
    collect(errors)?;
    let email = email.filter(|e| e.as_str() != account.email);
    if email.is_some() && account.is_demo {
        return Err(ApiError::Forbidden(
            "a demo account cannot change its e-mail address".into(),
        ));
    }
    if let Some(email) = email {
        state
            .db
            .update_email(user, email.as_str())
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ApiError::Conflict {
                    detail: "another account uses this e-mail".into(),
                    field: Some("email".into()),
                },
                other => other.into(),
            })?;
        super::live_hooks::account_updated(state, user);
    }
    let profile_fields_sent = req.annual_income.is_some()
        || req.age.is_some()
        || req.birth_year.is_some()
        || req.risk_tolerance.is_some()
        || req.investment_experience.is_some();
    if profile_fields_sent {
        state.db.save_profile(user, &row).await?;
        super::live_hooks::account_updated(state, user);
    }
    get_profile(state, user).await
}

/// Deletes the account and everything it owns, after checking the password.
///
/// # Errors
/// 422 for an absurd password field, 401 for a wrong password, 404 for a deleted account.
pub async fn delete_account(
    state: &AppState,
    user: Uuid,
    req: DeleteAccountRequest,
    ip: &str,
) -> Result<(), ApiError> {
    password::check_presented("password", &req.password)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let account = state.db.find_user(user).await?.ok_or(ApiError::NotFound)?;
    if !state
        .passwords
        .verify(req.password, Some(account.password_hash))
        .await?
    {
        return Err(ApiError::InvalidCredentials);
    }
    if state.db.delete_account(user, Some(ip)).await? {
        super::live_hooks::account_deleted(state, user);
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}
