//! Glidepath's numerics: Monte Carlo simulation, portfolio optimisation, analytics and ML
//! assistance.
//!
//! This crate is pure, synchronous library code: no async runtime, no I/O, no logging
//! requirement. The server and the actors call into it; it never calls them. Results are
//! deterministic functions of their inputs and a `seed`.
//!
//! # Layout
//! - [`sim`]: the base Monte Carlo model of `docs/simulation-model.md`, and its prepared
//!   form for incremental re-answers.
//! - [`portfolio`]: holdings marked to market, weights and drift per asset class.
//! - [`optimise`]: estimators (mean, EWMA, sample, Ledoit–Wolf and EWMA covariance) and the
//!   portfolio optimiser on Clarabel: minimum variance, maximum Sharpe, efficient return and
//!   risk, quadratic utility, minimum CVaR, risk parity, with bounds, groups, turnover and
//!   costs; the efficient frontier.
//! - [`rebalance`]: trade lists back to target weights, and the live path's band status.
//! - [`performance`]: returns, risk, drawdown, beta and alpha of valuations; back-tests.
//! - [`recommend`]: changes a user could make, within what they can carry, screened by an
//!   estimate and verified path by path on the plan's own random numbers.
//! - [`risk`]: risk tolerance (a published questionnaire), capacity and need of a plan, and
//!   the profile they make.
//! - [`segments`]: advisors' client segments (k-means, linfa), each described by what sets
//!   it apart.
//! - [`ml`]: the success surrogate (linfa's logistic regression on a closed-form lognormal
//!   approximation), trained on the engine's own simulations; a screen, never an answer.

pub mod ml;
pub mod optimise;
pub mod performance;
pub mod portfolio;
pub mod rebalance;
pub mod recommend;
pub mod risk;
pub mod segments;
pub mod sim;

/// The engine's version, stored with simulation results so that a result can always be
/// traced to the code that produced it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
