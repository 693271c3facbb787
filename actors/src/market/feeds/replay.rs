//! Replays historical closes from a CSV file (`date,SYM1,SYM2,…`, one row per trading day,
//! such as `datasets/sp500_prices.csv`) at a chosen speed.

use std::path::Path;
use std::time::Duration;

use actix::{Actor, ActorContext, AsyncContext, Context, Handler, Recipient};

use super::{StopFeed, now_ms};
use crate::market::{Tick, Ticks};

/// A price table read from CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceTable {
    /// Column symbols, in file order.
    pub symbols: Vec<String>,
    /// Row dates, as written.
    pub dates: Vec<String>,
    /// `rows[i][j]`: the close of `symbols[j]` on `dates[i]`.
    pub rows: Vec<Vec<f64>>,
}

/// A CSV that cannot be replayed, saying where.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A malformed line.
    #[error("{path}, line {line}: {message}")]
    Format {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl PriceTable {
    /// Reads and checks the whole file: a header with at least one symbol, then rows with a
    /// date and one number per symbol.
    ///
    /// # Errors
    /// An unreadable file or a malformed line.
    pub fn load(path: &Path) -> Result<Self, ReplayError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ReplayError::Io {
            path: shown.clone(),
            source,
        })?;
        Self::parse(&text, &shown)
    }

    /// Parses CSV text; `name` labels errors.
    ///
    /// # Errors
    /// A malformed line.
    pub fn parse(text: &str, name: &str) -> Result<Self, ReplayError> {
        let bad = |line: usize, message: String| ReplayError::Format {
            path: name.to_owned(),
            line,
            message,
        };
        let mut lines = text.lines().enumerate();
        let (_, header) = lines
            .next()
            .ok_or_else(|| bad(1, "the file is empty".into()))?;
        let symbols: Vec<String> = header
            .split(',')
            .skip(1)
            .map(|s| s.trim().to_uppercase())
            .collect();
        if symbols.is_empty() || symbols.iter().any(String::is_empty) {
            return Err(bad(1, "the header must be date,SYMBOL,…".into()));
        }
        let (mut dates, mut rows) = (Vec::new(), Vec::new());
        for (index, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
            let mut fields = line.split(',');
            let date = fields.next().unwrap_or_default().trim().to_owned();
            let row: Vec<f64> = fields
                .map(|f| {
                    f.trim()
                        .parse::<f64>()
                        .map_err(|_| bad(index + 1, format!("{f:?} is not a number")))
                })
                .collect::<Result<_, _>>()?;
            if row.len() != symbols.len() {
                return Err(bad(
                    index + 1,
                    format!("expected {} prices, found {}", symbols.len(), row.len()),
                ));
            }
            dates.push(date);
            rows.push(row);
        }
        Ok(Self {
            symbols,
            dates,
            rows,
        })
    }
}

/// Plays a [`PriceTable`] row by row: every `interval`, one batch of a tick per symbol. Stops after the
/// last row unless `repeat`.
pub struct ReplayFeed {
    table: PriceTable,
    interval: Duration,
    repeat: bool,
    next_row: usize,
    target: Recipient<Ticks>,
}

impl ReplayFeed {
    /// A feed playing `table`, one trading day per `interval`.
    #[must_use]
    pub fn new(
        table: PriceTable,
        interval: Duration,
        repeat: bool,
        target: Recipient<Ticks>,
    ) -> Self {
        Self {
            table,
            interval,
            repeat,
            next_row: 0,
            target,
        }
    }

    /// Plays from row `row` on (0 after the last): a node taking over a shared feed goes on
    /// where the previous one stopped.
    #[must_use]
    pub fn starting_at(mut self, row: usize) -> Self {
        self.next_row = if row < self.table.rows.len() { row } else { 0 };
        self
    }
}

impl Actor for ReplayFeed {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.interval, |feed, ctx| {
            if feed.next_row >= feed.table.rows.len() {
                if feed.repeat && !feed.table.rows.is_empty() {
                    feed.next_row = 0;
                } else {
                    ctx.stop();
                    return;
                }
            }
            let ts_ms = now_ms();
            let day = feed
                .table
                .symbols
                .iter()
                .zip(&feed.table.rows[feed.next_row])
                .map(|(symbol, price)| Tick {
                    symbol: symbol.clone(),
                    price: *price,
                    ts_ms,
                })
                .collect();
            feed.target.do_send(Ticks(day));
            feed.next_row += 1;
        });
    }
}

impl Handler<StopFeed> for ReplayFeed {
    type Result = ();

    fn handle(&mut self, _: StopFeed, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_the_bad_line() {
        let table = PriceTable::parse(
            "date,aapl,msft\n2020-01-02,1.5,2\n2020-01-03,1.6,2.1\n",
            "t.csv",
        )
        .expect("valid");
        assert_eq!(table.symbols, ["AAPL", "MSFT"]);
        assert_eq!(table.rows[1], [1.6, 2.1]);
        let err = PriceTable::parse("date,A,B\n2020-01-02,1,2\n2020-01-03,1,x\n", "t.csv")
            .expect_err("bad");
        assert_eq!(err.to_string(), "t.csv, line 3: \"x\" is not a number");
        assert!(PriceTable::parse("date,A\n2020-01-02,1,2\n", "t.csv").is_err());
        assert!(PriceTable::parse("", "t.csv").is_err());
    }

    #[test]
    fn reads_the_bundled_sp500_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/sp500_prices.csv");
        let table = PriceTable::load(&path).expect("the bundled data set loads");
        assert_eq!(table.symbols.len(), 20);
        assert_eq!(table.rows.len(), 8313);
        assert_eq!(table.dates[0], "1990-01-02");
        assert_eq!(table.rows[0][0], 0.264, "AAPL's first close");
        assert!(table.rows.iter().flatten().all(|p| *p > 0.0));
    }
}
