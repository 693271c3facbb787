//! P1 of the spec at 1,000,000 paths, recorded with its seed. These figures are what an
//! independent implementation of the spec is compared with (within 3 standard errors); the
//! test pins them so that any change to the model's numbers is deliberate.
#![allow(clippy::unwrap_used, clippy::float_cmp)]

use engine::sim::reference::p1;
use engine::sim::{SimulationOptions, simulate};

#[test]
fn p1_at_one_million_paths() {
    let plan = p1();
    let r = simulate(
        &plan,
        &SimulationOptions {
            paths: 1_000_000,
            seed: 20_261_128,
            fan_chart: false,
        },
    )
    .unwrap();
    // Recorded 2026-11-28 (engine 0.1.0). A numpy implementation of the spec, with its own
    // random numbers, gave 0.51141 ± 0.00112 at 200,000 paths: within 3 standard errors.
    // Re-recorded when the engine replaced libm's `exp` by its own vectorised one (within
    // 1 ulp; engine/src/sim/exp.rs): same random numbers and the same model, so the success
    // count is unchanged and the percentiles moved only in their last digits (p50 by 7e-15
    // relative, p95 by 1e-15), well inside the 1e-9 tolerance below.
    assert_eq!(r.success_probability, 0.510_869);
    assert!((r.success_standard_error - 0.000_499_881_850_879_785_4).abs() < 1e-15);
    let t = r.terminal_real_wealth;
    let recorded = [
        (t.p5, 0.0),
        (t.p25, 0.0),
        (t.p50, 45_270.758_523_297_12),
        (t.p75, 1_695_582.329_051_718_3),
        (t.p95, 7_411_936.446_115_351),
    ];
    for (got, want) in recorded {
        assert!(
            (got - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }
}
