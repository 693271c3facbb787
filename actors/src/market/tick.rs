//! Ticks and the guard every tick passes before it is believed.

use std::collections::HashMap;

use actix::Message;

/// One price observation.
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub struct Tick {
    /// The instrument, upper-case (`AAPL`).
    pub symbol: String,
    /// The price.
    pub price: f64,
    /// When the feed produced it, in milliseconds since the Unix epoch; end-to-end latency is
    /// measured from here.
    pub ts_ms: i64,
}

/// Ticks a feed produced together: one step of the synthetic market, one replayed day, one
/// provider message. The hub routes a batch as one message per subscriber, so a session
/// holding five of the symbols values its portfolio once per market move, not five times.
#[derive(Debug, Clone, PartialEq, Message)]
#[rtype(result = "()")]
pub struct Ticks(pub Vec<Tick>);

/// Why a tick was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// Zero, negative, NaN or infinite.
    BadPrice,
    /// A move from the last accepted price beyond the configured bound.
    AbsurdJump,
    /// An empty or overlong symbol.
    BadSymbol,
}

/// Drops ticks with bad prices or absurd jumps, and counts what it dropped.
#[derive(Debug, Clone)]
pub struct TickGuard {
    /// Largest accepted ratio between a price and the symbol's last accepted one (both ways):
    /// 2.0 drops a tick that doubles or halves the price at once.
    max_jump_ratio: f64,
    last: HashMap<String, f64>,
    rejected: HashMap<Rejection, u64>,
}

impl TickGuard {
    /// A guard with the given jump bound (values below 1 are treated as no bound).
    #[must_use]
    pub fn new(max_jump_ratio: f64) -> Self {
        Self {
            max_jump_ratio,
            last: HashMap::new(),
            rejected: HashMap::new(),
        }
    }

    /// Whether to believe `tick`; remembers accepted prices.
    pub fn admit(&mut self, tick: &Tick) -> Result<(), Rejection> {
        let verdict = self.judge(tick);
        match verdict {
            Ok(()) => {
                self.last.insert(tick.symbol.clone(), tick.price);
            }
            Err(reason) => *self.rejected.entry(reason).or_default() += 1,
        }
        verdict
    }

    fn judge(&self, tick: &Tick) -> Result<(), Rejection> {
        if tick.symbol.is_empty() || tick.symbol.len() > 16 {
            return Err(Rejection::BadSymbol);
        }
        if !tick.price.is_finite() || tick.price <= 0.0 {
            return Err(Rejection::BadPrice);
        }
        if self.max_jump_ratio >= 1.0
            && let Some(last) = self.last.get(&tick.symbol)
        {
            let ratio = tick.price / last;
            if ratio > self.max_jump_ratio || ratio < 1.0 / self.max_jump_ratio {
                return Err(Rejection::AbsurdJump);
            }
        }
        Ok(())
    }

    /// Ticks dropped so far, by reason.
    #[must_use]
    pub fn rejected(&self, reason: Rejection) -> u64 {
        self.rejected.get(&reason).copied().unwrap_or(0)
    }

    /// All ticks dropped so far.
    #[must_use]
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(symbol: &str, price: f64) -> Tick {
        Tick {
            symbol: symbol.into(),
            price,
            ts_ms: 0,
        }
    }

    #[test]
    fn drops_bad_prices_and_absurd_jumps_and_counts_them() {
        let mut guard = TickGuard::new(1.5);
        assert!(guard.admit(&tick("AAPL", 100.0)).is_ok());
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(guard.admit(&tick("AAPL", bad)), Err(Rejection::BadPrice));
        }
        assert_eq!(
            guard.admit(&tick("AAPL", 151.0)),
            Err(Rejection::AbsurdJump)
        );
        assert_eq!(guard.admit(&tick("AAPL", 66.0)), Err(Rejection::AbsurdJump));
        assert!(
            guard.admit(&tick("AAPL", 140.0)).is_ok(),
            "within the bound of the last accepted price"
        );
        assert!(
            guard.admit(&tick("MSFT", 1000.0)).is_ok(),
            "the first price of a symbol has nothing to jump from"
        );
        assert_eq!(guard.admit(&tick("", 1.0)), Err(Rejection::BadSymbol));
        assert_eq!(guard.rejected(Rejection::BadPrice), 4);
        assert_eq!(guard.rejected(Rejection::AbsurdJump), 2);
        assert_eq!(guard.rejected_total(), 7);
    }
}
