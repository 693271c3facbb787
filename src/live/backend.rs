//! Sessions load the user's plan with its model extensions, holdings and alert rules from
//! the database and store the alerts they raise. With several nodes (Redis), the backend
//! also holds this node's leases on users' rules and shares what sessions show with the
//! other nodes.

use std::sync::Arc;

use actors::live::backend::{
    AlertRule, BackendError, BackendFuture, Holding, NewAlert, RecommendAsk, Recommended, RuleKind,
    RulesClaim, RulesState, SessionBackend, SessionData, Shown,
};
use actors::live::plan::{GoalLabel, ModelExtensions};
use engine::sim::Extensions;
use protocol::FieldError;
use protocol::alerts::{AlertKind, Direction};
use protocol::extensions::ReturnModelSpec;
use protocol::live::LiveAlert;
use protocol::simulations::PlanSpec;
use uuid::Uuid;

use super::Nodes;
use super::fanout::HookEvent;
use crate::domain::plan::{asset_classes, default_spec, to_engine, to_engine_extended};
use crate::http::error::ApiError;
use crate::services::recommendations::{self, Recommender};
use crate::services::return_history;
use crate::store::{self, Db};

/// [`SessionBackend`] over the database.
pub struct DbBackend {
    db: Db,
    /// Alerts kept per user (`live.alerts_kept`).
    alerts_kept: u32,
    recommender: Recommender,
    /// The other nodes, when there are (Redis configured).
    nodes: Option<Nodes>,
}

impl DbBackend {
    /// A backend over `db` keeping the newest `alerts_kept` alerts of each user, making
    /// recommendations with `recommender`.
    #[must_use]
    pub fn new(db: Db, alerts_kept: u32, recommender: Recommender) -> Self {
        Self {
            db,
            alerts_kept,
            recommender,
            nodes: None,
        }
    }

    /// The same, one node of several: rules are evaluated under `nodes.leases`, and what
    /// sessions show goes out through `nodes.fanout`.
    #[must_use]
    pub fn with_nodes(self, nodes: Option<Nodes>) -> Self {
        Self { nodes, ..self }
    }
}

fn failed(e: impl std::fmt::Display) -> BackendError {
    BackendError(e.to_string())
}

/// The stored plan, or the default (P1) for a user who has stored none.
struct StoredPlan {
    plan: engine::sim::Plan,
    extensions: Option<ModelExtensions>,
    names: Vec<String>,
    band: f64,
}

/// The stored plan's spec, or the default's.
async fn spec(db: &Db, user: Uuid) -> Result<PlanSpec, BackendError> {
    Ok(match db.plan(user).await.map_err(failed)? {
        Some(value) => serde_json::from_value(value).map_err(failed)?,
        None => default_spec(),
    })
}

async fn plan(db: &Db, user: Uuid) -> Result<StoredPlan, BackendError> {
    let spec = spec(db, user).await?;
    let plan = to_engine(&spec, "").map_err(|e| failed(e.message))?;
    let extensions = if spec.extensions.is_empty() {
        None
    } else {
        Some(extensions(db, user, &spec).await?)
    };
    let names = asset_classes(&spec).into_iter().map(|c| c.name).collect();
    let band = spec
        .rebalance_band
        .unwrap_or(protocol::simulations::DEFAULT_REBALANCE_BAND);
    Ok(StoredPlan {
        plan,
        extensions,
        names,
        band,
    })
}

/// The plan's model extensions as its session simulates them, with the holdings' history
/// for a bootstrap that gives none (as `POST /simulations/monte-carlo` reads it). Reading
/// that history fails for storage reasons (the load fails and the session retries) or
/// because there is none to read; see [`switches`] for the latter.
async fn extensions(db: &Db, user: Uuid, spec: &PlanSpec) -> Result<ModelExtensions, BackendError> {
    let history = match &spec.extensions.return_model {
        Some(ReturnModelSpec::Bootstrap { history: None, .. }) => Some(
            match return_history::from_holdings(db, user, spec, "extensions.return_model.history")
                .await
            {
                Ok(history) => Ok(history),
                Err(ApiError::Validation(errors)) => Err(errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("; ")),
                Err(e) => return Err(failed(e)),
            },
        ),
        _ => None,
    };
    let (model, left_out) = switches(spec, history).map_err(|e| failed(e.message))?;
    Ok(ModelExtensions {
        model,
        goals: spec
            .extensions
            .goals
            .iter()
            .map(|g| GoalLabel {
                name: g.name.clone(),
                month: g.month,
                priority: g.priority,
            })
            .collect(),
        left_out,
    })
}

/// The switches simulated for `spec`, and what of them is left out. `history` is the
/// holdings' history for a bootstrap without its own, or why there is none.
///
/// Without a history to draw from (no priced holding in a class, under a year of prices in
/// common, or fewer months than a block), the session runs the plan with lognormal returns
/// from its asset classes and says so in every answer (`extensions.left_out`): the stream
/// keeps moving with the market and shows the plan's other extensions, and nobody mistakes
/// its numbers for the bootstrap's. (Refusing would leave the plan page without live
/// numbers over a history that may come with the next holding.)
///
/// # Errors
/// The stored plan no longer validates (the session's load fails).
fn switches(
    spec: &PlanSpec,
    history: Option<Result<Vec<Vec<f64>>, String>>,
) -> Result<(Extensions, Option<String>), FieldError> {
    let why = match history {
        None => return to_engine_extended(spec, "", None).map(|(_, e)| (e, None)),
        Some(Ok(history)) => match to_engine_extended(spec, "", Some(history)) {
            Ok((_, e)) => return Ok((e, None)),
            // The stored plan was valid with any history a block fits: only this one can be
            // at fault.
            Err(e) => format!("{}: {}", e.field, e.message),
        },
        Some(Err(why)) => why,
    };
    let mut lognormal = spec.clone();
    lognormal.extensions.return_model = None;
    let (_, model) = to_engine_extended(&lognormal, "", None)?;
    Ok((
        model,
        Some(format!(
            "the bootstrap return model, whose history comes from your holdings: {why}. These numbers use lognormal returns from the plan's asset classes instead"
        )),
    ))
}

fn rule(row: &store::alert_rules::AlertRuleRow) -> Result<AlertRule, BackendError> {
    let kind = match row.kind().map_err(failed)? {
        AlertKind::SuccessBelow => RuleKind::SuccessBelow,
        AlertKind::DriftAbove => RuleKind::DriftAbove,
        AlertKind::PriceCross => RuleKind::PriceCross {
            symbol: row.symbol.clone().unwrap_or_default(),
            above: row.direction().map_err(failed)? != Some(Direction::Below),
        },
    };
    Ok(AlertRule {
        id: row.id,
        kind,
        level: row.level,
        hysteresis: row.hysteresis,
    })
}

impl SessionBackend for DbBackend {
    fn load(&self, user: Uuid) -> BackendFuture<SessionData> {
        let db = self.db.clone();
        Box::pin(async move {
            let StoredPlan {
                plan,
                extensions,
                names: asset_classes,
                band: rebalance_band,
            } = plan(&db, user).await?;
            let holdings = store::holdings::list_for_user(&db, user)
                .await
                .map_err(failed)?
                .into_iter()
                .map(|h| Holding {
                    quantity: h.quantity(),
                    symbol: h.symbol,
                    asset_class: h.asset_class,
                })
                .collect();
            let rules = store::alert_rules::list_for_user(&db, user)
                .await
                .map_err(failed)?
                .iter()
                .map(rule)
                .collect::<Result<_, _>>()?;
            Ok(SessionData {
                plan,
                extensions,
                asset_classes,
                holdings,
                rules,
                rebalance_band,
            })
        })
    }

    fn record_alert(&self, user: Uuid, alert: NewAlert) -> BackendFuture<LiveAlert> {
        let (db, keep) = (self.db.clone(), self.alerts_kept);
        Box::pin(async move {
            let row = store::alerts::insert(
                &db,
                user,
                store::alerts::NewAlert {
                    rule_id: Some(alert.rule_id),
                    kind: alert.kind,
                    message: &alert.message,
                    value: alert.value,
                    recommendation_id: alert.recommendation_id,
                },
            )
            .await
            .map_err(failed)?;
            // The alert is stored; failing to prune only delays it to the next alert.
            if let Err(e) = store::alerts::prune(&db, user, keep).await {
                tracing::warn!(error = %e, %user, "old alerts could not be pruned");
            }
            Ok(LiveAlert {
                id: row.id,
                rule_id: row.rule_id,
                kind: row.kind,
                message: row.message,
                value: row.value,
                at_ms: row.created_at.timestamp_millis(),
                recommendation_id: row.recommendation_id,
            })
        })
    }

    fn recommend(&self, user: Uuid, ask: RecommendAsk) -> BackendFuture<Recommended> {
        let (db, recommender) = (self.db.clone(), self.recommender.clone());
        Box::pin(async move {
            let spec = spec(&db, user).await?;
            let made = recommender
                .make(
                    user,
                    &spec,
                    &ask.plan,
                    &ask.extensions.unwrap_or_default(),
                    recommendations::Ask {
                        target: ask.target,
                        paths: ask.paths,
                        seed: ask.seed,
                    },
                    |_, _| Ok(()),
                )
                .await
                .map_err(failed)?;
            Ok(Recommended::Made(made.recommendations))
        })
    }

    fn rules_shared(&self) -> bool {
        self.nodes.is_some()
    }

    fn claim_rules(&self, user: Uuid, state: Option<RulesState>) -> BackendFuture<RulesClaim> {
        let Some(nodes) = &self.nodes else {
            return Box::pin(std::future::ready(Ok(RulesClaim::Kept)));
        };
        let leases = Arc::clone(&nodes.leases);
        Box::pin(async move { leases.claim(user, state.as_ref()).await.map_err(failed) })
    }

    fn share(&self, user: Uuid, shown: Shown) {
        let Some(nodes) = &self.nodes else { return };
        nodes.fanout.publish(match shown {
            Shown::Alert(alert) => HookEvent::Alert { owner: user, alert },
            Shown::Recommendations(recommendations) => HookEvent::Recommendations {
                owner: user,
                recommendations,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use engine::sim::extended::{Priority, ReturnModel};
    use protocol::extensions::{GoalPriority, PlanGoal};

    use super::*;

    fn bootstrap_plan(block_months: u32) -> PlanSpec {
        let mut spec = default_spec();
        spec.extensions.goals = vec![PlanGoal {
            name: "house".into(),
            amount: 50_000.0,
            month: 60,
            priority: GoalPriority::Need,
        }];
        spec.extensions.return_model = Some(ReturnModelSpec::Bootstrap {
            block_months,
            history: None,
        });
        spec
    }

    #[test]
    fn a_bootstrap_without_a_history_runs_lognormal_and_says_why() {
        let spec = bootstrap_plan(12);
        let history = vec![vec![0.01, 0.005, 0.002]; 24];
        let (model, left_out) = switches(&spec, Some(Ok(history.clone()))).unwrap();
        assert_eq!(left_out, None);
        assert!(matches!(model.returns, ReturnModel::Bootstrap { .. }));

        let (model, left_out) = switches(
            &spec,
            Some(Err("none of your holdings has price history".into())),
        )
        .unwrap();
        assert_eq!(model.returns, ReturnModel::Lognormal);
        // The rest of the extensions stays.
        assert_eq!(model.goals[0].priority, Priority::Need);
        let left_out = left_out.unwrap();
        assert!(
            left_out.contains("none of your holdings has price history")
                && left_out.contains("lognormal"),
            "{left_out}"
        );

        // A history shorter than a block: the engine's refusal is the reason.
        let (model, left_out) = switches(&bootstrap_plan(36), Some(Ok(history))).unwrap();
        assert_eq!(model.returns, ReturnModel::Lognormal);
        assert!(left_out.unwrap().contains("block_months"));
    }

    #[test]
    fn other_extensions_are_taken_as_stored() {
        let mut spec = default_spec();
        spec.extensions.return_model = Some(ReturnModelSpec::StudentT { df: 5.0 });
        let (model, left_out) = switches(&spec, None).unwrap();
        assert_eq!(model.returns, ReturnModel::StudentT { df: 5.0 });
        assert_eq!(left_out, None);
    }
}
