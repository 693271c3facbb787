//! Recommendations: changes a user could make to their plan, each verified by simulation.
//!
//! Candidates come from every lever the user controls (save more, spend less, retire later,
//! lower fees, another equity share), bounded by what the user can carry ([`Limits`]: a
//! contribution their income allows, the equity shares their risk profile allows). A cheap
//! estimate (the success surrogate) may rank them first so that only the most promising are
//! simulated; nothing reaches a user on the estimate alone. Each one kept is simulated on the
//! plan's own random numbers (the same seed, so path `i` of the change is path `i` of the plan)
//! and compared path by path: the change in success is the share of paths it saves minus the
//! share it loses, and its standard error that of the paired difference, much smaller than
//! two independent runs would give.
//!
//! A plan with model extensions (goals, income, a withdrawal rule, another return model) is
//! verified the same way on the extended model ([`verify_extended`], path by path on
//! [`crate::sim::extended::path_ends`]), and gets goal trade-offs besides: dropping or
//! delaying a goal that is wanted or wished for, never a need. The surrogate was trained on
//! plans without extensions, so such a plan is not screened: a bounded set of candidates
//! ([`candidates_extended`]) is simulated directly.

use super::sim::extended::{ExtendedError, Extensions, Priority, Withdrawal, path_ends};
use super::sim::prepared::{ruin_thresholds_by_path, sanitise};
use super::sim::solve::{equity_share, equity_weights};
use super::sim::{Plan, SimulationError, SimulationOptions};

#[cfg(test)]
mod tests;

/// A change to a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Save this much a month (today's money) until retirement.
    SaveMore {
        /// The new monthly contribution.
        monthly_contribution: f64,
    },
    /// Spend this much a month (today's money) from retirement.
    SpendLess {
        /// The new monthly spending.
        monthly_spending: f64,
    },
    /// Retire at this month from now.
    RetireLater {
        /// The new retirement month.
        retirement_month: u32,
    },
    /// Pay this annual expense ratio.
    LowerFees {
        /// The new annual fee.
        annual_fee: f64,
    },
    /// Hold this share in the equity classes (their mix, and the others', kept).
    EquityShare {
        /// The new share, 0 to 1.
        share: f64,
    },
    /// Pay goal `goal` (its position in the plan's goals) in this month instead.
    DelayGoal {
        /// The goal's position in `Extensions::goals`.
        goal: usize,
        /// Its new month.
        month: u32,
    },
    /// Give goal `goal` up.
    DropGoal {
        /// The goal's position in `Extensions::goals`.
        goal: usize,
    },
}

impl Action {
    /// The plan with this change (a goal trade-off changes only the extensions: see
    /// [`Action::apply_extended`]).
    #[must_use]
    pub fn apply(&self, plan: &Plan, equity: &[bool]) -> Plan {
        let mut changed = plan.clone();
        match *self {
            Self::SaveMore {
                monthly_contribution,
            } => changed.monthly_contribution = monthly_contribution,
            Self::SpendLess { monthly_spending } => changed.monthly_spending = monthly_spending,
            Self::RetireLater { retirement_month } => changed.retirement_month = retirement_month,
            Self::LowerFees { annual_fee } => changed.annual_fee = annual_fee,
            Self::EquityShare { share } => {
                changed.weights = equity_weights(&plan.weights, equity, share);
            }
            Self::DelayGoal { .. } | Self::DropGoal { .. } => {}
        }
        changed
    }

    /// The plan and its extensions with this change. A dropped goal leaves the list, so the
    /// goals after it move up one place.
    #[must_use]
    pub fn apply_extended(
        &self,
        plan: &Plan,
        extensions: &Extensions,
        equity: &[bool],
    ) -> (Plan, Extensions) {
        let mut changed = extensions.clone();
        match *self {
            Self::DelayGoal { goal, month } => {
                if let Some(g) = changed.goals.get_mut(goal) {
                    g.month = month;
                }
            }
            Self::DropGoal { goal } if goal < changed.goals.len() => {
                changed.goals.remove(goal);
            }
            _ => {}
        }
        (self.apply(plan, equity), changed)
    }

    /// The goal it trades off, if it is a goal trade-off.
    #[must_use]
    pub fn goal(&self) -> Option<usize> {
        match *self {
            Self::DelayGoal { goal, .. } | Self::DropGoal { goal } => Some(goal),
            _ => None,
        }
    }
}

/// What the user can carry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// The most they can save a month, when known (from their income).
    pub max_monthly_contribution: Option<f64>,
    /// The equity shares their risk profile allows, when known.
    pub equity_share: Option<(f64, f64)>,
    /// The least annual fee worth suggesting (what broad index funds charge).
    pub least_fee: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_monthly_contribution: None,
            equity_share: None,
            least_fee: LEAST_FEE,
        }
    }
}

/// What broad index funds charge a year: 0.05 %.
pub const LEAST_FEE: f64 = 0.0005;
/// Retiring later by this many months.
const LATER_MONTHS: [u32; 4] = [12, 24, 36, 60];
/// Spending less by this share.
const SPEND_LESS: [f64; 3] = [0.05, 0.10, 0.20];
/// Saving more by this share of the larger of the contribution and a tenth of spending.
const SAVE_MORE: [f64; 3] = [0.25, 0.5, 1.0];
/// Moving the equity share by this much.
const EQUITY_STEPS: [f64; 4] = [-0.2, -0.1, 0.1, 0.2];
/// Delaying a goal by this many months.
const GOAL_DELAYS: [u32; 3] = [12, 24, 36];
/// The most goals traded off: the largest wants and wishes. With the other kinds this
/// bounds an extended plan's candidates at 31, each simulated (none is screened).
pub const MOST_GOALS_TRADED: usize = 4;

/// Every change worth considering for `plan`, within `limits`. `equity` marks the equity
/// classes (no equity-share change without both kinds).
#[must_use]
pub fn candidates(plan: &Plan, equity: Option<&[bool]>, limits: &Limits) -> Vec<Action> {
    let mut out = Vec::new();
    if plan.retirement_month > 0 {
        let base = plan
            .monthly_contribution
            .max(plan.monthly_spending / 10.0)
            .max(100.0);
        for step in SAVE_MORE {
            let monthly_contribution = round_to(plan.monthly_contribution + step * base, 10.0);
            if limits
                .max_monthly_contribution
                .is_none_or(|max| monthly_contribution <= max)
            {
                out.push(Action::SaveMore {
                    monthly_contribution,
                });
            }
        }
    }
    if plan.monthly_spending > 0.0 {
        for cut in SPEND_LESS {
            out.push(Action::SpendLess {
                monthly_spending: round_to(plan.monthly_spending * (1.0 - cut), 10.0),
            });
        }
    }
    for months in LATER_MONTHS {
        let retirement_month = plan.retirement_month + months;
        if retirement_month < plan.horizon_months {
            out.push(Action::RetireLater { retirement_month });
        }
    }
    if plan.annual_fee > limits.least_fee + 1e-12 {
        out.push(Action::LowerFees {
            annual_fee: limits.least_fee,
        });
    }
    if let Some(mask) = equity.filter(|m| m.contains(&true) && m.contains(&false)) {
        let now = equity_share(&plan.weights, mask);
        let (low, high) = limits.equity_share.unwrap_or((0.0, 1.0));
        for step in EQUITY_STEPS {
            let share = round_to((now + step).clamp(low, high), 0.01);
            if (share - now).abs() >= 0.05 && !out.contains(&Action::EquityShare { share }) {
                out.push(Action::EquityShare { share });
            }
        }
    }
    out
}

/// Every change worth considering for `plan` with `extensions`, within `limits`: the kinds of
/// [`candidates`] that still act on the extended model, and for each of the
/// [`MOST_GOALS_TRADED`] largest goals wanted or wished for (never a need), dropping it and
/// delaying it by one, two or three years within the horizon.
///
/// Left out: spending less under a withdrawal rule that does not spend the plan's spending
/// (a constant percentage, VPW: it sets the amount from wealth alone), and another equity
/// share under a glide path (the path's weights replace the plan's).
#[must_use]
pub fn candidates_extended(
    plan: &Plan,
    extensions: &Extensions,
    equity: Option<&[bool]>,
    limits: &Limits,
) -> Vec<Action> {
    let spends_plan_spending = matches!(
        extensions.withdrawal,
        Withdrawal::ConstantReal
            | Withdrawal::GuytonKlinger { .. }
            | Withdrawal::FloorCeiling { .. }
    );
    let mut out: Vec<Action> = candidates(plan, equity, limits)
        .into_iter()
        .filter(|a| match a {
            Action::SpendLess { .. } => spends_plan_spending,
            Action::EquityShare { .. } => extensions.glide_path.is_empty(),
            _ => true,
        })
        .collect();
    let mut tradable: Vec<usize> = (0..extensions.goals.len())
        .filter(|g| extensions.goals[*g].priority != Priority::Need)
        .collect();
    // Largest first, then in the plan's order: the trade-offs that free the most money.
    tradable.sort_by(|a, b| {
        extensions.goals[*b]
            .amount
            .total_cmp(&extensions.goals[*a].amount)
            .then(a.cmp(b))
    });
    tradable.truncate(MOST_GOALS_TRADED);
    tradable.sort_unstable();
    for goal in tradable {
        out.push(Action::DropGoal { goal });
        let month = extensions.goals[goal].month;
        for delay in GOAL_DELAYS {
            if month + delay < plan.horizon_months {
                out.push(Action::DelayGoal {
                    goal,
                    month: month + delay,
                });
            }
        }
    }
    out
}

fn round_to(value: f64, unit: f64) -> f64 {
    (value / unit).round() * unit
}

/// A change with its simulated effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// The change.
    pub action: Action,
    /// The plan's success on these paths.
    pub success_before: f64,
    /// With the change, on the same paths.
    pub success_after: f64,
    /// `success_after - success_before`.
    pub change: f64,
    /// The standard error of `change` (paired: path by path).
    pub change_standard_error: f64,
    /// Paths the change saves (ruined before, not after).
    pub paths_saved: usize,
    /// Paths it loses.
    pub paths_lost: usize,
}

/// Each path's success: it starts with more than its ruin threshold.
fn outcomes(plan: &Plan, options: &SimulationOptions) -> Result<Vec<bool>, SimulationError> {
    let wealth = sanitise(plan.initial_wealth);
    Ok(ruin_thresholds_by_path(plan, options)?
        .into_iter()
        .map(|t| t < wealth)
        .collect())
}

/// The mean of the paired differences d_i ∈ {-1, 0, 1} (+1 for a path saved, -1 for one
/// lost) over `n` paths, and its standard error from their sample variance.
#[allow(clippy::cast_precision_loss)] // path counts ≪ 2^52
fn paired(saved: usize, lost: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let nf = n as f64;
    let change = (saved as f64 - lost as f64) / nf;
    if n == 1 {
        return (change, 0.0);
    }
    // E[d²] = (saved + lost) / n.
    let variance = ((saved + lost) as f64 / nf - change * change).max(0.0) * nf / (nf - 1.0);
    (change, (variance / nf).sqrt())
}

/// Simulates `plan` and each change on the same paths and compares them path by path.
///
/// # Errors
/// The plan is invalid, or a change makes it so (a candidate never does).
pub fn verify(
    plan: &Plan,
    actions: &[Action],
    equity: &[bool],
    options: &SimulationOptions,
) -> Result<Vec<Verified>, SimulationError> {
    let before = outcomes(plan, options)?;
    compare(&before, actions, |action| {
        outcomes(&action.apply(plan, equity), options)
    })
}

/// As [`verify`], for a plan with model extensions: each path's success on the extended
/// model ([`path_ends`]), path `i` of a change being path `i` of the plan.
///
/// # Errors
/// The plan or its extensions are invalid, or a change makes them so (a candidate never
/// does).
pub fn verify_extended(
    plan: &Plan,
    extensions: &Extensions,
    actions: &[Action],
    equity: &[bool],
    options: &SimulationOptions,
) -> Result<Vec<Verified>, ExtendedError> {
    let succeeded = |plan: &Plan, extensions: &Extensions| -> Result<Vec<bool>, ExtendedError> {
        Ok(path_ends(plan, extensions, options)?
            .iter()
            .map(super::sim::extended::PathEnd::succeeded)
            .collect())
    };
    let before = succeeded(plan, extensions)?;
    compare(&before, actions, |action| {
        let (plan, extensions) = action.apply_extended(plan, extensions, equity);
        succeeded(&plan, &extensions)
    })
}

/// Each of `actions` against the paths' successes `before`, from its own (`after`).
#[allow(clippy::cast_precision_loss)] // path counts ≪ 2^52
fn compare<E>(
    before: &[bool],
    actions: &[Action],
    after: impl Fn(&Action) -> Result<Vec<bool>, E>,
) -> Result<Vec<Verified>, E> {
    let n = before.len() as f64;
    let success_before = before.iter().filter(|s| **s).count() as f64 / n;
    actions
        .iter()
        .map(|action| {
            let after = after(action)?;
            let saved = before
                .iter()
                .zip(&after)
                .filter(|(b, a)| !**b && **a)
                .count();
            let lost = before
                .iter()
                .zip(&after)
                .filter(|(b, a)| **b && !**a)
                .count();
            let (change, change_standard_error) = paired(saved, lost, before.len());
            Ok(Verified {
                action: *action,
                success_before,
                success_after: after.iter().filter(|s| **s).count() as f64 / n,
                change,
                change_standard_error,
                paths_saved: saved,
                paths_lost: lost,
            })
        })
        .collect()
}

/// The changes worth simulating, by a cheap `estimate` of each changed plan's success (the
/// surrogate): of each kind, ordered by cost, the cheapest estimated to reach `target` and
/// its neighbours on either side (an estimate errs by a few points either way), or where
/// none is, the best estimated and its cheaper neighbour. A change the estimate cannot
/// judge is kept. The result keeps `actions`' order.
#[must_use]
pub fn screen(
    plan: &Plan,
    actions: &[Action],
    equity: &[bool],
    estimate: impl Fn(&Plan) -> Option<f64>,
    target: f64,
) -> Vec<Action> {
    let share_now = equity_share(&plan.weights, equity);
    let estimates: Vec<Option<f64>> = actions
        .iter()
        .map(|a| estimate(&a.apply(plan, equity)))
        .collect();
    let mut keep = vec![false; actions.len()];
    let mut kinds: Vec<std::mem::Discriminant<Action>> = Vec::new();
    for a in actions {
        let kind = std::mem::discriminant(a);
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    for kind in kinds {
        let mut of_kind: Vec<usize> = (0..actions.len())
            .filter(|i| std::mem::discriminant(&actions[*i]) == kind)
            .collect();
        of_kind.sort_by(|a, b| {
            cost(&actions[*a], share_now).total_cmp(&cost(&actions[*b], share_now))
        });
        for i in &of_kind {
            if estimates[*i].is_none() {
                keep[*i] = true;
            }
        }
        let judged: Vec<usize> = of_kind
            .into_iter()
            .filter(|i| estimates[*i].is_some())
            .collect();
        let value = |i: usize| estimates[i].unwrap_or(f64::NEG_INFINITY);
        let centre = judged.iter().position(|i| value(*i) >= target);
        let (from, to) = match centre {
            Some(c) => (
                c.saturating_sub(1),
                (c + 1).min(judged.len().saturating_sub(1)),
            ),
            None => match (0..judged.len())
                .max_by(|a, b| value(judged[*a]).total_cmp(&value(judged[*b])))
            {
                Some(best) => (best.saturating_sub(1), best),
                None => continue,
            },
        };
        for i in &judged[from..=to] {
            keep[*i] = true;
        }
    }
    actions
        .iter()
        .zip(keep)
        .filter_map(|(a, k)| k.then_some(*a))
        .collect()
}

/// The cost of a change, for ordering changes of one kind: the smaller the cheaper.
fn cost(action: &Action, share_now: f64) -> f64 {
    match *action {
        Action::SaveMore {
            monthly_contribution: x,
        }
        | Action::LowerFees { annual_fee: x } => x,
        Action::SpendLess { monthly_spending } => -monthly_spending,
        Action::RetireLater { retirement_month } => f64::from(retirement_month),
        Action::EquityShare { share } => (share - share_now).abs(),
        Action::DelayGoal { month, .. } => f64::from(month),
        Action::DropGoal { .. } => 0.0,
    }
}

/// Changes of one kind are alternatives to each other: the same lever moved by different
/// amounts. Trade-offs of different goals are different levers.
fn same_kind(a: &Action, b: &Action) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b) && a.goal() == b.goal()
}

/// What is worth recommending of `verified`: of each kind of change (each goal's trade-offs
/// being a kind of their own), the cheapest that
/// reaches `target`, else the one that helps most; only changes that help by more than two
/// standard errors; best first, at most `most`. `share_now` is the plan's equity share.
#[must_use]
pub fn best(verified: Vec<Verified>, target: f64, share_now: f64, most: usize) -> Vec<Verified> {
    let mut by_kind: Vec<Vec<Verified>> = Vec::new();
    for v in verified {
        if v.change <= 0.0 || v.change <= 2.0 * v.change_standard_error {
            continue;
        }
        match by_kind
            .iter_mut()
            .find(|list| same_kind(&list[0].action, &v.action))
        {
            Some(list) => list.push(v),
            None => by_kind.push(vec![v]),
        }
    }
    let mut chosen: Vec<Verified> = by_kind
        .into_iter()
        .filter_map(|mut list| {
            list.sort_by(|a, b| cost(&a.action, share_now).total_cmp(&cost(&b.action, share_now)));
            match list.iter().position(|v| v.success_after >= target) {
                Some(i) => Some(list.swap_remove(i)),
                None => list
                    .into_iter()
                    .max_by(|a, b| a.change.total_cmp(&b.change)),
            }
        })
        .collect();
    chosen.sort_by(|a, b| b.change.total_cmp(&a.change));
    chosen.truncate(most);
    chosen
}
