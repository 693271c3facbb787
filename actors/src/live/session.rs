//! The user session: one per active user. It loads the user's plan, holdings and rules,
//! supervises the simulation, portfolio, alert and recommendation actors (all it knows of
//! them is in [`children`]), numbers each new state and sends it to its subscribers. It outlives connections: several tabs and an advisor share it, and
//! a reconnect finds it warm. It stops after an idle timeout when nobody watches and no rule
//! needs watching.
//!
//! Subscribers that ask for the fan chart get states that carry it; the others get the same
//! states without it (each built once per publication and shared). The simulation keeps the
//! fan chart's coefficients only while at least one such subscriber is there.
//!
//! Each subscription's updates say why the success moved since the snapshot it last
//! received (its reference, see [`super::explain`]); subscriptions that got the same
//! snapshot share their update. The first state of each minute is kept for `explain`
//! requests about an earlier time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{
    Actor, ActorContext, ActorFutureExt, Addr, AsyncContext, Context, Handler, Message, Recipient,
    ResponseActFuture, ResponseFuture, WrapFuture,
};
use protocol::live::{Explanation, LivePortfolio, LiveState, WhatIfAnswer};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::alerts::{AlertRaised, Observe, RulesHolder};
use super::backend::{SessionBackend, SessionData, Shown};
use super::events::{SharedSink, StreamBody, StreamEvent, deliver_soon};
use super::explain::{
    ExplainError, History, Mark, Missing, Reference, explain, explain_change, explain_counted,
    wealth_from,
};
use super::plan::LivePlan;
use super::portfolio::Book;
use super::recommendations::{RecommendationsReady, SetHolder, SuccessObserved};
use super::simulation::{
    GetPreparedMemory, LiveSolution, LiveSolveError, PreparedMemory, SetFanChart, SimulationDone,
    Solve, SurvivorsFor, WhatIf, WhatIfError,
};
use super::supervision::{Child, ChildDown};
use super::{LiveSettings, now_ms};
use crate::market::PriceHub;
use children::Children;

mod children;

/// Adds a subscriber (a connection of the owner or of an advisor the owner granted).
#[derive(Message)]
#[rtype(result = "()")]
pub struct AddSubscriber {
    /// The connection's id.
    pub conn: u64,
    /// Who is watching.
    pub viewer: Uuid,
    /// Where events go.
    pub events: SharedSink,
    /// Whether its states carry the yearly fan chart.
    pub fan_chart: bool,
}

/// Removes a connection's subscription.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RemoveSubscriber {
    /// The connection's id.
    pub conn: u64,
}

/// Ends every subscription of `viewer` (its access was revoked).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct RevokeViewer {
    /// The viewer.
    pub viewer: Uuid,
}

/// The plan, holdings or rules changed: load them again.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Reload;

/// The current state, waiting for the first one up to the state timeout.
#[derive(Debug, Message)]
#[rtype(result = "Option<LiveState>")]
pub struct GetState;

/// A what-if on this session's plan.
#[derive(Debug, Message)]
#[rtype(result = "Result<WhatIfAnswer, WhatIfError>")]
pub struct SessionWhatIf(pub protocol::live::WhatIfChanges);

/// Why the success moved from the state in force at `since_ms` to the current one.
#[derive(Debug, Message)]
#[rtype(result = "Result<Explanation, ExplainError>")]
pub struct SessionExplain {
    /// Unix milliseconds.
    pub since_ms: i64,
}

/// Solves this session's live plan for a target.
#[derive(Debug, Message)]
#[rtype(result = "Result<LiveSolution, LiveSolveError>")]
pub struct SessionSolve {
    /// The solve.
    pub solve: Solve,
    /// The plan's class names the solve's equity classes were told from: refused when the
    /// session's plan has others by now (a plan changed in between).
    pub classes: Vec<String>,
}

/// Shows an advisor's proposal (made or answered) to every subscriber.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ShowProposal(pub Arc<protocol::proposals::Proposal>);

/// Shows what the user's session on another node raised (an alert, recommendations) to
/// every subscriber.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct ShowShared(pub Shown);

/// Test hook: make a child panic.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct FaultChild(pub Child);

/// Stops the session now (its user is gone); subscribers get the end of the stream.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Stop;

/// Told to the registry when a session stops, so it forgets the address.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SessionStopped {
    /// The user.
    pub user: Uuid,
    /// Which incarnation of the user's session.
    pub instance: u64,
}

/// The viewers watching this session's stream other than its owner (advisors), each once.
#[derive(Debug, Message)]
#[rtype(result = "Vec<Uuid>")]
pub struct ForeignViewers;

/// Counters of one session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionCounters {
    /// States published.
    pub seq: u64,
    /// Children restarted after dying.
    pub restarts: u64,
    /// Subscribers.
    pub subscribers: usize,
    /// Subscribers that asked for the fan chart.
    pub fan_chart_subscribers: usize,
    /// What the simulation holds prepared.
    pub prepared: PreparedMemory,
    /// States kept for `explain` (the first of each minute).
    pub history: usize,
    /// Bytes of success curves kept for subscriptions' references beyond the current
    /// preparation's (older plans still explained against).
    pub reference_curve_bytes: usize,
}

/// Asks for [`SessionCounters`].
#[derive(Debug, Message)]
#[rtype(result = "SessionCounters")]
pub struct GetCounters;

struct Subscriber {
    viewer: Uuid,
    events: SharedSink,
    /// Whether it gets the fan chart.
    fan_chart: bool,
    /// False until the subscriber got a snapshot (it may subscribe before the first state,
    /// or ask for the fan chart before a state carries it).
    snapshotted: bool,
    /// The state of that snapshot: its updates explain the change since.
    reference: Option<Reference>,
}

/// What the session keeps of its loaded data.
struct Loaded {
    /// The plan with its model extensions, shared with the states computed for it.
    plan: Arc<LivePlan>,
    data: SessionData,
}

/// The session actor.
pub struct UserSession {
    user: Uuid,
    instance: u64,
    backend: Arc<dyn SessionBackend>,
    hub: Addr<PriceHub>,
    registry: Recipient<SessionStopped>,
    settings: LiveSettings,
    loaded: Option<Loaded>,
    children: Children,
    subscribers: HashMap<u64, Subscriber>,
    seq: u64,
    restarts: u64,
    state: Option<Arc<LiveState>>,
    /// The last state as explaining needs it, with its plan's success curve.
    current: Option<Reference>,
    /// The first state of each minute.
    history: History,
    /// Bumped whenever loaded holdings differ from the previous load's.
    holdings_version: u16,
    /// The last state with the fan chart, when the last publication had it.
    fan_state: Option<Arc<LiveState>>,
    /// Whether the simulation was told to keep the fan chart.
    fan_chart: bool,
    waiters: Vec<oneshot::Sender<LiveState>>,
    idle_since: Option<Instant>,
    stopping: bool,
    /// The plan the simulation actor was last given, so unrelated reloads do not
    /// prepare it again.
    plan_sent: Option<Arc<LivePlan>>,
    /// Loads that failed in a row.
    load_failures: u32,
    /// The latest `recommendations` event, for new subscribers.
    recommendations: Option<Arc<StreamBody>>,
    /// Whether this session evaluates the user's rules (always, unless the backend shares
    /// them between nodes and another node's session holds them).
    rules_holder: bool,
}

/// The seed of a user's live simulation: fixed per user, so a restarted session draws the
/// same paths and its numbers do not jump. At most `MAX_SEED` (2^53 - 1), like every seed
/// the API shows: a browser reads it exactly, and `POST /simulations/monte-carlo` accepts it
/// to reproduce the live numbers.
#[must_use]
pub fn user_seed(user: Uuid) -> u64 {
    let bytes = user.as_bytes();
    u64::from_le_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ]) & protocol::simulations::MAX_SEED
}

impl UserSession {
    /// A session for `user`; it loads its data once started.
    #[must_use]
    pub fn new(
        user: Uuid,
        instance: u64,
        backend: Arc<dyn SessionBackend>,
        hub: Addr<PriceHub>,
        registry: Recipient<SessionStopped>,
        settings: LiveSettings,
    ) -> Self {
        let backend_shares_rules = backend.rules_shared();
        Self {
            user,
            instance,
            backend,
            hub,
            registry,
            settings,
            loaded: None,
            children: Children::default(),
            subscribers: HashMap::new(),
            seq: 0,
            restarts: 0,
            state: None,
            current: None,
            history: History::default(),
            holdings_version: 0,
            fan_state: None,
            fan_chart: false,
            waiters: Vec::new(),
            idle_since: Some(Instant::now()),
            stopping: false,
            plan_sent: None,
            load_failures: 0,
            recommendations: None,
            rules_holder: !backend_shares_rules,
        }
    }

    /// Loads the user's data, then (re)starts the children in `restart` and hands every
    /// child the new data.
    fn load(&mut self, ctx: &mut Context<Self>, restart: Vec<Child>) {
        let load = self.backend.load(self.user);
        ctx.spawn(load.into_actor(self).map(move |result, act, ctx| {
            match result {
                Ok(data) => {
                    act.load_failures = 0;
                    if act
                        .loaded
                        .as_ref()
                        .is_some_and(|l| l.data.holdings != data.holdings)
                    {
                        act.holdings_version = act.holdings_version.wrapping_add(1);
                    }
                    act.loaded = Some(Loaded {
                        plan: Arc::new(LivePlan {
                            base: data.plan.clone(),
                            extensions: data.extensions.clone(),
                        }),
                        data,
                    });
                    for child in &restart {
                        act.start_child(ctx, *child);
                    }
                    act.configure_children(restart.contains(&Child::Simulation));
                }
                Err(e) => {
                    // Backing off (1 s doubling to 32 s) keeps a session whose data is gone
                    // for good (its account was just deleted) from loading and logging every
                    // second until its idle timeout stops it.
                    let wait = Duration::from_secs(1 << act.load_failures.min(5));
                    act.load_failures = act.load_failures.saturating_add(1);
                    tracing::warn!(user = %act.user, error = %e, attempt = act.load_failures,
                        retry_in_secs = wait.as_secs(), "session data could not be loaded; retrying");
                    ctx.run_later(wait, move |act, ctx| {
                        act.load(ctx, restart);
                    });
                }
            }
        }));
    }

    /// The portfolio to publish: the valuation the answer was computed for, else the last
    /// one published, else nothing held.
    fn portfolio_view(&self, valued: Option<LivePortfolio>) -> LivePortfolio {
        if let Some(portfolio) = valued {
            return portfolio;
        }
        if let Some(state) = &self.state {
            return state.portfolio.clone();
        }
        let (classes, targets, band) = self.loaded.as_ref().map_or(
            (
                vec![],
                vec![],
                protocol::simulations::DEFAULT_REBALANCE_BAND,
            ),
            |l| {
                (
                    l.data.asset_classes.clone(),
                    l.plan.base.weights.clone(),
                    l.data.rebalance_band,
                )
            },
        );
        Book::new(Vec::new(), classes, targets, band).value(&[]).0
    }

    fn send_all(&mut self, body: &Arc<StreamBody>) {
        for sub in self.subscribers.values() {
            deliver_soon(
                &sub.events,
                StreamEvent {
                    stream: self.user,
                    body: body.clone(),
                },
            );
        }
    }

    fn publish(&mut self, done: SimulationDone) {
        self.seq += 1;
        let SimulationDone {
            simulation,
            portfolio,
            coalesced,
            ticks,
            newest_tick_ms,
            tick_arrived,
            plan,
            survivors,
            curve,
        } = done;
        let full = Arc::new(LiveState {
            user_id: self.user,
            simulation,
            portfolio: self.portfolio_view(portfolio),
            computed_at_ms: now_ms(),
        });
        let current = Reference {
            mark: Mark {
                seq: self.seq,
                at_ms: full.computed_at_ms,
                plan,
                wealth: full.simulation.starting_wealth,
                survivors,
                holdings: self.holdings_version,
                wealth_from: wealth_from(full.simulation.wealth_source),
            },
            curve,
            paths: self.settings.paths,
        };
        self.history.record(&current.mark);
        let (state, fan_state) = if full.simulation.fan_chart.is_some() {
            let mut lean = LiveState::clone(&full);
            lean.simulation.fan_chart = None;
            (Arc::new(lean), Some(full))
        } else {
            (full, None)
        };
        for waiter in self.waiters.drain(..) {
            let _gone = waiter.send(LiveState::clone(&state));
        }
        // Snapshots with the fan chart or without; updates per reference and fan chart:
        // each built at most once, and only when some subscriber gets it.
        let mut snapshots: [Option<Arc<StreamBody>>; 2] = Default::default();
        let mut explanations: Vec<(u64, Option<Arc<Explanation>>)> = Vec::new();
        let mut updates: Vec<((u64, bool), Arc<StreamBody>)> = Vec::new();
        let (seq, ticks) = (self.seq, Arc::<[_]>::from(ticks));
        for sub in self.subscribers.values_mut() {
            let with_fan = sub.fan_chart && fan_state.is_some();
            // A subscriber that asked for the fan chart starts with a snapshot that has it.
            if sub.fan_chart && !sub.snapshotted && !with_fan {
                continue;
            }
            let shown = if with_fan { fan_state.as_ref() } else { None }.unwrap_or(&state);
            let body = if sub.snapshotted {
                let since = sub.reference.as_ref().map_or(0, |r| r.mark.seq);
                let explanation =
                    if let Some((_, e)) = explanations.iter().find(|(s, _)| *s == since) {
                        e.clone()
                    } else {
                        let e = sub
                            .reference
                            .as_ref()
                            .and_then(|r| explain_change(r, &current.mark))
                            .map(Arc::new);
                        explanations.push((since, e.clone()));
                        e
                    };
                let key = (since, with_fan);
                if let Some((_, body)) = updates.iter().find(|(k, _)| *k == key) {
                    body.clone()
                } else {
                    let body = Arc::new(StreamBody::Update {
                        seq,
                        coalesced,
                        ticks: ticks.clone(),
                        newest_tick_ms,
                        tick_arrived,
                        state: shown.clone(),
                        explanation,
                    });
                    updates.push((key, body.clone()));
                    body
                }
            } else {
                sub.snapshotted = true;
                sub.reference = Some(current.clone());
                snapshots[usize::from(with_fan)]
                    .get_or_insert_with(|| {
                        Arc::new(StreamBody::Snapshot {
                            seq,
                            state: shown.clone(),
                        })
                    })
                    .clone()
            };
            deliver_soon(
                &sub.events,
                StreamEvent {
                    stream: self.user,
                    body,
                },
            );
        }
        // Before the alert actor hears of it: an alert firing on this state asks the
        // recommendation actor for the top recommendation, which must know the state by then.
        if let (Some(recommendations), true) =
            (self.children.recommendations.addr(), self.has_rules())
        {
            recommendations.do_send(SuccessObserved {
                plan: current.mark.plan.clone(),
                wealth: state.simulation.starting_wealth,
                success: state.simulation.success_probability,
            });
        }
        if let (Some(alerts), true) = (self.children.alerts.addr(), self.has_rules()) {
            alerts.do_send(Observe {
                success_probability: Some(state.simulation.success_probability),
                max_abs_drift: (state.portfolio.total_value > 0.0)
                    .then_some(state.portfolio.max_abs_drift),
                ticks: Vec::new(),
            });
        }
        self.state = Some(state);
        self.fan_state = fan_state;
        self.current = Some(current);
    }

    /// Tells the simulation whether to keep the fan chart, when that changed: on while any
    /// subscriber wants it.
    fn update_fan_chart(&mut self) {
        let wanted = self.subscribers.values().any(|sub| sub.fan_chart);
        if wanted == self.fan_chart {
            return;
        }
        self.fan_chart = wanted;
        if !wanted {
            self.fan_state = None;
        }
        if let Some(sim) = self.children.simulation.addr() {
            sim.do_send(SetFanChart(wanted));
        }
    }

    /// Bytes of the distinct success curves the subscriptions' references hold apart from
    /// the current preparation's.
    fn reference_curve_bytes(&self) -> usize {
        let mut seen: Vec<&engine::sim::explain::SuccessCurve> = Vec::new();
        for reference in self
            .subscribers
            .values()
            .filter_map(|s| s.reference.as_ref())
        {
            let Some(curve) = &reference.curve else {
                continue;
            };
            let current = self
                .current
                .as_ref()
                .and_then(|c| c.curve.as_ref())
                .is_some_and(|c| c.same_as(curve));
            if !current && !seen.iter().any(|c| c.same_as(curve)) {
                seen.push(curve);
            }
        }
        seen.iter().map(|c| c.memory_bytes()).sum()
    }

    /// Whether any alert rule needs observations (most sessions have none).
    fn has_rules(&self) -> bool {
        self.loaded
            .as_ref()
            .is_some_and(|l| !l.data.rules.is_empty())
    }

    fn check_idle(&mut self, ctx: &mut Context<Self>) {
        let monitored = self.has_rules();
        if !self.subscribers.is_empty() || monitored {
            self.idle_since = None;
            return;
        }
        let since = *self.idle_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= self.settings.idle_timeout {
            ctx.stop();
        }
    }
}

impl Actor for UserSession {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Plenty of room: a burst of ticks to many portfolios must not block the hub.
        ctx.set_mailbox_capacity(1024);
        self.load(ctx, Child::ALL.to_vec());
        let every = (self.settings.idle_timeout / 4)
            .clamp(Duration::from_millis(50), Duration::from_secs(30));
        ctx.run_interval(every, Self::check_idle);
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.stopping = true;
        self.children.stop_all();
        let ended = Arc::new(StreamBody::Ended {
            reason: "the session stopped".into(),
        });
        self.send_all(&ended);
        self.registry.do_send(SessionStopped {
            user: self.user,
            instance: self.instance,
        });
    }
}

impl Handler<ChildDown> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: ChildDown, ctx: &mut Context<Self>) {
        if self.stopping || !self.children.down(msg.child, msg.generation) {
            return;
        }
        tracing::warn!(user = %self.user, child = ?msg.child, "a session child died; restarting it");
        self.restarts += 1;
        self.load(ctx, vec![msg.child]);
    }
}

impl Handler<SimulationDone> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: SimulationDone, _: &mut Context<Self>) {
        // The ticks come in symbol order (the portfolio's slots, folded in order).
        self.publish(msg);
    }
}

impl Handler<AlertRaised> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: AlertRaised, _: &mut Context<Self>) {
        self.backend.share(self.user, Shown::Alert(msg.0.clone()));
        self.send_all(&Arc::new(StreamBody::Alert(msg.0)));
    }
}

impl Handler<RecommendationsReady> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: RecommendationsReady, _: &mut Context<Self>) {
        self.backend
            .share(self.user, Shown::Recommendations(msg.0.clone()));
        let body = Arc::new(StreamBody::Recommendations(msg.0));
        self.send_all(&body);
        self.recommendations = Some(body);
    }
}

impl Handler<ShowShared> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: ShowShared, _: &mut Context<Self>) {
        match msg.0 {
            Shown::Alert(alert) => self.send_all(&Arc::new(StreamBody::Alert(alert))),
            Shown::Recommendations(made) => {
                let body = Arc::new(StreamBody::Recommendations(made));
                self.send_all(&body);
                self.recommendations = Some(body);
            }
        }
    }
}

impl Handler<RulesHolder> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: RulesHolder, _: &mut Context<Self>) {
        self.rules_holder = msg.0;
        if let Some(recommendations) = self.children.recommendations.addr() {
            recommendations.do_send(SetHolder(msg.0));
        }
    }
}

impl Handler<AddSubscriber> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: AddSubscriber, _: &mut Context<Self>) {
        let current = if msg.fan_chart {
            &self.fan_state
        } else {
            &self.state
        };
        let snapshotted = if let Some(state) = current {
            deliver_soon(
                &msg.events,
                StreamEvent {
                    stream: self.user,
                    body: Arc::new(StreamBody::Snapshot {
                        seq: self.seq,
                        state: state.clone(),
                    }),
                },
            );
            true
        } else {
            false
        };
        if let (true, Some(body)) = (snapshotted, &self.recommendations) {
            deliver_soon(
                &msg.events,
                StreamEvent {
                    stream: self.user,
                    body: body.clone(),
                },
            );
        }
        self.idle_since = None;
        self.subscribers.insert(
            msg.conn,
            Subscriber {
                viewer: msg.viewer,
                events: msg.events,
                fan_chart: msg.fan_chart,
                snapshotted,
                reference: self.current.clone().filter(|_| snapshotted),
            },
        );
        self.update_fan_chart();
    }
}

impl Handler<RemoveSubscriber> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: RemoveSubscriber, _: &mut Context<Self>) {
        self.subscribers.remove(&msg.conn);
        self.update_fan_chart();
    }
}

impl Handler<RevokeViewer> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: RevokeViewer, _: &mut Context<Self>) {
        let ended = Arc::new(StreamBody::Ended {
            reason: "access revoked".into(),
        });
        self.subscribers.retain(|_, sub| {
            if sub.viewer == msg.viewer {
                deliver_soon(
                    &sub.events,
                    StreamEvent {
                        stream: self.user,
                        body: ended.clone(),
                    },
                );
                false
            } else {
                true
            }
        });
        self.update_fan_chart();
    }
}

impl Handler<Reload> for UserSession {
    type Result = ();

    fn handle(&mut self, _: Reload, ctx: &mut Context<Self>) {
        self.load(ctx, Vec::new());
    }
}

impl Handler<GetState> for UserSession {
    type Result = ResponseActFuture<Self, Option<LiveState>>;

    fn handle(&mut self, _: GetState, _: &mut Context<Self>) -> Self::Result {
        if let Some(state) = &self.state {
            return Box::pin(actix::fut::ready(Some(LiveState::clone(state))));
        }
        let (tx, rx) = oneshot::channel();
        self.waiters.push(tx);
        let timeout = self.settings.state_timeout;
        Box::pin(async move { tokio::time::timeout(timeout, rx).await.ok()?.ok() }.into_actor(self))
    }
}

impl Handler<SessionWhatIf> for UserSession {
    type Result = ResponseFuture<Result<WhatIfAnswer, WhatIfError>>;

    fn handle(&mut self, msg: SessionWhatIf, _: &mut Context<Self>) -> Self::Result {
        let sim = self.children.simulation.addr().cloned();
        Box::pin(async move {
            let unavailable = || WhatIfError::Unavailable("the simulation is restarting".into());
            let sim = sim.ok_or_else(unavailable)?;
            sim.send(WhatIf(msg.0)).await.map_err(|_| unavailable())?
        })
    }
}

impl Handler<SessionExplain> for UserSession {
    type Result = ResponseFuture<Result<Explanation, ExplainError>>;

    fn handle(&mut self, msg: SessionExplain, _: &mut Context<Self>) -> Self::Result {
        let unavailable = |m: &str| ExplainError::Unavailable(m.into());
        let Some(now) = self.current.clone() else {
            return Box::pin(std::future::ready(Err(unavailable(
                "the live simulation is not ready yet",
            ))));
        };
        let kept = match self.history.at(msg.since_ms) {
            Ok(mark) => mark,
            Err(Missing::Before(oldest_ms)) => {
                return Box::pin(std::future::ready(Err(ExplainError::TooOld { oldest_ms })));
            }
            Err(Missing::Empty) => {
                return Box::pin(std::future::ready(Err(unavailable(
                    "the live simulation is not ready yet",
                ))));
            }
        };
        // The newest state known at that time: a minute's first, or a later one a
        // subscription's snapshot (or the current state) pins exactly, so that asking since
        // a snapshot's time explains what its updates explain.
        let since = std::iter::once(&now)
            .chain(
                self.subscribers
                    .values()
                    .filter_map(|s| s.reference.as_ref()),
            )
            .map(|r| &r.mark)
            .filter(|m| m.at_ms <= msg.since_ms)
            .fold(kept, |best, m| if m.seq > best.seq { m } else { best })
            .clone();
        // The plan then is usually one whose curve is at hand: today's, or a subscription's
        // reference. Equal plans on the same paths have the same curve. A plan simulated
        // again at each tick has none, but needs none while it is still today's plan.
        let known = std::iter::once(&now)
            .chain(
                self.subscribers
                    .values()
                    .filter_map(|s| s.reference.as_ref()),
            )
            .find(|r| Arc::ptr_eq(&r.mark.plan, &since.plan) || r.mark.plan == since.plan)
            .map(|r| r.curve.clone());
        let paths = self.settings.paths;
        if let Some(curve) = known {
            let reference = Reference {
                mark: since,
                curve,
                paths,
            };
            if let Some(explained) = explain(&reference, &now.mark) {
                return Box::pin(std::future::ready(Ok(explained)));
            }
            let Reference { mark, .. } = reference;
            return self.explain_by_counting(mark, now.mark);
        }
        self.explain_by_counting(since, now.mark)
    }
}

impl UserSession {
    /// Explains from `since` to `now` with `since`'s plan counted again on the simulation's
    /// paths at both wealths (its curve drawn again, or runs of a plan simulated at each
    /// tick).
    fn explain_by_counting(
        &self,
        since: Mark,
        now: Mark,
    ) -> ResponseFuture<Result<Explanation, ExplainError>> {
        let sim = self.children.simulation.addr().cloned();
        let paths = self.settings.paths;
        Box::pin(async move {
            let restarting = || ExplainError::Unavailable("the simulation is restarting".into());
            let [at_since, at_now] = sim
                .ok_or_else(restarting)?
                .send(SurvivorsFor {
                    plan: since.plan.clone(),
                    wealths: [since.wealth, now.wealth],
                })
                .await
                .map_err(|_| restarting())?
                .map_err(ExplainError::Unavailable)?;
            Ok(explain_counted(&since, &now, paths, |wealth| {
                if wealth.to_bits() == since.wealth.to_bits() {
                    at_since
                } else {
                    at_now
                }
            }))
        })
    }
}

impl Handler<SessionSolve> for UserSession {
    type Result = ResponseFuture<Result<LiveSolution, LiveSolveError>>;

    fn handle(&mut self, msg: SessionSolve, _: &mut Context<Self>) -> Self::Result {
        let sim = self.children.simulation.addr().cloned();
        let same_classes = self
            .loaded
            .as_ref()
            .is_some_and(|l| l.data.asset_classes == msg.classes);
        Box::pin(async move {
            if !same_classes {
                return Err(LiveSolveError::Unavailable(
                    "the plan changed while the solve was asked; ask again".into(),
                ));
            }
            let unavailable = || LiveSolveError::Unavailable("the simulation is restarting".into());
            let sim = sim.ok_or_else(unavailable)?;
            sim.send(msg.solve).await.map_err(|_| unavailable())?
        })
    }
}

impl Handler<FaultChild> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: FaultChild, _: &mut Context<Self>) {
        self.children.fault(msg.0);
    }
}

impl Handler<ShowProposal> for UserSession {
    type Result = ();

    fn handle(&mut self, msg: ShowProposal, _: &mut Context<Self>) {
        self.send_all(&Arc::new(StreamBody::Proposal(msg.0)));
    }
}

impl Handler<Stop> for UserSession {
    type Result = ();

    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<ForeignViewers> for UserSession {
    type Result = actix::MessageResult<ForeignViewers>;

    fn handle(&mut self, _: ForeignViewers, _: &mut Context<Self>) -> Self::Result {
        let mut viewers: Vec<Uuid> = self
            .subscribers
            .values()
            .map(|sub| sub.viewer)
            .filter(|viewer| *viewer != self.user)
            .collect();
        viewers.sort_unstable();
        viewers.dedup();
        actix::MessageResult(viewers)
    }
}

impl Handler<GetCounters> for UserSession {
    type Result = ResponseFuture<SessionCounters>;

    fn handle(&mut self, _: GetCounters, _: &mut Context<Self>) -> Self::Result {
        let counters = SessionCounters {
            seq: self.seq,
            restarts: self.restarts,
            subscribers: self.subscribers.len(),
            fan_chart_subscribers: self.subscribers.values().filter(|s| s.fan_chart).count(),
            prepared: PreparedMemory::default(),
            history: self.history.len(),
            reference_curve_bytes: self.reference_curve_bytes(),
        };
        let sim = self.children.simulation.addr().cloned();
        Box::pin(async move {
            let prepared = match sim {
                Some(sim) => sim.send(GetPreparedMemory).await.unwrap_or_default(),
                None => PreparedMemory::default(),
            };
            SessionCounters {
                prepared,
                ..counters
            }
        })
    }
}
