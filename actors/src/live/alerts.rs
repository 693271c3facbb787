//! The alert actor: evaluates a user's rules on every new state, with hysteresis so a value
//! hovering at a level does not fire again and again, and stores and pushes what fires. A
//! `success_below` alert first asks the recommendation actor for the top recommendation, and
//! carries it.

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, ActorContext, AsyncContext, Context, Handler, Message, Recipient, WrapFuture};
use protocol::live::{LiveAlert, TickSummary};
use uuid::Uuid;

use super::backend::{AlertRule, NewAlert, RuleKind, SessionBackend};
use super::recommendations::TopRecommendation;
use super::supervision::{DownNotice, InjectFault, Shutdown};

/// How long a `success_below` alert waits for its recommendation before it is stored without
/// one: a computation takes tens of milliseconds, but many sessions crossing at once (a market
/// fall) queue for the simulation slots, and an alert late by seconds is still worth more with
/// its remedy than on time without it.
const TOP_RECOMMENDATION_WAIT: Duration = Duration::from_secs(10);

/// A rule and whether it may fire.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleState {
    /// The rule.
    pub rule: AlertRule,
    /// False from firing until the value has gone back past the level by the hysteresis.
    pub armed: bool,
}

impl RuleState {
    /// An armed rule.
    #[must_use]
    pub fn new(rule: AlertRule) -> Self {
        Self { rule, armed: true }
    }

    /// Feeds one observation; true when the rule fires now.
    pub fn observe(&mut self, value: f64) -> bool {
        if !value.is_finite() {
            return false;
        }
        let (level, band) = (self.rule.level, self.rule.hysteresis.max(0.0));
        let rising = match &self.rule.kind {
            RuleKind::SuccessBelow => false,
            RuleKind::DriftAbove => true,
            RuleKind::PriceCross { above, .. } => *above,
        };
        let (breached, recovered) = if rising {
            (value >= level, value < level - band)
        } else {
            (value <= level, value > level + band)
        };
        if self.armed && breached {
            self.armed = false;
            return true;
        }
        if !self.armed && recovered {
            self.armed = true;
        }
        false
    }

    fn describe(&self, value: f64) -> (&'static str, String) {
        match &self.rule.kind {
            RuleKind::SuccessBelow => (
                "success_below",
                format!(
                    "success probability {:.1}% fell to or below {:.1}%",
                    value * 100.0,
                    self.rule.level * 100.0
                ),
            ),
            RuleKind::DriftAbove => (
                "drift_above",
                format!(
                    "allocation drift {:.1} points reached {:.1}",
                    value * 100.0,
                    self.rule.level * 100.0
                ),
            ),
            RuleKind::PriceCross { symbol, above } => (
                "price_cross",
                format!(
                    "{symbol} at {value} crossed {} {}",
                    if *above { "above" } else { "below" },
                    self.rule.level
                ),
            ),
        }
    }
}

/// New rules (after a change); rules kept by id keep their armed state.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetRules(pub Vec<AlertRule>);

/// The values rules watch, after a new state or tick.
#[derive(Debug, Default, Message)]
#[rtype(result = "()")]
pub struct Observe {
    /// The new success probability.
    pub success_probability: Option<f64>,
    /// The new largest absolute drift.
    pub max_abs_drift: Option<f64>,
    /// Prices that moved.
    pub ticks: Vec<TickSummary>,
}

/// Where `success_below` alerts get their top recommendation (none while the recommendation
/// actor restarts).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetRecommender(pub Option<Recipient<TopRecommendation>>);

/// A rule fired and its alert is stored.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct AlertRaised(pub LiveAlert);

/// The alert actor.
pub struct AlertActor {
    user: Uuid,
    rules: Vec<RuleState>,
    backend: Arc<dyn SessionBackend>,
    raised: Recipient<AlertRaised>,
    recommender: Option<Recipient<TopRecommendation>>,
    _notice: DownNotice,
}

impl AlertActor {
    /// An actor for `user`'s `rules`.
    #[must_use]
    pub fn new(
        user: Uuid,
        rules: Vec<AlertRule>,
        backend: Arc<dyn SessionBackend>,
        raised: Recipient<AlertRaised>,
        notice: DownNotice,
    ) -> Self {
        Self {
            user,
            rules: rules.into_iter().map(RuleState::new).collect(),
            backend,
            raised,
            recommender: None,
            _notice: notice,
        }
    }

    fn fire(&self, ctx: &mut Context<Self>, state: &RuleState, value: f64) {
        let (kind, message) = state.describe(value);
        let alert = NewAlert {
            rule_id: state.rule.id,
            kind,
            message,
            value,
            recommendation_id: None,
        };
        let recommender = self
            .recommender
            .clone()
            .filter(|_| state.rule.kind == RuleKind::SuccessBelow);
        let (backend, user, raised) = (self.backend.clone(), self.user, self.raised.clone());
        ctx.spawn(
            async move {
                let alert = match recommender {
                    Some(recommender) => with_top(alert, recommender).await,
                    None => alert,
                };
                match backend.record_alert(user, alert).await {
                    Ok(alert) => raised.do_send(AlertRaised(alert)),
                    // The rule or the user may have been deleted meanwhile.
                    Err(e) => tracing::warn!(error = %e, "an alert could not be stored; dropped"),
                }
            }
            .into_actor(self),
        );
    }
}

/// `alert` with the top recommendation, when one comes in time.
async fn with_top(mut alert: NewAlert, recommender: Recipient<TopRecommendation>) -> NewAlert {
    let asked = tokio::time::timeout(TOP_RECOMMENDATION_WAIT, recommender.send(TopRecommendation));
    if let Ok(Ok(Some(top))) = asked.await {
        alert.message = format!("{}. Top recommendation: {}", alert.message, top.reason);
        alert.recommendation_id = Some(top.id);
    }
    alert
}

impl Actor for AlertActor {
    type Context = Context<Self>;
}

impl Handler<SetRules> for AlertActor {
    type Result = ();

    fn handle(&mut self, msg: SetRules, _: &mut Context<Self>) {
        let old = std::mem::take(&mut self.rules);
        self.rules = msg
            .0
            .into_iter()
            .map(|rule| {
                old.iter()
                    .find(|s| s.rule == rule)
                    .cloned()
                    .unwrap_or_else(|| RuleState::new(rule))
            })
            .collect();
    }
}

impl Handler<SetRecommender> for AlertActor {
    type Result = ();

    fn handle(&mut self, msg: SetRecommender, _: &mut Context<Self>) {
        self.recommender = msg.0;
    }
}

impl Handler<Observe> for AlertActor {
    type Result = ();

    fn handle(&mut self, msg: Observe, ctx: &mut Context<Self>) {
        let mut fired = Vec::new();
        for state in &mut self.rules {
            let value = match &state.rule.kind {
                RuleKind::SuccessBelow => msg.success_probability,
                RuleKind::DriftAbove => msg.max_abs_drift,
                RuleKind::PriceCross { symbol, .. } => msg
                    .ticks
                    .iter()
                    .rev()
                    .find(|t| &t.symbol == symbol)
                    .map(|t| t.price),
            };
            if let Some(value) = value
                && state.observe(value)
            {
                fired.push((state.clone(), value));
            }
        }
        for (state, value) in fired {
            self.fire(ctx, &state, value);
        }
    }
}

impl Handler<Shutdown> for AlertActor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<InjectFault> for AlertActor {
    type Result = ();

    #[allow(clippy::panic)]
    fn handle(&mut self, _: InjectFault, _: &mut Context<Self>) {
        panic!("fault injected into the alert actor");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: RuleKind, level: f64, hysteresis: f64) -> RuleState {
        RuleState::new(AlertRule {
            id: Uuid::nil(),
            kind,
            level,
            hysteresis,
        })
    }

    #[test]
    fn success_below_fires_once_until_it_recovers_past_the_band() {
        let mut r = rule(RuleKind::SuccessBelow, 0.8, 0.02);
        let fired: Vec<bool> = [0.85, 0.79, 0.78, 0.81, 0.79, 0.83, 0.80]
            .into_iter()
            .map(|v| r.observe(v))
            .collect();
        // 0.81 is back above 0.8 but inside the band, so 0.79 does not fire again; 0.83
        // re-arms and 0.80 (at the level) fires.
        assert_eq!(fired, [false, true, false, false, false, false, true]);
    }

    #[test]
    fn rising_rules_fire_at_the_level_and_rearm_below_the_band() {
        let mut r = rule(RuleKind::DriftAbove, 0.05, 0.01);
        let fired: Vec<bool> = [0.01, 0.05, 0.07, 0.045, 0.06, 0.03, 0.06]
            .into_iter()
            .map(|v| r.observe(v))
            .collect();
        assert_eq!(fired, [false, true, false, false, false, false, true]);
        let mut p = rule(
            RuleKind::PriceCross {
                symbol: "SPY".into(),
                above: false,
            },
            100.0,
            1.0,
        );
        assert!(!p.observe(f64::NAN));
        assert!(!p.observe(101.0));
        assert!(p.observe(99.0));
        assert!(!p.observe(100.5));
        assert!(!p.observe(98.0));
        assert!(!p.observe(101.5));
        assert!(p.observe(100.0));
    }
}
