//! Holdings marked to market: value per holding, weight per asset class and drift from the
//! target allocation. Pure arithmetic; the caller supplies prices and targets.
//!
//! A holding whose symbol has no usable price (none yet, or not finite and positive) is
//! reported in [`Allocation::unpriced`] and left out of every value and weight: counting it at
//! zero would show a false drift, and guessing a price would show a false value. A holding
//! whose asset class is not one of the targets' counts in the total value but in no class, so
//! its value shows as under-weight drift in the classes it should be in.

/// One holding, as the allocation needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Holding<'a> {
    /// The ticker, as the prices know it.
    pub symbol: &'a str,
    /// Shares held; finite and greater than 0.
    pub quantity: f64,
    /// Index into the target weights, or `None` for a class the plan does not have.
    pub class: Option<usize>,
}

/// One asset class of the result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassAllocation {
    /// Market value of the priced holdings in the class.
    pub value: f64,
    /// `value / total_value`; 0 when nothing is priced.
    pub weight: f64,
    /// The target weight.
    pub target: f64,
    /// `weight - target`.
    pub drift: f64,
}

/// The holdings marked to market.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// `quantity × price` per holding, in input order; `None` when unpriced.
    pub market_values: Vec<Option<f64>>,
    /// Sum of the priced market values.
    pub total_value: f64,
    /// Part of `total_value` in holdings whose class is not among the targets.
    pub unclassified_value: f64,
    /// One entry per target weight, in the same order.
    pub classes: Vec<ClassAllocation>,
    /// The largest `|drift|`; 0 when nothing is priced.
    pub max_abs_drift: f64,
    /// Indices of the holdings without a usable price.
    pub unpriced: Vec<usize>,
}

impl Allocation {
    /// Whether any holding is priced. Weights and drifts mean nothing otherwise (they are 0),
    /// so a drift alert must not fire on them.
    #[must_use]
    pub fn is_priced(&self) -> bool {
        self.total_value > 0.0
    }
}

/// Why an allocation cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AllocationError {
    /// A quantity that is not finite and positive.
    #[error("holdings[{0}].quantity must be finite and greater than 0")]
    Quantity(usize),
    /// A class index beyond the targets.
    #[error("holdings[{0}].class is not an index into the targets")]
    Class(usize),
    /// A target weight that is not finite and non-negative.
    #[error("targets[{0}] must be finite and 0 or more")]
    Target(usize),
}

/// Values `holdings` at `price(symbol)` and compares the weights with `targets`.
///
/// # Errors
/// A bad quantity, class index or target (see [`AllocationError`]).
pub fn allocate(
    holdings: &[Holding<'_>],
    price: impl Fn(&str) -> Option<f64>,
    targets: &[f64],
) -> Result<Allocation, AllocationError> {
    allocate_by_index(holdings, |i| price(holdings[i].symbol), targets)
}

/// As [`allocate`], with `price(i)` the price of `holdings[i]`: for callers that resolved
/// each holding's price slot once and value at every tick.
///
/// # Errors
/// A bad quantity, class index or target (see [`AllocationError`]).
pub fn allocate_by_index(
    holdings: &[Holding<'_>],
    price: impl Fn(usize) -> Option<f64>,
    targets: &[f64],
) -> Result<Allocation, AllocationError> {
    if let Some(i) = targets.iter().position(|t| !t.is_finite() || *t < 0.0) {
        return Err(AllocationError::Target(i));
    }
    let mut class_values = vec![0.0; targets.len()];
    let mut market_values = Vec::with_capacity(holdings.len());
    let mut unpriced = Vec::new();
    let mut total_value = 0.0;
    let mut unclassified_value = 0.0;
    for (i, h) in holdings.iter().enumerate() {
        if !h.quantity.is_finite() || h.quantity <= 0.0 {
            return Err(AllocationError::Quantity(i));
        }
        if h.class.is_some_and(|c| c >= targets.len()) {
            return Err(AllocationError::Class(i));
        }
        let Some(p) = price(i).filter(|p| p.is_finite() && *p > 0.0) else {
            unpriced.push(i);
            market_values.push(None);
            continue;
        };
        let value = h.quantity * p;
        market_values.push(Some(value));
        total_value += value;
        match h.class {
            Some(c) => class_values[c] += value,
            None => unclassified_value += value,
        }
    }
    let priced = total_value > 0.0;
    let classes: Vec<ClassAllocation> = class_values
        .iter()
        .zip(targets)
        .map(|(&value, &target)| {
            let weight = if priced { value / total_value } else { 0.0 };
            ClassAllocation {
                value,
                weight,
                target,
                drift: weight - target,
            }
        })
        .collect();
    let max_abs_drift = if priced {
        classes.iter().map(|c| c.drift.abs()).fold(0.0, f64::max)
    } else {
        0.0
    };
    Ok(Allocation {
        market_values,
        total_value,
        unclassified_value,
        classes,
        max_abs_drift,
        unpriced,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn prices() -> HashMap<&'static str, f64> {
        HashMap::from([("VTI", 200.0), ("VXUS", 50.0), ("BND", 80.0)])
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn values_weights_and_drift_by_hand() {
        let p = prices();
        let holdings = [
            Holding {
                symbol: "VTI",
                quantity: 10.0,
                class: Some(0),
            },
            Holding {
                symbol: "VXUS",
                quantity: 20.0,
                class: Some(1),
            },
            Holding {
                symbol: "BND",
                quantity: 12.5,
                class: Some(2),
            },
            Holding {
                symbol: "VTI",
                quantity: 2.5,
                class: Some(0),
            },
        ];
        let a = allocate(&holdings, |s| p.get(s).copied(), &[0.6, 0.2, 0.2]).expect("valid");
        // 2000 + 1000 + 1000 + 500 = 4500; classes 2500, 1000, 1000.
        assert_eq!(
            a.market_values,
            [Some(2000.0), Some(1000.0), Some(1000.0), Some(500.0)]
        );
        assert!(close(a.total_value, 4500.0));
        let w: Vec<f64> = a.classes.iter().map(|c| c.weight).collect();
        assert!(close(w[0], 2500.0 / 4500.0) && close(w[1], 1000.0 / 4500.0));
        assert!(close(a.classes[0].drift, 2500.0 / 4500.0 - 0.6));
        assert!(close(a.max_abs_drift, (2500.0 / 4500.0 - 0.6_f64).abs()));
        assert!(a.unpriced.is_empty() && a.is_priced());
    }

    #[test]
    fn unpriced_holdings_are_left_out_and_listed() {
        let p = prices();
        let holdings = [
            Holding {
                symbol: "VTI",
                quantity: 5.0,
                class: Some(0),
            },
            Holding {
                symbol: "NEW",
                quantity: 100.0,
                class: Some(1),
            },
        ];
        let a = allocate(&holdings, |s| p.get(s).copied(), &[0.5, 0.5]).expect("valid");
        assert_eq!(a.unpriced, [1]);
        assert_eq!(a.market_values, [Some(1000.0), None]);
        assert!(close(a.total_value, 1000.0));
        assert!(close(a.classes[0].weight, 1.0) && close(a.classes[1].drift, -0.5));
        assert!(close(a.max_abs_drift, 0.5));
    }

    #[test]
    fn bad_prices_count_as_unpriced() {
        let holdings = [Holding {
            symbol: "X",
            quantity: 1.0,
            class: Some(0),
        }];
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let a = allocate(&holdings, |_| Some(bad), &[1.0]).expect("valid");
            assert_eq!(a.unpriced, [0], "{bad}");
        }
    }

    #[test]
    fn nothing_priced_means_zero_weights_and_no_drift() {
        let holdings = [Holding {
            symbol: "X",
            quantity: 1.0,
            class: Some(0),
        }];
        let a = allocate(&holdings, |_| None, &[0.7, 0.3]).expect("valid");
        assert!(!a.is_priced());
        assert_eq!(a.max_abs_drift, 0.0);
        assert_eq!(a.classes[0].weight, 0.0);
        let empty = allocate(&[], |_| None, &[1.0]).expect("valid");
        assert_eq!(empty.total_value, 0.0);
        assert_eq!(empty.classes.len(), 1);
    }

    #[test]
    fn unclassified_value_counts_in_the_total_only() {
        let holdings = [
            Holding {
                symbol: "A",
                quantity: 1.0,
                class: Some(0),
            },
            Holding {
                symbol: "B",
                quantity: 3.0,
                class: None,
            },
        ];
        let a = allocate(&holdings, |_| Some(10.0), &[1.0]).expect("valid");
        assert!(close(a.total_value, 40.0) && close(a.unclassified_value, 30.0));
        assert!(close(a.classes[0].weight, 0.25) && close(a.max_abs_drift, 0.75));
    }

    #[test]
    fn refuses_bad_inputs() {
        let ok = Holding {
            symbol: "A",
            quantity: 1.0,
            class: Some(0),
        };
        let zero = Holding {
            quantity: 0.0,
            ..ok
        };
        let nan = Holding {
            quantity: f64::NAN,
            ..ok
        };
        let far = Holding {
            class: Some(1),
            ..ok
        };
        let price = |_: &str| Some(1.0);
        assert_eq!(
            allocate(&[ok, zero], price, &[1.0]),
            Err(AllocationError::Quantity(1))
        );
        assert_eq!(
            allocate(&[nan], price, &[1.0]),
            Err(AllocationError::Quantity(0))
        );
        assert_eq!(
            allocate(&[far], price, &[1.0]),
            Err(AllocationError::Class(0))
        );
        assert_eq!(
            allocate(&[ok], price, &[f64::NAN]),
            Err(AllocationError::Target(0))
        );
        assert_eq!(
            allocate(&[ok], price, &[-0.1]),
            Err(AllocationError::Target(0))
        );
    }
}
