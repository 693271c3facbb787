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
//! against it after the plan is replaced; [`SurvivorsFor`] counts an older plan's survivors
//! again.
//!
//! A plan with model extensions is answered in one of the ways [`super::plan::Method`]
//! names. Where no cash flow depends on wealth, a prepared extended plan takes the base
//! preparation's place: the same microseconds per tick, the goals' chances too, the fan
//! chart when asked, and a success curve for explanations. Where a switch makes cash flows
//! depend on wealth (wants, wishes, a withdrawal strategy other than constant real
//! spending), the affine-in-wealth argument breaks and nothing is prepared: each answer is a
//! run of the extended plan at the live wealth on the blocking pool, at most one in flight
//! per session (valuations arriving meanwhile are folded, the newest is run next) and
//! [`RESIMULATING`] across sessions. What-ifs on an extended plan run it with the changes
//! (and its current answer too, when that is itself a run); solving searches it under the
//! extended model (`engine::sim::solve`), from the prepared thresholds in starting wealth
//! where there are some, by a run per step otherwise.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Handler, Message, Recipient,
    ResponseActFuture, SpawnHandle, WrapFuture,
};
use engine::sim::explain::SuccessCurve;
use engine::sim::extended::prepared::{ExtendedAnswer, PreparedExtended};
use engine::sim::extended::{ExtendedResult, simulate_extended};
use engine::sim::{
    Lever, Plan, PreparedOptions, PreparedSimulation, SimulationOptions, Solution, SolveError,
    SolveWith, simulate,
};
use protocol::extensions::GoalOutcomeView;
use protocol::live::{
    LiveExtensions, LiveMethod, LivePortfolio, LiveSimulation, TickSummary, WealthSource,
    WhatIfAnswer, WhatIfChanges,
};
use protocol::simulations::{FanChartPoint, PercentilesView};

use super::plan::{LivePlan, Method};
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

/// Runs of plans simulated again at each tick, at once across all sessions: many such
/// sessions queue here (each with its newest valuation next) rather than fill the blocking
/// pool, and preparations, which have their own permits, do not wait behind them.
pub static RESIMULATING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// A new plan: prepare it, then answer.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetPlan(pub Arc<LivePlan>);

/// Whether the answers carry the yearly fan chart: prepare it (when on) or free it (when
/// off).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct SetFanChart(pub bool);

/// What the prepared simulation holds, for the session's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreparedMemory {
    /// Bytes of coefficients (`PreparedSimulation::memory_bytes`, or
    /// `PreparedExtended::memory_bytes` for a plan with model extensions answered
    /// incrementally); 0 while nothing is prepared, and for a plan simulated again at each
    /// tick.
    pub bytes: usize,
    /// Whether the fan chart's coefficients are among them.
    pub fan_chart: bool,
    /// How the plan is answered, once it is ready to be.
    pub method: Option<Method>,
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
    /// When the newest tick reached the price hub.
    pub tick_arrived: Option<Instant>,
    /// The plan answered (the session's may be newer by then).
    pub plan: Arc<LivePlan>,
    /// Paths that survived: `simulation.success_probability` times the paths, exactly.
    pub survivors: u32,
    /// The plan's survivors by starting wealth, shared with its preparation: what explaining
    /// a later state against this one needs once the plan is replaced. `None` for a plan
    /// simulated again at each tick.
    pub curve: Option<SuccessCurve>,
}

/// How many of this session's paths `plan` keeps alive from each of `wealths`: read from
/// the current preparation when it is that plan, else counted again on the blocking pool (a
/// success curve drawn, about one simulation's time; a run per wealth for a plan simulated
/// again at each tick).
#[derive(Debug, Message)]
#[rtype(result = "Result<[usize; 2], String>")]
pub struct SurvivorsFor {
    /// The plan.
    pub plan: Arc<LivePlan>,
    /// The two starting wealths.
    pub wealths: [f64; 2],
}

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
    tick_arrived: Option<Instant>,
    portfolio: Option<LivePortfolio>,
}

impl Pending {
    /// Takes back revaluations handed to a run whose answer was dropped (its plan was
    /// replaced meanwhile): they are older than any folded in since, which win.
    fn restore(&mut self, older: Pending) {
        self.count += older.count;
        self.newest_tick_ms = self.newest_tick_ms.max(older.newest_tick_ms);
        self.tick_arrived = self.tick_arrived.max(older.tick_arrived);
        if self.portfolio.is_none() {
            self.portfolio = older.portfolio;
        }
        for tick in older.ticks {
            if let Err(i) = self.ticks.binary_search_by(|t| t.symbol.cmp(&tick.symbol)) {
                self.ticks.insert(i, tick);
            }
        }
    }

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

/// What answers the plan's valuations.
#[derive(Clone)]
enum Prepared {
    /// The base model's coefficients.
    Base(Arc<PreparedSimulation>),
    /// An extended plan's coefficients, where no cash flow depends on wealth.
    Incremental(Arc<PreparedExtended>),
    /// Nothing kept: every answer is a run at the live wealth.
    Resimulated,
}

impl Prepared {
    /// Whether answers can carry the fan chart without preparing again.
    fn has_fan_chart(&self) -> bool {
        match self {
            Self::Base(p) => p.has_fan_chart(),
            Self::Incremental(p) => p.has_fan_chart(),
            // Every run computes it.
            Self::Resimulated => true,
        }
    }

    /// Frees the fan chart's coefficients. Nothing else holds the preparation between
    /// messages (what-ifs borrow it only while they answer), so this frees them rather
    /// than copying the rest.
    fn drop_fan_chart(&mut self) {
        match self {
            Self::Base(p) if p.has_fan_chart() => Arc::make_mut(p).drop_fan_chart(),
            Self::Incremental(p) if p.has_fan_chart() => Arc::make_mut(p).drop_fan_chart(),
            _ => {}
        }
    }

    /// The plan's survivors by starting wealth, shared with the preparation.
    fn curve(&self) -> Option<SuccessCurve> {
        match self {
            Self::Base(p) => Some(p.success_curve()),
            Self::Incremental(p) => Some(p.success_curve()),
            Self::Resimulated => None,
        }
    }
}

/// The simulation actor.
pub struct SimulationActor {
    session: Recipient<SimulationDone>,
    paths: u32,
    seed: u64,
    min_interval: Duration,
    plan: Option<Arc<LivePlan>>,
    prepared: Option<Prepared>,
    /// Bumped on every preparation: only the newest one's result is used, so a slow
    /// preparation of an older plan (or one without the fan chart, overtaken by one with it)
    /// is ignored, as is a run of a replaced plan.
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
    /// A run of a plan simulated at each tick is under way (at most one at a time).
    running: bool,
    /// What-ifs waiting for a preparation to finish.
    ready: Vec<tokio::sync::oneshot::Sender<()>>,
    /// Observes each run of [`Self::resimulate`].
    resimulation_seconds: Option<prometheus::Histogram>,
    _notice: DownNotice,
}

/// The answer for `plan`'s inputs (the stored plan, or a what-if's variant of it).
fn view(
    answer: &ExtendedAnswer,
    paths: u32,
    seed: u64,
    wealth: Wealth,
    plan: &LivePlan,
) -> LiveSimulation {
    let p = &answer.terminal_real_wealth;
    let base = &plan.base;
    LiveSimulation {
        paths,
        seed,
        starting_wealth: wealth.value,
        wealth_source: wealth.source,
        monthly_contribution: base.monthly_contribution,
        monthly_spending: base.monthly_spending,
        retirement_month: base.retirement_month,
        horizon_months: base.horizon_months,
        success_probability: answer.success_probability,
        success_standard_error: answer.success_standard_error,
        terminal_real_wealth: percentiles(p),
        fan_chart: None,
        goals: goal_views(plan, answer),
        extensions: extensions_view(plan),
    }
}

fn goal_views(plan: &LivePlan, answer: &ExtendedAnswer) -> Vec<GoalOutcomeView> {
    let Some(extensions) = &plan.extensions else {
        return Vec::new();
    };
    extensions
        .goals
        .iter()
        .zip(&answer.goals)
        .map(|(goal, outcome)| GoalOutcomeView {
            name: goal.name.clone(),
            month: goal.month,
            priority: goal.priority,
            probability: outcome.probability,
            standard_error: outcome.standard_error,
        })
        .collect()
}

fn extensions_view(plan: &LivePlan) -> Option<LiveExtensions> {
    let extensions = plan.extensions.as_ref()?;
    let (method, resimulated_because) = match plan.method() {
        Method::Base | Method::Incremental => (LiveMethod::Incremental, None),
        Method::Resimulated(why) => (LiveMethod::Resimulated, Some(why.to_owned())),
    };
    Some(LiveExtensions {
        method,
        resimulated_because,
        left_out: extensions.left_out.clone(),
    })
}

/// A base answer in the shape every mode shares (no goals: a base plan has none).
fn base_answer(answer: engine::sim::prepared::PreparedAnswer) -> ExtendedAnswer {
    ExtendedAnswer {
        success_probability: answer.success_probability,
        success_standard_error: answer.success_standard_error,
        terminal_real_wealth: answer.terminal_real_wealth,
        goals: Vec::new(),
    }
}

fn run_answer(result: &ExtendedResult) -> ExtendedAnswer {
    ExtendedAnswer {
        success_probability: result.base.success_probability,
        success_standard_error: result.base.success_standard_error,
        terminal_real_wealth: result.base.terminal_real_wealth,
        goals: result.goals.clone(),
    }
}

/// Surviving paths of a run: its success times its paths, exactly (both count paths).
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn run_survivors(result: &ExtendedResult) -> usize {
    (result.base.success_probability * f64::from(result.base.paths)).round() as usize
}

/// `plan` (with its extensions) run from `wealth` on the session's paths.
fn resimulate(
    plan: &LivePlan,
    wealth: f64,
    options: &SimulationOptions,
) -> Result<ExtendedResult, engine::sim::ExtendedError> {
    let mut base = plan.base.clone();
    base.initial_wealth = if wealth.is_finite() {
        wealth.max(0.0)
    } else {
        0.0
    };
    let none = engine::sim::Extensions::default();
    simulate_extended(&base, plan.extended().unwrap_or(&none), options)
}

/// How many paths `plan` keeps alive from each of `wealths` on the paths of `options`.
fn count_survivors(
    plan: &LivePlan,
    wealths: [f64; 2],
    options: &SimulationOptions,
) -> Result<[usize; 2], String> {
    let curve = match (plan.method(), plan.extended()) {
        (Method::Base, _) | (_, None) => {
            SuccessCurve::new(&plan.base, options).map_err(|e| e.to_string())?
        }
        (Method::Incremental, Some(extensions)) => {
            PreparedExtended::new(&plan.base, extensions, options)
                .map_err(|e| e.to_string())?
                .success_curve()
        }
        (Method::Resimulated(_), Some(_)) => {
            let first =
                run_survivors(&resimulate(plan, wealths[0], options).map_err(|e| e.to_string())?);
            let second = if wealths[1].to_bits() == wealths[0].to_bits() {
                first
            } else {
                run_survivors(&resimulate(plan, wealths[1], options).map_err(|e| e.to_string())?)
            };
            return Ok([first, second]);
        }
    };
    Ok(wealths.map(|w| curve.survivors(w)))
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
            running: false,
            ready: Vec::new(),
            resimulation_seconds: None,
            _notice: notice,
        }
    }

    /// Observes the duration of each run of a plan simulated again at each tick.
    #[must_use]
    pub fn with_resimulation_metric(mut self, histogram: Option<prometheus::Histogram>) -> Self {
        self.resimulation_seconds = histogram;
        self
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
                value: self.plan.as_ref()?.base.initial_wealth,
                source: WealthSource::Plan,
            },
        })
    }

    /// Runs now, or once the minimum interval since the last run has passed; a plan
    /// simulated at each tick waits for its run under way, whose end schedules again.
    fn schedule(&mut self, ctx: &mut Context<Self>) {
        if self.timer.is_some() || self.prepared.is_none() || self.running {
            return;
        }
        let wait = self.last_run.map_or(Duration::ZERO, |t| {
            self.min_interval.saturating_sub(t.elapsed())
        });
        if wait.is_zero() {
            self.run(ctx);
        } else {
            self.timer = Some(ctx.run_later(wait, |act, ctx| {
                act.timer = None;
                act.run(ctx);
            }));
        }
    }

    fn run(&mut self, ctx: &mut Context<Self>) {
        if matches!(self.prepared, Some(Prepared::Resimulated)) {
            self.resimulate(ctx);
            return;
        }
        let (Some(prepared), Some(plan), Some(wealth)) =
            (&self.prepared, &self.plan, self.wealth())
        else {
            return;
        };
        let wanted = self.fan_chart;
        let answered = with_scratch(|scratch| match prepared {
            Prepared::Base(prepared) => Some(
                match wanted
                    .then(|| prepared.answer_fan_chart(wealth.value, scratch))
                    .flatten()
                {
                    Some(with_fan) => (
                        base_answer(with_fan.answer),
                        Some(fan_points(&with_fan.fan_chart)),
                    ),
                    None => (base_answer(prepared.answer(wealth.value, scratch)), None),
                },
            ),
            Prepared::Incremental(prepared) => {
                let answer = prepared.answer(wealth.value, scratch);
                let fan_chart = (wanted && prepared.has_fan_chart())
                    .then(|| fan_points(&prepared.fan_chart(wealth.value, scratch)));
                Some((answer, fan_chart))
            }
            // Answered by runs, above.
            Prepared::Resimulated => None,
        });
        let Some((answer, fan_chart)) = answered else {
            return;
        };
        let curve = prepared.curve();
        let survivors = curve.as_ref().map_or(0, |c| c.survivors(wealth.value));
        let plan = plan.clone();
        let pending = self.pending.take().unwrap_or_default();
        self.last_run = Some(Instant::now());
        self.publish(answer, fan_chart, curve, survivors, plan, wealth, pending);
    }

    #[allow(clippy::too_many_arguments)] // the parts of one answer, each used once
    fn publish(
        &self,
        answer: ExtendedAnswer,
        fan_chart: Option<Vec<FanChartPoint>>,
        curve: Option<SuccessCurve>,
        survivors: usize,
        plan: Arc<LivePlan>,
        wealth: Wealth,
        pending: Pending,
    ) {
        let mut simulation = view(&answer, self.paths, self.seed, wealth, &plan);
        simulation.fan_chart = fan_chart;
        self.session.do_send(SimulationDone {
            simulation,
            portfolio: pending.portfolio,
            coalesced: pending.count.saturating_sub(1),
            ticks: pending.ticks,
            newest_tick_ms: pending.newest_tick_ms,
            tick_arrived: pending.tick_arrived,
            plan,
            survivors: u32::try_from(survivors).unwrap_or(u32::MAX),
            curve,
        });
    }

    /// Runs the plan at the newest wealth on the blocking pool, unless a run is under way
    /// (its end runs again when valuations came meanwhile): the affine argument does not
    /// hold for this plan, so a new wealth needs a new run.
    fn resimulate(&mut self, ctx: &mut Context<Self>) {
        if self.running {
            return;
        }
        let (Some(plan), Some(wealth)) = (self.plan.clone(), self.wealth()) else {
            return;
        };
        self.running = true;
        let pending = self.pending.take().unwrap_or_default();
        self.last_run = Some(Instant::now());
        let version = self.preparation;
        let options = self.options();
        let job = plan.clone();
        let histogram = self.resimulation_seconds.clone();
        let run = async move {
            let _permit = RESIMULATING.acquire().await;
            tokio::task::spawn_blocking(move || {
                let _timer = histogram.as_ref().map(prometheus::Histogram::start_timer);
                resimulate(&job, wealth.value, &options)
            })
            .await
        };
        ctx.spawn(run.into_actor(self).map(move |result, act, ctx| {
            act.running = false;
            if act.preparation != version {
                // The plan was replaced meanwhile: this answer would publish a wrong state.
                // Its valuations go to the new plan's first answer.
                act.pending
                    .get_or_insert_with(Pending::default)
                    .restore(pending);
                act.schedule(ctx);
                return;
            }
            match result {
                Ok(Ok(result)) => {
                    let fan_chart = act.fan_chart.then(|| fan_points(&result.base.fan_chart));
                    let survivors = run_survivors(&result);
                    act.publish(
                        run_answer(&result),
                        fan_chart,
                        None,
                        survivors,
                        plan,
                        wealth,
                        pending,
                    );
                }
                Ok(Err(e)) => tracing::error!(error = %e, "a live plan could not be simulated"),
                Err(e) => tracing::error!(error = %e, "simulating a live plan panicked"),
            }
            if act.pending.is_some() {
                act.schedule(ctx);
            }
        }));
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
    /// answers at once. A plan simulated at each tick has nothing to prepare: it is ready.
    fn prepare(&mut self, ctx: &mut Context<Self>) {
        let Some(plan) = self.plan.clone() else {
            return;
        };
        self.preparation += 1;
        let version = self.preparation;
        if let Method::Resimulated(_) = plan.method() {
            self.fan_preparing = false;
            self.ready_with(ctx, Prepared::Resimulated);
            return;
        }
        let options = self.options();
        let fan_chart = self.fan_chart;
        self.fan_preparing = fan_chart;
        let prepare = async move {
            // Thousands of sessions starting at once queue here rather than each taking a
            // blocking thread: the work is CPU-bound and rayon spreads each one anyway.
            let _permit = PREPARING.acquire().await;
            tokio::task::spawn_blocking(move || match plan.extended() {
                None => PreparedSimulation::with_options(
                    &plan.base,
                    &options,
                    PreparedOptions { fan_chart },
                )
                .map(|p| Prepared::Base(Arc::new(p)))
                .map_err(|e| e.to_string()),
                Some(extensions) => PreparedExtended::new(
                    &plan.base,
                    extensions,
                    &SimulationOptions {
                        fan_chart,
                        ..options
                    },
                )
                .map(|p| Prepared::Incremental(Arc::new(p)))
                .map_err(|e| e.to_string()),
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
                    act.ready_with(ctx, prepared);
                }
                Ok(Err(e)) => tracing::error!(error = %e, "a stored plan could not be prepared"),
                Err(e) => tracing::error!(error = %e, "preparing a plan panicked"),
            }
        }));
    }

    /// The plan is ready to answer: wake what waited for it and answer at once.
    fn ready_with(&mut self, ctx: &mut Context<Self>, prepared: Prepared) {
        self.prepared = Some(prepared);
        for ready in self.ready.drain(..) {
            let _ = ready.send(());
        }
        self.pending.get_or_insert_with(Pending::default).count += 1;
        self.schedule(ctx);
    }
}

impl Handler<SetFanChart> for SimulationActor {
    type Result = ();

    fn handle(&mut self, SetFanChart(on): SetFanChart, ctx: &mut Context<Self>) {
        self.fan_chart = on;
        if on {
            if matches!(self.prepared, Some(Prepared::Resimulated)) {
                // Every run has the fan chart: the next one (at once, or after the one under
                // way) answers the subscriber that asked for it.
                self.pending.get_or_insert_with(Pending::default).count += 1;
                self.schedule(ctx);
                return;
            }
            // A preparation under way without the fan chart is overtaken by one with it; until
            // that is ready, the current preparation (if any) keeps answering without it. A
            // preparation under way with it is kept even if the fan chart was off meanwhile.
            let prepared = self.prepared.as_ref().is_some_and(Prepared::has_fan_chart);
            if !prepared && !self.fan_preparing && self.plan.is_some() {
                self.prepare(ctx);
            }
        } else if let Some(prepared) = self.prepared.as_mut() {
            prepared.drop_fan_chart();
        }
    }
}

impl Handler<GetPreparedMemory> for SimulationActor {
    type Result = actix::MessageResult<GetPreparedMemory>;

    fn handle(&mut self, _: GetPreparedMemory, _: &mut Context<Self>) -> Self::Result {
        let method = self.plan.as_ref().map(|p| p.method());
        actix::MessageResult(match &self.prepared {
            None => PreparedMemory::default(),
            Some(Prepared::Base(p)) => PreparedMemory {
                bytes: p.memory_bytes(),
                fan_chart: p.has_fan_chart(),
                method,
            },
            Some(Prepared::Incremental(p)) => PreparedMemory {
                bytes: p.memory_bytes(),
                fan_chart: p.has_fan_chart(),
                method,
            },
            Some(Prepared::Resimulated) => PreparedMemory {
                bytes: 0,
                fan_chart: false,
                method,
            },
        })
    }
}

impl Handler<Valuation> for SimulationActor {
    type Result = ();

    fn handle(&mut self, msg: Valuation, ctx: &mut Context<Self>) {
        self.valued = Some(msg.wealth);
        let pending = self.pending.get_or_insert_with(Pending::default);
        pending.count += msg.tick_count.max(1);
        pending.fold(msg.ticks);
        pending.tick_arrived = pending.tick_arrived.max(msg.tick_arrived);
        pending.portfolio = Some(msg.portfolio);
        self.schedule(ctx);
    }
}

impl Handler<SurvivorsFor> for SimulationActor {
    type Result = ResponseActFuture<Self, Result<[usize; 2], String>>;

    fn handle(
        &mut self,
        SurvivorsFor { plan, wealths }: SurvivorsFor,
        _: &mut Context<Self>,
    ) -> Self::Result {
        if let (Some(prepared), Some(current)) = (&self.prepared, &self.plan)
            && **current == *plan
            && let Some(curve) = prepared.curve()
        {
            return Box::pin(actix::fut::ready(Ok(wealths.map(|w| curve.survivors(w)))));
        }
        let options = self.options();
        let count = async move {
            // Queued with the preparations: the same kind of work.
            let _permit = PREPARING.acquire().await;
            tokio::task::spawn_blocking(move || count_survivors(&plan, wealths, &options)).await
        };
        Box::pin(count.into_actor(self).map(|result, _, _| match result {
            Ok(counted) => counted,
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
        let variant_plan = match apply(&plan.base, &changes) {
            Ok(base) => LivePlan {
                base,
                extensions: plan.extensions.clone(),
            },
            Err(e) => return Box::pin(actix::fut::ready(Err(e))),
        };
        let (paths, seed) = (self.paths, self.seed);
        let options = self.options();
        let prepared = match prepared {
            Prepared::Base(prepared) => prepared,
            Prepared::Incremental(prepared) => {
                // The current plan from its coefficients, the variant by a run: it is another
                // plan's paths.
                let answer = with_scratch(|scratch| prepared.answer(wealth.value, scratch));
                let base = view(&answer, paths, seed, wealth, &plan);
                let run = tokio::task::spawn_blocking(move || {
                    resimulate(&variant_plan, wealth.value, &options).map(|r| (r, variant_plan))
                });
                return Box::pin(run.into_actor(self).map(move |result, _, _| {
                    let (result, variant_plan) = ran(result)?;
                    let variant = view(&run_answer(&result), paths, seed, wealth, &variant_plan);
                    Ok(compare(base, variant))
                }));
            }
            Prepared::Resimulated => {
                let run = tokio::task::spawn_blocking(move || {
                    let now = resimulate(&plan, wealth.value, &options)?;
                    resimulate(&variant_plan, wealth.value, &options)
                        .map(|variant| ((now, plan), (variant, variant_plan)))
                });
                return Box::pin(run.into_actor(self).map(move |result, _, _| {
                    let ((now, plan), (variant, variant_plan)) = ran(result)?;
                    let base = view(&run_answer(&now), paths, seed, wealth, &plan);
                    let variant = view(&run_answer(&variant), paths, seed, wealth, &variant_plan);
                    Ok(compare(base, variant))
                }));
            }
        };
        let base_answer_now = with_scratch(|scratch| prepared.answer(wealth.value, scratch));
        let base = view(&base_answer(base_answer_now), paths, seed, wealth, &plan);
        let only_contribution = changes.retirement_month.is_none()
            && changes.monthly_spending.is_none()
            && changes.weights.is_none();
        let contribution = variant_plan.base.monthly_contribution;
        if only_contribution {
            // The prepared simulation answers a new contribution exactly, without drawing.
            let answer =
                with_scratch(|scratch| prepared.answer_with(wealth.value, contribution, scratch));
            let variant = view(&base_answer(answer), paths, seed, wealth, &variant_plan);
            return Box::pin(actix::fut::ready(Ok(compare(base, variant))));
        }
        let run = tokio::task::spawn_blocking(move || {
            let mut run_plan = variant_plan.base.clone();
            run_plan.initial_wealth = wealth.value;
            simulate(&run_plan, &options).map(|result| (result, variant_plan))
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
            let variant = view(&base_answer(answer), paths, seed, wealth, &variant_plan);
            Ok(compare(base, variant))
        }))
    }
}

/// A what-if's run on the blocking pool, its failures as the what-if's.
fn ran<T, E: std::fmt::Display>(
    result: Result<Result<T, E>, tokio::task::JoinError>,
) -> Result<T, WhatIfError> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(WhatIfError::Unavailable(e.to_string())),
        Err(e) => Err(WhatIfError::Unavailable(e.to_string())),
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
        let mut live = plan.base.clone();
        live.initial_wealth = wealth.value;
        // Copied out here, so that the preparation is not held while the search runs (turning
        // the fan chart off frees it in place only when nothing else holds it). A plan with
        // extensions has thresholds only in the starting wealth, and only where no flow
        // depends on wealth: its other inputs are searched by a run per step.
        let thresholds = match (prepared, lever) {
            (Prepared::Base(p), Lever::InitialWealth) => Some(p.wealth_thresholds().to_vec()),
            (Prepared::Base(p), Lever::MonthlyContribution) => {
                Some(p.contribution_thresholds(wealth.value))
            }
            (Prepared::Incremental(p), Lever::InitialWealth) => {
                Some(p.wealth_thresholds().to_vec())
            }
            _ => None,
        };
        // The model the stream answers with (a bootstrap without history already replaced).
        let extensions = plan.extended().cloned();
        let options = self.options();
        let run = tokio::task::spawn_blocking(move || {
            let with = SolveWith {
                equity: &equity,
                thresholds: thresholds.as_deref(),
                extensions: extensions.as_ref(),
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
