//! Why a live success probability moved between two states of the same paths: the market's
//! part (the starting wealth), the plan's part (the user's edits) and the rest.
//!
//! From a reference state R = (plan_r, wealth_r) to now N = (plan_n, wealth_n), with P the
//! share of surviving paths on one fixed set of random numbers:
//!
//! ```text
//! market = P(plan_r, wealth_n) − P(plan_r, wealth_r)
//! plan   = P(plan_n, wealth_n) − P(plan_r, wealth_n)
//! rest   = total − market − plan,   total = P_N − P_R as published
//! ```
//!
//! Everything is counted in paths, so the parts add up to the total exactly. Evaluating the
//! reference plan at the new wealth needs only its paths' ruin thresholds at its own
//! contribution ([`SuccessCurve`]): 8 bytes a path, shared with the plan's
//! [`super::PreparedSimulation`] while the plan is unchanged.
//!
//! Where the wealth comes from decides which part a change of it belongs to. From the
//! holdings at both ends, it is the market's. From the plan's `initial_wealth` at both
//! ends, it is a plan input, so a change of it is the plan's part. When the source changed
//! (the first holding priced, or the last one gone), the jump belongs to neither and lands
//! in the rest, as does any difference between the reference's published success and what
//! its plan gives on these paths at its wealth (a state published from other paths).

use std::sync::Arc;

use super::{Plan, SimulationError, SimulationOptions};

/// A plan's number of surviving paths as a function of the starting wealth, at the plan's
/// own contribution, on fixed paths: their ruin thresholds, ascending.
#[derive(Debug, Clone)]
pub struct SuccessCurve {
    thresholds: Arc<[f64]>,
}

impl SuccessCurve {
    /// Draws `plan`'s paths once for their thresholds, at about the cost of one simulation;
    /// bit for bit those of a [`super::PreparedSimulation`] with the same options.
    ///
    /// # Errors
    /// An invalid plan or path count.
    pub fn new(plan: &Plan, options: &SimulationOptions) -> Result<Self, SimulationError> {
        Ok(Self::from_sorted(
            super::prepared::ruin_thresholds(plan, options)?.into(),
        ))
    }

    /// Thresholds already sorted ascending.
    pub(crate) fn from_sorted(thresholds: Arc<[f64]>) -> Self {
        Self { thresholds }
    }

    /// Paths that survive starting with `wealth` (negative or not finite counts as 0), as
    /// [`super::PreparedSimulation::answer`] counts them.
    #[must_use]
    pub fn survivors(&self, wealth: f64) -> usize {
        let wealth = super::prepared::sanitise(wealth);
        self.thresholds.partition_point(|t| *t < wealth)
    }

    /// Number of paths.
    #[must_use]
    pub fn paths(&self) -> usize {
        self.thresholds.len()
    }

    /// Bytes of thresholds (shared by every clone).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.thresholds)
    }

    /// Whether both are the same thresholds in memory (clones of one curve).
    #[must_use]
    pub fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.thresholds, &other.thresholds)
    }
}

/// Where a state's starting wealth came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WealthFrom {
    /// The holdings at market prices.
    Holdings,
    /// The plan's own `initial_wealth`.
    Plan,
}

/// One published state, as the explanation needs it.
#[derive(Debug, Clone, Copy)]
pub struct Point<'a> {
    /// The plan it was computed for.
    pub plan: &'a Plan,
    /// Its starting wealth.
    pub wealth: f64,
    /// Where that came from.
    pub wealth_from: WealthFrom,
    /// Paths that survived, as published.
    pub survivors: usize,
}

/// The change from a reference state to now, in paths (divide by the path count for
/// probabilities). `market + plan + rest == total` always.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Parts {
    /// Survivors now minus survivors then.
    pub total: i64,
    /// The starting wealth's part, on the reference plan.
    pub market: i64,
    /// The plan's part, at the new wealth.
    pub plan: i64,
    /// What neither explains.
    pub rest: i64,
}

impl Parts {
    /// Whether every part is zero.
    #[must_use]
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }
}

/// An input of the plan that shapes its success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlanInput {
    /// `initial_wealth` (only when it is the simulated wealth).
    InitialWealth,
    /// `monthly_contribution`.
    MonthlyContribution,
    /// `monthly_spending`.
    MonthlySpending,
    /// `retirement_month`.
    RetirementMonth,
    /// `horizon_months`.
    HorizonMonths,
    /// `annual_inflation`.
    AnnualInflation,
    /// `annual_fee`.
    AnnualFee,
    /// The asset classes' expected returns and volatilities (or their number).
    AssetClasses,
    /// `correlation`.
    Correlation,
    /// `weights`.
    Weights,
}

/// An input that differs between two plans, with both values when it is one number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangedInput {
    /// Which.
    pub input: PlanInput,
    /// Its value in the earlier plan (numbers only).
    pub from: Option<f64>,
    /// Its value in the later plan (numbers only).
    pub to: Option<f64>,
}

/// The inputs that differ from `before` to `after`, in [`PlanInput`] order.
/// `initial_wealth` is named only when `wealth_from_plan` (the plan's own starting wealth
/// was simulated at both ends): with holdings priced it plays no part.
#[must_use]
pub fn changed_inputs(before: &Plan, after: &Plan, wealth_from_plan: bool) -> Vec<ChangedInput> {
    if std::ptr::eq(before, after) {
        return Vec::new();
    }
    let number = |input, from: f64, to: f64| {
        // -0.0 and 0.0 are the same amount.
        (from != to).then_some(ChangedInput {
            input,
            from: Some(from),
            to: Some(to),
        })
    };
    let whole = |input, changed: bool| {
        changed.then_some(ChangedInput {
            input,
            from: None,
            to: None,
        })
    };
    [
        number(
            PlanInput::InitialWealth,
            before.initial_wealth,
            after.initial_wealth,
        )
        .filter(|_| wealth_from_plan),
        number(
            PlanInput::MonthlyContribution,
            before.monthly_contribution,
            after.monthly_contribution,
        ),
        number(
            PlanInput::MonthlySpending,
            before.monthly_spending,
            after.monthly_spending,
        ),
        number(
            PlanInput::RetirementMonth,
            f64::from(before.retirement_month),
            f64::from(after.retirement_month),
        ),
        number(
            PlanInput::HorizonMonths,
            f64::from(before.horizon_months),
            f64::from(after.horizon_months),
        ),
        number(
            PlanInput::AnnualInflation,
            before.annual_inflation,
            after.annual_inflation,
        ),
        number(PlanInput::AnnualFee, before.annual_fee, after.annual_fee),
        whole(PlanInput::AssetClasses, before.assets != after.assets),
        whole(
            PlanInput::Correlation,
            before.correlation != after.correlation,
        ),
        whole(PlanInput::Weights, before.weights != after.weights),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Splits the change from `reference` to `now` (both on the paths of `reference_curve`,
/// which must be `reference.plan`'s) into the market's part, the plan's and the rest.
#[must_use]
pub fn explain(reference: &Point<'_>, now: &Point<'_>, reference_curve: &SuccessCurve) -> Parts {
    explain_with(reference, now, |wealth| reference_curve.survivors(wealth))
}

/// As [`explain`], for a reference plan known by its survivors at a starting wealth rather
/// than by its curve: `survivors(w)` is how many of these paths the reference plan keeps
/// alive starting with `w`, asked only for `reference.wealth` and `now.wealth`. What a plan
/// whose survivors are not a threshold set needs (a re-simulated plan, counted by a run).
#[must_use]
pub fn explain_with(
    reference: &Point<'_>,
    now: &Point<'_>,
    survivors: impl Fn(f64) -> usize,
) -> Parts {
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let (then, now_survivors) = (count(reference.survivors), count(now.survivors));
    let at_reference = count(survivors(reference.wealth));
    let (market, plan) = match (reference.wealth_from, now.wealth_from) {
        (WealthFrom::Holdings, WealthFrom::Holdings) => {
            let moved = count(survivors(now.wealth));
            (moved - at_reference, now_survivors - moved)
        }
        // The plan's own wealth is a plan input: its change is the plan's part.
        (WealthFrom::Plan, WealthFrom::Plan) => (0, now_survivors - at_reference),
        // The source changed: the plan's part at the new wealth; the jump is left over.
        _ => (0, now_survivors - count(survivors(now.wealth))),
    };
    let total = now_survivors - then;
    Parts {
        total,
        market,
        plan,
        rest: total - market - plan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::PreparedSimulation;
    use crate::sim::reference::p1;

    fn options() -> SimulationOptions {
        SimulationOptions {
            paths: 1000,
            seed: 7,
            fan_chart: false,
        }
    }

    /// A state of `plan` at `wealth`, as a live session publishes it: from the plan's own
    /// preparation.
    fn state(plan: &Plan, wealth: f64, from: WealthFrom) -> (usize, SuccessCurve) {
        let prepared = PreparedSimulation::new(plan, &options()).unwrap();
        let answer = prepared.answer(wealth, &mut Vec::new());
        let curve = prepared.success_curve();
        let survivors = curve.survivors(wealth);
        // The curve counts exactly what the answer reports.
        #[allow(clippy::cast_precision_loss)]
        let p = survivors as f64 / 1000.0;
        assert_eq!(p, answer.success_probability, "{from:?} at {wealth}");
        (survivors, curve)
    }

    fn point(plan: &Plan, wealth: f64, from: WealthFrom, survivors: usize) -> Point<'_> {
        Point {
            plan,
            wealth,
            wealth_from: from,
            survivors,
        }
    }

    #[test]
    fn a_wealth_only_change_is_all_market() {
        let plan = p1();
        let (then, curve) = state(&plan, 250_000.0, WealthFrom::Holdings);
        let (now, _) = state(&plan, 180_000.0, WealthFrom::Holdings);
        let parts = explain(
            &point(&plan, 250_000.0, WealthFrom::Holdings, then),
            &point(&plan, 180_000.0, WealthFrom::Holdings, now),
            &curve,
        );
        assert!(parts.total < 0, "less wealth, fewer survivors: {parts:?}");
        assert_eq!(parts.market, parts.total);
        assert_eq!((parts.plan, parts.rest), (0, 0));
        assert!(changed_inputs(&plan, &plan.clone(), false).is_empty());
    }

    #[test]
    fn a_plan_only_change_at_fixed_wealth_is_all_plan_and_names_the_input() {
        let before = p1();
        let mut after = p1();
        after.monthly_contribution = 2500.0;
        let (then, curve) = state(&before, 250_000.0, WealthFrom::Holdings);
        let (now, _) = state(&after, 250_000.0, WealthFrom::Holdings);
        let parts = explain(
            &point(&before, 250_000.0, WealthFrom::Holdings, then),
            &point(&after, 250_000.0, WealthFrom::Holdings, now),
            &curve,
        );
        assert!(parts.total > 0, "saving more helps: {parts:?}");
        assert_eq!(parts.plan, parts.total);
        assert_eq!((parts.market, parts.rest), (0, 0));
        assert_eq!(
            changed_inputs(&before, &after, false),
            vec![ChangedInput {
                input: PlanInput::MonthlyContribution,
                from: Some(1500.0),
                to: Some(2500.0),
            }]
        );
    }

    #[test]
    fn both_at_once_split_exactly_on_the_reference_plan() {
        let before = p1();
        let mut after = p1();
        after.monthly_spending = 4000.0;
        after.retirement_month = 372;
        let (then, curve) = state(&before, 250_000.0, WealthFrom::Holdings);
        let (now, _) = state(&after, 150_000.0, WealthFrom::Holdings);
        let parts = explain(
            &point(&before, 250_000.0, WealthFrom::Holdings, then),
            &point(&after, 150_000.0, WealthFrom::Holdings, now),
            &curve,
        );
        assert_eq!(parts.market + parts.plan + parts.rest, parts.total);
        assert_eq!(parts.rest, 0, "one set of paths: nothing unexplained");
        // The market part is the reference plan's own move, whatever the plan became.
        let (moved, _) = state(&before, 150_000.0, WealthFrom::Holdings);
        assert_eq!(parts.market, moved as i64 - then as i64);
        assert!(parts.market < 0 && parts.plan > 0, "{parts:?}");
        let names: Vec<PlanInput> = changed_inputs(&before, &after, false)
            .iter()
            .map(|c| c.input)
            .collect();
        assert_eq!(
            names,
            [PlanInput::MonthlySpending, PlanInput::RetirementMonth]
        );
        // Counted at the two wealths instead of read from the curve: the same parts, and
        // the reference plan is asked about no other wealth.
        let asked = std::cell::RefCell::new(Vec::new());
        let counted = explain_with(
            &point(&before, 250_000.0, WealthFrom::Holdings, then),
            &point(&after, 150_000.0, WealthFrom::Holdings, now),
            |wealth| {
                asked.borrow_mut().push(wealth);
                if wealth == 250_000.0 { then } else { moved }
            },
        );
        assert_eq!(counted, parts);
        assert_eq!(*asked.borrow(), [250_000.0, 150_000.0]);
    }

    #[test]
    fn the_plans_own_wealth_is_a_plan_input() {
        let before = p1();
        let mut after = p1();
        after.initial_wealth = 400_000.0;
        let (then, curve) = state(&before, before.initial_wealth, WealthFrom::Plan);
        let (now, _) = state(&after, after.initial_wealth, WealthFrom::Plan);
        let parts = explain(
            &point(&before, before.initial_wealth, WealthFrom::Plan, then),
            &point(&after, after.initial_wealth, WealthFrom::Plan, now),
            &curve,
        );
        assert!(parts.total > 0);
        assert_eq!((parts.market, parts.plan, parts.rest), (0, parts.total, 0));
        assert_eq!(
            changed_inputs(&before, &after, true)[0].input,
            PlanInput::InitialWealth
        );
        // With the wealth from the holdings, the plan's own figure played no part.
        assert!(changed_inputs(&before, &after, false).is_empty());
    }

    #[test]
    fn a_change_of_where_the_wealth_comes_from_lands_in_the_rest() {
        let plan = p1();
        let (then, curve) = state(&plan, plan.initial_wealth, WealthFrom::Plan);
        let (now, _) = state(&plan, 5_400.0, WealthFrom::Holdings);
        let parts = explain(
            &point(&plan, plan.initial_wealth, WealthFrom::Plan, then),
            &point(&plan, 5_400.0, WealthFrom::Holdings, now),
            &curve,
        );
        assert!(parts.total < 0);
        assert_eq!((parts.market, parts.plan), (0, 0));
        assert_eq!(parts.rest, parts.total);
    }

    #[test]
    fn a_reference_from_other_paths_leaves_the_difference_in_the_rest() {
        let plan = p1();
        let (now, curve) = state(&plan, 250_000.0, WealthFrom::Holdings);
        // Published from another seed: 3 survivors more than these paths give.
        let then = curve.survivors(250_000.0) + 3;
        let parts = explain(
            &point(&plan, 250_000.0, WealthFrom::Holdings, then),
            &point(&plan, 250_000.0, WealthFrom::Holdings, now),
            &curve,
        );
        assert_eq!(parts.total, -3);
        assert_eq!((parts.market, parts.plan, parts.rest), (0, 0, -3));
    }

    #[test]
    fn the_parts_always_add_up_to_the_total() {
        let before = p1();
        let mut after = p1();
        after.weights = vec![0.3, 0.3, 0.4];
        after.assets[0].mu = 0.06;
        after.annual_fee = 0.004;
        let (_, curve) = state(&before, 250_000.0, WealthFrom::Holdings);
        let froms = [WealthFrom::Holdings, WealthFrom::Plan];
        for (then, now) in [(0, 1000), (1000, 0), (417, 388), (5, 5)] {
            for wealth in [0.0, -5.0, f64::NAN, 90_000.0, 1e9] {
                for (a, b) in froms
                    .iter()
                    .flat_map(|a| froms.iter().map(move |b| (*a, *b)))
                {
                    let parts = explain(
                        &point(&before, 250_000.0, a, then),
                        &point(&after, wealth, b, now),
                        &curve,
                    );
                    assert_eq!(parts.market + parts.plan + parts.rest, parts.total);
                    assert_eq!(parts.total, now as i64 - then as i64);
                }
            }
        }
        let names: Vec<PlanInput> = changed_inputs(&before, &after, true)
            .iter()
            .map(|c| c.input)
            .collect();
        assert_eq!(
            names,
            [
                PlanInput::AnnualFee,
                PlanInput::AssetClasses,
                PlanInput::Weights
            ]
        );
        let fee = changed_inputs(&before, &after, true)[0];
        assert_eq!((fee.from, fee.to), (Some(0.002), Some(0.004)));
        assert_eq!(changed_inputs(&before, &after, true)[1].from, None);
    }

    #[test]
    fn a_curve_computed_alone_is_the_prepared_one() {
        let mut plan = p1();
        plan.monthly_contribution = 900.0;
        let alone = SuccessCurve::new(&plan, &options()).unwrap();
        let prepared = PreparedSimulation::new(&plan, &options())
            .unwrap()
            .success_curve();
        assert!(!alone.same_as(&prepared));
        assert_eq!(alone.paths(), 1000);
        assert_eq!(alone.memory_bytes(), 8000);
        for wealth in [0.0, 10_000.0, 250_000.0, 1e6, f64::INFINITY] {
            assert_eq!(alone.survivors(wealth), prepared.survivors(wealth));
        }
    }
}
