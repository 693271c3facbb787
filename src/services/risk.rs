//! The risk assessment, `GET`/`PUT /ml/risk-assessment`: the questionnaire's answers stored
//! and scored ([`engine::risk::questionnaire`]), capacity and need computed from the stored
//! plan on the blocking pool under the simulation bound ([`engine::risk`]), their
//! combination, and each part said in words.

use std::collections::BTreeMap;

use engine::risk::{self, Band, Binding, Capacity, CapacityMethod, Need, NeedShare, Parts};
use engine::sim::{Extensions, Plan, SimulationOptions, SolveError};
use protocol::FieldError;
use protocol::risk::{
    CapacityView, NeedView, Questionnaire, RiskAnswers, RiskAssessment, RiskAssessmentQuery,
    RiskBandView, RiskBinding, RiskItem, RiskOption, RiskProfileView, StoredRiskAnswers,
    ToleranceBand, ToleranceView,
};
use uuid::Uuid;

use super::simulations::{check_extended_paths, check_paths, check_time_of, choose_seed, resolve};
use crate::auth::AuthUser;
use crate::domain::plan::{asset_classes, equity_mask, equity_names};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::risk::RiskAnswersRow;

/// The success threshold when the query gives none: the plan must keep (capacity) and reach
/// (need) four successes in five.
pub const DEFAULT_THRESHOLD: f64 = 0.8;
/// Paths when the query gives none: an equity-share search runs up to 36 simulations, so
/// fewer than a single run's default (the standard error of a success near 0.8 is then 0.9
/// percentage points).
pub const DEFAULT_PATHS: u32 = 2_000;
/// The seed when the query gives none: fixed, so that the same plan is assessed the same.
pub const DEFAULT_SEED: u64 = 1;

/// The wire's band.
fn band(b: Band) -> ToleranceBand {
    match b {
        Band::Low => ToleranceBand::Low,
        Band::BelowAverage => ToleranceBand::BelowAverage,
        Band::Average => ToleranceBand::Average,
        Band::AboveAverage => ToleranceBand::AboveAverage,
        Band::High => ToleranceBand::High,
    }
}

/// The questionnaire as the wire serves it.
#[must_use]
pub fn questionnaire() -> Questionnaire {
    Questionnaire {
        instrument: risk::questionnaire::INSTRUMENT.to_owned(),
        citation: risk::questionnaire::CITATION.to_owned(),
        items: risk::ITEMS
            .iter()
            .map(|item| RiskItem {
                id: item.id.to_owned(),
                question: item.question.to_owned(),
                options: (1..)
                    .zip(item.options)
                    .map(|(option, choice)| RiskOption {
                        option,
                        text: choice.text.to_owned(),
                        points: u32::from(choice.points),
                    })
                    .collect(),
            })
            .collect(),
        bands: Band::ALL
            .iter()
            .map(|b| {
                let (min_score, max_score) = b.scores();
                let (equity_min, equity_max) = b.equity_range();
                RiskBandView {
                    band: band(*b),
                    min_score: u32::from(min_score),
                    max_score: u32::from(max_score),
                    equity_min,
                    equity_max,
                }
            })
            .collect(),
    }
}

/// A percentage with one decimal (0.634 → `63.4%`).
fn pct(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// An amount of money with two decimals and thousands separated (`1,234,567.89`).
fn money(amount: f64) -> String {
    let text = format!("{:.2}", amount.abs());
    let (whole, cents) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount < 0.0 { "-" } else { "" };
    format!("{sign}{grouped}.{cents}")
}

/// A whole number with thousands separated (`2,000`).
fn count(n: u32) -> String {
    let text = money(f64::from(n));
    text.strip_suffix(".00").unwrap_or(&text).to_owned()
}

fn tolerance_view(score: risk::Score) -> ToleranceView {
    let (low, high) = score.band.scores();
    let (equity_min, equity_max) = score.band.equity_range();
    ToleranceView {
        score: u32::from(score.total),
        min_score: u32::from(risk::questionnaire::MIN_SCORE),
        max_score: u32::from(risk::questionnaire::MAX_SCORE),
        band: band(score.band),
        equity_min,
        equity_max,
        explanation: format!(
            "Your score is {} on the Grable & Lytton scale (13 to 47): {} risk tolerance ({low} to {high}), which we read as holding {} to {} of the portfolio in equity.",
            score.total,
            score.band.name().replace('_', " "),
            pct(equity_min),
            pct(equity_max),
        ),
    }
}

/// Scores `answers`.
///
/// # Errors
/// 422 naming `answers.<item>`: missing, out of range or unknown.
fn scored(answers: &BTreeMap<String, i64>) -> Result<risk::Score, ApiError> {
    risk::score(answers).map_err(|e| {
        let message = e.to_string();
        let message = message
            .split_once(": ")
            .map_or(message.clone(), |(_, m)| m.to_owned());
        ApiError::Validation(vec![FieldError::new(e.field(), message)])
    })
}

fn stored_view(row: RiskAnswersRow) -> Result<StoredRiskAnswers, ApiError> {
    // Stored answers were scored before they were written; scoring them again keeps the
    // wire's view a function of the questionnaire.
    let score = risk::score(&row.answers.0)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored risk answers: {e}")))?;
    Ok(StoredRiskAnswers {
        instrument: row.instrument,
        answers: row.answers.0,
        taken_at: row.taken_at,
        first_taken_at: row.first_taken_at,
        tolerance: tolerance_view(score),
    })
}

/// `PUT /ml/risk-assessment`: validates, scores and stores (replaces) the caller's answers.
///
/// # Errors
/// 422 naming the first item missing, out of range or unknown.
pub async fn save_answers(
    state: &AppState,
    user: Uuid,
    req: RiskAnswers,
) -> Result<StoredRiskAnswers, ApiError> {
    let score = scored(&req.answers)?;
    let row = state
        .db
        .save_risk_answers(
            user,
            risk::questionnaire::INSTRUMENT,
            &req.answers,
            i16::from(score.total),
        )
        .await?;
    stored_view(row)
}

/// The query, each parameter checked on its own (422 naming it).
///
/// # Errors
/// 422 naming a parameter that does not parse, is out of range or is unknown.
pub fn parse_query(query: &str) -> Result<RiskAssessmentQuery, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|e| ApiError::malformed("query", e.to_string()))?;
    let mut q = RiskAssessmentQuery::default();
    for (key, value) in pairs {
        match key.as_str() {
            "success_threshold" => {
                let t: f64 = value.parse().map_err(|_| {
                    ApiError::invalid(
                        "success_threshold",
                        "must be a number above 0 and at most 1",
                    )
                })?;
                if !(t > 0.0 && t <= 1.0) {
                    return Err(ApiError::invalid(
                        "success_threshold",
                        "must be above 0 and at most 1",
                    ));
                }
                q.success_threshold = Some(t);
            }
            "paths" => {
                let n: u32 = value
                    .parse()
                    .map_err(|_| ApiError::invalid("paths", "must be a whole number of paths"))?;
                q.paths = Some(n);
            }
            "seed" => {
                let s: u64 = value
                    .parse()
                    .map_err(|_| ApiError::invalid("seed", "must be a whole number"))?;
                q.seed = Some(s);
            }
            "user_id" => {
                let id: Uuid = value
                    .parse()
                    .map_err(|_| ApiError::invalid("user_id", "must be a UUID"))?;
                q.user_id = Some(id);
            }
            other => {
                return Err(ApiError::invalid(
                    other,
                    "is not a parameter: success_threshold, paths, seed and user_id are",
                ));
            }
        }
    }
    Ok(q)
}

/// What capacity and need found on the blocking pool.
struct Computed {
    capacity: Capacity,
    /// The need, or why there is none (the equity classes cannot be told, or the share
    /// cannot move).
    need: Result<Need, String>,
}

/// Simulation runs capacity and need may make, for the up-front time bound.
fn runs(plan: &Plan, extensions: &Extensions, need: bool) -> u32 {
    let capacity = if extensions.is_base()
        || engine::sim::extended::prepared::wealth_dependence(extensions).is_none()
    {
        1
    } else {
        // Halvings of the wealth down to a cent, the two ends and the cent itself.
        let cents = (plan.initial_wealth * 100.0).max(1.0);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // at most 47
        let halvings = cents.log2().ceil() as u32;
        halvings + 3
    };
    capacity
        + if need {
            engine::sim::solve::EQUITY_SIMULATIONS
        } else {
            0
        }
}

async fn compute(
    state: &AppState,
    plan: Plan,
    extensions: Extensions,
    equity: Result<Vec<bool>, String>,
    threshold: f64,
    options: SimulationOptions,
) -> Result<Computed, ApiError> {
    let _slot = state
        .simulation_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("simulation slots")))?;
    let computed = tokio::task::spawn_blocking(move || {
        let extended = Some(&extensions).filter(|e| !e.is_base());
        let capacity = risk::capacity(&plan, extended, threshold, &options)?;
        let need = match equity {
            Err(why) => Err(why),
            Ok(mask) => match risk::need(&plan, extended, &mask, threshold, &options) {
                Ok(n) => Ok(n),
                Err(SolveError::EquityClasses(why)) => Err(why
                    .strip_prefix("equity_classes: ")
                    .unwrap_or(why)
                    .to_owned()),
                Err(e) => return Err(e),
            },
        };
        Ok::<_, SolveError>(Computed { capacity, need })
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("risk assessment task")))?;
    computed.map_err(|e| super::solve::refusal(&e))
}

fn capacity_view(c: &Capacity, plan: &Plan, equity: Option<&[bool]>, paths: u32) -> CapacityView {
    let one_year_fall = risk::one_year_fall(plan, &plan.weights);
    let equity_cap = equity.map(|mask| risk::equity_cap(plan, mask, c.largest_fall_share));
    let months_to_retirement = plan.retirement_month;
    let years = |months: u32| format!("{:.1} years", f64::from(months) / 12.0);
    let mut explanation = match c.floor {
        Some(floor) => format!(
            "Your plan succeeds on {} of {} simulated paths. It can lose up to {} ({}) of its {} today and still succeed on at least {} of them ({} if it falls to {}).",
            pct(c.success),
            count(paths),
            money(c.largest_fall),
            pct(c.largest_fall_share),
            money(c.wealth),
            pct(c.threshold),
            pct(c.success_at_floor.unwrap_or(c.threshold)),
            money(floor),
        ),
        None => format!(
            "Your plan succeeds on {} of {} simulated paths, below the {} it should keep already: it cannot bear any fall now.",
            pct(c.success),
            count(paths),
            pct(c.threshold),
        ),
    };
    explanation.push_str(&format!(
        " It has {} until retirement to make a fall good by saving, and {} in all.",
        years(months_to_retirement),
        years(plan.horizon_months),
    ));
    if let Some(cap) = equity_cap {
        explanation.push_str(&format!(
            " A portfolio that falls no further than that one year in twenty holds at most {} in equity (yours, with {} in equity, falls {} one year in twenty).",
            pct(cap),
            pct(equity.map_or(0.0, |m| engine::sim::equity_share(&plan.weights, m))),
            pct(one_year_fall),
        ));
    }
    let (method, evaluations) = match c.method {
        CapacityMethod::Thresholds => ("thresholds", 0),
        CapacityMethod::Bisection { evaluations } => ("bisection", evaluations),
    };
    CapacityView {
        success_threshold: c.threshold,
        wealth: c.wealth,
        success_probability: c.success,
        floor_wealth: c.floor,
        success_at_floor: c.success_at_floor,
        largest_fall: c.largest_fall,
        largest_fall_share: c.largest_fall_share,
        horizon_months: plan.horizon_months,
        months_to_retirement,
        one_year_fall,
        equity_cap,
        method: method.to_owned(),
        evaluations,
        explanation,
    }
}

fn need_view(n: &Need, equity_classes: Vec<String>) -> NeedView {
    let names = equity_classes.join(", ");
    let explanation = match (n.equity_share, n.required_return) {
        (Some(share), Some(needed)) => format!(
            "To succeed on at least {} of the paths, the plan needs at least {} in equity ({names}): an expected return of {} a year before fees and inflation. It holds {} now ({}). At that share it succeeds on {} of these paths and {} of fresh ones.",
            pct(n.threshold),
            pct(share),
            pct(needed),
            pct(n.current_equity_share),
            pct(n.current_return),
            pct(n.success),
            pct(n.achieved_success.unwrap_or(n.success)),
        ),
        _ => format!(
            "No equity share ({names}) makes the plan succeed on {} of the paths: the best, {} in equity, succeeds on {}. More risk cannot make this plan work.",
            pct(n.threshold),
            pct(n.best_share.unwrap_or(n.current_equity_share)),
            pct(n.success),
        ),
    };
    NeedView {
        success_threshold: n.threshold,
        equity_classes,
        current_equity_share: n.current_equity_share,
        current_return: n.current_return,
        equity_share: n.equity_share,
        required_return: n.required_return,
        success_probability: n.success,
        achieved_success: n.achieved_success,
        best_equity_share: n.best_share,
        explanation,
    }
}

fn profile_view(parts: Parts, plan: Option<(&Plan, &[bool])>) -> Option<RiskProfileView> {
    let p = risk::combine(parts)?;
    let share = pct(p.recommended);
    let tolerance = parts
        .tolerance
        .map(|(low, high)| format!("your tolerance ({} to {})", pct(low), pct(high)));
    let capacity = parts
        .capacity
        .map(|cap| format!("your plan's capacity (up to {})", pct(cap)));
    let known: Vec<String> = [tolerance.clone(), capacity.clone()]
        .into_iter()
        .flatten()
        .collect();
    let allow = if known.len() > 1 { "allow" } else { "allows" };
    let limits = known.join(" and ");
    let need = match parts.need {
        Some(NeedShare::Reachable(n)) => Some(n),
        _ => None,
    };
    let explanation = match p.binding {
        Binding::Need if p.plan_must_change => format!(
            "Reaching the target needs {} but {limits} {allow} at most {share}. Change the plan (save more, spend less or retire later) rather than the risk; until then hold at most {share} in equity.",
            need.map_or_else(
                || "more than any equity share gives".to_owned(),
                |n| format!("{} in equity", pct(n))
            ),
        ),
        Binding::Need if limits.is_empty() => format!(
            "Hold {share} in equity: the least that reaches the target (answer the questionnaire to weigh your tolerance too)."
        ),
        Binding::Need => {
            format!("Hold {share} in equity: the least that reaches the target, within {limits}.")
        }
        Binding::Tolerance => match need {
            Some(n) => format!(
                "Hold {share} in equity, the lower edge of your tolerance band: the plan needs only {}{}.",
                pct(n),
                capacity.map_or_else(String::new, |c| format!(" and {c} allows it")),
            ),
            None => format!(
                "Hold {share} in equity, the lower edge of your tolerance band; store a plan to weigh its capacity and need."
            ),
        },
        Binding::Capacity => format!(
            "Hold {share} in equity: the plan cannot bear a larger fall, though {} would take more.",
            tolerance.unwrap_or_else(|| "the need".to_owned()),
        ),
    };
    Some(RiskProfileView {
        recommended_equity_share: p.recommended,
        recommended_return: plan.map(|(plan, mask)| {
            risk::expected_return(
                plan,
                &engine::sim::equity_weights(&plan.weights, mask, p.recommended),
            )
        }),
        lowest_equity_share: p.lowest,
        highest_equity_share: p.highest,
        binding: match p.binding {
            Binding::Tolerance => RiskBinding::Tolerance,
            Binding::Capacity => RiskBinding::Capacity,
            Binding::Need => RiskBinding::Need,
        },
        plan_must_change: p.plan_must_change,
        explanation,
    })
}

/// The assessment with the tolerance alone: capacity and need cannot be computed, for `why`.
fn tolerance_only(
    mut out: RiskAssessment,
    tolerance: Option<(f64, f64)>,
    why: String,
) -> RiskAssessment {
    out.capacity_unavailable = Some(why.clone());
    out.need_unavailable = Some(why);
    out.profile = profile_view(
        Parts {
            tolerance,
            ..Parts::default()
        },
        None,
    );
    out
}

/// `GET /ml/risk-assessment`: the questionnaire, the stored answers and their score, and
/// capacity, need and profile from the stored plan of the caller (or of a client who granted
/// the caller access).
///
/// # Errors
/// 422 naming a bad query parameter, or a run over the time bound (`paths`); 403 beyond the
/// role's path limit; 404 for a client who granted no access.
pub async fn assessment(
    state: &AppState,
    user: &AuthUser,
    query: &str,
) -> Result<RiskAssessment, ApiError> {
    let q = parse_query(query)?;
    let owner = q.user_id.unwrap_or(user.id);
    super::live::authorize_view(state, user.id, owner).await?;
    let threshold = q.success_threshold.unwrap_or(DEFAULT_THRESHOLD);
    let paths = q.paths.unwrap_or(DEFAULT_PATHS);
    check_paths(state, user, paths)?;
    let seed = choose_seed(Some(q.seed.unwrap_or(DEFAULT_SEED)))?;
    let answers = match state.db.risk_answers(owner).await? {
        Some(row) => Some(stored_view(row)?),
        None => None,
    };
    let mut out = RiskAssessment {
        questionnaire: questionnaire(),
        answers,
        success_threshold: threshold,
        paths,
        seed,
        capacity: None,
        capacity_unavailable: None,
        need: None,
        need_unavailable: None,
        profile: None,
    };
    let tolerance = out
        .answers
        .as_ref()
        .map(|a| (a.tolerance.equity_min, a.tolerance.equity_max));
    let spec = match super::simulations::stored_plan(state, owner).await {
        Ok(spec) => spec,
        Err(ApiError::NotFound) => {
            return Ok(tolerance_only(
                out,
                tolerance,
                "No plan is stored yet: store one (PUT /planning/plan) to assess what it can bear and what it needs.".to_owned(),
            ));
        }
        Err(e) => return Err(e),
    };
    let (plan, extensions) = match resolve(state, owner, &spec, "").await {
        Ok(resolved) => resolved,
        // A stored plan that cannot run now (a bootstrap without history to draw from): the
        // assessment says why rather than failing as a whole.
        Err(ApiError::Validation(errors)) => {
            let why = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            return Ok(tolerance_only(
                out,
                tolerance,
                format!("The stored plan cannot be simulated now ({why})."),
            ));
        }
        Err(e) => return Err(e),
    };
    if !extensions.is_base() {
        check_extended_paths(paths)?;
    }
    let classes = asset_classes(&spec);
    let equity = equity_mask(&classes, None, "").map_err(|e| e.message);
    let total = paths.saturating_mul(runs(&plan, &extensions, equity.is_ok()));
    check_time_of(
        state,
        total,
        std::slice::from_ref(&plan),
        !extensions.is_base(),
        "paths",
    )?;
    let options = SimulationOptions {
        paths,
        seed,
        fan_chart: false,
    };
    let computed = compute(
        state,
        plan.clone(),
        extensions,
        equity.clone(),
        threshold,
        options,
    )
    .await?;
    let mask = equity.ok();
    let capacity = capacity_view(&computed.capacity, &plan, mask.as_deref(), paths);
    let need_share = computed.need.as_ref().ok().map(|n| {
        n.equity_share
            .map_or(NeedShare::Unreachable, NeedShare::Reachable)
    });
    match (computed.need, &mask) {
        (Ok(n), Some(mask)) => out.need = Some(need_view(&n, equity_names(&classes, mask))),
        (Err(why), _) => out.need_unavailable = Some(why),
        // Not reached: a need is only computed with the mask.
        (Ok(_), None) => {}
    }
    out.profile = profile_view(
        Parts {
            tolerance,
            capacity: capacity.equity_cap,
            need: need_share,
        },
        mask.as_deref().map(|mask| (&plan, mask)),
    );
    out.capacity = Some(capacity);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_grouped_by_thousands() {
        assert_eq!(money(0.0), "0.00");
        assert_eq!(money(999.5), "999.50");
        assert_eq!(money(1_234_567.891), "1,234,567.89");
        assert_eq!(money(-25_000.0), "-25,000.00");
        assert_eq!(count(2_000), "2,000");
    }

    #[test]
    fn query_parameters_are_named_when_refused() {
        for (query, field) in [
            ("success_threshold=0", "success_threshold"),
            ("success_threshold=1.5", "success_threshold"),
            ("success_threshold=x", "success_threshold"),
            ("success_threshold=NaN", "success_threshold"),
            ("paths=-3", "paths"),
            ("seed=a", "seed"),
            ("user_id=1", "user_id"),
            ("threshold=0.5", "threshold"),
        ] {
            match parse_query(query) {
                Err(ApiError::Validation(errors)) => assert_eq!(errors[0].field, field, "{query}"),
                other => panic!("{query}: {other:?}"),
            }
        }
        let q = parse_query("success_threshold=0.9&paths=500&seed=4").expect("valid");
        assert_eq!(
            (q.success_threshold, q.paths, q.seed),
            (Some(0.9), Some(500), Some(4))
        );
    }
}
