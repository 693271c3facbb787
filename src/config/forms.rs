//! The forms a value may take in the file or the environment.

use std::path::PathBuf;

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
