//! What a session needs from storage. The server implements [`SessionBackend`] over its
//! database; this crate never sees SQL. Tests implement it in memory.

use std::future::Future;
use std::pin::Pin;

use engine::sim::{Extensions, Plan};
use std::sync::Arc;

use protocol::live::LiveAlert;
use protocol::recommendations::{LiveRecommendations, Recommendation};
use uuid::Uuid;

use super::plan::ModelExtensions;

/// A boxed, sendable future of a backend call.
pub type BackendFuture<T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send>>;

/// A storage failure, as text (sessions only log it and retry).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(pub String);

/// One holding.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    /// Upper-case symbol.
    pub symbol: String,
    /// Shares held.
    pub quantity: f64,
    /// The plan's asset class it counts towards.
    pub asset_class: String,
}

/// What a rule watches.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// The success probability falls below the level.
    SuccessBelow,
    /// The largest absolute drift from the target weights rises above the level.
    DriftAbove,
    /// A symbol's price crosses the level.
    PriceCross {
        /// The symbol.
        symbol: String,
        /// Fires on rising to the level (`true`) or falling to it (`false`).
        above: bool,
    },
}

/// An alert rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    /// Its id.
    pub id: Uuid,
    /// What it watches.
    pub kind: RuleKind,
    /// The level.
    pub level: f64,
    /// How far back past the level the value must go before the rule can fire again.
    pub hysteresis: f64,
}

/// Everything a session loads (again after a child's restart or a change).
#[derive(Debug, Clone)]
pub struct SessionData {
    /// The user's plan (stored or default), validated.
    pub plan: Plan,
    /// Its model extensions, validated; `None` when it has none.
    pub extensions: Option<ModelExtensions>,
    /// The plan's asset class names, in the plan's order.
    pub asset_classes: Vec<String>,
    /// The holdings.
    pub holdings: Vec<Holding>,
    /// The alert rules.
    pub rules: Vec<AlertRule>,
    /// How far a class weight may drift before the portfolio is outside its band.
    pub rebalance_band: f64,
}

/// An alert to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// The rule that fired.
    pub rule_id: Uuid,
    /// `success_below`, `drift_above` or `price_cross`.
    pub kind: &'static str,
    /// For people.
    pub message: String,
    /// The value that fired it.
    pub value: f64,
    /// The top recommendation when it fired (`success_below`), stored with it.
    pub recommendation_id: Option<Uuid>,
}

/// Recommendations for a session's plan at its live wealth.
#[derive(Debug, Clone)]
pub struct RecommendAsk {
    /// The plan, with the live wealth as its starting wealth.
    pub plan: Plan,
    /// The model extensions the session simulates, when any moves wealth.
    pub extensions: Option<Extensions>,
    /// The success to aim for.
    pub target: f64,
    /// The session's paths.
    pub paths: u32,
    /// Their seed.
    pub seed: u64,
}

/// What a recommendation request gave.
#[derive(Debug, Clone)]
pub enum Recommended {
    /// Verified and stored (replacing the unanswered ones), best first; possibly none.
    Made(Vec<Recommendation>),
    /// None can be made for this plan, and why, for people.
    Unavailable(String),
}

/// Where a user's rules stand, as their evaluator last left it: the rules that fired and have
/// not recovered past their hysteresis since. A node taking over the evaluation starts from
/// it, so a value that stays breached does not fire again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesState {
    /// The alert actor that wrote it (each incarnation has its own id).
    pub by: Uuid,
    /// The rules that may not fire until they recover.
    pub disarmed: Vec<Uuid>,
}

/// The answer to [`SessionBackend::claim_rules`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesClaim {
    /// Another node evaluates the user's rules.
    Elsewhere,
    /// This node evaluated them already and still does.
    Kept,
    /// This node evaluates them from now on; where the previous evaluator left them, if
    /// anyone did.
    Taken(Option<RulesState>),
}

/// Something a session shows that the user's sessions on other nodes show too.
#[derive(Debug, Clone)]
pub enum Shown {
    /// A stored alert.
    Alert(LiveAlert),
    /// Newly computed recommendations.
    Recommendations(Arc<LiveRecommendations>),
}

/// Storage as sessions see it.
pub trait SessionBackend: Send + Sync + 'static {
    /// The user's plan, holdings and rules.
    fn load(&self, user: Uuid) -> BackendFuture<SessionData>;
    /// Stores an alert and returns it as pushed to subscribers.
    fn record_alert(&self, user: Uuid, alert: NewAlert) -> BackendFuture<LiveAlert>;
    /// Computes, verifies and stores recommendations (as `POST /ml/recommendations` does,
    /// within what the user can carry) for `ask`.
    fn recommend(&self, user: Uuid, ask: RecommendAsk) -> BackendFuture<Recommended>;

    /// Whether [`Self::claim_rules`] can answer anything but [`RulesClaim::Kept`]: with
    /// several nodes, a user's rules are evaluated on one at a time. `false` (one node): the
    /// alert actor evaluates from its first observation without asking.
    fn rules_shared(&self) -> bool {
        false
    }
    /// Claims, or keeps, the evaluation of `user`'s rules for this node; a holder records
    /// `state`, where its rules stand, with it. `None`: the caller has no state of its own
    /// yet (it never evaluated), and is answered [`RulesClaim::Taken`] with the recorded one
    /// even when this node held the rules already. Polled by the alert actor.
    fn claim_rules(&self, user: Uuid, state: Option<RulesState>) -> BackendFuture<RulesClaim> {
        let _ = (user, state);
        Box::pin(std::future::ready(Ok(RulesClaim::Kept)))
    }
    /// The session showed `shown` (raised here) to its subscribers: the user's sessions on
    /// other nodes show it to theirs.
    fn share(&self, user: Uuid, shown: Shown) {
        let _ = (user, shown);
    }
}
