//! `/ml/model`: the success surrogate the server screens with.

use actix_web::{HttpResponse, web};
use protocol::auth::Scope;
use protocol::ml::ModelCard;

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::services;
use crate::state::AppState;

/// The success surrogate's model card: what it was trained on, its seed and date, and its
/// held-out accuracy (mean absolute error and calibration by decile against 10,000-path
/// runs). The surrogate only screens candidate changes; no answer rests on it alone.
#[utoipa::path(get, path = "/ml/model", tag = "ml", security(("bearer" = ["read:simulations"])),
    responses((status = 200, description = "The model card.", body = ModelCard)))]
pub async fn model(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadSimulations)?;
    Ok(HttpResponse::Ok().json(services::ml::model_card(&state.success_model)))
}
