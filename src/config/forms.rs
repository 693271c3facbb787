//! The forms a value may take in the file or the environment.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// [`string_or_list`] for paths.
pub(super) fn paths_or_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<PathBuf>, D::Error> {
    Ok(string_or_list(deserializer)?
        .into_iter()
        .map(PathBuf::from)
        .collect())
}

/// Accepts `["a", "b"]` (TOML) or `"a,b"` (an environment variable).
pub(super) fn string_or_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Either::deserialize(deserializer)? {
        Either::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        Either::Many(v) => v,
    })
}

/// A key written in milliseconds (`…_ms`), held as a [`Duration`] so call sites never
/// convert it again.
pub(super) fn millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_millis)
}

/// A key written in seconds (`…_secs`), held as a [`Duration`].
pub(super) fn secs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_secs)
}

/// A key written in days (`…_days`), held as a [`Duration`]. Any `u32` of days fits in the
/// seconds of a `Duration`, so the range check that follows sees the value given.
pub(super) fn days<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u32::deserialize(deserializer).map(|days| Duration::from_secs(u64::from(days) * SECS_PER_DAY))
}

/// A key written in seconds where 0 means "never": `None` then, so no call site can mistake
/// the zero for an interval.
pub(super) fn secs_or_never<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    u64::deserialize(deserializer).map(|secs| (secs > 0).then(|| Duration::from_secs(secs)))
}

pub(super) const SECS_PER_DAY: u64 = 86_400;

/// A duration in the milliseconds its key is written in, for range checks and messages.
pub(super) fn as_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
