//! The portfolio's history as the plan's assumptions, and an optimiser's allocation as the
//! plan's weights: `GET /planning/assumptions/derived` and `POST /planning/plan/allocation`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::simulations::{AssetClassSpec, PlanSpec};

/// How the derived correlations are measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssumptionsCovariance {
    /// The sample correlations of the classes' daily log returns.
    #[default]
    Sample,
    /// Ledoit–Wolf shrinkage of the standardised log returns: correlations move towards none,
    /// volatilities stay as measured.
    LedoitWolf,
}

/// `GET /planning/assumptions/derived` query. Without `from`, the window is the five years up
/// to the last day on which every held symbol has a close.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DerivedAssumptionsQuery {
    /// First day (inclusive).
    pub from: Option<chrono::NaiveDate>,
    /// Last day (inclusive).
    pub to: Option<chrono::NaiveDate>,
    /// How correlations are measured (default `sample`).
    pub covariance: Option<AssumptionsCovariance>,
}

/// A plan's return assumptions: its asset classes and their correlations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanAssumptions {
    /// The classes with `mu` (expected annual arithmetic return) and `sigma` (annual
    /// volatility of log returns).
    pub asset_classes: Vec<AssetClassSpec>,
    /// Correlations of log returns, in the order of `asset_classes`.
    pub correlation: Vec<Vec<f64>>,
}

/// Where a class's derived figures come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClassSource {
    /// The class.
    pub name: String,
    /// The held symbols measured for it, held within the class at their values at the last
    /// close of the window.
    pub symbols: Vec<String>,
    /// Whether its figures were measured; a class without priced holdings keeps its current
    /// assumptions.
    pub derived: bool,
}

/// The plan's assumptions measured from the holdings' price history, beside the current ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DerivedAssumptions {
    /// First day of the window.
    pub from: chrono::NaiveDate,
    /// Last day of the window.
    pub to: chrono::NaiveDate,
    /// Daily returns measured.
    pub days: u32,
    /// How correlations were measured.
    pub covariance: AssumptionsCovariance,
    /// The Ledoit–Wolf intensity, with `ledoit_wolf`.
    pub shrinkage: Option<f64>,
    /// The plan's assumptions now.
    pub current: PlanAssumptions,
    /// The assumptions measured from history.
    pub derived: PlanAssumptions,
    /// Per class, which holdings it was measured from.
    pub classes: Vec<ClassSource>,
    /// The stored plan with `derived` in place of its assumptions: `PUT` it unchanged to
    /// `/planning/plan` to accept them.
    pub plan: PlanSpec,
    /// What people should know about the figures.
    pub notes: Vec<String>,
}

/// `POST /planning/plan/allocation`: an allocation over symbols (an optimiser result's
/// `weights`) to become the plan's class weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyAllocationRequest {
    /// Weight per held symbol, each 0 to 1, together 1. A symbol's class is that of the
    /// caller's holding of it.
    #[schema(example = json!({"AAPL": 0.6, "BND": 0.4}))]
    pub weights: BTreeMap<String, f64>,
}

/// A class and its new weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanClassWeight {
    /// The class.
    pub name: String,
    /// Its weight in the plan.
    pub weight: f64,
}

/// The plan as saved with the allocation's class weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AllocationApplied {
    /// The stored plan.
    pub plan: PlanSpec,
    /// The class weights, in the order of the plan's classes.
    pub class_weights: Vec<PlanClassWeight>,
}
