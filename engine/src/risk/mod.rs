//! Risk assessment: exact numerics on a plan and a published questionnaire, no models.
//!
//! - [`questionnaire`]: risk tolerance, the 13-item Grable & Lytton (1999) scale as data, its
//!   published scoring and bands, and our equity range per band.
//! - [`capacity`]: risk capacity, the largest immediate fall the plan can take while its
//!   success stays at or above a threshold (read off its paths' ruin thresholds), and the
//!   equity share that fall allows.
//! - [`need`]: risk need, the least equity share (and its expected return) that reaches the
//!   target, by the solver.
//! - [`profile`]: the three combined into a recommended equity share and what binds.

pub mod capacity;
pub mod need;
pub mod profile;
pub mod questionnaire;

pub use self::capacity::{Capacity, CapacityMethod, capacity, equity_cap, one_year_fall};
pub use self::need::{Need, expected_return, need};
pub use self::profile::{Binding, NeedShare, Parts, Profile, combine};
pub use self::questionnaire::{AnswerError, Band, ITEMS, Item, Score, score};
