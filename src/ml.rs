//! The success surrogate the server screens with: the configured model file, or the default
//! one built into the binary, validated once at start-up.

use std::path::Path;

use anyhow::Context;
use engine::ml::{ModelFile, Surrogate};

use crate::config::MlSettings;

/// The default model (`glidepath ml train` with its defaults), so that a server started with
/// no configuration has one.
pub const DEFAULT_MODEL: &str = include_str!("../models/success.json");

/// Where the loaded model came from, as `GET /ml/model` says.
pub const BUILT_IN: &str = "built-in";

/// A loaded model.
#[derive(Debug, Clone)]
pub struct SuccessModel {
    /// The file, card included.
    pub file: ModelFile,
    /// Its coefficients, ready to predict.
    pub surrogate: Surrogate,
    /// [`BUILT_IN`] or the configured file's path.
    pub source: String,
}

impl SuccessModel {
    /// Parses and validates a model file's text.
    ///
    /// # Errors
    /// What is wrong with it.
    pub fn from_text(text: &str, source: String) -> Result<Self, engine::ml::ModelFileError> {
        let file = ModelFile::from_json(text)?;
        Ok(Self {
            surrogate: file.surrogate(),
            file,
            source,
        })
    }

    /// The model `settings` name: the file at `ml.model_path`, or the built-in default.
    ///
    /// # Errors
    /// A configured file that is unreadable, corrupt or of another version, naming the file.
    pub fn load(settings: &MlSettings) -> anyhow::Result<Self> {
        match &settings.model_path {
            None => Self::from_text(DEFAULT_MODEL, BUILT_IN.to_owned())
                .context("the built-in model (models/success.json)"),
            Some(path) => Self::load_file(path),
        }
    }

    fn load_file(path: &Path) -> anyhow::Result<Self> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("ml.model_path {shown}: cannot be read"))?;
        Self::from_text(&text, shown.to_string())
            .map_err(|e| anyhow::anyhow!("ml.model_path {shown}: {e}"))
    }
}
