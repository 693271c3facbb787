//! `glidepath simulate plan.json`: answers without a server.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, bail};
use engine::sim::{SimulationOptions, simulate, simulate_extended};
use protocol::extensions::GoalPriority;
use protocol::simulations::{MAX_SEED, PlanSpec, SimulationSummary};

use crate::domain::plan::{to_engine, to_engine_extended};
use crate::http::error::ApiError;
use crate::http::extract::parse_json;
use crate::services::simulations::{extended_summary, summary};

/// Reads, validates and simulates the plan in `path`; returns the text to print.
///
/// # Errors
/// An unreadable file, a plan that does not parse or validate (the message names the file
/// and the field), or a bad path count or seed.
pub fn run(path: &Path, paths: u32, seed: Option<u64>, json: bool) -> anyhow::Result<String> {
    let shown = path.display();
    let spec = read_spec(path)?;
    let (plan, extensions) = to_engine_extended(&spec, "", None)
        .map_err(|e| anyhow::anyhow!("{shown}: {}: {}", e.field, e.message))?;
    let seed = seed_or_random(seed)?;
    let options = SimulationOptions {
        paths,
        seed,
        fan_chart: true,
    };
    let summary = if extensions.is_base() {
        summary(&simulate(&plan, &options).map_err(|e| anyhow::anyhow!("{}: {e}", e.field()))?)
    } else {
        let result = simulate_extended(&plan, &extensions, &options)
            .map_err(|e| anyhow::anyhow!("{}: {e}", e.field()))?;
        extended_summary(&result, &spec.extensions)
    };
    if json {
        return Ok(serde_json::to_string_pretty(&summary)?);
    }
    Ok(human(&shown.to_string(), &summary))
}

/// The plan in the JSON file at `path`, validated.
///
/// # Errors
/// An unreadable file, or a plan that does not parse or validate (the message names the file
/// and the field).
pub fn read_plan(path: &Path) -> anyhow::Result<engine::sim::Plan> {
    let shown = path.display();
    let spec = read_spec(path)?;
    to_engine(&spec, "").map_err(|e| anyhow::anyhow!("{shown}: {}: {}", e.field, e.message))
}

/// The plan in the JSON file at `path`, parsed but not yet validated.
///
/// # Errors
/// An unreadable file, or JSON that is not a plan (the message names the file and field).
pub fn read_spec(path: &Path) -> anyhow::Result<PlanSpec> {
    let shown = path.display();
    let bytes = std::fs::read(path).with_context(|| format!("reading {shown}"))?;
    parse_json(&bytes).map_err(|e| match e {
        ApiError::Malformed { errors, detail } => errors.first().map_or_else(
            || anyhow::anyhow!("{shown}: {detail}"),
            |f| anyhow::anyhow!("{shown}: {}: {}", f.field, f.message),
        ),
        other => anyhow::anyhow!("{shown}: {other}"),
    })
}

/// `--seed`, checked, or a random one.
///
/// # Errors
/// A seed above [`MAX_SEED`].
pub fn seed_or_random(seed: Option<u64>) -> anyhow::Result<u64> {
    if let Some(s) = seed.filter(|s| *s > MAX_SEED) {
        bail!("--seed: {s} is above the largest seed, {MAX_SEED}");
    }
    Ok(seed.unwrap_or_else(|| rand::random::<u64>() & MAX_SEED))
}

pub(crate) fn money(v: f64) -> String {
    let whole = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn human(name: &str, s: &SimulationSummary) -> String {
    let mut out = String::new();
    let t = &s.terminal_real_wealth;
    let _ = writeln!(
        out,
        "{name}: {} paths, seed {}, engine {}",
        s.paths, s.seed, s.engine_version
    );
    let _ = writeln!(
        out,
        "success probability   {:.1}% ± {:.1}% (one standard error)",
        100.0 * s.success_probability,
        100.0 * s.success_standard_error
    );
    let _ = writeln!(
        out,
        "real terminal wealth  p5 {}  p25 {}  p50 {}  p75 {}  p95 {}",
        money(t.p5),
        money(t.p25),
        money(t.p50),
        money(t.p75),
        money(t.p95)
    );
    for point in s.fan_chart.iter().filter(|p| p.year % 10 == 0) {
        let ruin = s
            .ruin_probability_by_year
            .get(point.year as usize - 1)
            .copied()
            .unwrap_or(0.0);
        let _ = writeln!(
            out,
            "  year {:>3}: median {:>14}  (p5 {:>12}, p95 {:>14})  money run out: {:.1}%",
            point.year,
            money(point.real_wealth.p50),
            money(point.real_wealth.p5),
            money(point.real_wealth.p95),
            100.0 * ruin
        );
    }
    if let Some(years) = s.median_shortfall_years {
        let _ = writeln!(
            out,
            "where the money runs out, it does so a median {years:.1} years early"
        );
    }
    for goal in &s.goals {
        let _ = writeln!(
            out,
            "goal {:<24} month {:>4}  {:<4}  paid in full: {:.1}%",
            goal.name,
            goal.month,
            match goal.priority {
                GoalPriority::Need => "need",
                GoalPriority::Want => "want",
                GoalPriority::Wish => "wish",
            },
            100.0 * goal.probability
        );
    }
    if let Some(spending) = &s.spending {
        for year in spending.by_year.iter().filter(|y| y.year % 10 == 0) {
            let r = &year.real_spending;
            let _ = writeln!(
                out,
                "  spending in year {:>3}: median {:>10}  (p5 {:>10}, p95 {:>10})",
                year.year,
                money(r.p50),
                money(r.p5),
                money(r.p95)
            );
        }
        let _ = writeln!(
            out,
            "retirement years spent below {} a month: {:.1}% (on {:.1}% of paths at least once)",
            money(spending.floor),
            100.0 * spending.share_of_years_below_floor,
            100.0 * spending.paths_with_a_year_below_floor
        );
    }
    out
}
