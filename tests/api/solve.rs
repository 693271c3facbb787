//! `glidepath solve`: the command's answer is the engine's, printed as documented, and a
//! target out of reach is said and exits 1.

use std::process::Command;

use engine::sim::reference::p1;
use engine::sim::{Lever, SimulationOptions, solve};
use serde_json::Value;

const PLAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans/p1.json");

fn glidepath(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_command_prints_the_engines_answer() {
    let (ok, out, err) = glidepath(&[
        "solve",
        PLAN,
        "--for",
        "monthly_spending",
        "--target-success",
        "0.85",
        "--paths",
        "1000",
        "--seed",
        "11",
        "--json",
    ]);
    assert!(ok, "{err}");
    let engine = solve(
        &p1(),
        Lever::MonthlySpending,
        0.85,
        &SimulationOptions {
            paths: 1000,
            seed: 11,
            fan_chart: false,
        },
    )
    .unwrap();
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed["for"], "monthly_spending");
    assert_eq!(printed["value"], engine.value);
    assert_eq!(printed["achieved_success"], engine.achieved_success);
    assert_eq!(printed["standard_error"], engine.standard_error);
    let keys: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
        .collect();
    assert_eq!(keys, ["for", "value", "achieved_success", "standard_error"]);
}

#[test]
fn a_target_out_of_reach_or_out_of_range_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let retired = dir.path().join("retired.json");
    std::fs::write(
        &retired,
        r#"{"initial_wealth": 100000, "monthly_contribution": 1000, "retirement_month": 0,
            "monthly_spending": 5000, "horizon_months": 360}"#,
    )
    .unwrap();
    let path = retired.to_str().unwrap();
    let (ok, out, err) = glidepath(&[
        "solve",
        path,
        "--for",
        "monthly_contribution",
        "--target-success",
        "0.9",
        "--paths",
        "200",
        "--seed",
        "1",
        "--json",
    ]);
    assert!(!ok);
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed["status"], "unreachable");
    assert_eq!(printed["for"], "monthly_contribution");
    assert!(err.contains("no monthly_contribution from 0 to"), "{err}");

    let (ok, _, err) = glidepath(&[
        "solve",
        PLAN,
        "--for",
        "initial_wealth",
        "--target-success",
        "1.5",
    ]);
    assert!(!ok);
    assert!(err.contains("--target-success"), "{err}");
    let (ok, _, err) = glidepath(&["solve", PLAN, "--for", "bonds", "--target-success", "0.5"]);
    assert!(!ok);
    assert!(err.contains("--for"), "{err}");
}
