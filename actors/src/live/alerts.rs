//! The alert actor: evaluates a user's rules on every new state, with hysteresis so a value
//! hovering at a level does not fire again and again, and stores and pushes what fires. A
//! `success_below` alert first asks the recommendation actor for the top recommendation, and
//! carries it.
//!
//! With several nodes ([`SessionBackend::rules_shared`]) the same user can have a session on
//! each, and the rules are evaluated by one of them at a time: every `rules_renew` the actor
//! claims the evaluation ([`SessionBackend::claim_rules`]), recording where its rules stand
//! (which fired and have not recovered). Only the holder runs the hysteresis and fires; the
//! others keep the latest value of each rule. An actor that takes over starts from the
//! state the previous holder recorded, then feeds it the latest values: a rule the previous
//! holder fired on stays quiet while the value stays breached, and a breach nobody fired on
//! yet (it came while no node held the rules) fires once. The session hears when this actor
//! becomes or stops being the holder ([`RulesHolder`]): only the holder's recommendation
//! actor computes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Handler, Message, Recipient,
    WrapFuture,
};
use protocol::live::{LiveAlert, TickSummary};
use uuid::Uuid;

use super::backend::{AlertRule, NewAlert, RuleKind, RulesClaim, RulesState, SessionBackend};
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

/// This actor became (`true`) or stopped being (`false`) the one evaluating its user's rules.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct RulesHolder(pub bool);

/// Where the actor's session tells what happens.
pub struct AlertOutlets {
    /// Stored alerts.
    pub raised: Recipient<AlertRaised>,
    /// Changes of who evaluates the rules.
    pub holder: Recipient<RulesHolder>,
}

/// Whether this actor evaluates the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holding {
    /// The rules are not shared: always.
    Alone,
    /// Not known yet (the first claim is under way): observations wait.
    Unknown,
    /// Yes, until a claim says otherwise.
    Held,
    /// Another node evaluates them (or the last claim failed).
    Elsewhere,
}

/// Observations kept while the first claim is under way (a few at most: it takes a round
/// trip to Redis, and states come at most every `min_interval`).
const WAITING_OBSERVATIONS: usize = 64;

/// The alert actor.
pub struct AlertActor {
    user: Uuid,
    /// This incarnation, named in the state it records.
    id: Uuid,
    rules: Vec<RuleState>,
    backend: Arc<dyn SessionBackend>,
    outlets: AlertOutlets,
    recommender: Option<Recipient<TopRecommendation>>,
    holding: Holding,
    /// How often the evaluation is claimed (shared rules only).
    renew: Duration,
    /// A claim is under way.
    claiming: bool,
    /// The state changed while a claim was under way: record it with another.
    claim_again: bool,
    /// Whether this incarnation has held the rules (and so has a state of its own).
    evaluated: bool,
    /// The latest value each rule watched, by rule id: what a new holder starts from.
    latest: HashMap<Uuid, f64>,
    /// Observations made before the first claim was answered, in order.
    waiting: Vec<Observe>,
    _notice: DownNotice,
}

impl AlertActor {
    /// An actor for `user`'s `rules`, claiming their evaluation every `renew` when the
    /// backend shares them between nodes.
    #[must_use]
    pub fn new(
        user: Uuid,
        rules: Vec<AlertRule>,
        backend: Arc<dyn SessionBackend>,
        outlets: AlertOutlets,
        renew: Duration,
        notice: DownNotice,
    ) -> Self {
        let holding = if backend.rules_shared() {
            Holding::Unknown
        } else {
            Holding::Alone
        };
        Self {
            user,
            id: Uuid::new_v4(),
            rules: rules.into_iter().map(RuleState::new).collect(),
            backend,
            outlets,
            recommender: None,
            holding,
            renew: renew.max(Duration::from_millis(10)),
            claiming: false,
            claim_again: false,
            evaluated: false,
            latest: HashMap::new(),
            waiting: Vec::new(),
            _notice: notice,
        }
    }

    /// Where the rules stand, as recorded with each claim: `None` until this incarnation
    /// has evaluated them (it has no state of its own to record yet).
    fn state(&self) -> Option<RulesState> {
        self.evaluated.then(|| RulesState {
            by: self.id,
            disarmed: self
                .rules
                .iter()
                .filter(|r| !r.armed)
                .map(|r| r.rule.id)
                .collect(),
        })
    }

    /// Claims (or renews) the evaluation, unless a claim is under way or there is nothing
    /// to evaluate (the claim then lapses, and another node may take it).
    fn claim(&mut self, ctx: &mut Context<Self>) {
        if self.holding == Holding::Alone || self.rules.is_empty() {
            return;
        }
        if self.claiming {
            self.claim_again = true;
            return;
        }
        self.claiming = true;
        let claim = self.backend.claim_rules(self.user, self.state());
        ctx.spawn(claim.into_actor(self).map(|answer, act, ctx| {
            act.claiming = false;
            if std::mem::take(&mut act.claim_again) {
                ctx.run_later(Duration::ZERO, Self::claim);
            }
            match answer {
                Ok(RulesClaim::Kept) => act.hold(ctx, None),
                Ok(RulesClaim::Taken(seed)) => act.hold(ctx, Some(seed)),
                Ok(RulesClaim::Elsewhere) => act.let_go(),
                Err(e) => {
                    // Evaluation pauses (the latest values are kept) rather than risk a
                    // second node firing too; it resumes when a claim succeeds again.
                    tracing::warn!(user = %act.user, error = %e, "the rules could not be claimed");
                    act.let_go();
                }
            }
        }));
    }

    /// This actor evaluates the rules: when it did not a moment ago, it starts from `seed`
    /// (what the previous holder recorded, when this actor takes over) and the latest
    /// values.
    fn hold(&mut self, ctx: &mut Context<Self>, seed: Option<Option<RulesState>>) {
        let was = self.holding;
        if let Some(seed) = seed {
            // A state this incarnation recorded is no newer than what it knows itself.
            match seed.filter(|s| s.by != self.id) {
                Some(seed) => {
                    for rule in &mut self.rules {
                        rule.armed = !seed.disarmed.contains(&rule.rule.id);
                    }
                }
                None if !self.evaluated => {
                    for rule in &mut self.rules {
                        rule.armed = true;
                    }
                }
                None => {}
            }
        }
        self.holding = Holding::Held;
        self.evaluated = true;
        if was == Holding::Held {
            return;
        }
        self.outlets.holder.do_send(RulesHolder(true));
        for observed in std::mem::take(&mut self.waiting) {
            self.evaluate(ctx, observed);
        }
        // What changed while nobody here evaluated is in the latest values. Observing a
        // value again changes nothing, so this is harmless after the observations above.
        let latest = self.latest.clone();
        self.evaluate_values(ctx, |rule| latest.get(&rule.id).copied());
    }

    fn let_go(&mut self) {
        let was = self.holding;
        self.holding = Holding::Elsewhere;
        for observed in std::mem::take(&mut self.waiting) {
            self.note_latest(&observed);
        }
        if was != Holding::Elsewhere {
            self.outlets.holder.do_send(RulesHolder(false));
        }
    }

    fn note_latest(&mut self, msg: &Observe) {
        for state in &self.rules {
            if let Some(value) = watched(&state.rule, msg) {
                self.latest.insert(state.rule.id, value);
            }
        }
    }

    /// Feeds an observation to the rules and fires what fires.
    fn evaluate(&mut self, ctx: &mut Context<Self>, msg: Observe) {
        self.note_latest(&msg);
        self.evaluate_values(ctx, |rule| watched(rule, &msg));
    }

    fn evaluate_values(
        &mut self,
        ctx: &mut Context<Self>,
        value: impl Fn(&AlertRule) -> Option<f64>,
    ) {
        let mut fired = Vec::new();
        let mut moved = false;
        for state in &mut self.rules {
            let was = state.armed;
            if let Some(value) = value(&state.rule)
                && state.observe(value)
            {
                fired.push((state.clone(), value));
            }
            moved |= was != state.armed;
        }
        for (state, value) in fired {
            self.fire(ctx, &state, value);
        }
        if moved {
            // Recorded at once, not at the next renewal: a node taking over after this one
            // dies must know what fired.
            self.claim(ctx);
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
        let (backend, user) = (self.backend.clone(), self.user);
        let raised = self.outlets.raised.clone();
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

/// The value `rule` watches in `msg`, if it has one.
fn watched(rule: &AlertRule, msg: &Observe) -> Option<f64> {
    match &rule.kind {
        RuleKind::SuccessBelow => msg.success_probability,
        RuleKind::DriftAbove => msg.max_abs_drift,
        RuleKind::PriceCross { symbol, .. } => msg
            .ticks
            .iter()
            .rev()
            .find(|t| &t.symbol == symbol)
            .map(|t| t.price),
    }
}

impl Actor for AlertActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if self.holding != Holding::Alone {
            self.claim(ctx);
            ctx.run_interval(self.renew, Self::claim);
        }
    }
}

impl Handler<SetRules> for AlertActor {
    type Result = ();

    fn handle(&mut self, msg: SetRules, ctx: &mut Context<Self>) {
        let first_rules = self.rules.is_empty();
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
        self.latest
            .retain(|id, _| self.rules.iter().any(|r| r.rule.id == *id));
        if first_rules {
            self.claim(ctx);
        }
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
        match self.holding {
            Holding::Alone | Holding::Held => self.evaluate(ctx, msg),
            Holding::Unknown if self.waiting.len() < WAITING_OBSERVATIONS => {
                self.waiting.push(msg);
            }
            Holding::Unknown | Holding::Elsewhere => self.note_latest(&msg),
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
