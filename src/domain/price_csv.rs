//! Price history in the `date,SYM1,SYM2,…` CSV layout (one row per trading day, one column
//! of closes per symbol, as `datasets/sp500_prices.csv`), read strictly: the import writes
//! all of a file or none of it, so every cell is checked before anything is stored, and a bad
//! cell is reported by line and column.
//!
//! An empty cell means "no close that day" (a symbol that did not trade yet), not zero.

use chrono::NaiveDate;

use super::holding::symbol;

/// Most symbols in one file.
pub const MAX_SYMBOLS: usize = 500;
/// Most closes in one file (rows × symbols): about 40 years of 500 symbols.
pub const MAX_CELLS: usize = 5_000_000;
/// Highest accepted close, as the schema's check.
pub const MAX_CLOSE: f64 = 1e12;

/// A parsed file: closes by symbol column.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceFile {
    /// Column symbols, upper-case, in file order.
    pub symbols: Vec<String>,
    /// Row dates, strictly increasing.
    pub days: Vec<NaiveDate>,
    /// `closes[i][j]`: the close of `symbols[j]` on `days[i]`, `None` for an empty cell.
    pub closes: Vec<Vec<Option<f64>>>,
}

impl PriceFile {
    /// How many closes the file holds.
    #[must_use]
    pub fn close_count(&self) -> usize {
        self.closes.iter().flatten().flatten().count()
    }
}

/// Where and why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}{}: {message}", symbol.as_ref().map(|s| format!(" ({s})")).unwrap_or_default())]
pub struct PriceFileError {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column number (1 is the date).
    pub column: usize,
    /// The column's symbol, when the column is a price column with a valid header.
    pub symbol: Option<String>,
    /// What is wrong.
    pub message: String,
}

fn err(
    line: usize,
    column: usize,
    symbol: Option<&str>,
    message: impl Into<String>,
) -> PriceFileError {
    PriceFileError {
        line,
        column,
        symbol: symbol.map(str::to_owned),
        message: message.into(),
    }
}

/// Parses the whole text, or says where it is wrong.
///
/// # Errors
/// The first bad header cell, date, close, row length, or a size above the limits.
pub fn parse(text: &str) -> Result<PriceFile, PriceFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')));
    let (_, header) = lines
        .next()
        .filter(|(_, h)| !h.trim().is_empty())
        .ok_or_else(|| {
            err(
                1,
                1,
                None,
                "the file is empty: expected a header date,SYMBOL,…",
            )
        })?;
    let mut cells = header.split(',');
    let first = cells.next().unwrap_or_default().trim();
    if !first.eq_ignore_ascii_case("date") {
        return Err(err(1, 1, None, "the first header cell must be \"date\""));
    }
    let mut symbols: Vec<String> = Vec::new();
    for (j, raw) in cells.enumerate() {
        let column = j + 2;
        let sym = symbol("symbol", raw.trim())
            .map_err(|e| err(1, column, None, format!("{raw:?}: a symbol {}", e.message)))?;
        if symbols.contains(&sym) {
            return Err(err(
                1,
                column,
                Some(&sym),
                "the symbol appears twice in the header",
            ));
        }
        symbols.push(sym);
    }
    if symbols.is_empty() {
        return Err(err(
            1,
            2,
            None,
            "the header names no symbol: expected date,SYMBOL,…",
        ));
    }
    if symbols.len() > MAX_SYMBOLS {
        return Err(err(
            1,
            MAX_SYMBOLS + 2,
            None,
            format!("at most {MAX_SYMBOLS} symbols per file"),
        ));
    }
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut closes: Vec<Vec<Option<f64>>> = Vec::new();
    for (line, row) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        if (closes.len() + 1) * symbols.len() > MAX_CELLS {
            return Err(err(
                line,
                1,
                None,
                format!("at most {MAX_CELLS} closes per file"),
            ));
        }
        let mut fields = row.split(',');
        let raw_day = fields.next().unwrap_or_default().trim();
        let day = NaiveDate::parse_from_str(raw_day, "%Y-%m-%d").map_err(|_| {
            err(
                line,
                1,
                None,
                format!("{raw_day:?} is not a date YYYY-MM-DD"),
            )
        })?;
        if let Some(previous) = days.last()
            && day <= *previous
        {
            return Err(err(
                line,
                1,
                None,
                format!("{day} does not come after {previous}: dates must increase"),
            ));
        }
        let mut values = Vec::with_capacity(symbols.len());
        for (j, field) in fields.enumerate() {
            let column = j + 2;
            let Some(sym) = symbols.get(j) else {
                return Err(err(
                    line,
                    column,
                    None,
                    format!("more cells than the header's {} columns", symbols.len() + 1),
                ));
            };
            let field = field.trim();
            if field.is_empty() {
                values.push(None);
                continue;
            }
            let close: f64 = field.parse().map_err(|_| {
                err(
                    line,
                    column,
                    Some(sym),
                    format!("{field:?} is not a number"),
                )
            })?;
            if !(close.is_finite() && close > 0.0 && close < MAX_CLOSE) {
                return Err(err(
                    line,
                    column,
                    Some(sym),
                    format!("{field} is not a price: it must be greater than 0 and below 1e12"),
                ));
            }
            values.push(Some(close));
        }
        if values.len() < symbols.len() {
            return Err(err(
                line,
                values.len() + 2,
                symbols.get(values.len()).map(String::as_str),
                format!(
                    "expected {} cells, found {}",
                    symbols.len() + 1,
                    values.len() + 1
                ),
            ));
        }
        days.push(day);
        closes.push(values);
    }
    if days.is_empty() {
        return Err(err(2, 1, None, "the file has a header but no rows"));
    }
    Ok(PriceFile {
        symbols,
        days,
        closes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> PriceFileError {
        parse(text).expect_err("the file should be refused")
    }

    #[test]
    fn a_file_in_the_datasets_layout_is_read_with_empty_cells_as_missing() {
        let file = parse("date,aapl,MSFT\r\n2024-01-02,1.5,\n\n2024-01-03,1.25,300\n")
            .expect("a valid file");
        assert_eq!(file.symbols, ["AAPL", "MSFT"]);
        assert_eq!(file.days.len(), 2);
        assert_eq!(file.closes[0], [Some(1.5), None]);
        assert_eq!(file.closes[1], [Some(1.25), Some(300.0)]);
        assert_eq!(file.close_count(), 3);
    }

    #[test]
    fn each_bad_cell_is_named_by_line_and_column() {
        let e = refused("date,A,B\n2024-01-02,1,2\n2024-01-03,1,x\n");
        assert_eq!((e.line, e.column, e.symbol.as_deref()), (3, 3, Some("B")));
        let e = refused("date,A,B\n2024-01-02,1,-2\n");
        assert_eq!((e.line, e.column), (2, 3));
        let e = refused("date,A,B\n2024-01-02,1,NaN\n");
        assert_eq!((e.line, e.column), (2, 3));
        let e = refused("date,A,B\n2024-01-02,1\n");
        assert_eq!((e.line, e.column, e.symbol.as_deref()), (2, 3, Some("B")));
        let e = refused("date,A,B\n2024-01-02,1,2,3\n");
        assert_eq!((e.line, e.column), (2, 4));
        let e = refused("date,A\n2024-13-02,1\n");
        assert_eq!((e.line, e.column), (2, 1));
        let e = refused("date,A\n2024-01-03,1\n2024-01-02,1\n");
        assert_eq!((e.line, e.column), (3, 1));
        let e = refused("date,A\n2024-01-03,1\n2024-01-03,1\n");
        assert_eq!((e.line, e.column), (3, 1));
    }

    #[test]
    fn a_bad_header_is_refused() {
        assert_eq!(refused("").line, 1);
        assert_eq!(refused("day,A\n2024-01-02,1\n").column, 1);
        assert_eq!(refused("date\n2024-01-02\n").column, 2);
        assert_eq!(refused("date,A,a\n2024-01-02,1,1\n").column, 3);
        assert_eq!(refused("date,A,B C\n2024-01-02,1,1\n").column, 3);
        assert_eq!(refused("date,A\n").line, 2);
    }
}
