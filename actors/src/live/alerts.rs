//! The alert actor: evaluates a user's rules on every new state, with hysteresis so a value
//! hovering at a level does not fire again and again, and stores and pushes what fires.

use std::sync::Arc;

use actix::{Actor, ActorContext, AsyncContext, Context, Handler, Message, Recipient, WrapFuture};
use protocol::live::{LiveAlert, TickSummary};
use uuid::Uuid;

use super::backend::{AlertRule, NewAlert, RuleKind, SessionBackend};
use super::supervision::{DownNotice, InjectFault, Shutdown};

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
        };
        let stored = self.backend.record_alert(self.user, alert);
        let raised = self.raised.clone();
        ctx.spawn(
            async move {
                match stored.await {
                    Ok(alert) => raised.do_send(AlertRaised(alert)),
                    // The rule or the user may have been deleted meanwhile.
                    Err(e) => tracing::warn!(error = %e, "an alert could not be stored; dropped"),
                }
            }
            .into_actor(self),
        );
    }
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
