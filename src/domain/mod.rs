//! Validated domain values (parse, don't validate): a value of these types is known good.
//! No I/O here.
//!
//! # Layout
//! - [`email`]: e-mail addresses.
//! - [`password`]: password policy.
//! - [`plan`]: wire plans to engine plans.
//! - [`money`]: exact amounts in cents.
//! - [`goal`]: goal fields.
//! - [`profile`]: financial-profile fields.
//! - [`holding`]: holding fields and the plan's asset-class targets.
//! - [`alert`]: alert rules.
//! - [`price_csv`]: price history files (`date,SYM1,SYM2,…`).

pub mod alert;
pub mod email;
pub mod goal;
pub mod holding;
pub mod money;
pub mod password;
pub mod plan;
pub mod plan_extensions;
pub mod price_csv;
pub mod profile;
