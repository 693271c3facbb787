//! `GET /portfolio/performance`: the caller's recorded valuations and cash flows, and today's
//! holdings carried back over the price history, measured by the engine.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, NaiveDate, Utc};
use engine::performance::{self as perf, Flow, Performance, Valuation};
use protocol::portfolio::{
    DrawdownView, PerformanceQuery, PerformanceResponse, PerformanceView, ValuePoint,
};
use uuid::Uuid;

use super::prices::{EARLIEST, LATEST, aligned_closes};
use crate::domain::holding::symbol;
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::holdings;
use crate::store::prices::{self, PriceSource};
use crate::store::valuations;

/// The annual risk-free rate of Sharpe, Sortino and alpha (and of optimisations) when a
/// request gives none.
pub const DEFAULT_RISK_FREE_RATE: f64 = 0.02;

/// Longest window, in years: beyond the history anyone stores, and bounds the work.
const MAX_YEARS: u32 = 50;

fn day_number(day: NaiveDate) -> i32 {
    #[allow(clippy::cast_possible_truncation)]
    let days = (day - NaiveDate::default()).num_days() as i32;
    days
}

fn date_of(day: i32) -> NaiveDate {
    NaiveDate::default() + chrono::Days::new(u64::try_from(day).unwrap_or(0))
}

/// The measures of `p` over `series`, as the API shows them.
fn view(series: &[Valuation], p: &Performance) -> PerformanceView {
    let at = |i: usize| date_of(series.get(i).map_or(0, |v| v.day));
    PerformanceView {
        from: at(0),
        to: at(series.len().saturating_sub(1)),
        time_weighted_return: p.time_weighted.total,
        time_weighted_return_annualised: p.time_weighted.annualised,
        money_weighted_return: p.money_weighted,
        volatility: p.volatility,
        sharpe: p.sharpe,
        sortino: p.sortino,
        max_drawdown: p.max_drawdown.as_ref().map(|d| DrawdownView {
            depth: d.depth,
            peak: at(d.peak),
            trough: at(d.trough),
            recovery: d.recovery.map(at),
        }),
        benchmark_return: p.benchmark.map(|b| b.time_weighted.total),
        beta: p.benchmark.and_then(|b| b.beta_alpha).map(|ba| ba.beta),
        alpha: p.benchmark.and_then(|b| b.beta_alpha).map(|ba| ba.alpha),
        series: series
            .iter()
            .map(|v| ValuePoint {
                date: date_of(v.day),
                value: v.value,
            })
            .collect(),
    }
}

/// `series` restricted to the days the benchmark has a close, with the benchmark's closes on
/// them; `None` when fewer than two days are left.
fn with_benchmark(
    series: &[Valuation],
    closes: &BTreeMap<i32, f64>,
) -> Option<(Vec<Valuation>, Vec<Valuation>)> {
    let (kept, bench): (Vec<Valuation>, Vec<Valuation>) = series
        .iter()
        .filter_map(|v| {
            closes.get(&v.day).map(|c| {
                (
                    *v,
                    Valuation {
                        day: v.day,
                        value: *c,
                    },
                )
            })
        })
        .unzip();
    (kept.len() >= 2).then_some((kept, bench))
}

/// Measures `series` with `flows`, against the benchmark when it has closes on enough of the
/// days (the series is then measured on those days only, flows included in the next one).
fn measure(
    series: &[Valuation],
    flows: &[Flow],
    benchmark: Option<&BTreeMap<i32, f64>>,
    rf: f64,
    notes: &mut Vec<String>,
    what: &str,
) -> Option<PerformanceView> {
    let aligned = benchmark.and_then(|b| with_benchmark(series, b));
    if benchmark.is_some() && aligned.is_none() {
        notes.push(format!(
            "{what}: the benchmark has no closes on the series' days, so it is measured alone"
        ));
    }
    let result = match &aligned {
        Some((kept, bench)) => perf::analyse(kept, flows, Some(bench), rf).map(|p| view(kept, &p)),
        None => perf::analyse(series, flows, None, rf).map(|p| view(series, &p)),
    };
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            notes.push(format!("{what}: {e}"));
            None
        }
    }
}

async fn recorded(
    state: &AppState,
    owner: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    benchmark: Option<&BTreeMap<i32, f64>>,
    rf: f64,
    notes: &mut Vec<String>,
) -> Result<Option<PerformanceView>, ApiError> {
    let stored = valuations::history(&state.db, owner, from, to).await?;
    #[allow(clippy::cast_precision_loss)]
    let series: Vec<Valuation> = stored
        .iter()
        .map(|(day, cents)| Valuation {
            day: day_number(*day),
            value: *cents as f64 / 100.0,
        })
        .collect();
    if series.len() < 2 {
        notes.push(format!(
            "recorded: {} daily valuation(s) between {from} and {to}; two are needed (one is recorded each day the holdings are all priced)",
            series.len()
        ));
        return Ok(None);
    }
    let start = from
        .and_hms_opt(0, 0, 0)
        .map(|t| DateTime::<Utc>::from_naive_utc_and_offset(t, Utc));
    let end = (to + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| DateTime::<Utc>::from_naive_utc_and_offset(t, Utc));
    let (Some(start), Some(end)) = (start, end) else {
        return Ok(None);
    };
    let stored_flows = valuations::flows(&state.db, owner, start, end).await?;
    if let Some(f) = stored_flows.iter().find(|f| f.amount_cents.is_none()) {
        notes.push(format!(
            "recorded: {} was bought or sold on {} with no price known, so deposits cannot be told from returns",
            f.symbol,
            f.at.date_naive()
        ));
        return Ok(None);
    }
    #[allow(clippy::cast_precision_loss)]
    let flows: Vec<Flow> = stored_flows
        .iter()
        .map(|f| Flow {
            day: day_number(f.at.date_naive()),
            amount: f.amount_cents.unwrap_or(0) as f64 / 100.0,
        })
        .collect();
    Ok(measure(&series, &flows, benchmark, rf, notes, "recorded"))
}

/// Today's holdings over `window`, or, without one, over the last year of the history they
/// all have (stored history may end long before today).
async fn backtest(
    state: &AppState,
    owner: Uuid,
    window: Option<(NaiveDate, NaiveDate)>,
    benchmark: Option<&BTreeMap<i32, f64>>,
    rf: f64,
    notes: &mut Vec<String>,
) -> Result<Option<PerformanceView>, ApiError> {
    let mut held: BTreeMap<String, f64> = BTreeMap::new();
    for row in holdings::list_for_user(&state.db, owner).await? {
        *held.entry(row.symbol.clone()).or_default() += row.quantity();
    }
    if held.is_empty() {
        notes.push("backtest: there are no holdings to carry back".into());
        return Ok(None);
    }
    let symbols: Vec<String> = held.keys().cloned().collect();
    let (from, to) = window.unwrap_or((EARLIEST, LATEST));
    let closes = match aligned_closes(&state.db, "holdings", &symbols, from, to, 2)
        .await
        .and_then(|c| {
            if window.is_some() {
                Ok(c)
            } else {
                c.last_months(12, 2)
            }
        }) {
        Ok(c) => c,
        Err(ApiError::Validation(errors)) => {
            notes.push(format!(
                "backtest: {}",
                errors
                    .into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            return Ok(None);
        }
        Err(other) => return Err(other),
    };
    let days: Vec<i32> = closes.days.iter().map(|d| day_number(*d)).collect();
    let quantities: Vec<f64> = closes.symbols.iter().map(|s| held[s]).collect();
    let series = match perf::backtest(&days, &closes.closes.concat(), &quantities) {
        Ok(s) => s,
        Err(e) => {
            notes.push(format!("backtest: {e}"));
            return Ok(None);
        }
    };
    Ok(measure(&series, &[], benchmark, rf, notes, "backtest"))
}

/// The caller's performance over the query's window.
///
/// # Errors
/// 422 for `from` after `to`, a window over 50 years, a malformed benchmark or one with no
/// price history, or a risk-free rate outside -1 to 1.
pub async fn performance(
    state: &AppState,
    owner: Uuid,
    query: &PerformanceQuery,
) -> Result<PerformanceResponse, ApiError> {
    let to = query.to.unwrap_or_else(|| crate::store::now().date_naive());
    let from = match query.from {
        Some(f) => f,
        None => to
            .checked_sub_months(Months::new(12))
            .ok_or_else(|| ApiError::invalid("to", "is too early a date"))?,
    };
    if from > to {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    if to
        .checked_sub_months(Months::new(12 * MAX_YEARS))
        .is_some_and(|limit| from < limit)
    {
        return Err(ApiError::invalid(
            "from",
            format!("the window may be at most {MAX_YEARS} years"),
        ));
    }
    let rf = query.risk_free_rate.unwrap_or(DEFAULT_RISK_FREE_RATE);
    if !(rf.is_finite() && (-1.0..=1.0).contains(&rf)) {
        return Err(ApiError::invalid(
            "risk_free_rate",
            "must be a number from -1 to 1",
        ));
    }
    let window = (query.from.is_some() || query.to.is_some()).then_some((from, to));
    let benchmark = match &query.benchmark {
        Some(raw) => {
            let name = symbol("benchmark", raw).map_err(|e| ApiError::Validation(vec![e]))?;
            // Without a window the back-test covers the last year of stored history, which
            // may end long before today: the benchmark is read whole and matched by day.
            let (b_from, b_to) = window.unwrap_or((EARLIEST, LATEST));
            let closes =
                prices::history(&state.db, &name, b_from, b_to, &PriceSource::HISTORY).await?;
            if closes.is_empty() {
                return Err(ApiError::invalid(
                    "benchmark",
                    format!("no price history for {name} between {b_from} and {b_to}"),
                ));
            }
            Some((
                name,
                closes
                    .iter()
                    .map(|c| (day_number(c.day), c.close))
                    .collect::<BTreeMap<_, _>>(),
            ))
        }
        None => None,
    };
    let bench = benchmark.as_ref().map(|(_, c)| c);
    let mut notes = Vec::new();
    let recorded = recorded(state, owner, from, to, bench, rf, &mut notes).await?;
    let backtest = backtest(state, owner, window, bench, rf, &mut notes).await?;
    Ok(PerformanceResponse {
        recorded,
        backtest,
        benchmark: benchmark.map(|(name, _)| name),
        notes,
    })
}
