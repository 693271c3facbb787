//! Why a configuration could not be loaded.

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file that does not parse, an unknown key or a value of the wrong type. Not the
    /// figment error as a source: the message holds it already, and error reports that
    /// print the chain would say it twice.
    #[error("invalid configuration: {}", with_key(.0))]
    Parse(Box<figment::Error>),
    /// A zero, or a value too small to work with, where there is no upper bound.
    #[error("invalid configuration: {field} must be at least {min}, not {value}")]
    TooSmall {
        /// The key, dotted as in the file (`market.tick_interval_ms`).
        field: &'static str,
        /// The value given.
        value: u64,
        /// The least value allowed.
        min: u64,
    },
    /// A value outside the range the server can work with.
    #[error("invalid configuration: {field} must be between {min} and {max}, not {value}")]
    OutOfRange {
        /// The key, dotted as in the file (`auth.access_ttl_secs`).
        field: &'static str,
        /// The value given.
        value: u64,
        /// The least value allowed.
        min: u64,
        /// The greatest value allowed.
        max: u64,
    },
    /// A value that does not have the form its key requires.
    #[error("invalid configuration: {field} = {value:?}: {reason}")]
    Invalid {
        /// The key, dotted as in the file (`ws.allowed_origins`).
        field: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<Box<figment::Error>> for ConfigError {
    fn from(error: Box<figment::Error>) -> Self {
        Self::Parse(error)
    }
}

impl ConfigError {
    /// Refuses `value`, in the unit `field` is written in, below `min`.
    pub(super) fn check_at_least(field: &'static str, value: u64, min: u64) -> Result<(), Self> {
        if value >= min {
            Ok(())
        } else {
            Err(Self::TooSmall { field, value, min })
        }
    }

    /// Refuses `value`, in the unit `field` is written in, outside `min..=max`.
    pub(super) fn check_range(
        field: &'static str,
        value: u64,
        min: u64,
        max: u64,
    ) -> Result<(), Self> {
        if (min..=max).contains(&value) {
            Ok(())
        } else {
            Err(Self::OutOfRange {
                field,
                value,
                min,
                max,
            })
        }
    }
}

/// Figment names a key as its source spells it (`LIVE.OUTBOUND_QUEUE` for the environment),
/// or not at all for some sources; the dotted key as in the file comes first, so every
/// message names the setting the same way.
fn with_key(error: &figment::Error) -> String {
    if error.path.is_empty() {
        error.to_string()
    } else {
        format!("{}: {error}", error.path.join("."))
    }
}
