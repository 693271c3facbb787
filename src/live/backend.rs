//! Sessions load the user's plan, holdings and alert rules from the database and store the
//! alerts they raise.

use actors::live::backend::{
    AlertRule, BackendError, BackendFuture, Holding, NewAlert, RuleKind, SessionBackend,
    SessionData,
};
use protocol::alerts::{AlertKind, Direction};
use protocol::live::LiveAlert;
use protocol::simulations::PlanSpec;
use uuid::Uuid;

use crate::domain::plan::{asset_classes, default_spec, to_engine};
use crate::store::{self, Db};

/// [`SessionBackend`] over the database.
pub struct DbBackend {
    db: Db,
    /// Alerts kept per user (`live.alerts_kept`).
    alerts_kept: u32,
}

impl DbBackend {
    /// A backend over `db` keeping the newest `alerts_kept` alerts of each user.
    #[must_use]
    pub fn new(db: Db, alerts_kept: u32) -> Self {
        Self { db, alerts_kept }
    }
}

fn failed(e: impl std::fmt::Display) -> BackendError {
    BackendError(e.to_string())
}

/// The stored plan, or the default (P1) for a user who has stored none.
async fn plan(db: &Db, user: Uuid) -> Result<(engine::sim::Plan, Vec<String>, f64), BackendError> {
    let spec: PlanSpec = match db.plan(user).await.map_err(failed)? {
        Some(value) => serde_json::from_value(value).map_err(failed)?,
        None => default_spec(),
    };
    let plan = to_engine(&spec, "").map_err(|e| failed(e.message))?;
    let names = asset_classes(&spec).into_iter().map(|c| c.name).collect();
    let band = spec
        .rebalance_band
        .unwrap_or(protocol::simulations::DEFAULT_REBALANCE_BAND);
    Ok((plan, names, band))
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
            let (plan, asset_classes, rebalance_band) = plan(&db, user).await?;
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
                Some(alert.rule_id),
                alert.kind,
                &alert.message,
                alert.value,
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
            })
        })
    }
}
