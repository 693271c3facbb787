//! The recommendation actor: follows the live success probability against the owner's
//! `success_below` thresholds, and when it crosses one, either way, has the backend compute
//! the recommendations at the live wealth on the session's own paths (verified by
//! simulation and stored), which the session pushes as a `recommendations` frame. An alert
//! firing on a threshold asks it for the top one ([`TopRecommendation`]), so the alert
//! carries it.
//!
//! A session without such rules never observes here: nothing is computed for it. One
//! computation runs at a time; crossings while it runs are folded into one more for the
//! latest state (latest wins).
//!
//! With several nodes, only the session evaluating its user's rules computes (see
//! [`super::alerts`]; the session passes it on as [`SetHolder`]): the others follow the
//! thresholds and keep a crossing due, which they compute if they take over.

use std::sync::Arc;

use actix::{Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Handler, Message};
use actix::{Recipient, ResponseFuture, WrapFuture};
use protocol::recommendations::{LiveRecommendations, Recommendation};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::alerts::RuleState;
use super::backend::{AlertRule, RecommendAsk, Recommended, RuleKind, SessionBackend};
use super::now_ms;
use super::plan::LivePlan;
use super::supervision::{DownNotice, InjectFault, Shutdown};

/// The owner's rules; only `success_below` ones matter here. Rules kept by id keep where
/// they stand.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetThresholds(pub Vec<AlertRule>);

/// A new live state.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SuccessObserved {
    /// The plan it was computed for.
    pub plan: Arc<LivePlan>,
    /// Its starting wealth.
    pub wealth: f64,
    /// Its success probability.
    pub success: f64,
}

/// The top recommendation for the newest observed state: waits for a computation under
/// way (or due), else answers from the last one. `None` when there is none (above every
/// threshold, nothing helps enough, or it could not be computed).
#[derive(Debug, Message)]
#[rtype(result = "Option<Recommendation>")]
pub struct TopRecommendation;

/// Whether this session evaluates its user's rules (and so computes).
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct SetHolder(pub bool);

/// New recommendations for the session to push.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RecommendationsReady(pub Arc<LiveRecommendations>);

/// What was computed last or is to be computed.
#[derive(Debug, Clone)]
struct Job {
    plan: Arc<LivePlan>,
    wealth: f64,
    success: f64,
    /// The highest breached threshold; `None`: above them all.
    target: Option<f64>,
}

/// Where the thresholds stand on the live success, with the same hysteresis as the alerts.
#[derive(Debug, Default)]
pub struct Thresholds(Vec<RuleState>);

impl Thresholds {
    /// Keeps the `success_below` rules of `rules`; a rule kept unchanged keeps its state.
    pub fn set(&mut self, rules: Vec<AlertRule>) {
        let old = std::mem::take(&mut self.0);
        self.0 = rules
            .into_iter()
            .filter(|r| r.kind == RuleKind::SuccessBelow)
            .map(|rule| {
                old.iter()
                    .find(|s| s.rule == rule)
                    .cloned()
                    .unwrap_or_else(|| RuleState::new(rule))
            })
            .collect();
    }

    /// Whether any threshold is set.
    #[must_use]
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// Feeds one success probability: whether any threshold was crossed (breached, or
    /// recovered past its hysteresis).
    pub fn observe(&mut self, success: f64) -> bool {
        let mut crossed = false;
        for state in &mut self.0 {
            let was_armed = state.armed;
            let fired = state.observe(success);
            crossed |= fired || (!was_armed && state.armed);
        }
        crossed
    }

    /// The highest threshold currently breached.
    #[must_use]
    pub fn target(&self) -> Option<f64> {
        self.0
            .iter()
            .filter(|s| !s.armed)
            .map(|s| s.rule.level)
            .reduce(f64::max)
    }
}

/// The recommendation actor.
pub struct RecommendationActor {
    user: Uuid,
    paths: u32,
    seed: u64,
    backend: Arc<dyn SessionBackend>,
    ready: Recipient<RecommendationsReady>,
    thresholds: Thresholds,
    /// The newest observation.
    latest: Option<Job>,
    /// A crossing the running computation does not cover yet.
    due: bool,
    running: bool,
    last: Option<Arc<LiveRecommendations>>,
    waiters: Vec<oneshot::Sender<Option<Recommendation>>>,
    /// Whether this session evaluates the rules; always when they are not shared.
    evaluates: bool,
    _notice: DownNotice,
}

impl RecommendationActor {
    /// An actor for `user`'s session, verifying on its `paths` drawn from `seed`.
    #[must_use]
    pub fn new(
        user: Uuid,
        paths: u32,
        seed: u64,
        backend: Arc<dyn SessionBackend>,
        ready: Recipient<RecommendationsReady>,
        notice: DownNotice,
    ) -> Self {
        let evaluates = !backend.rules_shared();
        Self {
            user,
            paths,
            seed,
            backend,
            ready,
            thresholds: Thresholds::default(),
            latest: None,
            due: false,
            running: false,
            last: None,
            waiters: Vec::new(),
            evaluates,
            _notice: notice,
        }
    }

    /// Starts the computation due, unless one runs (it starts the next when it ends).
    fn run_due(&mut self, ctx: &mut Context<Self>) {
        if self.running || !self.due || !self.evaluates {
            return;
        }
        let Some(job) = self.latest.clone() else {
            return;
        };
        self.due = false;
        let Some(target) = job.target else {
            // Above every threshold again: nothing to compute, and nothing to recommend.
            self.finish(ctx, &job, Vec::new(), None);
            return;
        };
        self.running = true;
        let mut plan = job.plan.base.clone();
        plan.initial_wealth = job.wealth;
        let ask = RecommendAsk {
            plan,
            extensions: job.plan.extended().cloned(),
            target,
            paths: self.paths,
            seed: self.seed,
        };
        let computing = self.backend.recommend(self.user, ask);
        ctx.spawn(computing.into_actor(self).map(move |result, act, ctx| {
            act.running = false;
            let (made, unavailable) = match result {
                Ok(Recommended::Made(made)) => (made, None),
                Ok(Recommended::Unavailable(why)) => (Vec::new(), Some(why)),
                Err(e) => {
                    tracing::warn!(user = %act.user, error = %e, "live recommendations failed");
                    (
                        Vec::new(),
                        Some("the recommendations could not be computed just now".to_owned()),
                    )
                }
            };
            act.finish(ctx, &job, made, unavailable);
        }));
    }

    fn finish(
        &mut self,
        ctx: &mut Context<Self>,
        job: &Job,
        recommendations: Vec<Recommendation>,
        unavailable: Option<String>,
    ) {
        let made = Arc::new(LiveRecommendations {
            target_success: job.target,
            success_probability: job.success,
            starting_wealth: job.wealth,
            recommendations,
            unavailable,
            computed_at_ms: now_ms(),
        });
        self.ready.do_send(RecommendationsReady(made.clone()));
        self.last = Some(made);
        if self.due {
            self.run_due(ctx);
        } else {
            self.answer_waiters();
        }
    }

    fn answer_waiters(&mut self) {
        let top = self
            .last
            .as_ref()
            .and_then(|l| l.recommendations.first().cloned());
        for waiter in self.waiters.drain(..) {
            let _gone = waiter.send(top.clone());
        }
    }
}

impl Actor for RecommendationActor {
    type Context = Context<Self>;
}

impl Handler<SetThresholds> for RecommendationActor {
    type Result = ();

    fn handle(&mut self, msg: SetThresholds, _: &mut Context<Self>) {
        self.thresholds.set(msg.0);
    }
}

impl Handler<SuccessObserved> for RecommendationActor {
    type Result = ();

    fn handle(&mut self, msg: SuccessObserved, ctx: &mut Context<Self>) {
        if !self.thresholds.any() {
            return;
        }
        let crossed = self.thresholds.observe(msg.success);
        // A changed plan (or wealth) below a threshold is a new situation too: the stored
        // recommendations were made for the old one.
        let moved_below = self.thresholds.target().is_some()
            && self
                .latest
                .as_ref()
                .is_some_and(|l| !Arc::ptr_eq(&l.plan, &msg.plan) && *l.plan != *msg.plan);
        self.latest = Some(Job {
            plan: msg.plan,
            wealth: msg.wealth,
            success: msg.success,
            target: self.thresholds.target(),
        });
        if crossed || moved_below {
            self.due = true;
            self.run_due(ctx);
        }
    }
}

impl Handler<SetHolder> for RecommendationActor {
    type Result = ();

    fn handle(&mut self, msg: SetHolder, ctx: &mut Context<Self>) {
        self.evaluates = msg.0;
        self.run_due(ctx);
    }
}

impl Handler<TopRecommendation> for RecommendationActor {
    type Result = ResponseFuture<Option<Recommendation>>;

    fn handle(&mut self, _: TopRecommendation, _: &mut Context<Self>) -> Self::Result {
        if !self.running && !self.due {
            let top = self
                .last
                .as_ref()
                .and_then(|l| l.recommendations.first().cloned());
            return Box::pin(std::future::ready(top));
        }
        let (tx, rx) = oneshot::channel();
        self.waiters.push(tx);
        Box::pin(async move { rx.await.ok().flatten() })
    }
}

impl Handler<Shutdown> for RecommendationActor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<InjectFault> for RecommendationActor {
    type Result = ();

    #[allow(clippy::panic)]
    fn handle(&mut self, _: InjectFault, _: &mut Context<Self>) {
        panic!("fault injected into the recommendation actor");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn below(id: u128, level: f64, hysteresis: f64) -> AlertRule {
        AlertRule {
            id: Uuid::from_u128(id),
            kind: RuleKind::SuccessBelow,
            level,
            hysteresis,
        }
    }

    #[test]
    fn crossings_either_way_count_and_the_highest_breached_threshold_is_aimed_for() {
        let mut t = Thresholds::default();
        t.set(vec![
            below(1, 0.8, 0.02),
            below(2, 0.6, 0.0),
            AlertRule {
                id: Uuid::from_u128(3),
                kind: RuleKind::DriftAbove,
                level: 0.05,
                hysteresis: 0.0,
            },
        ]);
        assert!(t.any());
        let seen: Vec<(bool, Option<f64>)> = [0.9, 0.79, 0.78, 0.55, 0.7, 0.81, 0.83]
            .into_iter()
            .map(|s| (t.observe(s), t.target()))
            .collect();
        assert_eq!(
            seen,
            [
                (false, None),
                (true, Some(0.8)),
                (false, Some(0.8)),
                (true, Some(0.8)),
                // 0.6 recovered (no hysteresis); 0.8 still breached.
                (true, Some(0.8)),
                // Inside 0.8's band: not recovered yet.
                (false, Some(0.8)),
                (true, None),
            ]
        );
    }

    #[test]
    fn a_rule_kept_keeps_its_state_and_other_kinds_are_ignored() {
        let mut t = Thresholds::default();
        t.set(vec![below(1, 0.8, 0.0)]);
        assert!(t.observe(0.7));
        t.set(vec![below(1, 0.8, 0.0), below(2, 0.5, 0.0)]);
        assert_eq!(t.target(), Some(0.8));
        assert!(!t.observe(0.7));
        t.set(vec![AlertRule {
            id: Uuid::from_u128(3),
            kind: RuleKind::DriftAbove,
            level: 0.05,
            hysteresis: 0.0,
        }]);
        assert!(!t.any());
    }
}
