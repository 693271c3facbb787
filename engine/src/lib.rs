//! Glidepath's numerics: Monte Carlo simulation, portfolio optimisation, analytics and ML
//! assistance.
//!
//! This crate is pure, synchronous library code: no async runtime, no I/O, no logging
//! requirement. The server and the actors call into it; it never calls them. Results are
//! deterministic functions of their inputs and a `seed`.
//!
//! # Layout
//! Filled in by the engine issues: `sim/` (the base model of `shared/spec/simulation-model.md`
//! and its prepared, incremental form), `portfolio/` (mean-variance optimisation with
//! Clarabel), `ml/` (linfa models). For now the crate exposes only its version, which the
//! server records next to every stored simulation result.

/// The engine's version, stored with simulation results so that a result can always be
/// traced to the code that produced it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod tests {
    #[test]
    fn version_is_the_package_version() {
        assert_eq!(super::VERSION.split('.').count(), 3);
    }
}
