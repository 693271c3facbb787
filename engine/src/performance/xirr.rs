//! Money-weighted return: the internal rate of return of dated cash flows (XIRR).

use super::error::{PerformanceError, Series, XirrError};
use super::returns::{flows_by_period, validate};
use super::{Flow, Valuation, XIRR_DAYS_PER_YEAR};

/// Newton's first guess, as spreadsheets use.
const GUESS: f64 = 0.1;
/// Converged when a step moves the rate by less than this.
const RATE_TOLERANCE: f64 = 1e-12;
/// Newton steps before falling back to bracketing.
const NEWTON_STEPS: usize = 50;
/// Rates searched, in order, for a sign change of the present value when Newton fails.
const GRID: [f64; 19] = [
    -0.999_999, -0.9999, -0.99, -0.9, -0.75, -0.5, -0.25, -0.1, 0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0,
    10.0, 100.0, 1e3, 1e6,
];

/// Present value at `rate` of `flows` (years since `start`), and its derivative in `rate`.
fn npv(flows: &[Flow], start: i32, rate: f64) -> (f64, f64) {
    let base = 1.0 + rate;
    flows.iter().fold((0.0, 0.0), |(v, d), f| {
        let t = f64::from(f.day - start) / XIRR_DAYS_PER_YEAR;
        let discounted = f.amount * base.powf(-t);
        (v + discounted, d - t * discounted / base)
    })
}

/// The annual rate `r > −1` with `Σ amount_i × (1 + r)^(−(day_i − day_0) / 365) = 0`, `day_0`
/// the earliest day: Excel's XIRR convention (actual days over 365), so that its results
/// can be checked in a spreadsheet. Amounts are signed from the investor's side: money put in
/// negative, money taken out (and the final value) positive; flows need not be sorted.
///
/// Newton's method from 10%; if it leaves the domain or does not converge, the rates of a
/// fixed grid from −99.9999% to 1,000,000% are searched in order for a sign change, and the
/// first one found is narrowed by Newton steps kept inside the bracket (bisection when a step
/// would leave it). Flows whose signs change more than once may have several rates; the one
/// returned is then Newton's from 10%, or else the lowest bracketed one.
///
/// # Errors
/// Fewer than 2 flows, a non-finite amount, no flow of each sign, or no rate found (see
/// [`XirrError`]).
pub fn xirr(flows: &[Flow]) -> Result<f64, XirrError> {
    if flows.len() < 2 {
        return Err(XirrError::TooFewFlows(flows.len()));
    }
    if let Some(i) = flows.iter().position(|f| !f.amount.is_finite()) {
        return Err(XirrError::Amount(i));
    }
    if !flows.iter().any(|f| f.amount > 0.0) || !flows.iter().any(|f| f.amount < 0.0) {
        return Err(XirrError::NoSignChange);
    }
    let start = flows.iter().map(|f| f.day).min().unwrap_or_default();
    if let Some(rate) = newton(flows, start) {
        return Ok(rate);
    }
    let mut previous: Option<(f64, f64)> = None;
    for &rate in &GRID {
        let (value, _) = npv(flows, start, rate);
        if value == 0.0 {
            return Ok(rate);
        }
        if let Some((lo, lo_value)) = previous
            && lo_value.signum() != value.signum()
        {
            return Ok(bracketed(flows, start, lo, rate, lo_value));
        }
        previous = Some((rate, value));
    }
    Err(XirrError::NoRoot)
}

/// Plain Newton from [`GUESS`]; `None` if it leaves `r > −1`, meets a flat or non-finite
/// step, or has not converged after [`NEWTON_STEPS`].
fn newton(flows: &[Flow], start: i32) -> Option<f64> {
    let mut rate = GUESS;
    for _ in 0..NEWTON_STEPS {
        let (value, slope) = npv(flows, start, rate);
        if !value.is_finite() || !slope.is_finite() || slope == 0.0 {
            return None;
        }
        let next = rate - value / slope;
        if !next.is_finite() || next <= -1.0 {
            return None;
        }
        if (next - rate).abs() < RATE_TOLERANCE * rate.abs().max(1.0) {
            return Some(next);
        }
        rate = next;
    }
    None
}

/// The root in `[lo, hi]`, where the present value changes sign: Newton steps that stay
/// inside the bracket, bisection otherwise, until the bracket is narrower than the tolerance.
fn bracketed(flows: &[Flow], start: i32, mut lo: f64, mut hi: f64, lo_value: f64) -> f64 {
    let lo_sign = lo_value.signum();
    let mut rate = 0.5 * (lo + hi);
    // Each step at least halves the bracket or ends, so 200 steps cannot run out before f64
    // resolution does.
    for _ in 0..200 {
        let (value, slope) = npv(flows, start, rate);
        if value == 0.0 {
            return rate;
        }
        if value.signum() == lo_sign {
            lo = rate;
        } else {
            hi = rate;
        }
        if hi - lo < RATE_TOLERANCE * rate.abs().max(1.0) {
            break;
        }
        let step = rate - value / slope;
        let mid = 0.5 * (lo + hi);
        // A Newton step is kept only if it lands inside and shrinks the bracket enough.
        rate = if step.is_finite()
            && step > lo
            && step < hi
            && (step - rate).abs() < 0.5 * (hi - lo)
        {
            step
        } else {
            mid
        };
    }
    0.5 * (lo + hi)
}

/// The money-weighted return of `valuations` with `flows` over the window: the XIRR of the
/// first value put in on the first day, each flow of `(first day, last day]` put in on its
/// own day, and the last value taken out on the last day.
///
/// # Errors
/// As [`daily_returns`](super::daily_returns) for the valuations and flows, a first value of
/// 0, and [`PerformanceError::MoneyWeighted`] when no rate is found.
pub fn money_weighted_return(
    valuations: &[Valuation],
    flows: &[Flow],
) -> Result<f64, PerformanceError> {
    validate(valuations, Series::Valuations)?;
    // Checks the flows' amounts, as the time-weighted return does.
    flows_by_period(valuations, flows)?;
    let [first, .., last] = *valuations else {
        return Err(PerformanceError::TooFewValuations {
            series: Series::Valuations,
            found: valuations.len(),
        });
    };
    if first.value <= 0.0 {
        return Err(PerformanceError::NonPositiveValue {
            series: Series::Valuations,
            index: 0,
        });
    }
    let mut cash = Vec::with_capacity(flows.len() + 2);
    cash.push(Flow {
        day: first.day,
        amount: -first.value,
    });
    cash.extend(
        flows
            .iter()
            .filter(|f| f.day > first.day && f.day <= last.day)
            .map(|f| Flow {
                day: f.day,
                amount: -f.amount,
            }),
    );
    cash.push(Flow {
        day: last.day,
        amount: last.value,
    });
    Ok(xirr(&cash)?)
}
