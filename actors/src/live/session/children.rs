//! A session's children in one place: which incarnation of each runs, how each is started
//! and handed the session's data, and what the session does to any of them (stop it, fault
//! it in tests, learn it went down). A new child is a [`Child`] variant, a slot in
//! [`Children`] with its arm in [`Children::slot`], and its arms in
//! [`UserSession::start_child`] and [`UserSession::configure_children`]: all but the variant
//! in this file.

use actix::{Actor, Addr, AsyncContext, Context, Handler, Recipient};

use super::super::alerts::{AlertActor, AlertOutlets, SetRecommender, SetRules};
use super::super::portfolio::{PortfolioActor, Route, SetHoldings};
use super::super::recommendations::{
    RecommendationActor, SetHolder, SetThresholds, SuccessObserved,
};
use super::super::simulation::{SetPlan, SimulationActor};
use super::super::supervision::{Child, ChildDown, DownNotice, InjectFault, Shutdown};
use super::{UserSession, user_seed};

/// One child: its address while it runs, and its latest incarnation.
pub(super) struct Slot<A: Actor> {
    addr: Option<Addr<A>>,
    generation: u64,
}

impl<A: Actor> Default for Slot<A> {
    fn default() -> Self {
        Self {
            addr: None,
            generation: 0,
        }
    }
}

impl<A: Actor> Slot<A> {
    /// The running incarnation, if any.
    pub(super) fn addr(&self) -> Option<&Addr<A>> {
        self.addr.as_ref()
    }

    fn run(&mut self, addr: Addr<A>) {
        self.addr = Some(addr);
    }
}

/// What a session does with any child, whatever its type.
trait Supervised {
    /// A new incarnation is starting: its number.
    fn next_generation(&mut self) -> u64;
    /// Incarnation `generation` went down: whether it was the running one (to restart).
    fn down(&mut self, generation: u64) -> bool;
    /// Asks the running incarnation to stop and forgets it.
    fn stop(&mut self);
    /// Test hook: makes the running incarnation panic.
    fn fault(&self);
}

impl<A> Supervised for Slot<A>
where
    A: Actor<Context = Context<A>> + Handler<Shutdown> + Handler<InjectFault>,
{
    fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    fn down(&mut self, generation: u64) -> bool {
        if generation != self.generation {
            return false;
        }
        self.addr = None;
        true
    }

    fn stop(&mut self) {
        if let Some(addr) = self.addr.take() {
            addr.do_send(Shutdown);
        }
    }

    fn fault(&self) {
        if let Some(addr) = &self.addr {
            addr.do_send(InjectFault);
        }
    }
}

/// The children of one session.
#[derive(Default)]
pub(super) struct Children {
    pub(super) simulation: Slot<SimulationActor>,
    pub(super) portfolio: Slot<PortfolioActor>,
    pub(super) alerts: Slot<AlertActor>,
    pub(super) recommendations: Slot<RecommendationActor>,
}

impl Children {
    fn slot(&mut self, child: Child) -> &mut dyn Supervised {
        match child {
            Child::Simulation => &mut self.simulation,
            Child::Portfolio => &mut self.portfolio,
            Child::Alerts => &mut self.alerts,
            Child::Recommendations => &mut self.recommendations,
        }
    }

    /// A notice for a new incarnation of `child`, which tells `session` when it is dropped.
    fn notice(&mut self, child: Child, session: Recipient<ChildDown>) -> DownNotice {
        DownNotice::new(child, self.slot(child).next_generation(), session)
    }

    /// Whether `generation` of `child` was the running incarnation; it is then forgotten and
    /// the caller restarts it.
    pub(super) fn down(&mut self, child: Child, generation: u64) -> bool {
        self.slot(child).down(generation)
    }

    /// Stops every child (the session is stopping).
    pub(super) fn stop_all(&mut self) {
        for child in Child::ALL {
            self.slot(child).stop();
        }
    }

    /// Test hook: `child` panics.
    pub(super) fn fault(&mut self, child: Child) {
        self.slot(child).fault();
    }
}

impl UserSession {
    /// Starts a new incarnation of `child`; [`Self::configure_children`] then hands it the
    /// loaded data.
    pub(super) fn start_child(&mut self, ctx: &mut Context<Self>, child: Child) {
        let notice = self.children.notice(child, ctx.address().recipient());
        let me = ctx.address();
        match child {
            Child::Simulation => self.children.simulation.run(
                SimulationActor::new(
                    me.recipient(),
                    self.settings.paths,
                    user_seed(self.user),
                    self.settings.min_interval,
                    self.fan_chart,
                    notice,
                )
                .with_resimulation_metric(self.settings.metrics.resimulation_seconds.clone())
                .start(),
            ),
            Child::Portfolio => self.children.portfolio.run(
                PortfolioActor::new(self.hub.clone(), self.settings.batch_window, notice).start(),
            ),
            Child::Alerts => {
                let rules = self
                    .loaded
                    .as_ref()
                    .map(|l| l.data.rules.clone())
                    .unwrap_or_default();
                self.children.alerts.run(
                    AlertActor::new(
                        self.user,
                        rules,
                        self.backend.clone(),
                        AlertOutlets {
                            raised: me.clone().recipient(),
                            holder: me.recipient(),
                        },
                        self.settings.rules_renew,
                        notice,
                    )
                    .start(),
                );
            }
            Child::Recommendations => self.children.recommendations.run(
                RecommendationActor::new(
                    self.user,
                    self.settings.paths,
                    user_seed(self.user),
                    self.backend.clone(),
                    me.recipient(),
                    notice,
                )
                .start(),
            ),
        }
    }

    /// Hands the loaded data to every child; the simulation gets the plan only when it is
    /// new to it (`fresh_simulation`) or changed, since preparing costs milliseconds. The
    /// portfolio learns where its valuations go (the simulation, and the alert actor while
    /// rules exist) first, so that its valuation of the new holdings reaches them.
    pub(super) fn configure_children(&mut self, fresh_simulation: bool) {
        let Some(loaded) = &self.loaded else { return };
        let children = &self.children;
        let plan_changed = self.plan_sent.as_deref() != Some(&*loaded.plan);
        if let (Some(sim), true) = (children.simulation.addr(), fresh_simulation || plan_changed) {
            sim.do_send(SetPlan(loaded.plan.clone()));
            self.plan_sent = Some(loaded.plan.clone());
        }
        if let Some(portfolio) = children.portfolio.addr() {
            let rules = !loaded.data.rules.is_empty();
            portfolio.do_send(Route {
                simulation: children.simulation.addr().map(|a| a.clone().recipient()),
                alerts: children
                    .alerts
                    .addr()
                    .filter(|_| rules)
                    .map(|a| a.clone().recipient()),
            });
            portfolio.do_send(SetHoldings {
                holdings: loaded.data.holdings.clone(),
                classes: loaded.data.asset_classes.clone(),
                targets: loaded.plan.base.weights.clone(),
                band: loaded.data.rebalance_band,
            });
        }
        if let Some(recommendations) = children.recommendations.addr() {
            recommendations.do_send(SetThresholds(loaded.data.rules.clone()));
            recommendations.do_send(SetHolder(self.rules_holder));
            // A threshold set above today's success is crossed now, not at the next state
            // (which, without holdings, may be far off).
            if let (Some(state), Some(current)) = (&self.state, &self.current)
                && !loaded.data.rules.is_empty()
            {
                recommendations.do_send(SuccessObserved {
                    plan: current.mark.plan.clone(),
                    wealth: state.simulation.starting_wealth,
                    success: state.simulation.success_probability,
                });
            }
        }
        if let Some(alerts) = children.alerts.addr() {
            alerts.do_send(SetRules(loaded.data.rules.clone()));
            alerts.do_send(SetRecommender(
                children
                    .recommendations
                    .addr()
                    .map(|a| a.clone().recipient()),
            ));
        }
    }
}
