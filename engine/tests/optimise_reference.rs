//! The optimiser against PyPortfolioOpt 1.6.0 and cvxpy on the S&P 500 sample, window
//! 2017-12-28..2022-12-28, all 20 assets.
//!
//! The reference is computed here, by `reference/pypfopt_reference.py`, in a virtual
//! environment created under the cargo target directory (`CARGO_TARGET_TMPDIR`) with the
//! pinned `reference/requirements.txt` on first use (about 2 minutes; later runs reuse it).
//! `GLIDEPATH_PYREF_PYTHON` may name an interpreter that already has those packages, to
//! skip the environment. A missing Python or a failed install fails the test: nothing here
//! is skipped silently.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use engine::optimise::{
    Constraints, CovarianceEstimator, Estimate, Estimators, Market, Objective, Options,
    ReturnEstimator, estimate, optimise,
};
use ndarray::{Array1, Array2};
use serde_json::Value;

const WEIGHT_TOLERANCE: f64 = 1e-4;
const RISK_TOLERANCE: f64 = 1e-6;
const ESTIMATOR_TOLERANCE: f64 = 1e-10;

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

fn run(cmd: &mut Command, what: &str) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// An interpreter with the pinned packages: `GLIDEPATH_PYREF_PYTHON`, or the venv, created
/// (or re-created when the requirements changed) on first use.
fn python() -> PathBuf {
    if let Ok(p) = std::env::var("GLIDEPATH_PYREF_PYTHON") {
        return PathBuf::from(p);
    }
    let requirements = reference_dir().join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).expect("requirements.txt is readable");
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pypfopt-venv");
    let marker = venv.join("installed-requirements.txt");
    let python = venv.join("bin/python");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return python;
    }
    let started = std::time::Instant::now();
    let _ = std::fs::remove_dir_all(&venv);
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    );
    run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r engine/tests/reference/requirements.txt",
    );
    std::fs::write(&marker, wanted).expect("the venv marker is writable");
    eprintln!("created {} in {:.0?}", venv.display(), started.elapsed());
    python
}

/// The reference JSON, computed once per test binary.
fn reference() -> &'static Value {
    static REFERENCE: OnceLock<Value> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let out = run(
            Command::new(python())
                .arg(reference_dir().join("pypfopt_reference.py"))
                .arg(support::sp500_path())
                .args([support::WINDOW.0, support::WINDOW.1]),
            "pypfopt_reference.py",
        );
        serde_json::from_slice(&out.stdout).expect("the reference prints JSON")
    })
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn vector(v: &Value) -> Vec<f64> {
    v.as_array().expect("an array").iter().map(f).collect()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().expect("an array").iter().map(vector).collect();
    let n = rows.len();
    Array2::from_shape_vec((n, n), rows.concat()).expect("a square matrix")
}

fn prices() -> Array2<f64> {
    let (tickers, prices) = support::sp500_window(support::WINDOW.0, support::WINDOW.1);
    let expected: Vec<String> = reference()["tickers"]
        .as_array()
        .expect("tickers")
        .iter()
        .map(|t| t.as_str().expect("a ticker").to_owned())
        .collect();
    assert_eq!(tickers, expected, "the same assets in the same order");
    assert_eq!(
        prices.nrows() as u64,
        reference()["rows"].as_u64().expect("rows")
    );
    prices
}

fn estimates(returns: ReturnEstimator, covariance: CovarianceEstimator) -> Estimate {
    let estimators = Estimators {
        returns,
        covariance,
        ..Estimators::default()
    };
    estimate(prices().view(), &estimators).expect("the window estimates")
}

fn assert_relative(what: &str, actual: &[f64], expected: &[f64], tolerance: f64) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let err = (a - e).abs() / e.abs().max(f64::MIN_POSITIVE);
        assert!(
            err <= tolerance,
            "{what}[{i}]: {a} vs reference {e} (relative error {err:e})"
        );
    }
}

#[test]
fn mean_returns_match_pypfopt() {
    let est = estimates(ReturnEstimator::Mean, CovarianceEstimator::Sample);
    let r = reference();
    assert_relative(
        "mu",
        est.expected_returns.as_slice().expect("contiguous"),
        &vector(&r["mu"]),
        ESTIMATOR_TOLERANCE,
    );
    assert_relative(
        "sample_cov",
        est.covariance.as_slice().expect("contiguous"),
        matrix(&r["sample_cov"]).as_slice().expect("contiguous"),
        ESTIMATOR_TOLERANCE,
    );
    assert_eq!(est.shrinkage, None);
}

#[test]
fn ledoit_wolf_matches_pypfopt_and_sklearn() {
    let est = estimates(ReturnEstimator::Mean, CovarianceEstimator::LedoitWolf);
    let r = reference();
    let shrinkage = est.shrinkage.expect("Ledoit-Wolf reports its intensity");
    assert_relative(
        "shrinkage",
        &[shrinkage],
        &[f(&r["ledoit_wolf_shrinkage"])],
        ESTIMATOR_TOLERANCE,
    );
    assert_relative(
        "ledoit_wolf_cov",
        est.covariance.as_slice().expect("contiguous"),
        matrix(&r["ledoit_wolf_cov"])
            .as_slice()
            .expect("contiguous"),
        ESTIMATOR_TOLERANCE,
    );
}

#[test]
fn ewma_estimators_match_pypfopt() {
    let r = reference();
    let est = estimates(
        ReturnEstimator::Ewma {
            span: f(&r["ewma_return_span"]),
        },
        CovarianceEstimator::Ewma {
            span: f(&r["ewma_cov_span"]),
        },
    );
    assert_relative(
        "mu_ewma",
        est.expected_returns.as_slice().expect("contiguous"),
        &vector(&r["mu_ewma"]),
        ESTIMATOR_TOLERANCE,
    );
    assert_relative(
        "ewma_cov",
        est.covariance.as_slice().expect("contiguous"),
        matrix(&r["ewma_cov"]).as_slice().expect("contiguous"),
        ESTIMATOR_TOLERANCE,
    );
}

/// Optimises with the reference's own `mu` and covariance (so that only the optimiser is
/// compared) and checks weights, volatility and Sharpe.
fn compare(model: &str, key: &str, objective: Objective) {
    let r = reference();
    let mu = Array1::from(vector(&r["mu"]));
    let cov = matrix(&r[format!("{model}_cov").as_str()]);
    let expected = &r[if model == "sample" {
        "sample"
    } else {
        "ledoit_wolf"
    }][key];
    let market = Market {
        expected_returns: mu.view(),
        covariance: cov.view(),
        scenarios: None,
    };
    let options = Options {
        risk_free_rate: f(&r["rf"]),
    };
    let p = optimise(&market, &objective, &Constraints::default(), &options)
        .unwrap_or_else(|e| panic!("{model} {key}: {e}"));
    let what = format!("{model} {key}");
    let want = vector(&expected["weights"]);
    eprintln!(
        "{what}: max |Δw| {:.1e}, Δvol {:.1e}, Δsharpe {:.1e}",
        p.weights
            .iter()
            .zip(&want)
            .map(|(a, e)| (a - e).abs())
            .fold(0.0, f64::max),
        (p.volatility - f(&expected["volatility"])).abs(),
        (p.sharpe - f(&expected["sharpe"])).abs()
    );
    for (i, (a, e)) in p.weights.iter().zip(&want).enumerate() {
        assert!(
            (a - e).abs() <= WEIGHT_TOLERANCE,
            "{what}: weight[{i}] {a} vs {e}"
        );
    }
    for (name, a, e) in [
        ("volatility", p.volatility, f(&expected["volatility"])),
        ("sharpe", p.sharpe, f(&expected["sharpe"])),
    ] {
        assert!((a - e).abs() <= RISK_TOLERANCE, "{what}: {name} {a} vs {e}");
    }
}

#[test]
fn min_variance_matches_pypfopt() {
    compare("sample", "min_volatility", Objective::MinVariance);
    compare("ledoit_wolf", "min_volatility", Objective::MinVariance);
}

#[test]
fn max_sharpe_matches_pypfopt() {
    compare("sample", "max_sharpe", Objective::MaxSharpe);
    compare("ledoit_wolf", "max_sharpe", Objective::MaxSharpe);
}

#[test]
fn efficient_return_matches_pypfopt() {
    let target_return = f(&reference()["target_return"]);
    compare(
        "sample",
        "efficient_return",
        Objective::EfficientReturn { target_return },
    );
    compare(
        "ledoit_wolf",
        "efficient_return",
        Objective::EfficientReturn { target_return },
    );
}

#[test]
fn efficient_risk_matches_pypfopt() {
    let target_volatility = f(&reference()["target_volatility"]);
    compare(
        "sample",
        "efficient_risk",
        Objective::EfficientRisk { target_volatility },
    );
    compare(
        "ledoit_wolf",
        "efficient_risk",
        Objective::EfficientRisk { target_volatility },
    );
}

#[test]
fn quadratic_utility_matches_pypfopt() {
    let risk_aversion = f(&reference()["risk_aversion"]);
    compare(
        "sample",
        "quadratic_utility",
        Objective::MaxQuadraticUtility { risk_aversion },
    );
    compare(
        "ledoit_wolf",
        "quadratic_utility",
        Objective::MaxQuadraticUtility { risk_aversion },
    );
}

#[test]
fn min_cvar_matches_pypfopt() {
    let r = reference();
    let est = estimates(ReturnEstimator::Mean, CovarianceEstimator::Sample);
    let beta = f(&r["cvar_beta"]);
    let market = Market {
        expected_returns: est.expected_returns.view(),
        covariance: est.covariance.view(),
        scenarios: Some(est.returns.view()),
    };
    let p = optimise(
        &market,
        &Objective::MinCvar { beta },
        &Constraints::default(),
        &Options::default(),
    )
    .expect("min CVaR solves");
    let cvar = p.cvar.expect("min CVaR reports its CVaR");
    let want = f(&r["min_cvar"]["cvar"]);
    // The optimal CVaR is unique even where the LP's optimal weights are not.
    assert!(
        (cvar - want).abs() <= RISK_TOLERANCE,
        "CVaR {cvar} vs {want}"
    );
    let ref_weights = vector(&r["min_cvar"]["weights"]);
    let ref_cvar =
        engine::optimise::historical_cvar(est.returns.view(), &ref_weights, beta).expect("a CVaR");
    assert!(
        (ref_cvar - want).abs() <= RISK_TOLERANCE,
        "our CVaR of its weights {ref_cvar} vs {want}"
    );
    let dw = p
        .weights
        .iter()
        .zip(&ref_weights)
        .map(|(a, e)| (a - e).abs())
        .fold(0.0, f64::max);
    eprintln!(
        "min CVaR: ΔCVaR {:.1e}, max |Δw| {dw:.1e}",
        (cvar - want).abs()
    );
    assert!(dw <= WEIGHT_TOLERANCE, "min CVaR weights differ by {dw}");
}
