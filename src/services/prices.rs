//! Price history: importing `date,SYM…` files, reading a symbol's closes, and recording the
//! feed's daily closes.

use chrono::NaiveDate;
use protocol::market::{
    PriceHistory, PriceHistoryQuery, PriceImportSummary, PricePoint, PriceSourceFilter,
};

use crate::domain::holding::symbol;
use crate::domain::price_csv;
use crate::http::error::ApiError;
use crate::store::Db;
use crate::store::prices::{self, Close, PriceSource};

// Open ends of a window. Not `NaiveDate::MIN`/`MAX`: SQLite compares dates as text, and
// "+262142-12-31" sorts before "2024-01-01".
pub(crate) const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(1000, 1, 1).expect("a valid date");
pub(crate) const LATEST: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");

/// The sources a filter reads, most trusted first.
#[must_use]
pub fn sources(filter: PriceSourceFilter) -> &'static [PriceSource] {
    match filter {
        PriceSourceFilter::History => &PriceSource::HISTORY,
        PriceSourceFilter::Synthetic => &[PriceSource::Synthetic],
        PriceSourceFilter::All => &PriceSource::ALL,
    }
}

/// Parses `text` and stores all of its closes under `source`, or nothing.
///
/// # Errors
/// 422 naming the line and column of the first bad cell (field `body`); storage failures.
pub async fn import(
    db: &Db,
    text: &str,
    source: PriceSource,
) -> Result<PriceImportSummary, ApiError> {
    let file = price_csv::parse(text).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    let closes: Vec<(&str, NaiveDate, f64)> = file
        .days
        .iter()
        .zip(&file.closes)
        .flat_map(|(day, row)| {
            file.symbols
                .iter()
                .zip(row)
                .filter_map(move |(s, c)| c.map(|c| (s.as_str(), *day, c)))
        })
        .collect();
    prices::upsert(db, source, &closes, crate::store::now()).await?;
    let (Some(first_day), Some(last_day)) = (file.days.first(), file.days.last()) else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "a parsed price file has no rows"
        )));
    };
    Ok(PriceImportSummary {
        symbols: file.symbols.clone(),
        days: file.days.len(),
        closes: closes.len(),
        first_day: *first_day,
        last_day: *last_day,
        source: source.as_str().to_owned(),
    })
}

/// `raw`'s closes in the query's window, one per day.
///
/// # Errors
/// 422 for a malformed symbol or `from` after `to`; storage failures.
pub async fn history(
    db: &Db,
    raw: &str,
    query: &PriceHistoryQuery,
) -> Result<PriceHistory, ApiError> {
    let symbol = symbol("symbol", raw).map_err(|e| ApiError::Validation(vec![e]))?;
    let from = query.from.unwrap_or(EARLIEST);
    let to = query.to.unwrap_or(LATEST);
    if from > to {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    let closes = prices::history(
        db,
        &symbol,
        from,
        to,
        sources(query.source.unwrap_or_default()),
    )
    .await?;
    Ok(PriceHistory {
        symbol,
        prices: closes
            .into_iter()
            .map(|c| PricePoint {
                date: c.day,
                close: c.close,
                source: c.source.as_str().to_owned(),
            })
            .collect(),
    })
}

/// The S&P 500 sample bundled with the server (see `datasets/README.md`).
const BUNDLED: &str = include_str!("../../datasets/sp500_prices.csv");

/// Imports the bundled sample as `import` history when no price is stored at all, so that a
/// fresh embedded installation can estimate and back-test at once. Returns what it stored.
///
/// # Errors
/// Storage failures (the bundled file itself always parses: a test says so).
pub async fn import_bundled_if_empty(db: &Db) -> Result<Option<PriceImportSummary>, ApiError> {
    if !prices::is_empty(db).await? {
        return Ok(None);
    }
    import(db, BUNDLED, PriceSource::Import).await.map(Some)
}

/// Closes of several symbols on the days all of them have one.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignedCloses {
    /// The symbols, upper-case, in request order.
    pub symbols: Vec<String>,
    /// The days, ascending.
    pub days: Vec<NaiveDate>,
    /// `closes[i][j]`: the close of `symbols[j]` on `days[i]`.
    pub closes: Vec<Vec<f64>>,
}

impl AlignedCloses {
    /// Keeps the days from `months` before the last one, or says how few are left.
    ///
    /// # Errors
    /// Fewer than `min_days` days left (field `from`).
    pub fn last_months(mut self, months: u32, min_days: usize) -> Result<Self, ApiError> {
        let start = self
            .days
            .last()
            .and_then(|last| last.checked_sub_months(chrono::Months::new(months)));
        if let Some(start) = start {
            let keep_from = self.days.partition_point(|d| *d < start);
            self.days.drain(..keep_from);
            self.closes.drain(..keep_from);
        }
        if self.days.len() < min_days {
            return Err(ApiError::invalid(
                "from",
                format!(
                    "the window has {} days on which every symbol has a close; at least {min_days} are needed",
                    self.days.len()
                ),
            ));
        }
        Ok(self)
    }
}

/// Most symbols one estimate or back-test reads.
pub const MAX_ESTIMATE_SYMBOLS: usize = 100;

/// The market-history closes of `symbols` between `from` and `to`, on the days every one of
/// them has a close. `field` names the symbol list in errors (`symbols`, `holdings`).
///
/// # Errors
/// 422 for a malformed, repeated or history-less symbol (named by its index), too many
/// symbols, fewer than `min_days` common days (field `from`), `from` after `to`.
pub async fn aligned_closes(
    db: &Db,
    field: &str,
    symbols: &[String],
    from: NaiveDate,
    to: NaiveDate,
    min_days: usize,
) -> Result<AlignedCloses, ApiError> {
    if from > to {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    if symbols.is_empty() || symbols.len() > MAX_ESTIMATE_SYMBOLS {
        return Err(ApiError::invalid(
            field,
            format!("give 1 to {MAX_ESTIMATE_SYMBOLS} symbols"),
        ));
    }
    let mut names: Vec<String> = Vec::with_capacity(symbols.len());
    let mut errors = Vec::new();
    for (i, raw) in symbols.iter().enumerate() {
        match symbol(&format!("{field}[{i}]"), raw) {
            Ok(s) if names.contains(&s) => errors.push(protocol::FieldError::new(
                format!("{field}[{i}]"),
                format!("{s} is listed twice"),
            )),
            Ok(s) => names.push(s),
            Err(e) => errors.push(e),
        }
    }
    super::collect(errors)?;
    let mut series = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let closes = prices::history(db, name, from, to, &PriceSource::HISTORY).await?;
        if closes.is_empty() {
            return Err(ApiError::invalid(
                format!("{field}[{i}]"),
                format!("no price history for {name} between {from} and {to}"),
            ));
        }
        series.push(closes);
    }
    align(names, &series, min_days)
}

/// The closes of `series` (one per name, days ascending) on the days every one has a close.
///
/// # Errors
/// Fewer than `min_days` common days (field `from`).
pub fn align(
    names: Vec<String>,
    series: &[Vec<Close>],
    min_days: usize,
) -> Result<AlignedCloses, ApiError> {
    let Some(first) = series.first() else {
        return Err(ApiError::invalid("symbols", "give at least 1 symbol"));
    };
    // Days every series has: walk them together, oldest first.
    let mut cursor = vec![0usize; series.len()];
    let (mut days, mut closes) = (Vec::new(), Vec::new());
    'days: for anchor in first {
        let mut row = Vec::with_capacity(series.len());
        for (s, at) in series.iter().zip(cursor.iter_mut()) {
            while s.get(*at).is_some_and(|c| c.day < anchor.day) {
                *at += 1;
            }
            match s.get(*at) {
                Some(c) if c.day == anchor.day => row.push(c.close),
                _ => continue 'days,
            }
        }
        days.push(anchor.day);
        closes.push(row);
    }
    if days.len() < min_days {
        return Err(ApiError::invalid(
            "from",
            format!(
                "the window has {} days on which every symbol has a close; at least {min_days} are needed",
                days.len()
            ),
        ));
    }
    Ok(AlignedCloses {
        symbols: names,
        days,
        closes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn a_default_window_keeps_the_months_up_to_the_last_common_day() {
        let days = ["2019-12-30", "2020-01-02", "2020-06-30", "2021-01-04"]
            .map(day)
            .to_vec();
        let closes = (0..4).map(|i| vec![f64::from(i)]).collect();
        let aligned = AlignedCloses {
            symbols: vec!["A".into()],
            days,
            closes,
        };
        let kept = aligned
            .clone()
            .last_months(12, 2)
            .expect("two days are left");
        assert_eq!(kept.days, ["2020-06-30", "2021-01-04"].map(day));
        assert_eq!(kept.closes, [vec![2.0], vec![3.0]]);
        let refused = aligned.last_months(1, 2).expect_err("one day is left");
        assert!(matches!(refused, ApiError::Validation(e) if e[0].field == "from"));
    }

    #[test]
    fn the_bundled_sample_parses_whole() {
        let file = price_csv::parse(BUNDLED).expect("the bundled file parses");
        assert_eq!(file.symbols.len(), 20);
        assert_eq!(file.days.len(), 8313);
        assert_eq!(file.close_count(), 20 * 8313);
    }
}
