//! Test support shared by the optimiser's tests and benchmark: the S&P 500 sample.

#![allow(dead_code)]

use ndarray::Array2;
use std::path::PathBuf;

/// The first and last date of the window the reference comparisons use (inclusive).
pub const WINDOW: (&str, &str) = ("2017-12-28", "2022-12-28");

/// `datasets/sp500_prices.csv` in the repository.
pub fn sp500_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../datasets/sp500_prices.csv")
}

/// The tickers and the closes (rows = dates ascending) between `start` and `end` inclusive
/// (ISO dates compare as strings).
pub fn sp500_window(start: &str, end: &str) -> (Vec<String>, Array2<f64>) {
    let text =
        std::fs::read_to_string(sp500_path()).expect("datasets/sp500_prices.csv is readable");
    let mut lines = text.lines();
    let header = lines.next().expect("the CSV has a header");
    let tickers: Vec<String> = header.split(',').skip(1).map(str::to_owned).collect();
    let mut values = Vec::new();
    let mut rows = 0;
    for line in lines {
        let mut fields = line.split(',');
        let date = fields.next().expect("a date column");
        if date < start || date > end {
            continue;
        }
        values.extend(fields.map(|f| f.parse::<f64>().expect("a numeric price")));
        rows += 1;
    }
    let prices = Array2::from_shape_vec((rows, tickers.len()), values).expect("a full table");
    (tickers, prices)
}
