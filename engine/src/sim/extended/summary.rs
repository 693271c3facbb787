//! The paths of an extended plan summarised: the base model's figures, each goal's chance
//! and the spending a retiree lives with.

use rayon::prelude::*;

use super::super::stats::Percentiles;
use super::super::{Model, SimulationOptions, YearPercentiles, summarise_ends};
use super::path::{PathOutcome, Setup};
use super::{ExtendedResult, GoalOutcome, SpendingOutcome, YearSpending};

/// A year counts as lean below 12 × floor by more than this relative margin: the constant
/// real rule spends S · I / I, which can round an ulp under S.
const FLOOR_TOLERANCE: f64 = 1e-9;

#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)] // counts ≪ 2^52
pub(super) fn summarise(
    setup: &Setup<'_>,
    model: &Model,
    options: &SimulationOptions,
    outcomes: &[PathOutcome],
    yearly: &[f64],
    spent: &[f64],
    stride: usize,
) -> ExtendedResult {
    let n = outcomes.len();
    let nf = n as f64;
    let years = model.years();
    let column = |values: &[f64], year: usize| -> Vec<f64> {
        (0..n).map(|p| values[p * stride + year]).collect()
    };
    let fan_chart: Vec<YearPercentiles> = (0..years)
        .into_par_iter()
        .map(|y| {
            let mut positive: Vec<f64> =
                column(yearly, y).into_iter().filter(|v| *v > 0.0).collect();
            YearPercentiles {
                year: y as u32 + 1,
                real_wealth: Percentiles::of_zeros_and(n - positive.len(), &mut positive),
            }
        })
        .collect();
    let base = summarise_ends(
        model,
        options,
        outcomes.iter().map(|o| (o.ruin_month, o.terminal_real)),
        fan_chart,
        true,
    );
    let goals = (0..setup.goal_count())
        .map(|g| {
            let met = outcomes
                .iter()
                .filter(|o| o.goals_met >> g & 1 == 1)
                .count();
            let p = met as f64 / nf;
            GoalOutcome {
                probability: p,
                standard_error: (p * (1.0 - p) / nf).sqrt(),
            }
        })
        .collect();
    let first = setup.first_retired_year();
    let spending = (first < years).then(|| {
        let lean = 12.0 * setup.floor * (1.0 - FLOOR_TOLERANCE);
        let by_year = (first..years)
            .into_par_iter()
            .map(|y| YearSpending {
                year: y as u32 + 1,
                real_spending: Percentiles::of(&mut column(spent, y)),
            })
            .collect();
        let mut lean_years = 0usize;
        let mut lean_paths = 0usize;
        for p in 0..n {
            let row = &spent[p * stride + first..p * stride + years];
            let count = row.iter().filter(|v| **v < lean).count();
            lean_years += count;
            lean_paths += usize::from(count > 0);
        }
        SpendingOutcome {
            by_year,
            floor: setup.floor,
            share_of_years_below_floor: lean_years as f64 / (n * (years - first)) as f64,
            paths_with_a_year_below_floor: lean_paths as f64 / nf,
        }
    });
    ExtendedResult {
        base,
        goals,
        spending,
    }
}
