//! What the solver said about a problem, in the optimiser's own words.

use clarabel::solver::SolverStatus;

/// The outcome of one solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Solved to full accuracy (1e-10 on gap and feasibility: `program.rs`'s `TOLERANCE`).
    Optimal,
    /// Solved to Clarabel's reduced tolerances (about 5e-5): usable, but less precise.
    OptimalReducedAccuracy,
    /// The constraints admit no portfolio (the solver found a certificate).
    Infeasible,
    /// The objective is unbounded over the constraints (the solver found a certificate).
    Unbounded,
    /// The solver stopped at its iteration limit.
    IterationLimit,
    /// The solver stopped at its time limit.
    TimeLimit,
    /// The solver failed numerically or stopped making progress.
    NumericalFailure,
}

impl Status {
    /// Whether the status comes with usable weights.
    #[must_use]
    pub fn is_solved(self) -> bool {
        matches!(self, Self::Optimal | Self::OptimalReducedAccuracy)
    }

    pub(crate) fn from_clarabel(status: SolverStatus) -> Self {
        match status {
            SolverStatus::Solved => Self::Optimal,
            SolverStatus::AlmostSolved => Self::OptimalReducedAccuracy,
            SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible => {
                Self::Infeasible
            }
            SolverStatus::DualInfeasible | SolverStatus::AlmostDualInfeasible => Self::Unbounded,
            SolverStatus::MaxIterations => Self::IterationLimit,
            SolverStatus::MaxTime => Self::TimeLimit,
            SolverStatus::Unsolved
            | SolverStatus::NumericalError
            | SolverStatus::InsufficientProgress
            | SolverStatus::CallbackTerminated => Self::NumericalFailure,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Optimal => "optimal",
            Self::OptimalReducedAccuracy => "optimal to reduced accuracy",
            Self::Infeasible => "infeasible",
            Self::Unbounded => "unbounded",
            Self::IterationLimit => "iteration limit reached",
            Self::TimeLimit => "time limit reached",
            Self::NumericalFailure => "numerical failure",
        })
    }
}
