//! `/ml/risk-assessment`.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::Problem;
use protocol::auth::Scope;
use protocol::risk::{RiskAnswers, RiskAssessment, RiskAssessmentQuery, StoredRiskAnswers};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::services;
use crate::state::AppState;

/// The risk assessment: the questionnaire (to render), the stored answers and their score
/// (tolerance), and, from the stored plan, the largest fall it can bear now while keeping
/// `success_threshold` (capacity, read off the plan's paths exactly), the least equity share
/// and return that reach it (need, by the solver), and the recommended equity share with
/// which part binds. Without a stored plan, capacity and need say why instead. An advisor
/// may read a client's who granted access (`user_id`). Nothing is stored.
#[utoipa::path(get, path = "/ml/risk-assessment", tag = "simulations", security(("bearer" = ["read:profile", "read:goals"])),
    params(RiskAssessmentQuery),
    responses(
        (status = 200, description = "The assessment.", body = RiskAssessment),
        (status = 403, description = "More paths than the caller's role may run.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such client, or no access to their assessment.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A query parameter is invalid or unknown (naming it), or the searches would exceed the server's time bound (naming `paths`).", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_assessment(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadProfile)?;
    user.require(Scope::ReadGoals)?;
    Ok(HttpResponse::Ok()
        .json(services::risk::assessment(&state, &user, req.query_string()).await?))
}

/// Answer (or answer again) the risk tolerance questionnaire: every item's 1-based option.
/// The answers replace any stored before (`first_taken_at` stays).
#[utoipa::path(put, path = "/ml/risk-assessment", tag = "simulations", security(("bearer" = ["write:profile"])),
    request_body = RiskAnswers,
    responses(
        (status = 200, description = "The stored answers and their score.", body = StoredRiskAnswers),
        (status = 422, description = "An item missing, answered out of range or unknown, naming `answers.<item>`.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_answers(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<RiskAnswers>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteProfile)?;
    Ok(HttpResponse::Ok().json(services::risk::save_answers(&state, user.id, body.0).await?))
}
