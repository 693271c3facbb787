//! What a session keeps to explain how its success probability moved (`engine::sim::explain`
//! does the arithmetic): a [`Mark`] per published state it may be asked about, the
//! reference of each subscription (the state of the snapshot it last received, with its
//! plan's [`SuccessCurve`]), and a [`History`] of the first state of each minute for
//! `explain` requests.
//!
//! Memory per session: the history holds at most [`HISTORY_MINUTES`] marks of
//! [`MARK_BYTES`] bytes (57,600 bytes after a day of moving prices), plus the plans they
//! name, shared with each other (one allocation per distinct plan, a few hundred bytes).
//! A reference's curve is the current preparation's own thresholds while the plan is
//! unchanged (nothing extra); once the plan changed, 8 bytes a path (8,000 for 1,000
//! paths) per distinct older plan some subscription still refers to, freed at its next
//! snapshot. Older plans asked about by `explain` have their curves drawn again on demand
//! (about one simulation's time) rather than kept.
//!
//! A plan simulated again at each tick (model extensions whose cash flows depend on wealth,
//! [`super::plan::Method::Resimulated`]) has no curve: its survivors are not the paths above
//! a threshold. Between two states of the same such plan the parts need none (the
//! reference plan's survivors at both wealths are the two states' own); across a change of
//! the plan, an update carries no explanation, and `explain` counts the earlier plan's
//! survivors at today's wealth by simulating it again.

use std::collections::VecDeque;
use std::sync::Arc;

use engine::sim::explain::{
    self as arithmetic, ChangedInput as EngineInput, PlanInput, Point, SuccessCurve, WealthFrom,
};
use protocol::live::{ChangedInput, ExplainedInput, Explanation, WealthSource};

use super::plan::LivePlan;

/// Minutes the history covers: the first state of each, for the last day of moving prices.
pub const HISTORY_MINUTES: usize = 1440;

/// Bytes of one [`Mark`].
pub const MARK_BYTES: usize = std::mem::size_of::<Mark>();
const _: () = assert!(MARK_BYTES == 40, "the documented memory per mark");

/// One published state, as much as explaining needs.
#[derive(Debug, Clone)]
pub struct Mark {
    /// Its sequence number.
    pub seq: u64,
    /// When it was computed (Unix milliseconds).
    pub at_ms: i64,
    /// The plan it was computed for.
    pub plan: Arc<LivePlan>,
    /// Its starting wealth.
    pub wealth: f64,
    /// Paths that survived.
    pub survivors: u32,
    /// The session's holdings version then: a different one means holdings changed.
    pub holdings: u16,
    /// Where the wealth came from.
    pub wealth_from: WealthFrom,
}

impl Mark {
    fn point(&self) -> Point<'_> {
        Point {
            plan: &self.plan.base,
            wealth: self.wealth,
            wealth_from: self.wealth_from,
            survivors: self.survivors as usize,
        }
    }
}

/// The wire's name of a wealth source.
#[must_use]
pub fn wealth_from(source: WealthSource) -> WealthFrom {
    match source {
        WealthSource::Holdings => WealthFrom::Holdings,
        WealthSource::Plan => WealthFrom::Plan,
    }
}

/// A state to explain from, with its plan's success curve (on the session's paths).
#[derive(Debug, Clone)]
pub struct Reference {
    /// The state.
    pub mark: Mark,
    /// Its plan's survivors by starting wealth; `None` for a plan simulated again at each
    /// tick, which has no such curve.
    pub curve: Option<SuccessCurve>,
    /// The session's paths.
    pub paths: u32,
}

fn wire_input(input: PlanInput) -> ExplainedInput {
    match input {
        PlanInput::InitialWealth => ExplainedInput::InitialWealth,
        PlanInput::MonthlyContribution => ExplainedInput::MonthlyContribution,
        PlanInput::MonthlySpending => ExplainedInput::MonthlySpending,
        PlanInput::RetirementMonth => ExplainedInput::RetirementMonth,
        PlanInput::HorizonMonths => ExplainedInput::HorizonMonths,
        PlanInput::AnnualInflation => ExplainedInput::AnnualInflation,
        PlanInput::AnnualFee => ExplainedInput::AnnualFee,
        PlanInput::AssetClasses => ExplainedInput::AssetClasses,
        PlanInput::Correlation => ExplainedInput::Correlation,
        PlanInput::Weights => ExplainedInput::Weights,
    }
}

/// Why the success moved from `reference` to `now` (both on the session's paths), even when
/// nothing did; `None` when the reference plan has no curve and differs from now's (see
/// [`explain_counted`]).
#[must_use]
pub fn explain(reference: &Reference, now: &Mark) -> Option<Explanation> {
    let then = &reference.mark;
    match &reference.curve {
        Some(curve) => Some(explain_counted(then, now, reference.paths, |wealth| {
            curve.survivors(wealth)
        })),
        // One plan re-simulated at both states: its survivors at either wealth are those of
        // the state computed there.
        None if Arc::ptr_eq(&then.plan, &now.plan) || then.plan == now.plan => {
            Some(explain_counted(then, now, reference.paths, |wealth| {
                if wealth.to_bits() == now.wealth.to_bits() {
                    now.survivors as usize
                } else {
                    then.survivors as usize
                }
            }))
        }
        None => None,
    }
}

/// Why the success moved from `then` to `now`, given how many of the session's `paths`
/// paths `then`'s plan keeps alive from a starting wealth (asked for `then.wealth` and
/// `now.wealth` only).
#[must_use]
pub fn explain_counted(
    then: &Mark,
    now: &Mark,
    paths: u32,
    survivors: impl Fn(f64) -> usize,
) -> Explanation {
    let parts = arithmetic::explain_with(&then.point(), &now.point(), survivors);
    let from_plan = then.wealth_from == WealthFrom::Plan && now.wealth_from == WealthFrom::Plan;
    let mut changed_inputs: Vec<ChangedInput> =
        arithmetic::changed_inputs(&then.plan.base, &now.plan.base, from_plan)
            .into_iter()
            .map(|EngineInput { input, from, to }| ChangedInput {
                input: wire_input(input),
                from,
                to,
            })
            .collect();
    if then.plan.extensions != now.plan.extensions {
        changed_inputs.push(ChangedInput {
            input: ExplainedInput::Extensions,
            from: None,
            to: None,
        });
    }
    if then.holdings != now.holdings {
        changed_inputs.push(ChangedInput {
            input: ExplainedInput::Holdings,
            from: None,
            to: None,
        });
    }
    let paths = f64::from(paths.max(1));
    Explanation {
        since_seq: then.seq,
        since_ms: then.at_ms,
        total: parts.total as f64 / paths,
        market: parts.market as f64 / paths,
        plan: parts.plan as f64 / paths,
        rest: parts.rest as f64 / paths,
        changed_inputs,
    }
}

/// As [`explain`], `None` when there is nothing to say: no part moved and no input changed
/// (what an update then leaves out).
#[must_use]
pub fn explain_change(reference: &Reference, now: &Mark) -> Option<Explanation> {
    let same_plan = Arc::ptr_eq(&reference.mark.plan, &now.plan);
    // The common case of a tick that moved nothing: no allocation, no comparison.
    if same_plan
        && reference.mark.survivors == now.survivors
        && reference.mark.holdings == now.holdings
        && reference.mark.wealth_from == now.wealth_from
    {
        return None;
    }
    let explanation = explain(reference, now)?;
    let moved = [
        explanation.total,
        explanation.market,
        explanation.plan,
        explanation.rest,
    ]
    .iter()
    .any(|part| *part != 0.0);
    (moved || !explanation.changed_inputs.is_empty()).then_some(explanation)
}

/// Why an `explain` has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    /// The time asked for is before the oldest state the session keeps.
    #[error(
        "must not be before {oldest_ms}, the oldest state kept (the first state of each minute is kept for the last 1,440 minutes with one)"
    )]
    TooOld {
        /// When the oldest state kept was computed (Unix milliseconds).
        oldest_ms: i64,
    },
    /// No state yet, or the simulation could not answer; try again.
    #[error("{0}")]
    Unavailable(String),
}

/// The first state of each minute, for the last [`HISTORY_MINUTES`] minutes that had one.
#[derive(Debug, Default)]
pub struct History {
    marks: VecDeque<Mark>,
}

/// Why the history has no state for a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// Nothing was published yet.
    Empty,
    /// The time is before the oldest state kept, from this time (Unix milliseconds).
    Before(i64),
}

impl History {
    /// Keeps `mark` if it is the first of its minute (marks come in time order).
    pub fn record(&mut self, mark: &Mark) {
        let minute = |at_ms: i64| at_ms.div_euclid(60_000);
        if self
            .marks
            .back()
            .is_some_and(|last| minute(last.at_ms) >= minute(mark.at_ms))
        {
            return;
        }
        if self.marks.len() >= HISTORY_MINUTES {
            self.marks.pop_front();
        } else if self.marks.len() == self.marks.capacity() {
            // Doubling, but never past the bound: the documented memory is what is held.
            let more = self
                .marks
                .len()
                .max(8)
                .min(HISTORY_MINUTES - self.marks.len());
            self.marks.reserve_exact(more);
        }
        self.marks.push_back(mark.clone());
    }

    /// The newest kept state computed at or before `at_ms`.
    ///
    /// # Errors
    /// Nothing kept, or `at_ms` before the oldest state kept.
    pub fn at(&self, at_ms: i64) -> Result<&Mark, Missing> {
        let oldest = self.marks.front().ok_or(Missing::Empty)?;
        let after = self.marks.partition_point(|m| m.at_ms <= at_ms);
        match after.checked_sub(1) {
            Some(i) => Ok(&self.marks[i]),
            None => Err(Missing::Before(oldest.at_ms)),
        }
    }

    /// Marks kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.marks.len()
    }

    /// Whether none is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// Bytes held for the marks (their allocation), not counting the plans they share.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.marks.capacity() * MARK_BYTES
    }
}

#[cfg(test)]
mod tests {
    use engine::sim::extended::{Extensions, Withdrawal};
    use engine::sim::reference::p1;
    use engine::sim::{PreparedSimulation, SimulationOptions};

    use super::super::plan::ModelExtensions;
    use super::*;

    fn mark(seq: u64, at_ms: i64, plan: &Arc<LivePlan>) -> Mark {
        Mark {
            seq,
            at_ms,
            plan: plan.clone(),
            wealth: 100.0,
            survivors: 10,
            holdings: 0,
            wealth_from: WealthFrom::Holdings,
        }
    }

    #[test]
    fn the_history_keeps_the_first_state_of_each_minute_within_its_bound() {
        let plan = Arc::new(LivePlan::from(p1()));
        let mut history = History::default();
        assert_eq!(history.at(0).unwrap_err(), Missing::Empty);
        // Three states a minute for a day and a half.
        let minutes = HISTORY_MINUTES + 720;
        for i in 0..minutes * 3 {
            let at_ms = i64::try_from(i).unwrap() * 20_000 + 5;
            history.record(&mark(i as u64, at_ms, &plan));
        }
        assert_eq!(history.len(), HISTORY_MINUTES);
        assert_eq!(history.memory_bytes(), HISTORY_MINUTES * MARK_BYTES);
        let oldest = i64::try_from(minutes - HISTORY_MINUTES).unwrap() * 60_000 + 5;
        assert_eq!(history.at(oldest - 1).unwrap_err(), Missing::Before(oldest));
        assert_eq!(history.at(oldest).unwrap().at_ms, oldest);
        // Between two kept states: the earlier one, the first of its minute.
        let found = history.at(oldest + 60_000 + 45_000).unwrap();
        assert_eq!(found.at_ms, oldest + 60_000);
        assert_eq!(found.seq % 3, 0);
        assert_eq!(history.at(i64::MAX).unwrap().seq, (minutes as u64 - 1) * 3);
    }

    #[test]
    fn an_update_says_nothing_unless_something_moved_or_changed() {
        let plan = Arc::new(LivePlan::from(p1()));
        let options = SimulationOptions {
            paths: 500,
            seed: 3,
            fan_chart: false,
        };
        let curve = PreparedSimulation::new(&plan.base, &options)
            .unwrap()
            .success_curve();
        let at = |wealth: f64, plan: &Arc<LivePlan>, holdings: u16| Mark {
            wealth,
            survivors: u32::try_from(curve.survivors(wealth)).unwrap(),
            holdings,
            ..mark(1, 1000, plan)
        };
        let reference = Reference {
            mark: at(250_000.0, &plan, 0),
            curve: Some(curve.clone()),
            paths: 500,
        };
        assert_eq!(explain_change(&reference, &at(250_000.0, &plan, 0)), None);
        // A new but equal plan changes nothing either.
        let same = Arc::new(LivePlan::from(p1()));
        assert_eq!(explain_change(&reference, &at(250_000.0, &same, 0)), None);

        let fallen = explain_change(&reference, &at(120_000.0, &plan, 0)).unwrap();
        assert!(fallen.total < 0.0);
        assert_eq!(fallen.market, fallen.total);
        assert_eq!((fallen.plan, fallen.rest), (0.0, 0.0));
        assert_eq!((fallen.since_seq, fallen.since_ms), (1, 1000));
        assert!(fallen.changed_inputs.is_empty());

        let bought = explain_change(&reference, &at(250_000.0, &plan, 1)).unwrap();
        assert_eq!(bought.total, 0.0);
        assert_eq!(bought.changed_inputs[0].input, ExplainedInput::Holdings);
        // Asked for explicitly, an unchanged state has an answer too: all zero.
        let nothing = explain(&reference, &at(250_000.0, &plan, 0)).unwrap();
        assert_eq!(
            (nothing.total, nothing.market, nothing.plan, nothing.rest),
            (0.0, 0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn a_resimulated_plan_is_explained_without_a_curve_until_it_changes() {
        let guardrails = |spending: f64| {
            let mut base = p1();
            base.monthly_spending = spending;
            Arc::new(LivePlan {
                base,
                extensions: Some(ModelExtensions {
                    model: Extensions {
                        withdrawal: Withdrawal::GuytonKlinger {
                            guardrail: 0.2,
                            adjustment: 0.1,
                            protected_final_years: 15,
                        },
                        ..Extensions::default()
                    },
                    ..ModelExtensions::default()
                }),
            })
        };
        let plan = guardrails(5000.0);
        let at = |wealth: f64, survivors: u32, plan: &Arc<LivePlan>| Mark {
            wealth,
            survivors,
            ..mark(1, 1000, plan)
        };
        let reference = Reference {
            mark: at(250_000.0, 600, &plan),
            curve: None,
            paths: 1000,
        };
        // The same plan at a lower wealth: all of it the market's, counted from the two
        // states themselves.
        let fallen = explain_change(&reference, &at(200_000.0, 550, &plan)).unwrap();
        assert_eq!(fallen.total, -0.05);
        assert_eq!((fallen.market, fallen.plan, fallen.rest), (-0.05, 0.0, 0.0));
        assert!(fallen.changed_inputs.is_empty());
        // Another plan: its survivors at the old plan are unknown without a run.
        let edited = guardrails(4000.0);
        assert_eq!(explain(&reference, &at(200_000.0, 700, &edited)), None);
        assert_eq!(
            explain_change(&reference, &at(200_000.0, 700, &edited)),
            None
        );
        // Counted by a run, the parts add up and both the input and the extensions are
        // named when the extensions changed too.
        let other_model = Arc::new(LivePlan {
            extensions: None,
            ..LivePlan::clone(&edited)
        });
        let counted = explain_counted(
            &reference.mark,
            &at(200_000.0, 700, &other_model),
            1000,
            |wealth| if wealth == 200_000.0 { 550 } else { 600 },
        );
        assert_eq!(
            (counted.market, counted.plan, counted.rest),
            (-0.05, 0.15, 0.0)
        );
        let names: Vec<ExplainedInput> = counted.changed_inputs.iter().map(|c| c.input).collect();
        assert_eq!(
            names,
            [ExplainedInput::MonthlySpending, ExplainedInput::Extensions]
        );
    }
}
