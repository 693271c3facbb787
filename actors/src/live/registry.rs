//! The session registry: finds a user's session or starts it, spreading sessions over a
//! few arbiters (threads) so that one busy session does not delay the others.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{
    Actor, Addr, ArbiterHandle, AsyncContext, Context, Handler, Message, MessageResult,
    ResponseFuture,
};
use protocol::live::{Explanation, LiveState, WhatIfAnswer, WhatIfChanges};
use uuid::Uuid;

use super::LiveSettings;
use super::backend::{SessionBackend, Shown};
use super::events::{SharedSink, StreamBody, StreamEvent};
use super::explain::ExplainError;
use super::session::{
    AddSubscriber, FaultChild, ForeignViewers, GetCounters, GetState, Reload, RemoveSubscriber,
    RevokeViewer, SessionCounters, SessionExplain, SessionSolve, SessionStopped, SessionWhatIf,
    ShowProposal, ShowShared, Stop, UserSession,
};
use super::simulation::{LiveSolution, LiveSolveError, WhatIfError};
use super::supervision::Child;
use crate::market::PriceHub;

/// Subscribes connection `conn` of `viewer` to `owner`'s stream (the caller has checked
/// that `viewer` may see it). Starts the owner's session if needed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Watch {
    /// Whose plan.
    pub owner: Uuid,
    /// Who watches.
    pub viewer: Uuid,
    /// The connection.
    pub conn: u64,
    /// Where the events go.
    pub events: SharedSink,
    /// The connection's thread: a session this starts runs there when the registry has no
    /// threads of its own, so its updates reach the connection without crossing threads.
    pub home: Option<ArbiterHandle>,
    /// When the caller began checking `viewer`'s access. A revocation after that instant
    /// may have raced the check, so the subscription is refused (see [`Revoked`]).
    pub authorized_at: Instant,
    /// Whether the states sent carry the yearly fan chart.
    pub fan_chart: bool,
}

/// Ends connection `conn`'s subscription to `owner`'s stream.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Unwatch {
    /// Whose plan.
    pub owner: Uuid,
    /// The connection.
    pub conn: u64,
}

/// `user`'s plan, holdings or rules changed.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Changed {
    /// The user.
    pub user: Uuid,
}

/// Every running session reloads its user's plan, holdings and rules: changes made on other
/// nodes may have been missed (this node's subscription to them was lost for a while).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct ReloadAll;

/// An advisor's proposal on `owner`'s plan was made or answered: the subscribers of
/// `owner`'s stream see it (nothing happens while no session runs: nobody watches).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct ProposalChanged {
    /// Whose plan.
    pub owner: Uuid,
    /// The proposal as it now stands.
    pub proposal: Arc<protocol::proposals::Proposal>,
}

/// `owner`'s session on another node raised something its subscribers see (an alert,
/// recommendations): the subscribers of `owner`'s session here see it too (nothing happens
/// while none runs: nobody watches here).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SharedElsewhere {
    /// Whose session.
    pub owner: Uuid,
    /// What it showed.
    pub shown: Shown,
}

/// `owner` revoked `viewer`'s access.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Revoked {
    /// The owner of the stream.
    pub owner: Uuid,
    /// The advisor.
    pub viewer: Uuid,
}

/// `user`'s account is gone: stop their session (its subscribers are told) and end their
/// subscriptions to other users' streams.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Forget {
    /// The user.
    pub user: Uuid,
}

/// `viewer` may no longer watch other users' streams (their role changed): each such
/// subscription ends, and an access check that passed before this cannot subscribe.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct EndViews {
    /// The former advisor.
    pub viewer: Uuid,
}

/// `owner`'s current state (the session is started if needed).
#[derive(Debug, Message)]
#[rtype(result = "Option<LiveState>")]
pub struct CurrentState {
    /// Whose.
    pub owner: Uuid,
}

/// A what-if on `owner`'s plan.
#[derive(Debug, Message)]
#[rtype(result = "Result<WhatIfAnswer, WhatIfError>")]
pub struct RunWhatIf {
    /// Whose plan.
    pub owner: Uuid,
    /// The changes.
    pub changes: WhatIfChanges,
}

/// Why `owner`'s success moved since `since_ms` (the session is started if needed).
#[derive(Debug, Message)]
#[rtype(result = "Result<Explanation, ExplainError>")]
pub struct RunExplain {
    /// Whose plan.
    pub owner: Uuid,
    /// Unix milliseconds.
    pub since_ms: i64,
}

/// Solves `owner`'s live plan for a target (the session is started if needed).
#[derive(Debug, Message)]
#[rtype(result = "Result<LiveSolution, LiveSolveError>")]
pub struct RunSolve {
    /// Whose plan.
    pub owner: Uuid,
    /// The solve and the class names it was told for.
    pub solve: SessionSolve,
}

/// Test hook: make a child of `owner`'s running session panic. False when none runs.
#[derive(Debug, Message)]
#[rtype(result = "bool")]
pub struct InjectFault {
    /// Whose session.
    pub owner: Uuid,
    /// Which child.
    pub child: Child,
}

/// Every (owner, viewer) pair in which someone other than the owner watches a running
/// session: what a node re-checks against the database when it may have missed revocations.
#[derive(Debug, Message)]
#[rtype(result = "Vec<(Uuid, Uuid)>")]
pub struct WatchedByOthers;

/// Counters of a running session, if any.
#[derive(Debug, Message)]
#[rtype(result = "Option<SessionCounters>")]
pub struct Counters {
    /// Whose session.
    pub owner: Uuid,
}

/// How many sessions run.
#[derive(Debug, Message)]
#[rtype(result = "usize")]
pub struct SessionCount;

/// How long the registry remembers a revocation. A [`Watch`] whose access check is older
/// than this is refused as well, so no check can outlive the memory of a revocation it
/// raced; no real check takes anywhere near this long.
const REVOCATION_MEMORY: Duration = Duration::from_secs(600);

/// Notes `key` as of now and forgets what is older than [`REVOCATION_MEMORY`].
fn remember<K: Eq + std::hash::Hash>(memory: &mut HashMap<K, Instant>, key: K) {
    let now = Instant::now();
    memory.retain(|_, at| now.duration_since(*at) < REVOCATION_MEMORY);
    memory.insert(key, now);
}

/// The registry actor.
pub struct SessionRegistry {
    sessions: HashMap<Uuid, (u64, Addr<UserSession>)>,
    /// (owner, viewer) → when the owner last revoked the viewer's access.
    revoked: HashMap<(Uuid, Uuid), Instant>,
    /// Users whose accounts were deleted, and when.
    forgotten: HashMap<Uuid, Instant>,
    /// Users who lost the right to watch others (a role change), and when.
    demoted: HashMap<Uuid, Instant>,
    next_instance: u64,
    backend: Arc<dyn SessionBackend>,
    hub: Addr<PriceHub>,
    settings: LiveSettings,
    arbiters: Vec<ArbiterHandle>,
    next_arbiter: usize,
}

impl SessionRegistry {
    /// A registry starting sessions on `arbiters` (round robin). With none, a session starts
    /// on the thread of the connection that first watches it ([`Watch::home`]), or on the
    /// registry's own thread.
    #[must_use]
    pub fn new(
        backend: Arc<dyn SessionBackend>,
        hub: Addr<PriceHub>,
        settings: LiveSettings,
        arbiters: Vec<ArbiterHandle>,
    ) -> Self {
        Self {
            sessions: HashMap::new(),
            revoked: HashMap::new(),
            forgotten: HashMap::new(),
            demoted: HashMap::new(),
            next_instance: 1,
            backend,
            hub,
            settings,
            arbiters,
            next_arbiter: 0,
        }
    }

    /// Why `watch` is refused, if its access check may predate a revocation of that access
    /// or the deletion of either account: a check that passed just before would otherwise
    /// subscribe after the revocation ended the viewer's other subscriptions (and keep
    /// receiving), or start a deleted user's session again.
    fn refusal(&self, watch: &Watch) -> Option<&'static str> {
        let after_check = |at: Option<&Instant>| at.is_some_and(|at| *at >= watch.authorized_at);
        if after_check(self.forgotten.get(&watch.owner)) {
            return Some("the session stopped");
        }
        let stale = watch.authorized_at.elapsed() >= REVOCATION_MEMORY;
        let revoked = watch.viewer != watch.owner
            && (after_check(self.revoked.get(&(watch.owner, watch.viewer)))
                || after_check(self.demoted.get(&watch.viewer)));
        (stale || revoked || after_check(self.forgotten.get(&watch.viewer)))
            .then_some("access revoked")
    }

    fn running(&self, user: Uuid) -> Option<Addr<UserSession>> {
        self.sessions
            .get(&user)
            .filter(|(_, addr)| addr.connected())
            .map(|(_, addr)| addr.clone())
    }

    fn session(
        &mut self,
        ctx: &mut Context<Self>,
        user: Uuid,
        home: Option<&ArbiterHandle>,
    ) -> Addr<UserSession> {
        if let Some(addr) = self.running(user) {
            return addr;
        }
        let instance = self.next_instance;
        self.next_instance += 1;
        let (backend, hub, settings) = (
            self.backend.clone(),
            self.hub.clone(),
            self.settings.clone(),
        );
        let registry = ctx.address().recipient();
        let make = move |_: &mut Context<UserSession>| {
            UserSession::new(user, instance, backend, hub, registry, settings)
        };
        let addr = match (self.arbiters.is_empty(), home) {
            (true, Some(home)) => UserSession::start_in_arbiter(home, make),
            (true, None) => UserSession::create(make),
            (false, _) => {
                let arbiter = &self.arbiters[self.next_arbiter % self.arbiters.len()];
                self.next_arbiter += 1;
                UserSession::start_in_arbiter(arbiter, make)
            }
        };
        self.sessions.insert(user, (instance, addr.clone()));
        addr
    }
}

impl Actor for SessionRegistry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(4096);
    }
}

impl Handler<Watch> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, msg: Watch, ctx: &mut Context<Self>) {
        if let Some(reason) = self.refusal(&msg) {
            msg.events.deliver(StreamEvent {
                stream: msg.owner,
                body: Arc::new(StreamBody::Ended {
                    reason: reason.into(),
                }),
            });
            return;
        }
        self.session(ctx, msg.owner, msg.home.as_ref())
            .do_send(AddSubscriber {
                conn: msg.conn,
                viewer: msg.viewer,
                events: msg.events,
                fan_chart: msg.fan_chart,
            });
    }
}

impl Handler<Unwatch> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, msg: Unwatch, _: &mut Context<Self>) {
        if let Some(addr) = self.running(msg.owner) {
            addr.do_send(RemoveSubscriber { conn: msg.conn });
        }
    }
}

impl Handler<Changed> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, msg: Changed, _: &mut Context<Self>) {
        if let Some(addr) = self.running(msg.user) {
            addr.do_send(Reload);
        }
    }
}

impl Handler<ReloadAll> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, _: ReloadAll, _: &mut Context<Self>) {
        for (_, addr) in self.sessions.values() {
            if addr.connected() {
                addr.do_send(Reload);
            }
        }
    }
}

impl Handler<ProposalChanged> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, msg: ProposalChanged, _: &mut Context<Self>) {
        if let Some(addr) = self.running(msg.owner) {
            addr.do_send(ShowProposal(msg.proposal));
        }
    }
}

impl Handler<SharedElsewhere> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, msg: SharedElsewhere, _: &mut Context<Self>) {
        if let Some(addr) = self.running(msg.owner) {
            addr.do_send(ShowShared(msg.shown));
        }
    }
}

impl Handler<Revoked> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, msg: Revoked, _: &mut Context<Self>) {
        remember(&mut self.revoked, (msg.owner, msg.viewer));
        if let Some(addr) = self.running(msg.owner) {
            addr.do_send(RevokeViewer { viewer: msg.viewer });
        }
    }
}

impl Handler<Forget> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, msg: Forget, _: &mut Context<Self>) {
        remember(&mut self.forgotten, msg.user);
        if let Some((_, addr)) = self.sessions.remove(&msg.user) {
            addr.do_send(Stop);
        }
        for (_, addr) in self.sessions.values() {
            addr.do_send(RevokeViewer { viewer: msg.user });
        }
    }
}

impl Handler<EndViews> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, msg: EndViews, _: &mut Context<Self>) {
        remember(&mut self.demoted, msg.viewer);
        for (owner, (_, addr)) in &self.sessions {
            if *owner != msg.viewer {
                addr.do_send(RevokeViewer { viewer: msg.viewer });
            }
        }
    }
}

impl Handler<CurrentState> for SessionRegistry {
    type Result = ResponseFuture<Option<LiveState>>;

    fn handle(&mut self, msg: CurrentState, ctx: &mut Context<Self>) -> Self::Result {
        let addr = self.session(ctx, msg.owner, None);
        Box::pin(async move { addr.send(GetState).await.ok().flatten() })
    }
}

impl Handler<RunWhatIf> for SessionRegistry {
    type Result = ResponseFuture<Result<WhatIfAnswer, WhatIfError>>;

    fn handle(&mut self, msg: RunWhatIf, ctx: &mut Context<Self>) -> Self::Result {
        let addr = self.session(ctx, msg.owner, None);
        Box::pin(async move {
            // A new session has nothing prepared yet: wait for its first state.
            let _ = addr.send(GetState).await;
            addr.send(SessionWhatIf(msg.changes))
                .await
                .map_err(|_| WhatIfError::Unavailable("the session stopped".into()))?
        })
    }
}

impl Handler<RunExplain> for SessionRegistry {
    type Result = ResponseFuture<Result<Explanation, ExplainError>>;

    fn handle(&mut self, msg: RunExplain, ctx: &mut Context<Self>) -> Self::Result {
        let addr = self.session(ctx, msg.owner, None);
        Box::pin(async move {
            let stopped = || ExplainError::Unavailable("the session stopped".into());
            // A new session has no state yet: wait for its first one.
            let _ = addr.send(GetState).await;
            addr.send(SessionExplain {
                since_ms: msg.since_ms,
            })
            .await
            .map_err(|_| stopped())?
        })
    }
}

impl Handler<RunSolve> for SessionRegistry {
    type Result = ResponseFuture<Result<LiveSolution, LiveSolveError>>;

    fn handle(&mut self, msg: RunSolve, ctx: &mut Context<Self>) -> Self::Result {
        let addr = self.session(ctx, msg.owner, None);
        Box::pin(async move {
            // A new session has nothing loaded or prepared yet: wait for its first state.
            let _ = addr.send(GetState).await;
            addr.send(msg.solve)
                .await
                .map_err(|_| LiveSolveError::Unavailable("the session stopped".into()))?
        })
    }
}

impl Handler<InjectFault> for SessionRegistry {
    type Result = bool;

    fn handle(&mut self, msg: InjectFault, _: &mut Context<Self>) -> bool {
        self.running(msg.owner)
            .map(|addr| addr.do_send(FaultChild(msg.child)))
            .is_some()
    }
}

impl Handler<Counters> for SessionRegistry {
    type Result = ResponseFuture<Option<SessionCounters>>;

    fn handle(&mut self, msg: Counters, _: &mut Context<Self>) -> Self::Result {
        let addr = self.running(msg.owner);
        Box::pin(async move { addr?.send(GetCounters).await.ok() })
    }
}

impl Handler<WatchedByOthers> for SessionRegistry {
    type Result = ResponseFuture<Vec<(Uuid, Uuid)>>;

    fn handle(&mut self, _: WatchedByOthers, _: &mut Context<Self>) -> Self::Result {
        let asks: Vec<_> = self
            .sessions
            .iter()
            .map(|(owner, (_, addr))| {
                let (owner, ask) = (*owner, addr.send(ForeignViewers));
                async move {
                    // A session that stopped meanwhile has no viewers left to check.
                    ask.await
                        .unwrap_or_default()
                        .into_iter()
                        .map(move |viewer| (owner, viewer))
                }
            })
            .collect();
        Box::pin(async move {
            futures_util::future::join_all(asks)
                .await
                .into_iter()
                .flatten()
                .collect()
        })
    }
}

impl Handler<SessionCount> for SessionRegistry {
    type Result = MessageResult<SessionCount>;

    fn handle(&mut self, _: SessionCount, _: &mut Context<Self>) -> Self::Result {
        self.sessions.retain(|_, (_, addr)| addr.connected());
        MessageResult(self.sessions.len())
    }
}

impl Handler<SessionStopped> for SessionRegistry {
    type Result = ();

    fn handle(&mut self, msg: SessionStopped, _: &mut Context<Self>) {
        if self
            .sessions
            .get(&msg.user)
            .is_some_and(|(instance, _)| *instance == msg.instance)
        {
            self.sessions.remove(&msg.user);
        }
    }
}
