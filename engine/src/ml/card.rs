//! The model card as Markdown, written next to the model file by `glidepath ml train`.

use std::fmt::Write as _;

use super::file::ModelFile;

/// The card of `file` as a Markdown document.
#[must_use]
pub fn to_markdown(file: &ModelFile) -> String {
    let card = &file.card;
    let m = &card.metrics;
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = writeln!(
        out,
        "# Model card: the success surrogate\n\n\
         A fast estimate of a plan's success probability, used to screen many candidate \
         changes before simulating the few that matter. It is never shown to a user without \
         a real simulation behind it.\n\n\
         | | |\n| --- | --- |\n\
         | model | {} |\n\
         | file format | `{}` version {} |\n\
         | features | {} |\n\
         | trained on | {} |\n\
         | seed | {} |\n\
         | engine version | {} |\n\
         | training sample | {} plans × {} paths (plan seed {}, simulation seed {} + plan index) |\n\
         | held-out sample | {} other plans × {} paths (plan seed {}, simulation seed {} + plan index) |\n",
        card.algorithm,
        file.format,
        file.version,
        file.features
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", "),
        card.trained_on,
        card.seed,
        card.engine_version,
        card.training.plans,
        card.training.paths_per_plan,
        card.training.plan_seed,
        card.training.simulation_seed,
        card.held_out.plans,
        card.held_out.paths_per_plan,
        card.held_out.plan_seed,
        card.held_out.simulation_seed,
    );
    let _ = writeln!(
        out,
        "## Sampling ranges\n\n\
         Two asset classes (equity-like and bond-like), rebalanced monthly; every input drawn \
         independently and uniformly from its range unless marked log-uniform. The retirement \
         month is uniform from 0 to the horizon less the minimum years of retirement; spending \
         is the spending ratio times what the expected wealth at retirement pays out to the \
         horizon at the expected real return.\n\n\
         | input | low | high |\n| --- | ---: | ---: |"
    );
    for r in &card.ranges {
        let _ = writeln!(out, "| {} | {} | {} |", r.name, r.low, r.high);
    }
    let _ = writeln!(
        out,
        "\n## Held-out accuracy (against {}-path runs)\n\n\
         | metric | value |\n| --- | ---: |\n\
         | mean absolute error | {:.4} (target ≤ 0.02) |\n\
         | largest absolute error | {:.4} |\n\
         | mean absolute error, the {} plans with simulated success from 5% to 95% | {:.4} |\n\n\
         Calibration by decile of predicted success:\n\n\
         | decile | plans | mean predicted | mean simulated |\n| ---: | ---: | ---: | ---: |",
        card.held_out.paths_per_plan,
        m.mean_absolute_error,
        m.max_absolute_error,
        m.uncertain_plans,
        m.mean_absolute_error_uncertain,
    );
    for (i, d) in m.calibration.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {:.4} | {:.4} |",
            i + 1,
            d.plans,
            d.predicted,
            d.simulated
        );
    }
    let _ = writeln!(
        out,
        "\nA 10,000-path run's own standard error is up to 0.005, so part of the error above \
         is the reference's. Outside these ranges (more asset classes are fine: the features \
         depend on the portfolio's moments only) the surrogate is unmeasured."
    );
    out
}
