//! Hooks for the end-to-end tests.

use serde::Deserialize;

/// Test-only hooks.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TestingSettings {
    /// Mounts `POST /testing/faults/{child}`, which makes a child actor of the caller's
    /// session panic, to prove that the session restarts it.
    pub fault_injection: bool,
    /// Mounts `GET /testing/slow/{ms}`, which answers after `ms` milliseconds, to prove that
    /// requests still running at the shutdown grace limit are answered.
    pub slow_route: bool,
}
