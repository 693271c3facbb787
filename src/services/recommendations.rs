//! `POST /ml/recommendations`: changes the user could make to their plan, each verified by
//! simulation on the plan's own random numbers ([`engine::recommend`]) before it is shown,
//! within what the user can carry; stored with a status, and accepted into the plan.

use std::sync::Arc;

use engine::recommend::{self, Action, Limits, Verified};
use engine::sim::{Plan, SimulationOptions};
use protocol::recommendations::{
    Recommendation, RecommendationKind, RecommendationStatus, RecommendationsRequest,
    RecommendationsResponse, RecommendedChange,
};
use protocol::simulations::PlanSpec;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::simulations::{check_time_of, choose_seed, plan_or_default, resolve, save_plan};
use super::solve::check_target;
use crate::auth::AuthUser;
use crate::domain::plan::{asset_classes, equity_mask};
use crate::http::error::ApiError;
use crate::ml::SuccessModel;
use crate::state::AppState;
use crate::store::recommendations::{NewRecommendation, RecommendationRow};
use crate::store::{self, Db, StoreError};

/// The success aimed for when the request names none.
pub const DEFAULT_TARGET: f64 = 0.85;
/// Paths each change is verified on when the request names none.
pub const DEFAULT_PATHS: u32 = 2000;
/// The fewest and most paths a request may ask for.
pub const PATHS: (u32, u32) = (100, 20_000);
/// The largest share of gross monthly income a recommended contribution may take: above
/// it, a plan asks more than a household can usually carry.
pub const MAX_SAVING_SHARE: f64 = 0.5;
/// Most recommendations returned (one per kind of change).
const MOST: usize = 5;
/// Most stored recommendations listed.
const LIST_LIMIT: i64 = 50;

fn kind(action: &Action) -> RecommendationKind {
    match action {
        Action::SaveMore { .. } => RecommendationKind::SaveMore,
        Action::SpendLess { .. } => RecommendationKind::SpendLess,
        Action::RetireLater { .. } => RecommendationKind::RetireLater,
        Action::LowerFees { .. } => RecommendationKind::LowerFees,
        Action::EquityShare { .. } => RecommendationKind::EquityShare,
    }
}

/// `1,250`: whole units with thousands separators.
fn amount(v: f64) -> String {
    #[allow(clippy::cast_possible_truncation)] // plan amounts are far below 2^63
    let whole = v.round().abs() as i64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn months(m: u32) -> String {
    match (m / 12, m % 12) {
        (0, r) => format!("{r} months"),
        (y, 0) => format!("{y} year{}", if y == 1 { "" } else { "s" }),
        (y, r) => format!("{y} years {r} months"),
    }
}

/// The change as plan fields, what it costs and why, in the user's units.
fn describe(
    v: &Verified,
    spec: &PlanSpec,
    weights: &[f64],
    equity: &[bool],
    share_now: f64,
    target: f64,
    paths: u32,
) -> (RecommendedChange, String, String) {
    let mut change = RecommendedChange::default();
    let (cost, doing) = match v.action {
        Action::SaveMore {
            monthly_contribution,
        } => {
            change.monthly_contribution = Some(monthly_contribution);
            let more = amount(monthly_contribution - spec.monthly_contribution);
            (
                format!("{more} more a month until retirement"),
                format!("Saving {more} more a month"),
            )
        }
        Action::SpendLess { monthly_spending } => {
            change.monthly_spending = Some(monthly_spending);
            let less = amount(spec.monthly_spending - monthly_spending);
            (
                format!("{less} less a month in retirement"),
                format!("Spending {less} less a month in retirement"),
            )
        }
        Action::RetireLater { retirement_month } => {
            change.retirement_month = Some(retirement_month);
            let later = months(retirement_month.saturating_sub(spec.retirement_month));
            (
                format!("retiring {later} later"),
                format!("Retiring {later} later"),
            )
        }
        Action::LowerFees { annual_fee } => {
            change.annual_fee = Some(annual_fee);
            (
                format!(
                    "fees of {:.2}% a year instead of {:.2}% (lower-cost funds)",
                    annual_fee * 100.0,
                    spec.annual_fee * 100.0
                ),
                "Moving to lower-cost funds".to_owned(),
            )
        }
        Action::EquityShare { share } => {
            change.weights = Some(engine::sim::equity_weights(weights, equity, share));
            (
                format!(
                    "{:.0}% in equities instead of {:.0}%",
                    share * 100.0,
                    share_now * 100.0
                ),
                format!(
                    "{} your equity share to {:.0}%",
                    if share > share_now {
                        "Raising"
                    } else {
                        "Lowering"
                    },
                    share * 100.0
                ),
            )
        }
    };
    let reaches = if v.success_after >= target {
        format!(", reaching your {:.0}% target", target * 100.0)
    } else {
        String::new()
    };
    let reason = format!(
        "{doing} raises your chance of success from {:.1}% to {:.1}% (±{:.1}){reaches}, on the same {} simulated paths.",
        v.success_before * 100.0,
        v.success_after * 100.0,
        v.change_standard_error * 100.0,
        amount(f64::from(paths)),
    );
    (change, cost, reason)
}

fn to_wire(row: RecommendationRow) -> Result<Recommendation, ApiError> {
    let id = row.id;
    let corrupt =
        |what: &str| ApiError::from(StoreError::Corrupt(format!("recommendation {id}: {what}")));
    Ok(Recommendation {
        id,
        kind: RecommendationKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
        change: serde_json::from_value(row.change.0.clone()).map_err(|_| corrupt("change"))?,
        cost: row.cost,
        reason: row.reason,
        success_before: row.success_before,
        success_after: row.success_after,
        success_change: row.success_after - row.success_before,
        standard_error: row.standard_error,
        paths: u32::try_from(row.paths).map_err(|_| corrupt("paths"))?,
        seed: u64::try_from(row.seed).map_err(|_| corrupt("seed"))?,
        status: RecommendationStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
        created_at: row.created_at,
        answered_at: row.answered_at,
    })
}

/// What the user can carry: a contribution their income allows (when they gave one), and
/// the equity shares of their risk tolerance band (when they answered the questionnaire).
async fn limits(db: &Db, user: Uuid) -> Result<Limits, ApiError> {
    let profile = db.profile(user).await?;
    let tolerance = db.risk_answers(user).await?;
    Ok(Limits {
        max_monthly_contribution: profile
            .annual_income_cents
            .map(|cents| crate::domain::money::from_cents(cents) / 12.0 * MAX_SAVING_SHARE),
        equity_share: tolerance.and_then(|row| {
            u8::try_from(row.score)
                .ok()
                .map(|score| engine::risk::questionnaire::Band::of(score).equity_range())
        }),
        ..Limits::default()
    })
}

/// Why a plan with model extensions gets no recommendations.
pub const EXTENDED: &str = "recommendations are verified on the base model: this plan has model \
     extensions (goals, income, a withdrawal rule or another return model)";

/// What making recommendations needs besides the plan: the database (limits, storage), the
/// success surrogate and the simulation slots. `POST /ml/recommendations` and the live
/// sessions' recommendation actors share it.
#[derive(Clone)]
pub struct Recommender {
    db: Db,
    model: Arc<SuccessModel>,
    slots: Arc<Semaphore>,
}

/// What one computation is asked.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    /// The success to aim for.
    pub target: f64,
    /// Paths each change is verified on.
    pub paths: u32,
    /// Their seed.
    pub seed: u64,
}

impl Recommender {
    /// A recommender over `db`, screening with `model` and simulating within `slots`.
    #[must_use]
    pub fn new(db: Db, model: Arc<SuccessModel>, slots: Arc<Semaphore>) -> Self {
        Self { db, model, slots }
    }

    /// The server's.
    #[must_use]
    pub fn of(state: &AppState) -> Self {
        Self::new(
            state.db.clone(),
            state.success_model.clone(),
            state.simulation_slots.clone(),
        )
    }

    /// Recommendations for `plan` (the base model of `spec`, at the wealth it starts from),
    /// verified and stored for `user` (replacing the unanswered ones). `afford` sees how many
    /// runs of `ask.paths` verifying takes, before any starts, and may refuse.
    ///
    /// # Errors
    /// `afford`'s refusal; storage failures; 503 when the simulation slots are closed.
    pub async fn make(
        &self,
        user: Uuid,
        spec: &PlanSpec,
        plan: &Plan,
        ask: Ask,
        afford: impl FnOnce(u32) -> Result<(), ApiError>,
    ) -> Result<RecommendationsResponse, ApiError> {
        let Ask {
            target,
            paths,
            seed,
        } = ask;
        let classes = asset_classes(spec);
        let equity = equity_mask(&classes, None, "").ok();
        let limits = limits(&self.db, user).await?;
        let candidates = recommend::candidates(plan, equity.as_deref(), &limits);
        let mask = equity.clone().unwrap_or_else(|| vec![false; classes.len()]);
        // The surrogate picks which candidates are worth simulating; only simulated figures
        // reach the user.
        let model = self.model.clone();
        let actions = recommend::screen(
            plan,
            &candidates,
            &mask,
            |p| model.surrogate.predict(p).ok(),
            target,
        );
        afford(u32::try_from(actions.len() + 1).unwrap_or(u32::MAX))?;
        let options = SimulationOptions {
            paths,
            seed,
            fan_chart: false,
        };
        let share_now = engine::sim::equity_share(&plan.weights, &mask);
        let verified = {
            let _slot = self.slots.acquire().await.map_err(|e| {
                ApiError::Internal(anyhow::Error::new(e).context("simulation slots"))
            })?;
            let (plan, actions, mask) = (plan.clone(), actions.clone(), mask.clone());
            tokio::task::spawn_blocking(move || recommend::verify(&plan, &actions, &mask, &options))
                .await
                .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("verify task")))?
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("verifying a valid plan: {e}")))?
        };
        let new: Vec<NewRecommendation> = recommend::best(verified, target, share_now, MOST)
            .iter()
            .map(|v| {
                let (change, cost, reason) =
                    describe(v, spec, &plan.weights, &mask, share_now, target, paths);
                Ok(NewRecommendation {
                    kind: kind(&v.action).as_str(),
                    change: serde_json::to_value(&change).map_err(anyhow::Error::from)?,
                    cost,
                    reason,
                    success_before: v.success_before,
                    success_after: v.success_after,
                    standard_error: v.change_standard_error,
                    paths,
                    seed,
                })
            })
            .collect::<Result<_, ApiError>>()?;
        let rows = store::recommendations::replace_new(&self.db, user, &new).await?;
        Ok(RecommendationsResponse {
            target_success: target,
            considered: u32::try_from(candidates.len()).unwrap_or(u32::MAX),
            verified: u32::try_from(actions.len()).unwrap_or(u32::MAX),
            recommendations: rows.into_iter().map(to_wire).collect::<Result<_, _>>()?,
        })
    }
}

/// Recommendations for the caller's plan (the stored one, or the default), verified and
/// stored (replacing the unanswered ones).
///
/// # Errors
/// 422 naming `target_success`, `paths` or `seed`, or `extensions` for a plan with model
/// extensions (verified on the base model only, for now); 503 when the simulation slots are
/// busy for too long.
pub async fn recommend(
    state: &AppState,
    user: &AuthUser,
    req: RecommendationsRequest,
) -> Result<RecommendationsResponse, ApiError> {
    let target = req.target_success.unwrap_or(DEFAULT_TARGET);
    check_target(target)?;
    let paths = req.paths.unwrap_or(DEFAULT_PATHS);
    if !(PATHS.0..=PATHS.1).contains(&paths) {
        return Err(ApiError::invalid(
            "paths",
            format!("must be from {} to {}", PATHS.0, PATHS.1),
        ));
    }
    let seed = choose_seed(req.seed)?;
    let spec = plan_or_default(state, user.id).await?;
    let (plan, extensions) = resolve(state, user.id, &spec, "").await?;
    if !extensions.is_base() {
        return Err(ApiError::invalid("extensions", EXTENDED));
    }
    let ask = Ask {
        target,
        paths,
        seed,
    };
    Recommender::of(state)
        .make(user.id, &spec, &plan, ask, |runs| {
            check_time_of(
                state,
                paths.saturating_mul(runs),
                std::slice::from_ref(&plan),
                false,
                "paths",
            )
        })
        .await
}

/// The caller's recommendations, newest first.
///
/// # Errors
/// Storage failures.
pub async fn list(state: &AppState, user: Uuid) -> Result<Vec<Recommendation>, ApiError> {
    store::recommendations::list(&state.db, user, LIST_LIMIT)
        .await?
        .into_iter()
        .map(to_wire)
        .collect()
}

/// The plan with `change` applied.
fn applied(mut spec: PlanSpec, change: &RecommendedChange) -> PlanSpec {
    if let Some(v) = change.monthly_contribution {
        spec.monthly_contribution = v;
    }
    if let Some(v) = change.monthly_spending {
        spec.monthly_spending = v;
    }
    if let Some(v) = change.retirement_month {
        spec.retirement_month = v;
    }
    if let Some(v) = change.annual_fee {
        spec.annual_fee = v;
    }
    if let Some(w) = &change.weights {
        spec.weights = Some(w.clone());
    }
    spec
}

/// Accepts (its change is stored in the plan; the live stream re-simulates) or dismisses the
/// caller's recommendation `id`, once.
///
/// # Errors
/// 404 when it is not the caller's; 409 when it was answered already; 422 naming the field
/// when the change no longer fits the plan (it stays new).
pub async fn answer(
    state: &AppState,
    user: Uuid,
    id: Uuid,
    accept: bool,
) -> Result<Recommendation, ApiError> {
    let row = store::recommendations::get(&state.db, user, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let recommendation = to_wire(row)?;
    let already = || ApiError::Conflict {
        detail: "the recommendation was answered already".into(),
        field: None,
    };
    if recommendation.status != RecommendationStatus::New {
        return Err(already());
    }
    let status = if accept {
        RecommendationStatus::Accepted
    } else {
        RecommendationStatus::Dismissed
    };
    if !store::recommendations::answer(&state.db, user, id, status.as_str()).await? {
        return Err(already());
    }
    if accept {
        let spec = applied(plan_or_default(state, user).await?, &recommendation.change);
        if let Err(e) = save_plan(state, user, spec).await {
            store::recommendations::reopen(&state.db, user, id).await?;
            return Err(e);
        }
    }
    store::recommendations::get(&state.db, user, id)
        .await?
        .ok_or(ApiError::NotFound)
        .and_then(to_wire)
}
