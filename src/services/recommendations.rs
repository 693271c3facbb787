//! `POST /ml/recommendations`: changes the user could make to their plan, each verified by
//! simulation on the plan's own random numbers ([`engine::recommend`]) before it is shown,
//! within what the user can carry; stored with a status, and accepted into the plan.
//!
//! A plan with model extensions is verified on the extended model and may be told to delay
//! or drop a goal it wants or wishes for. Its candidates are not screened by the surrogate
//! (trained on plans without extensions, it would misjudge them): all of them, at most 31,
//! are simulated (BENCHMARKS.md, "Recommendations").

use std::sync::Arc;

use engine::recommend::{self, Action, Limits, Verified};
use engine::sim::{Extensions, Plan, SimulationOptions};
use protocol::recommendations::{
    GoalTradeOff, Recommendation, RecommendationKind, RecommendationStatus, RecommendationsRequest,
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
        Action::DelayGoal { .. } => RecommendationKind::DelayGoal,
        Action::DropGoal { .. } => RecommendationKind::DropGoal,
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

/// What a recommendation is made for: the plan as stored, the base model's inputs at the
/// wealth it starts from, and the model extensions simulated.
struct Made<'a> {
    spec: &'a PlanSpec,
    plan: &'a Plan,
    extensions: &'a Extensions,
    equity: &'a [bool],
    share_now: f64,
    target: f64,
    paths: u32,
}

/// Goal `index` as the user named it, with its amount and month as simulated.
fn goal_trade_off(made: &Made<'_>, index: usize, new_month: Option<u32>) -> (GoalTradeOff, f64) {
    let simulated = made.extensions.goals.get(index);
    let named = made.spec.extensions.goals.get(index);
    let month = simulated.map_or(0, |g| g.month);
    let name = named.map_or_else(|| format!("goal {}", index + 1), |g| g.name.clone());
    (
        GoalTradeOff {
            index: u32::try_from(index).unwrap_or(u32::MAX),
            name,
            month,
            new_month,
        },
        simulated.map_or(0.0, |g| g.amount),
    )
}

/// The change as plan fields, what it costs and why, in the user's units.
fn describe(v: &Verified, made: &Made<'_>) -> (RecommendedChange, String, String) {
    let Made {
        spec,
        plan,
        equity,
        share_now,
        target,
        paths,
        ..
    } = *made;
    let weights = &plan.weights;
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
        Action::DelayGoal { goal, month } => {
            let (trade, amount_of) = goal_trade_off(made, goal, Some(month));
            let later = months(month.saturating_sub(trade.month));
            let name = trade.name.clone();
            change.goal = Some(trade);
            (
                format!("{name} ({}) paid {later} later", amount(amount_of)),
                format!("Paying {name} {later} later"),
            )
        }
        Action::DropGoal { goal } => {
            let (trade, amount_of) = goal_trade_off(made, goal, None);
            let name = trade.name.clone();
            change.goal = Some(trade);
            (
                format!("giving up {name} ({})", amount(amount_of)),
                format!("Giving up {name}"),
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

    /// Recommendations for `plan` (the base model of `spec`, at the wealth it starts from)
    /// with `extensions` (those simulated for `spec`), verified and stored for `user`
    /// (replacing the unanswered ones). `afford` sees how many runs of `ask.paths` verifying
    /// takes, and whether they are extended, before any starts, and may refuse.
    ///
    /// # Errors
    /// `afford`'s refusal; storage failures; 503 when the simulation slots are closed.
    pub async fn make(
        &self,
        user: Uuid,
        spec: &PlanSpec,
        plan: &Plan,
        extensions: &Extensions,
        ask: Ask,
        afford: impl FnOnce(u32, bool) -> Result<(), ApiError>,
    ) -> Result<RecommendationsResponse, ApiError> {
        let Ask {
            target,
            paths,
            seed,
        } = ask;
        let classes = asset_classes(spec);
        let equity = equity_mask(&classes, None, "").ok();
        let limits = limits(&self.db, user).await?;
        let mask = equity.clone().unwrap_or_else(|| vec![false; classes.len()]);
        // A spending floor alone shapes only the spending report: such a plan is a base plan
        // for success, and is screened like one.
        let extended = !Extensions {
            spending_floor: None,
            ..extensions.clone()
        }
        .is_base();
        let (candidates, actions) = if extended {
            // Not screened: the surrogate knows only plans without extensions. The set is
            // bounded (`engine::recommend::MOST_GOALS_TRADED`) and simulated whole.
            let all = recommend::candidates_extended(plan, extensions, equity.as_deref(), &limits);
            (all.clone(), all)
        } else {
            let all = recommend::candidates(plan, equity.as_deref(), &limits);
            // The surrogate picks which candidates are worth simulating; only simulated
            // figures reach the user.
            let model = self.model.clone();
            let screened = recommend::screen(
                plan,
                &all,
                &mask,
                |p| model.surrogate.predict(p).ok(),
                target,
            );
            (all, screened)
        };
        afford(
            u32::try_from(actions.len() + 1).unwrap_or(u32::MAX),
            extended,
        )?;
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
            let extensions = extended.then(|| extensions.clone());
            tokio::task::spawn_blocking(move || match extensions {
                Some(ext) => recommend::verify_extended(&plan, &ext, &actions, &mask, &options)
                    .map_err(|e| e.to_string()),
                None => {
                    recommend::verify(&plan, &actions, &mask, &options).map_err(|e| e.to_string())
                }
            })
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("verify task")))?
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("verifying a valid plan: {e}")))?
        };
        let made = Made {
            spec,
            plan,
            extensions,
            equity: &mask,
            share_now,
            target,
            paths,
        };
        let new: Vec<NewRecommendation> = recommend::best(verified, target, share_now, MOST)
            .iter()
            .map(|v| {
                let (change, cost, reason) = describe(v, &made);
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
/// 422 naming `target_success`, `paths` or `seed`, or the plan's field at fault; 503 when
/// the simulation slots are busy for too long.
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
    let ask = Ask {
        target,
        paths,
        seed,
    };
    Recommender::of(state)
        .make(user.id, &spec, &plan, &extensions, ask, |runs, extended| {
            check_time_of(
                state,
                paths.saturating_mul(runs),
                std::slice::from_ref(&plan),
                extended,
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
///
/// # Errors
/// 422 naming `extensions.goals` when the goal a trade-off changes is no longer in the plan
/// as it was (at its position, with its name and month).
fn applied(mut spec: PlanSpec, change: &RecommendedChange) -> Result<PlanSpec, ApiError> {
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
    if let Some(trade) = &change.goal {
        let index = trade.index as usize;
        let goals = &mut spec.extensions.goals;
        let same = goals
            .get(index)
            .is_some_and(|g| g.name == trade.name && g.month == trade.month);
        if !same {
            return Err(ApiError::invalid(
                "extensions.goals",
                format!(
                    "the goal \"{}\" this recommendation changes is no longer in the plan as it was",
                    trade.name
                ),
            ));
        }
        match trade.new_month {
            Some(month) => goals[index].month = month,
            None => {
                goals.remove(index);
            }
        }
    }
    Ok(spec)
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
        let saved = match applied(plan_or_default(state, user).await?, &recommendation.change) {
            Ok(spec) => save_plan(state, user, spec).await.map(drop),
            Err(e) => Err(e),
        };
        if let Err(e) = saved {
            store::recommendations::reopen(&state.db, user, id).await?;
            return Err(e);
        }
    }
    store::recommendations::get(&state.db, user, id)
        .await?
        .ok_or(ApiError::NotFound)
        .and_then(to_wire)
}
