//! The simulation actor: holds the session's prepared simulation and answers the portfolio's
//! valuations from it (the plan's starting wealth while nothing held is priced), coalescing
//! valuations that arrive faster than the minimum interval. Valuations come from the
//! portfolio actor directly and the answer goes to the session with the valuation it answers:
//! one hop per tick fewer than through the session, and a published state never pairs an
//! answer with a newer valuation than the one it was computed for.
//!
//! Preparing a plan (drawing every path once, milliseconds) and what-ifs that change more
//! than the contribution (a fresh run) go to tokio's blocking pool; an answer from the
//! prepared simulation takes microseconds and runs here. So does solving the live plan for a
//! target ([`Solve`]): the prepared simulation's thresholds in starting wealth or
//! contribution are read here (microseconds), the search and its fresh run (a simulation or
//! dozens) go to the blocking pool, and ticks keep being answered meanwhile.
//!
//! The yearly fan chart is kept only while the session says a subscriber wants it
//! ([`SetFanChart`]): its coefficients are about 1 MB per session against 68 KB without, and
//! an answer with it costs about 200 µs against 10. Turning it on prepares the plan again
//! (the old preparation answers meanwhile); turning it off frees the coefficients at once.
//!
//! Each answer carries its plan, its survivors and the plan's success curve (the
//! preparation's thresholds, shared, not copied), so the session can explain later states
//! against it after the plan is replaced; [`CurveFor`] draws an older plan's curve again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Handler, Message, Recipient,
    ResponseActFuture, SpawnHandle, WrapFuture,
};
use engine::sim::explain::SuccessCurve;
use engine::sim::{
    Lever, Plan, PreparedOptions, PreparedSimulation, SimulationOptions, Solution, SolveError,
    SolveWith, simulate,
};
use protocol::live::{
    LivePortfolio, LiveSimulation, TickSummary, WealthSource, WhatIfAnswer, WhatIfChanges,
};
use protocol::simulations::{FanChartPoint, PercentilesView};

use super::portfolio::Valuation;
use super::supervision::{DownNotice, InjectFault, Shutdown};

thread_local! {
    /// The answers' working space (a value per path), one per session thread: it stays in
    /// the core's cache from one session's answer to the next, where one per actor would be
    /// a cold 8 KB per session at every tick (and 8 KB more per session in memory).
    static SCRATCH: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn with_scratch<R>(answer: impl FnOnce(&mut Vec<f64>) -> R) -> R {
    SCRATCH.with_borrow_mut(answer)
}

/// Preparations running at once, across all sessions.
static PREPARING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// A new plan: prepare it, then answer.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetPlan(pub Arc<Plan>);

/// Whether the answers carry the yearly fan chart: prepare it (when on) or free it (when
/// off).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetFanChart(pub bool);

/// What the prepared simulation holds, for the session's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreparedMemory {
    /// Bytes of coefficients (`PreparedSimulation::memory_bytes`); 0 while nothing is
    /// prepared.
    pub bytes: usize,
    /// Whether the fan chart's coefficients are among them.
    pub fan_chart: bool,
}

/// Asks for [`PreparedMemory`].
#[derive(Debug, Message)]
#[rtype(result = "PreparedMemory")]
pub struct GetPreparedMemory;

/// A new answer for the session.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SimulationDone {
    /// The answer.
    pub simulation: LiveSimulation,
    /// The valuation it answers for, when one came since the previous answer.
    pub portfolio: Option<LivePortfolio>,
    /// Revaluations folded into it.
    pub coalesced: u32,
    /// Prices that moved since the previous answer (latest per symbol).
    pub ticks: Vec<TickSummary>,
    /// The newest tick's timestamp.
    pub newest_tick_ms: Option<i64>,
    /// The plan answered (the session's may be newer by then).
    pub plan: Arc<Plan>,
    /// Paths that survived: `simulation.success_probability` times the paths, exactly.
    pub survivors: u32,
    /// The plan's survivors by starting wealth, shared with its preparation: what explaining
    /// a later state against this one needs once the plan is replaced.
    pub curve: SuccessCurve,
}

/// `plan`'s success curve on this session's paths: the current preparation's when it is
/// that plan, else drawn again (about one simulation's time, on the blocking pool).
#[derive(Debug, Message)]
#[rtype(result = "Result<SuccessCurve, String>")]
pub struct CurveFor(pub Arc<Plan>);

/// Why a what-if has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WhatIfError {
    /// A changed input is invalid.
    #[error("{message}")]
    Invalid {
        /// The field, as in the request (`changes.weights`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The plan is not prepared yet or the run failed; try again.
    #[error("{0}")]
    Unavailable(String),
}

/// Answers the plan with `changes`, next to the plan as it stands.
#[derive(Debug, Message)]
#[rtype(result = "Result<WhatIfAnswer, WhatIfError>")]
pub struct WhatIf(pub WhatIfChanges);

/// Solves the live plan (the plan starting from the live wealth) for a target, on the
/// session's paths and seed.
#[derive(Debug, Message)]
#[rtype(result = "Result<LiveSolution, LiveSolveError>")]
pub struct Solve {
    /// The lever.
    pub lever: Lever,
    /// The success to reach.
    pub target: f64,
    /// For the equity share: which of the plan's classes are equity.
    pub equity: Vec<bool>,
}

/// A live solve's answer.
#[derive(Debug, Clone)]
pub struct LiveSolution {
    /// The engine's answer.
    pub solution: Solution,
    /// The plan solved: the session's, starting from the live wealth.
    pub plan: Plan,
    /// Where that wealth came from.
    pub wealth_source: WealthSource,
    /// Paths of each run.
    pub paths: u32,
    /// The search's seed.
    pub seed: u64,
}

/// Why a live solve has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LiveSolveError {
    /// The engine refused (a bad target, equity classes, or a target out of reach).
    #[error(transparent)]
    Solve(#[from] SolveError),
    /// The plan is not prepared yet or changed, or the run failed; try again.
    #[error("{0}")]
    Unavailable(String),
}

#[derive(Debug, Clone, Copy)]
struct Wealth {
    value: f64,
    source: WealthSource,
}

/// Revaluations waiting for the next run.
#[derive(Debug, Default)]
struct Pending {
    count: u32,
    /// Latest per symbol, in symbol order.
    ticks: Vec<TickSummary>,
    newest_tick_ms: Option<i64>,
    portfolio: Option<LivePortfolio>,
}

impl Pending {
    /// Folds in `ticks` (in symbol order, as the portfolio sends them): a symbol's newer tick
    /// replaces its older one.
    fn fold(&mut self, ticks: Vec<TickSummary>) {
        self.newest_tick_ms = ticks
            .iter()
            .map(|t| t.ts_ms)
            .fold(self.newest_tick_ms, |n, t| n.max(Some(t)));
        if self.ticks.is_empty() {
            self.ticks = ticks;
            return;
        }
        for tick in ticks {
            match self.ticks.binary_search_by(|t| t.symbol.cmp(&tick.symbol)) {
                Ok(i) => self.ticks[i] = tick,
                Err(i) => self.ticks.insert(i, tick),
            }
        }
    }
}

/// The simulation actor.
pub struct SimulationActor {
    session: Recipient<SimulationDone>,
    paths: u32,
    seed: u64,
    min_interval: Duration,
    plan: Option<Arc<Plan>>,
    prepared: Option<Arc<PreparedSimulation>>,
    /// Bumped on every preparation: only the newest one's result is used, so a slow
    /// preparation of an older plan (or one without the fan chart, overtaken by one with it)
    /// is ignored.
    preparation: u64,
    /// Whether a subscriber wants the fan chart.
    fan_chart: bool,
    /// The newest preparation keeps the fan chart and has not finished.
    fan_preparing: bool,
    /// The newest valuation's wealth (`None` inside when nothing is priced), once one came.
    valued: Option<Option<f64>>,
    pending: Option<Pending>,
    last_run: Option<Instant>,
    timer: Option<SpawnHandle>,
    /// What-ifs waiting for a preparation to finish.
    ready: Vec<tokio::sync::oneshot::Sender<()>>,
    _notice: DownNotice,
}

/// The answer for `plan`'s inputs (the stored plan, or a what-if's variant of it).
fn view(
    answer: &engine::sim::prepared::PreparedAnswer,
    paths: u32,
    seed: u64,
    wealth: Wealth,
    plan: &Plan,
) -> LiveSimulation {
    let p = &answer.terminal_real_wealth;
    LiveSimulation {
        paths,
        seed,
        starting_wealth: wealth.value,
        wealth_source: wealth.source,
        monthly_contribution: plan.monthly_contribution,
        monthly_spending: plan.monthly_spending,
        retirement_month: plan.retirement_month,
        horizon_months: plan.horizon_months,
        success_probability: answer.success_probability,
        success_standard_error: answer.success_standard_error,
        terminal_real_wealth: percentiles(p),
        fan_chart: None,
    }
}

fn percentiles(p: &engine::sim::stats::Percentiles) -> PercentilesView {
    PercentilesView {
        p5: p.p5,
        p25: p.p25,
        p50: p.p50,
        p75: p.p75,
        p95: p.p95,
    }
}

fn fan_points(years: &[engine::sim::YearPercentiles]) -> Vec<FanChartPoint> {
    years
        .iter()
        .map(|y| FanChartPoint {
            year: y.year,
            real_wealth: percentiles(&y.real_wealth),
        })
        .collect()
}

/// The plan with the what-if's changes, validated; errors name the request's field.
fn apply(plan: &Plan, changes: &WhatIfChanges) -> Result<Plan, WhatIfError> {
    let mut changed = plan.clone();
    if let Some(c) = changes.monthly_contribution {
        changed.monthly_contribution = c;
    }
    if let Some(m) = changes.retirement_month {
        changed.retirement_month = m;
    }
    if let Some(s) = changes.monthly_spending {
        changed.monthly_spending = s;
    }
    if let Some(w) = &changes.weights {
        changed.weights.clone_from(w);
    }
    changed.check().map_err(|e| WhatIfError::Invalid {
        field: format!("changes.{}", e.field()),
        message: e.to_string(),
    })?;
    Ok(changed)
}

impl SimulationActor {
    /// An actor answering with `paths` paths drawn from `seed`, at most once per
    /// `min_interval`, with the fan chart when `fan_chart`.
    #[must_use]
    pub fn new(
        session: Recipient<SimulationDone>,
        paths: u32,
        seed: u64,
        min_interval: Duration,
        fan_chart: bool,
        notice: DownNotice,
    ) -> Self {
        Self {
            session,
            paths,
            seed,
            min_interval,
            plan: None,
            prepared: None,
            preparation: 0,
            fan_chart,
            fan_preparing: false,
            valued: None,
            pending: None,
            last_run: None,
            timer: None,
            ready: Vec::new(),
            _notice: notice,
        }
    }

    fn options(&self) -> SimulationOptions {
        SimulationOptions {
            paths: self.paths,
            seed: self.seed,
            fan_chart: false,
        }
    }

    /// The holdings' value when anything is priced, else the plan's starting wealth.
    fn wealth(&self) -> Option<Wealth> {
        Some(match self.valued {
            Some(Some(value)) => Wealth {
                value,
                source: WealthSource::Holdings,
            },
            _ => Wealth {
                value: self.plan.as_ref()?.initial_wealth,
                source: WealthSource::Plan,
            },
        })
    }

    /// Runs now, or once the minimum interval since the last run has passed.
    fn schedule(&mut self, ctx: &mut Context<Self>) {
        if self.timer.is_some() || self.prepared.is_none() {
            return;
        }
        let wait = self.last_run.map_or(Duration::ZERO, |t| {
            self.min_interval.saturating_sub(t.elapsed())
        });
        if wait.is_zero() {
            self.run();
        } else {
            self.timer = Some(ctx.run_later(wait, |act, _| {
                act.timer = None;
                act.run();
            }));
        }
    }

    fn run(&mut self) {
        let (Some(prepared), Some(plan), Some(wealth)) =
            (&self.prepared, &self.plan, self.wealth())
        else {
            return;
        };
        let wanted = self.fan_chart;
        let (answer, fan_chart) = with_scratch(|scratch| {
            match wanted
                .then(|| prepared.answer_fan_chart(wealth.value, scratch))
                .flatten()
            {
                Some(with_fan) => (with_fan.answer, Some(fan_points(&with_fan.fan_chart))),
                None => (prepared.answer(wealth.value, scratch), None),
            }
        });
        let mut simulation = view(&answer, self.paths, self.seed, wealth, plan);
        simulation.fan_chart = fan_chart;
        let curve = prepared.success_curve();
        let survivors = u32::try_from(curve.survivors(wealth.value)).unwrap_or(u32::MAX);
        let pending = self.pending.take().unwrap_or_default();
        self.last_run = Some(Instant::now());
        self.session.do_send(SimulationDone {
            simulation,
            portfolio: pending.portfolio,
            coalesced: pending.count.saturating_sub(1),
            ticks: pending.ticks,
            newest_tick_ms: pending.newest_tick_ms,
            plan: plan.clone(),
            survivors,
            curve,
        });
    }
}

impl Actor for SimulationActor {
    type Context = Context<Self>;
}

impl Handler<SetPlan> for SimulationActor {
    type Result = ();

    fn handle(&mut self, SetPlan(plan): SetPlan, ctx: &mut Context<Self>) {
        self.plan = Some(plan);
        // The old preparation belongs to the old plan: answering from it under the new plan's
        // name would publish a wrong state. Nothing is answered until the new one is ready.
        self.prepared = None;
        self.prepare(ctx);
    }
}

impl SimulationActor {
    /// Prepares the current plan (with the fan chart if wanted) in the background, then
    /// answers at once.
    fn prepare(&mut self, ctx: &mut Context<Self>) {
        let Some(plan) = self.plan.clone() else {
            return;
        };
        self.preparation += 1;
        let version = self.preparation;
        let options = self.options();
        let fan_chart = self.fan_chart;
        self.fan_preparing = fan_chart;
        let prepare = async move {
            // Thousands of sessions starting at once queue here rather than each taking a
            // blocking thread: the work is CPU-bound and rayon spreads each one anyway.
            let _permit = PREPARING.acquire().await;
            tokio::task::spawn_blocking(move || {
                PreparedSimulation::with_options(&plan, &options, PreparedOptions { fan_chart })
            })
            .await
        };
        ctx.spawn(prepare.into_actor(self).map(move |result, act, ctx| {
            if act.preparation != version {
                return;
            }
            act.fan_preparing = false;
            match result {
                Ok(Ok(mut prepared)) => {
                    // Nobody wants the fan chart any more: it was turned off meanwhile.
                    if !act.fan_chart {
                        prepared.drop_fan_chart();
                    }
                    act.prepared = Some(Arc::new(prepared));
                    for ready in act.ready.drain(..) {
                        let _ = ready.send(());
                    }
                    act.pending.get_or_insert_with(Pending::default).count += 1;
                    act.schedule(ctx);
                }
                Ok(Err(e)) => tracing::error!(error = %e, "a stored plan could not be prepared"),
                Err(e) => tracing::error!(error = %e, "preparing a plan panicked"),
            }
        }));
    }
}

impl Handler<SetFanChart> for SimulationActor {
    type Result = ();

    fn handle(&mut self, SetFanChart(on): SetFanChart, ctx: &mut Context<Self>) {
        self.fan_chart = on;
        if on {
            // A preparation under way without the fan chart is overtaken by one with it; until
            // that is ready, the current preparation (if any) keeps answering without it. A
            // preparation under way with it is kept even if the fan chart was off meanwhile.
            let prepared = self.prepared.as_ref().is_some_and(|p| p.has_fan_chart());
            if !prepared && !self.fan_preparing && self.plan.is_some() {
                self.prepare(ctx);
            }
        } else if let Some(prepared) = self.prepared.as_mut().filter(|p| p.has_fan_chart()) {
            // Nothing else holds the preparation between messages (what-ifs borrow it only
            // while they answer), so this frees the coefficients rather than copying them.
            Arc::make_mut(prepared).drop_fan_chart();
        }
    }
}

impl Handler<GetPreparedMemory> for SimulationActor {
    type Result = actix::MessageResult<GetPreparedMemory>;

    fn handle(&mut self, _: GetPreparedMemory, _: &mut Context<Self>) -> Self::Result {
        actix::MessageResult(
            self.prepared
                .as_ref()
                .map_or_else(PreparedMemory::default, |p| PreparedMemory {
                    bytes: p.memory_bytes(),
                    fan_chart: p.has_fan_chart(),
                }),
        )
    }
}

impl Handler<Valuation> for SimulationActor {
    type Result = ();

    fn handle(&mut self, msg: Valuation, ctx: &mut Context<Self>) {
        self.valued = Some(msg.wealth);
        let pending = self.pending.get_or_insert_with(Pending::default);
        pending.count += msg.tick_count.max(1);
        pending.fold(msg.ticks);
        pending.portfolio = Some(msg.portfolio);
        self.schedule(ctx);
    }
}

impl Handler<CurveFor> for SimulationActor {
    type Result = ResponseActFuture<Self, Result<SuccessCurve, String>>;

    fn handle(&mut self, CurveFor(plan): CurveFor, _: &mut Context<Self>) -> Self::Result {
        if let (Some(prepared), Some(current)) = (&self.prepared, &self.plan)
            && **current == *plan
        {
            return Box::pin(actix::fut::ready(Ok(prepared.success_curve())));
        }
        let options = self.options();
        let draw = async move {
            // Queued with the preparations: the same kind of work.
            let _permit = PREPARING.acquire().await;
            tokio::task::spawn_blocking(move || SuccessCurve::new(&plan, &options)).await
        };
        Box::pin(draw.into_actor(self).map(|result, _, _| match result {
            Ok(Ok(curve)) => Ok(curve),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        }))
    }
}

impl Handler<WhatIf> for SimulationActor {
    type Result = ResponseActFuture<Self, Result<WhatIfAnswer, WhatIfError>>;

    fn handle(&mut self, WhatIf(changes): WhatIf, _: &mut Context<Self>) -> Self::Result {
        if self.prepared.is_some() {
            return self.what_if_now(changes);
        }
        // A plan is being prepared (a new session, or just after a change): answer once it is
        // ready rather than refusing.
        let (ready, wait) = tokio::sync::oneshot::channel();
        self.ready.push(ready);
        Box::pin(
            async move {
                let _ = tokio::time::timeout(Duration::from_secs(10), wait).await;
            }
            .into_actor(self)
            .then(move |(), act, _| act.what_if_now(changes)),
        )
    }
}

impl SimulationActor {
    fn what_if_now(
        &mut self,
        changes: WhatIfChanges,
    ) -> ResponseActFuture<Self, Result<WhatIfAnswer, WhatIfError>> {
        let (Some(prepared), Some(plan), Some(wealth)) =
            (self.prepared.clone(), self.plan.clone(), self.wealth())
        else {
            return Box::pin(actix::fut::ready(Err(WhatIfError::Unavailable(
                "the plan is still being prepared; try again in a moment".into(),
            ))));
        };
        let variant_plan = match apply(&plan, &changes) {
            Ok(p) => p,
            Err(e) => return Box::pin(actix::fut::ready(Err(e))),
        };
        let base_answer = with_scratch(|scratch| prepared.answer(wealth.value, scratch));
        let base = view(&base_answer, self.paths, self.seed, wealth, &plan);
        let only_contribution = changes.retirement_month.is_none()
            && changes.monthly_spending.is_none()
            && changes.weights.is_none();
        let contribution = variant_plan.monthly_contribution;
        let (paths, seed) = (self.paths, self.seed);
        if only_contribution {
            // The prepared simulation answers a new contribution exactly, without drawing.
            let answer =
                with_scratch(|scratch| prepared.answer_with(wealth.value, contribution, scratch));
            let variant = view(&answer, paths, seed, wealth, &variant_plan);
            return Box::pin(actix::fut::ready(Ok(compare(base, variant))));
        }
        let options = self.options();
        let run = tokio::task::spawn_blocking(move || {
            let mut plan = variant_plan;
            plan.initial_wealth = wealth.value;
            simulate(&plan, &options).map(|result| (result, plan))
        });
        Box::pin(run.into_actor(self).map(move |result, _, _| {
            let (result, variant_plan) = match result {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => return Err(WhatIfError::Unavailable(e.to_string())),
                Err(e) => return Err(WhatIfError::Unavailable(e.to_string())),
            };
            let answer = engine::sim::prepared::PreparedAnswer {
                success_probability: result.success_probability,
                success_standard_error: result.success_standard_error,
                terminal_real_wealth: result.terminal_real_wealth,
            };
            let variant = view(&answer, paths, seed, wealth, &variant_plan);
            Ok(compare(base, variant))
        }))
    }
}

impl Handler<Solve> for SimulationActor {
    type Result = ResponseActFuture<Self, Result<LiveSolution, LiveSolveError>>;

    fn handle(&mut self, msg: Solve, _: &mut Context<Self>) -> Self::Result {
        if self.prepared.is_some() {
            return self.solve_now(msg);
        }
        // As for what-ifs: a plan being prepared is waited for rather than refused.
        let (ready, wait) = tokio::sync::oneshot::channel();
        self.ready.push(ready);
        Box::pin(
            async move {
                let _ = tokio::time::timeout(Duration::from_secs(10), wait).await;
            }
            .into_actor(self)
            .then(move |(), act, _| act.solve_now(msg)),
        )
    }
}

impl SimulationActor {
    fn solve_now(
        &mut self,
        Solve {
            lever,
            target,
            equity,
        }: Solve,
    ) -> ResponseActFuture<Self, Result<LiveSolution, LiveSolveError>> {
        let (Some(prepared), Some(plan), Some(wealth)) =
            (&self.prepared, &self.plan, self.wealth())
        else {
            return Box::pin(actix::fut::ready(Err(LiveSolveError::Unavailable(
                "the plan is still being prepared; try again in a moment".into(),
            ))));
        };
        let mut live = Plan::clone(plan);
        live.initial_wealth = wealth.value;
        // Copied out here, so that the preparation is not held while the search runs (turning
        // the fan chart off frees it in place only when nothing else holds it).
        let thresholds = match lever {
            Lever::InitialWealth => Some(prepared.wealth_thresholds().to_vec()),
            Lever::MonthlyContribution => Some(prepared.contribution_thresholds(wealth.value)),
            _ => None,
        };
        let options = self.options();
        let run = tokio::task::spawn_blocking(move || {
            let with = SolveWith {
                equity: &equity,
                thresholds: thresholds.as_deref(),
                ..SolveWith::default()
            };
            engine::sim::solve_with(&live, lever, target, &options, with).map(|s| (s, live))
        });
        Box::pin(run.into_actor(self).map(move |result, _, _| {
            let (solution, plan) = result
                .map_err(|e| LiveSolveError::Unavailable(format!("the solve failed: {e}")))??;
            Ok(LiveSolution {
                solution,
                plan,
                wealth_source: wealth.source,
                paths: options.paths,
                seed: options.seed,
            })
        }))
    }
}

fn compare(base: LiveSimulation, variant: LiveSimulation) -> WhatIfAnswer {
    WhatIfAnswer {
        success_probability_change: variant.success_probability - base.success_probability,
        median_terminal_change: variant.terminal_real_wealth.p50 - base.terminal_real_wealth.p50,
        base,
        variant,
    }
}

impl Handler<Shutdown> for SimulationActor {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Handler<InjectFault> for SimulationActor {
    type Result = ();

    fn handle(&mut self, _: InjectFault, _: &mut Context<Self>) {
        panic!("fault injected into the simulation actor");
    }
}
