//! Portfolio history and optimisation.

use std::num::NonZeroUsize;
use std::time::Duration;

use serde::Deserialize;

use super::forms::secs_or_never;

/// Portfolio history and optimisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortfolioSettings {
    /// How often the feed's closes and every user's valuation are recorded
    /// (`record_interval_secs`, 0: never, which is `None`); the last recording of a (UTC)
    /// day is its close.
    #[serde(rename = "record_interval_secs", deserialize_with = "secs_or_never")]
    pub record_interval: Option<Duration>,
    /// Optimisations, frontiers and back-tests run at once; more wait their turn.
    pub concurrent_solves: NonZeroUsize,
    /// Largest price file `POST /admin/prices` takes, in bytes.
    pub max_upload_bytes: usize,
    /// Imports the bundled S&P 500 sample (`datasets/sp500_prices.csv`: 20 symbols, daily
    /// closes 1990–2022) as price history at start-up when no price is stored, so estimates,
    /// frontiers and back-tests work out of the box. Unset: on with the embedded SQLite
    /// database, off whenever `database_url` is given.
    pub bundled_history: Option<bool>,
}

impl Default for PortfolioSettings {
    fn default() -> Self {
        Self {
            record_interval: Some(Duration::from_secs(300)),
            concurrent_solves: const { NonZeroUsize::new(2).expect("not zero") },
            max_upload_bytes: 16 << 20,
            bundled_history: None,
        }
    }
}
