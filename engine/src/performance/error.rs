//! Why a performance measure cannot be computed: every error names the series, field and
//! index at fault.

use std::fmt;

/// Which input series an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// The portfolio's valuations.
    Valuations,
    /// The benchmark's valuations.
    Benchmark,
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Valuations => "valuations",
            Self::Benchmark => "benchmark",
        })
    }
}

/// Why a performance measure cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PerformanceError {
    /// Fewer than two valuations: no return can be measured.
    #[error("{series} needs at least 2 valuations, not {found}")]
    TooFewValuations {
        /// The series.
        series: Series,
        /// How many it has.
        found: usize,
    },
    /// A value that is not finite.
    #[error("{series}[{index}].value must be finite")]
    Value {
        /// The series.
        series: Series,
        /// The valuation's index.
        index: usize,
    },
    /// A value that is 0 or negative where a return starts from it (or negative anywhere).
    #[error("{series}[{index}].value must be greater than 0: a return is measured from it")]
    NonPositiveValue {
        /// The series.
        series: Series,
        /// The valuation's index.
        index: usize,
    },
    /// A day not after the previous valuation's.
    #[error("{series}[{index}].day must be after {series}[{}].day", .index.saturating_sub(1))]
    DayOrder {
        /// The series.
        series: Series,
        /// The valuation's index (at least 1).
        index: usize,
    },
    /// A cash flow amount that is not finite.
    #[error("flows[{0}].amount must be finite")]
    FlowAmount(usize),
    /// A value smaller than the money that came in since the previous valuation: with flows
    /// at the end of the day, the day lost more than everything held.
    #[error("valuations[{0}].value is less than the day's net cash flow into it")]
    FlowExceedsValue(usize),
    /// A benchmark of another length than the valuations.
    #[error("benchmark has {found} valuations, not the {expected} of valuations")]
    BenchmarkLength {
        /// The number of valuations.
        expected: usize,
        /// The number of benchmark valuations.
        found: usize,
    },
    /// A benchmark valuation on another day than the portfolio's valuation at that index.
    #[error("benchmark[{0}].day must equal valuations[{0}].day")]
    BenchmarkDay(usize),
    /// A risk-free rate that is not finite.
    #[error("risk_free_rate must be finite")]
    RiskFreeRate,
    /// Price history whose length is not `days × quantities`.
    #[error("prices has {found} entries, not days × quantities = {expected}")]
    PricesShape {
        /// `days × quantities`.
        expected: usize,
        /// `prices.len()`.
        found: usize,
    },
    /// A price that is not finite and greater than 0.
    #[error("prices[{row}][{column}] must be finite and greater than 0")]
    Price {
        /// The day's index.
        row: usize,
        /// The asset's index.
        column: usize,
    },
    /// A back-test quantity that is not finite and 0 or more.
    #[error("quantities[{0}] must be finite and 0 or more")]
    Quantity(usize),
    /// No money-weighted return (see [`XirrError`]).
    #[error("money-weighted return: {0}")]
    MoneyWeighted(#[from] XirrError),
}

/// Why an internal rate of return cannot be found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum XirrError {
    /// Fewer than two cash flows.
    #[error("at least 2 cash flows are needed, not {0}")]
    TooFewFlows(usize),
    /// A cash flow amount that is not finite.
    #[error("flows[{0}].amount must be finite")]
    Amount(usize),
    /// All flows of one sign (or zero): no rate makes their present value 0.
    #[error("the cash flows need at least one positive and one negative amount")]
    NoSignChange,
    /// No rate above -100% found where the present value changes sign.
    #[error("no rate above -100% makes the present value of the cash flows 0")]
    NoRoot,
}
