//! Risk capacity: the largest immediate fall in the portfolio the plan can take while its
//! success probability stays at or above a threshold, on the plan's own paths.
//!
//! A path's wealth is affine in the starting wealth, so each path has a ruin threshold in it
//! (`engine::sim::prepared`): it succeeds exactly when it starts above that threshold. With
//! the thresholds sorted, success at wealth W is the share of thresholds below W, and the
//! least wealth keeping a success of at least p is just above the k-th smallest threshold,
//! k the fewest survivors whose share reaches p. A fall now (before any month runs) is a
//! smaller starting wealth on the same paths, so the largest bearable fall is the current
//! wealth less that floor: read off one quantile, exactly, with no new simulation.
//!
//! Model extensions that keep wealth affine give their own thresholds (`PreparedExtended`);
//! those whose cash flows depend on wealth (wants and wishes, a withdrawal strategy) do not,
//! and the floor is then found by bisection over runs on the same random numbers (common
//! random numbers), assuming, as the solver does, that more starting wealth never ruins a
//! path that less would have spared.
//!
//! The capacity also caps the equity share: the most equity whose one-year fall, one year in
//! twenty ([`STRESS_Z`]), is no larger than the bearable fall ([`equity_cap`]).

use crate::sim::extended::Extensions;
use crate::sim::extended::prepared::{PrepareError, PreparedExtended, wealth_dependence};
use crate::sim::prepared::ruin_thresholds;
use crate::sim::solve::success_of;
use crate::sim::{Plan, SimulationOptions, SolveError, equity_weights};

/// How the floor was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapacityMethod {
    /// Read off the paths' sorted ruin thresholds (one pass over the paths).
    Thresholds,
    /// Bisection over this many runs on common random numbers (cash flows depend on wealth).
    Bisection {
        /// Runs made.
        evaluations: u32,
    },
}

/// A plan's risk capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    /// The success probability to keep.
    pub threshold: f64,
    /// The plan's starting wealth.
    pub wealth: f64,
    /// Its success probability on these paths.
    pub success: f64,
    /// The least starting wealth, to the cent, whose success is at least `threshold` on the
    /// same paths; `None` when even the current wealth falls short (or no wealth reaches it).
    pub floor: Option<f64>,
    /// The success probability at `floor`.
    pub success_at_floor: Option<f64>,
    /// `wealth − floor` to the cent: the largest fall bearable now (0 without a floor).
    pub largest_fall: f64,
    /// `largest_fall / wealth` (0 for no wealth).
    pub largest_fall_share: f64,
    /// How it was found.
    pub method: CapacityMethod,
}

impl Capacity {
    fn new(
        threshold: f64,
        wealth: f64,
        success: f64,
        floor: Option<(f64, f64)>,
        method: CapacityMethod,
    ) -> Self {
        let floor = floor.filter(|(w, _)| *w <= wealth);
        // To the cent, as the floor is (the difference of two amounts carries rounding).
        let largest_fall = floor.map_or(0.0, |(w, _)| ((wealth - w) * 100.0).round() / 100.0);
        Self {
            threshold,
            wealth,
            success,
            floor: floor.map(|f| f.0),
            success_at_floor: floor.map(|f| f.1),
            largest_fall,
            largest_fall_share: if wealth > 0.0 {
                largest_fall / wealth
            } else {
                0.0
            },
            method,
        }
    }
}

/// The share of `thresholds` (ascending) below `wealth`: the success starting there.
#[allow(clippy::cast_precision_loss)] // path counts are far below 2^52
fn share_below(thresholds: &[f64], wealth: f64) -> f64 {
    if thresholds.is_empty() {
        return 0.0;
    }
    thresholds.partition_point(|t| *t < wealth) as f64 / thresholds.len() as f64
}

/// The fewest survivors out of `n` whose share (as computed for a success probability) is at
/// least `threshold` (0 < threshold <= 1).
#[allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]
fn survivors_needed(n: usize, threshold: f64) -> usize {
    let share = |k: usize| k as f64 / n as f64;
    // Near the answer; then stepped to the exact one, as the shares are rounded.
    let mut k = ((threshold * n as f64).ceil().max(0.0) as usize).min(n);
    while k > 0 && share(k - 1) >= threshold {
        k -= 1;
    }
    while k < n && share(k) < threshold {
        k += 1;
    }
    k
}

/// The capacity of a plan starting with `wealth` whose paths' ruin thresholds in starting
/// wealth are `thresholds` (ascending).
#[must_use]
pub fn from_thresholds(thresholds: &[f64], wealth: f64, threshold: f64) -> Capacity {
    let success = share_below(thresholds, wealth);
    let floor = (!thresholds.is_empty())
        .then(|| survivors_needed(thresholds.len(), threshold))
        .filter(|k| *k >= 1)
        .map(|k| thresholds[k - 1])
        // A path no wealth saves has an infinite threshold; one any wealth saves, −∞ (0).
        .filter(|t| *t < f64::INFINITY)
        .map(|t| {
            // The least whole cent strictly above the k-th threshold, never below 0. Rounding
            // of t·100 can put it a cent off either way, which a step mends; amounts too large
            // to carry cents (beyond 2^53 of them) cannot be stepped, and the next amount
            // above t is taken.
            let mut cents = ((t * 100.0).floor() + 1.0).max(0.0);
            for _ in 0..2 {
                if share_below(thresholds, cents / 100.0) < threshold {
                    cents += 1.0;
                }
            }
            for _ in 0..2 {
                if cents >= 1.0 && share_below(thresholds, (cents - 1.0) / 100.0) >= threshold {
                    cents -= 1.0;
                }
            }
            let mut floor = cents / 100.0;
            if share_below(thresholds, floor) < threshold {
                floor = t + (t.abs() * 4.0 * f64::EPSILON).max(0.01);
            }
            (floor, share_below(thresholds, floor))
        });
    Capacity::new(
        threshold,
        wealth,
        success,
        floor,
        CapacityMethod::Thresholds,
    )
}

/// The capacity of a plan starting with `wealth` whose success at a starting wealth is
/// `success(w)` (on fixed random numbers, not falling as w rises): bisection over whole cents
/// between 0 and `wealth`, so that the floor reaches the threshold and a cent less does not.
///
/// # Errors
/// Whatever `success` returns.
pub fn by_bisection<E>(
    mut success: impl FnMut(f64) -> Result<f64, E>,
    wealth: f64,
    threshold: f64,
) -> Result<Capacity, E> {
    let mut evaluations = 0_u32;
    let mut at = |w: f64| {
        evaluations += 1;
        success(w)
    };
    let now = at(wealth)?;
    let floor = if now < threshold {
        None
    } else {
        let nothing = at(0.0)?;
        if nothing >= threshold {
            Some((0.0, nothing))
        } else {
            // In cents: `bad` falls short, `good` reaches the threshold.
            let mut good = (wealth * 100.0).floor();
            let mut good_success = now;
            if good / 100.0 < wealth {
                good_success = at(good / 100.0)?;
            }
            if good_success < threshold {
                // No whole cent below the wealth reaches it: the wealth itself is the floor.
                Some((wealth, now))
            } else {
                let mut bad = 0.0_f64;
                while good - bad > 1.0 {
                    let middle = ((bad + good) / 2.0).floor();
                    let s = at(middle / 100.0)?;
                    if s >= threshold {
                        (good, good_success) = (middle, s);
                    } else {
                        bad = middle;
                    }
                }
                Some((good / 100.0, good_success))
            }
        }
    };
    Ok(Capacity::new(
        threshold,
        wealth,
        now,
        floor,
        CapacityMethod::Bisection { evaluations },
    ))
}

/// `plan`'s capacity on `options`' paths and seed, under `extensions` when given and not the
/// base model.
///
/// # Errors
/// A threshold outside (0, 1], or an invalid plan, extension or path count.
pub fn capacity(
    plan: &Plan,
    extensions: Option<&Extensions>,
    threshold: f64,
    options: &SimulationOptions,
) -> Result<Capacity, SolveError> {
    if !(threshold > 0.0 && threshold <= 1.0) {
        return Err(SolveError::Target(threshold));
    }
    let options = SimulationOptions {
        fan_chart: false,
        ..*options
    };
    let wealth = plan.initial_wealth;
    match extensions.filter(|e| !e.is_base()) {
        None => Ok(from_thresholds(
            &ruin_thresholds(plan, &options)?,
            wealth,
            threshold,
        )),
        Some(ext) if wealth_dependence(ext).is_none() => {
            let prepared = PreparedExtended::new(plan, ext, &options).map_err(|e| match e {
                PrepareError::Invalid(e) => SolveError::Extended(e),
                // Not reached: wealth_dependence said none.
                PrepareError::WealthDependent(why) => SolveError::EquityClasses(why),
            })?;
            Ok(from_thresholds(
                prepared.wealth_thresholds(),
                wealth,
                threshold,
            ))
        }
        Some(ext) => {
            let mut at = plan.clone();
            by_bisection(
                |w| {
                    at.initial_wealth = w;
                    success_of(&at, Some(ext), &options).map(|s| s.0)
                },
                wealth,
                threshold,
            )
        }
    }
}

/// The standard normal's 95th percentile: a one-year fall this many standard deviations
/// below the mean happens one year in twenty.
pub const STRESS_Z: f64 = 1.644_853_626_951_472_2;

/// The fall in one year (0 to 1) that a portfolio of `plan`'s classes held at `weights`
/// suffers one year in twenty, the plan's fee included. The portfolio's yearly growth is
/// taken as lognormal with the weighted expected return and the volatility of the weighted
/// log returns (`sqrt(wᵀ Σ w)`, Σ from the classes' volatilities and correlations), the
/// usual approximation for a monthly rebalanced portfolio.
#[must_use]
pub fn one_year_fall(plan: &Plan, weights: &[f64]) -> f64 {
    let n = plan.assets.len().min(weights.len());
    let mean: f64 = (0..n).map(|i| weights[i] * plan.assets[i].mu).sum();
    let mut variance = 0.0;
    for i in 0..n {
        for j in 0..n {
            let rho = plan
                .correlation
                .get(i)
                .and_then(|row| row.get(j))
                .copied()
                .unwrap_or(if i == j { 1.0 } else { 0.0 });
            variance += weights[i] * weights[j] * rho * plan.assets[i].sigma * plan.assets[j].sigma;
        }
    }
    let sd = variance.max(0.0).sqrt();
    let log_growth =
        (1.0 + mean).ln() - variance.max(0.0) / 2.0 + (1.0 - plan.annual_fee).ln() - STRESS_Z * sd;
    (1.0 - log_growth.exp()).max(0.0)
}

/// The largest equity share (0 to 1, in thousandths), the classes keeping their mix as the
/// solver's equity lever keeps it ([`equity_weights`]), whose [`one_year_fall`] is at most
/// `fall` (a share of wealth), every smaller share's too; 0 when not even an all-other
/// portfolio's is.
#[must_use]
pub fn equity_cap(plan: &Plan, equity: &[bool], fall: f64) -> f64 {
    let mut cap = None;
    for k in 0..=1000_u32 {
        let share = f64::from(k) / 1000.0;
        let weights = equity_weights(&plan.weights, equity, share);
        if one_year_fall(plan, &weights) > fall {
            break;
        }
        cap = Some(share);
    }
    cap.unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::reference::p1;
    use crate::sim::simulate;

    #[test]
    fn a_known_thresholds_vector_gives_a_known_capacity() {
        // Ten paths. Success at 100: the seven thresholds below 100 → 0.7.
        let t = [
            -5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 150.0, 200.0, 300.0,
        ];
        let c = from_thresholds(&t, 100.0, 0.6);
        assert_eq!(c.success, 0.7);
        // Six survivors are needed: just above the sixth threshold (50), to the cent.
        assert_eq!(c.floor, Some(50.01));
        assert_eq!(c.success_at_floor, Some(0.6));
        assert!((c.largest_fall - 49.99).abs() < 1e-9);
        assert!((c.largest_fall_share - 0.4999).abs() < 1e-12);
        // A threshold between shares rounds up to the next survivor: 0.55 needs 6 too.
        assert_eq!(from_thresholds(&t, 100.0, 0.55).floor, Some(50.01));
        // One survivor is needed and its threshold is negative: all of it may go.
        let c = from_thresholds(&t, 100.0, 0.1);
        assert_eq!((c.floor, c.largest_fall), (Some(0.0), 100.0));
        // Already short: 0.8 needs 150.01, more than the 100 there is.
        let c = from_thresholds(&t, 100.0, 0.8);
        assert_eq!(
            (c.floor, c.largest_fall, c.largest_fall_share),
            (None, 0.0, 0.0)
        );
        // Every path: above the largest threshold.
        assert_eq!(from_thresholds(&t, 1000.0, 1.0).floor, Some(300.01));
        // A path no wealth saves.
        let never = [1.0, f64::INFINITY];
        assert_eq!(from_thresholds(&never, 10.0, 1.0).floor, None);
        // Thresholds too large to carry cents still give a floor above them.
        let huge = [1e25, 2e25];
        let c = from_thresholds(&huge, 3e25, 0.5);
        assert!(c.floor.is_some_and(|f| f > 1e25 && f < 1.0001e25), "{c:?}");
        assert_eq!(c.success_at_floor, Some(0.5));
        // Paths any wealth saves: all of it may go.
        let always = [f64::NEG_INFINITY, f64::NEG_INFINITY];
        assert_eq!(from_thresholds(&always, 10.0, 1.0).floor, Some(0.0));
    }

    #[test]
    fn a_threshold_on_a_whole_cent_needs_the_next_cent() {
        // The path survives only strictly above 12.34.
        let c = from_thresholds(&[12.34], 20.0, 1.0);
        assert_eq!(c.floor, Some(12.35));
    }

    #[test]
    fn bisection_agrees_with_the_thresholds() {
        let t = [
            -5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 150.0, 200.0, 300.0,
        ];
        for threshold in [0.1, 0.55, 0.6, 0.7, 0.8] {
            let exact = from_thresholds(&t, 100.0, threshold);
            let searched =
                by_bisection(|w| Ok::<_, ()>(share_below(&t, w)), 100.0, threshold).expect("ok");
            assert_eq!(searched.floor, exact.floor, "{threshold}");
            assert_eq!(searched.success, exact.success);
            assert!(matches!(searched.method, CapacityMethod::Bisection { .. }));
        }
    }

    #[test]
    fn the_floor_is_exact_against_a_simulation_on_the_same_paths() {
        let plan = p1();
        let options = SimulationOptions {
            paths: 500,
            seed: 3,
            fan_chart: false,
        };
        let c = capacity(&plan, None, 0.4, &options).expect("valid");
        let floor = c.floor.expect("P1 (about 0.51) is above 0.4");
        let at = |w: f64| {
            let mut fallen = plan.clone();
            fallen.initial_wealth = w;
            simulate(&fallen, &options)
                .expect("valid")
                .success_probability
        };
        assert!(at(floor) >= 0.4);
        assert!(at(floor - 0.01) < 0.4);
        assert_eq!(at(plan.initial_wealth), c.success);
    }

    #[test]
    fn extensions_keeping_wealth_affine_use_their_thresholds_and_others_bisect() {
        use crate::sim::extended::{Goal, Priority, ReturnModel, Withdrawal};
        let plan = p1();
        let options = SimulationOptions {
            paths: 300,
            seed: 8,
            fan_chart: false,
        };
        let success = |ext: &Extensions, w: f64| {
            let mut at = plan.clone();
            at.initial_wealth = w;
            success_of(&at, Some(ext), &options).expect("runs").0
        };
        // A goal that must be paid and fat tails: still affine in the starting wealth.
        let affine = Extensions {
            goals: vec![Goal {
                amount: 40_000.0,
                month: 400,
                priority: Priority::Need,
            }],
            returns: ReturnModel::StudentT { df: 5.0 },
            ..Extensions::default()
        };
        // Spending set from wealth each year: not affine, so bisection.
        let dependent = Extensions {
            withdrawal: Withdrawal::FloorCeiling {
                annual_rate: 0.06,
                floor: 0.9,
                ceiling: 1.1,
            },
            ..Extensions::default()
        };
        for (ext, bisected) in [(&affine, false), (&dependent, true)] {
            let c = capacity(&plan, Some(ext), 0.3, &options).expect("valid");
            assert_eq!(
                matches!(c.method, CapacityMethod::Bisection { .. }),
                bisected
            );
            assert_eq!(c.success, success(ext, plan.initial_wealth));
            let floor = c.floor.expect("above 0.3");
            assert!(success(ext, floor) >= 0.3, "{c:?}");
            assert!(success(ext, floor - 0.01) < 0.3, "{c:?}");
        }
    }

    #[test]
    fn more_equity_falls_further_and_the_cap_follows_the_fall() {
        let plan = p1();
        let equity = [true, true, false];
        let fall = |share| one_year_fall(&plan, &equity_weights(&plan.weights, &equity, share));
        assert!(fall(0.0) < fall(0.5) && fall(0.5) < fall(1.0));
        // Bonds alone (mu 0.03, sigma 0.05): 1 − exp(ln 1.03 − 0.00125 + ln 0.998 − 1.645·0.05).
        let bonds = 1.0 - (1.03_f64.ln() - 0.00125 + 0.998_f64.ln() - STRESS_Z * 0.05).exp();
        assert!((fall(0.0) - bonds).abs() < 1e-12);
        assert_eq!(equity_cap(&plan, &equity, 1.0), 1.0);
        assert_eq!(equity_cap(&plan, &equity, 0.0), 0.0);
        let cap = equity_cap(&plan, &equity, fall(0.5));
        assert!((cap - 0.5).abs() < 1e-9, "{cap}");
    }
}
