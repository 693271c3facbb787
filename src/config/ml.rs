//! The success surrogate (`engine::ml`).

use std::path::PathBuf;

use serde::Deserialize;

/// The success surrogate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlSettings {
    /// A model file written by `glidepath ml train`, loaded at start-up; start-up stops,
    /// naming the file, if it is unreadable, corrupt or of another version. Unset: the
    /// default model built into the binary (`models/success.json`).
    pub model_path: Option<PathBuf>,
}
