//! One path of an extended plan: the month loop with its cash flows, goals and spending.

use super::super::kernel::by_width;
use super::super::plan::PlanError;
use super::super::{Model, NEVER, Plan, rng};
use super::returns::{Constants, Draws, KernelGrowth, MonthGrowth, Prepared};
use super::spending::{Rule, State};
use super::{Cola, Extensions, InflationModel, Priority, ReturnModel, check};

/// What one path leaves behind.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PathOutcome {
    pub terminal_real: f64,
    pub ruin_month: u32,
    /// Bit g: goal g was paid in full.
    pub goals_met: u64,
}

/// A goal paid in a given month.
#[derive(Debug, Clone, Copy)]
struct DatedGoal {
    /// Its position in the plan's list.
    index: usize,
    amount: f64,
    priority: Priority,
}

/// Everything a path needs, computed once per plan.
pub(super) struct Setup<'a> {
    model: &'a Model,
    constants: Constants,
    rule: Rule,
    contribution: f64,
    retirement: usize,
    extensions: &'a Extensions,
    /// Month t's weights, or one row for the whole horizon without a glide path.
    weights: Vec<Vec<f64>>,
    /// Month t's goals: needs first, then wants, then wishes, each in the plan's order.
    goals_by_month: Vec<Vec<DatedGoal>>,
    /// Sum of the need goals after month t, today's money.
    needs_after: Vec<f64>,
    /// One-off flows of month t, today's money: (in, out).
    events: Vec<(f64, f64)>,
    stochastic_inflation: bool,
    /// Whether the base kernel draws the months: lognormal returns on fixed weights with
    /// constant inflation.
    kernel: bool,
    /// The floor that spending is compared with, monthly, today's money.
    pub floor: f64,
}

impl<'a> Setup<'a> {
    pub(super) fn new(
        plan: &Plan,
        model: &'a Model,
        extensions: &'a Extensions,
    ) -> Result<Self, PlanError> {
        check::extensions(plan, extensions)?;
        let horizon = model.horizon;
        let n = model.assets;
        let weights = if extensions.glide_path.is_empty() {
            vec![plan.weights.clone()]
        } else {
            glide_weights(extensions, horizon, n)
        };
        let mut goals_by_month = vec![Vec::new(); horizon];
        let mut order: Vec<usize> = (0..extensions.goals.len()).collect();
        order.sort_by_key(|g| extensions.goals[*g].priority);
        for g in order {
            let goal = &extensions.goals[g];
            goals_by_month[goal.month as usize].push(DatedGoal {
                index: g,
                amount: goal.amount,
                priority: goal.priority,
            });
        }
        let mut needs_after = vec![0.0; horizon];
        for goal in &extensions.goals {
            if goal.priority == Priority::Need {
                for slot in &mut needs_after[..goal.month as usize] {
                    *slot += goal.amount;
                }
            }
        }
        let mut events = vec![(0.0, 0.0); horizon];
        for event in &extensions.events {
            let slot = &mut events[event.month as usize];
            if event.amount >= 0.0 {
                slot.0 += event.amount;
            } else {
                slot.1 -= event.amount;
            }
        }
        let monthly_sd = (0..n)
            .map(|i| {
                model.factor[i * n..=i * n + i]
                    .iter()
                    .map(|l| l * l)
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        Ok(Self {
            model,
            constants: Constants {
                assets: n,
                drift: model.drift.clone(),
                factor: model.factor.clone(),
                monthly_sd,
                fee_factor: model.fee_factor,
                returns: Prepared::new(&extensions.returns)?,
                inflation: extensions.inflation,
                mean_inflation: plan.annual_inflation,
            },
            rule: Rule {
                strategy: extensions.withdrawal,
                plan_spending: plan.monthly_spending,
                retirement: plan.retirement_month as usize,
                horizon,
            },
            contribution: plan.monthly_contribution,
            retirement: plan.retirement_month as usize,
            extensions,
            weights,
            goals_by_month,
            needs_after,
            events,
            stochastic_inflation: matches!(extensions.inflation, InflationModel::Stochastic { .. }),
            kernel: extensions.returns == ReturnModel::Lognormal
                && extensions.glide_path.is_empty()
                && extensions.inflation == InflationModel::Constant,
            floor: extensions.spending_floor.unwrap_or(plan.monthly_spending),
        })
    }

    /// The number of goals.
    pub(super) fn goal_count(&self) -> usize {
        self.extensions.goals.len()
    }

    /// The first plan year entirely in retirement.
    pub(super) fn first_retired_year(&self) -> usize {
        self.retirement.div_ceil(12)
    }

    /// The path's months: the base kernel where it gives the same factors faster, the
    /// general draws otherwise.
    fn draws(&self, seed: u64, index: u64) -> Draws<'_> {
        // The second stream's indices start above any path's (paths are below 2^63), so
        // it never repeats a path's main stream.
        Draws::new(
            &self.constants,
            rng::path_stream(seed, index),
            rng::path_stream(seed, index | 1 << 63),
        )
    }

    /// Runs path `index`, writing real wealth and real spending at each whole year end.
    pub(super) fn run(
        &self,
        seed: u64,
        index: u64,
        years_wealth: &mut [f64],
        years_spent: &mut [f64],
    ) -> PathOutcome {
        if self.kernel {
            by_width!(
                self.constants.assets,
                run_on_kernel(self, seed, index, years_wealth, years_spent)
            )
        } else {
            self.walk(self.draws(seed, index), years_wealth, years_spent)
        }
    }

    /// As [`Setup::run`], on `draws`.
    #[allow(clippy::cast_possible_truncation)] // months < 1200
    #[inline(always)]
    fn walk(
        &self,
        mut draws: impl MonthGrowth,
        years_wealth: &mut [f64],
        years_spent: &mut [f64],
    ) -> PathOutcome {
        let model = self.model;
        let mut state = State::default();
        let mut wealth = model.initial_wealth;
        let mut price_index = 1.0;
        let mut cola_base = vec![0.0; self.extensions.income.len()];
        let mut goals_met = 0u64;
        let mut spent_this_year = 0.0;
        for t in 0..model.horizon {
            let index_t = if self.stochastic_inflation {
                price_index
            } else {
                model.price_index[t]
            };
            let withdrawal = self.rule.withdrawal(&mut state, t, wealth, index_t);
            let (events_in, events_out) = self.events[t];
            let mut inflow = if t < self.retirement {
                self.contribution * index_t
            } else {
                0.0
            };
            inflow += self.income(t, index_t, &mut cola_base) + events_in * index_t;
            let goals = &self.goals_by_month[t];
            let needs: f64 = goals
                .iter()
                .filter(|g| g.priority == Priority::Need)
                .map(|g| g.amount)
                .sum();
            let outflow = withdrawal + (events_out + needs) * index_t;
            // With no extension flows this is the base model's `wealth += flow`, bit for bit:
            // x − 0 and 0 − x are exact.
            wealth += inflow - outflow;
            if wealth <= 0.0 {
                let year = t / 12;
                years_wealth.iter_mut().skip(year).for_each(|y| *y = 0.0);
                if let Some(slot) = years_spent.get_mut(year) {
                    *slot = spent_this_year;
                }
                years_spent.iter_mut().skip(year + 1).for_each(|y| *y = 0.0);
                return PathOutcome {
                    terminal_real: 0.0,
                    ruin_month: t as u32,
                    goals_met,
                };
            }
            spent_this_year += withdrawal / index_t;
            for goal in goals {
                let paid = match goal.priority {
                    Priority::Need => true,
                    Priority::Want | Priority::Wish => {
                        let cost = goal.amount * index_t;
                        let headroom = if goal.priority == Priority::Want {
                            1.0
                        } else {
                            2.0
                        };
                        let reserve = self.needs_after[t] * index_t
                            + 12.0 * self.next_withdrawal(t, withdrawal, index_t);
                        let left = wealth - cost;
                        let pays = left > 0.0 && left >= headroom * reserve;
                        if pays {
                            wealth = left;
                        }
                        pays
                    }
                };
                if paid {
                    goals_met |= 1 << goal.index;
                }
            }
            let weights = &self.weights[t.min(self.weights.len() - 1)];
            let (growth, shock) = draws.growth(weights);
            wealth *= growth;
            self.rule.note_growth(&mut state, growth);
            if self.stochastic_inflation {
                price_index *= draws.price_rise(shock);
            }
            if (t + 1).is_multiple_of(12) {
                let year = t / 12;
                let index_end = if self.stochastic_inflation {
                    price_index
                } else {
                    model.price_index[t + 1]
                };
                years_wealth[year] = wealth / index_end;
                years_spent[year] = spent_this_year;
                spent_this_year = 0.0;
            }
        }
        let index_end = if self.stochastic_inflation {
            price_index
        } else {
            model.price_index[model.horizon]
        };
        PathOutcome {
            terminal_real: wealth / index_end,
            ruin_month: NEVER,
            goals_met,
        }
    }

    /// Walks path `index` as an affine function of the starting wealth: W_t = α_t W_0 + κ_t
    /// (valid only when no cash flow depends on wealth: see
    /// [`super::prepared::wealth_dependence`]). Returns the path's ruin threshold in W_0 (it
    /// survives iff W_0 exceeds it), each goal's threshold (the path pays it iff W_0 exceeds
    /// that: every goal is a need here) and (α_T, κ_T) in today's money.
    ///
    /// The draws are those of [`Setup::run`], month for month, so the answers agree with a
    /// fresh run at any starting wealth up to rounding.
    ///
    /// With `years` not empty (one slot per whole year), each year end's (threshold so far,
    /// α, κ) in today's money goes there: the fan chart's coefficients.
    pub(super) fn affine(
        &self,
        seed: u64,
        index: u64,
        goal_thresholds: &mut [f64],
        years: &mut [(f64, f64, f64)],
    ) -> (f64, (f64, f64)) {
        if self.kernel {
            by_width!(
                self.constants.assets,
                affine_on_kernel(self, seed, index, goal_thresholds, years)
            )
        } else {
            self.affine_walk(self.draws(seed, index), goal_thresholds, years)
        }
    }

    #[inline(always)]
    fn affine_walk(
        &self,
        mut draws: impl MonthGrowth,
        goal_thresholds: &mut [f64],
        years: &mut [(f64, f64, f64)],
    ) -> (f64, (f64, f64)) {
        let model = self.model;
        let (mut alpha, mut kappa) = (1.0_f64, 0.0_f64);
        let mut threshold = f64::NEG_INFINITY;
        let mut price_index = 1.0;
        let mut cola_base = vec![0.0; self.extensions.income.len()];
        for t in 0..model.horizon {
            let index_t = if self.stochastic_inflation {
                price_index
            } else {
                model.price_index[t]
            };
            let withdrawal = if t < self.retirement {
                0.0
            } else {
                self.rule.plan_spending * index_t
            };
            let (events_in, events_out) = self.events[t];
            let mut inflow = if t < self.retirement {
                self.contribution * index_t
            } else {
                0.0
            };
            inflow += self.income(t, index_t, &mut cola_base) + events_in * index_t;
            let goals = &self.goals_by_month[t];
            let needs: f64 = goals.iter().map(|g| g.amount).sum();
            kappa += inflow - (withdrawal + (events_out + needs) * index_t);
            threshold = threshold.max(-kappa / alpha);
            for goal in goals {
                goal_thresholds[goal.index] = threshold;
            }
            let weights = &self.weights[t.min(self.weights.len() - 1)];
            let (growth, shock) = draws.growth(weights);
            alpha *= growth;
            kappa *= growth;
            if self.stochastic_inflation {
                price_index *= draws.price_rise(shock);
            }
            if (t + 1).is_multiple_of(12)
                && let Some(slot) = years.get_mut(t / 12)
            {
                let index_end = if self.stochastic_inflation {
                    price_index
                } else {
                    model.price_index[t + 1]
                };
                *slot = (threshold, alpha / index_end, kappa / index_end);
            }
        }
        let index_end = if self.stochastic_inflation {
            price_index
        } else {
            model.price_index[model.horizon]
        };
        (threshold, (alpha / index_end, kappa / index_end))
    }

    /// The withdrawal a want or wish must leave a year of: this month's once retired, the
    /// plan's spending (today's money at today's prices) in the year before retirement, none
    /// earlier.
    fn next_withdrawal(&self, t: usize, withdrawal: f64, index: f64) -> f64 {
        if t >= self.retirement {
            withdrawal
        } else if t + 12 >= self.retirement {
            self.rule.plan_spending * index
        } else {
            0.0
        }
    }

    /// Month t's income, nominal; `cola_base` keeps each stream's price index at its start.
    #[allow(clippy::cast_precision_loss)] // months < 1200
    fn income(&self, t: usize, index: f64, cola_base: &mut [f64]) -> f64 {
        let mut total = 0.0;
        for (stream, base) in self.extensions.income.iter().zip(cola_base.iter_mut()) {
            let start = stream.start_month as usize;
            let end = stream.end_month.map_or(usize::MAX, |e| e as usize);
            if t < start || t >= end {
                continue;
            }
            if t == start {
                *base = index;
            }
            total += stream.monthly_amount
                * match stream.cola {
                    Cola::Inflation => index,
                    Cola::None => *base,
                    Cola::Fixed(rate) => *base * (1.0 + rate).powf((t - start) as f64 / 12.0),
                };
        }
        total
    }
}

fn run_on_kernel<const N: usize>(
    setup: &Setup<'_>,
    seed: u64,
    index: u64,
    years_wealth: &mut [f64],
    years_spent: &mut [f64],
) -> PathOutcome {
    let growth = KernelGrowth::<N>::new(setup.model, rng::path_stream(seed, index));
    setup.walk(growth, years_wealth, years_spent)
}

fn affine_on_kernel<const N: usize>(
    setup: &Setup<'_>,
    seed: u64,
    index: u64,
    goal_thresholds: &mut [f64],
    years: &mut [(f64, f64, f64)],
) -> (f64, (f64, f64)) {
    let growth = KernelGrowth::<N>::new(setup.model, rng::path_stream(seed, index));
    setup.affine_walk(growth, goal_thresholds, years)
}

/// Month t's weights on a glide path: the first point's before it, the last point's after
/// it, linear in between.
#[allow(clippy::cast_precision_loss)] // months < 1200
fn glide_weights(extensions: &Extensions, horizon: usize, n: usize) -> Vec<Vec<f64>> {
    let points = &extensions.glide_path;
    (0..horizon)
        .map(|t| {
            let t32 = t as u32;
            let after = points.iter().position(|p| p.month > t32);
            match after {
                Some(0) => points[0].weights.clone(),
                None => points[points.len() - 1].weights.clone(),
                Some(k) => {
                    let (a, b) = (&points[k - 1], &points[k]);
                    let share = f64::from(t32 - a.month) / f64::from(b.month - a.month);
                    (0..n)
                        .map(|i| a.weights[i] + share * (b.weights[i] - a.weights[i]))
                        .collect()
                }
            }
        })
        .collect()
}
