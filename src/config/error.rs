//! Why a configuration could not be loaded.

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file that does not parse, an unknown key or a value of the wrong type.
    #[error("invalid configuration: {0}")]
    Parse(#[from] Box<figment::Error>),
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
