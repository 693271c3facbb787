"""PyPortfolioOpt's (and cvxpy's) answers on the S&P 500 sample, as JSON on stdout.

Usage: python pypfopt_reference.py PRICES_CSV START END

Reads the closes between START and END inclusive, and prints the estimators and the
portfolios engine/tests/optimise_reference.rs compares with the engine's. cvxpy is told to
use Clarabel with tolerances of 1e-9 (its defaults are 1e-8; at 1e-10 one solve ends "optimal_inaccurate"): the reference weights must be
accurate well below the 1e-4 the comparison allows.
"""

import json
import sys

import cvxpy as cp
import numpy as np
import pandas as pd
from pypfopt import EfficientCVaR, EfficientFrontier, expected_returns, risk_models

RF = 0.02
TARGET_RETURN = 0.20
TARGET_VOLATILITY = 0.25
RISK_AVERSION = 5.0
CVAR_BETA = 0.95
EWMA_RETURN_SPAN = 500
EWMA_COV_SPAN = 180
SOLVER = "CLARABEL"
SOLVER_OPTIONS = {"tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9}


def frontier(mu, cov):
    return EfficientFrontier(mu, cov, solver=SOLVER, solver_options=SOLVER_OPTIONS)


def performance(ef, weights, rf):
    ret, vol, sharpe = ef.portfolio_performance(risk_free_rate=rf)
    return {
        "weights": list(weights),
        "return": ret,
        "volatility": vol,
        "sharpe": sharpe,
        "status": ef._opt.status,
    }


def portfolios(mu, cov):
    out = {}
    ef = frontier(mu, cov)
    w = ef.min_volatility()
    out["min_volatility"] = performance(ef, w.values(), RF)
    ef = frontier(mu, cov)
    w = ef.max_sharpe(risk_free_rate=RF)
    out["max_sharpe"] = performance(ef, w.values(), RF)
    ef = frontier(mu, cov)
    w = ef.efficient_return(TARGET_RETURN)
    out["efficient_return"] = performance(ef, w.values(), RF)
    ef = frontier(mu, cov)
    w = ef.efficient_risk(TARGET_VOLATILITY)
    out["efficient_risk"] = performance(ef, w.values(), RF)
    ef = frontier(mu, cov)
    w = ef.max_quadratic_utility(risk_aversion=RISK_AVERSION)
    out["quadratic_utility"] = performance(ef, w.values(), RF)
    return out


def main():
    path, start, end = sys.argv[1:4]
    prices = pd.read_csv(path, index_col="date", parse_dates=True).loc[start:end]
    mu = expected_returns.mean_historical_return(prices, compounding=False)
    mu_ewma = expected_returns.ema_historical_return(
        prices, compounding=False, span=EWMA_RETURN_SPAN
    )
    sample = risk_models.sample_cov(prices)
    shrink = risk_models.CovarianceShrinkage(prices)
    lw = shrink.ledoit_wolf()
    ewma_cov = risk_models.exp_cov(prices, span=EWMA_COV_SPAN)
    returns = expected_returns.returns_from_prices(prices)

    cvar = EfficientCVaR(
        mu, returns, beta=CVAR_BETA, solver=SOLVER, solver_options=SOLVER_OPTIONS
    )
    w_cvar = cvar.min_cvar()
    _, cvar_value = cvar.portfolio_performance()

    result = {
        "versions": {
            "cvxpy": cp.__version__,
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "rows": len(prices),
        "first_date": str(prices.index[0].date()),
        "last_date": str(prices.index[-1].date()),
        "tickers": list(prices.columns),
        "rf": RF,
        "target_return": TARGET_RETURN,
        "target_volatility": TARGET_VOLATILITY,
        "risk_aversion": RISK_AVERSION,
        "cvar_beta": CVAR_BETA,
        "ewma_return_span": EWMA_RETURN_SPAN,
        "ewma_cov_span": EWMA_COV_SPAN,
        "mu": list(mu.values),
        "mu_ewma": list(mu_ewma.values),
        "sample_cov": sample.values.tolist(),
        "ledoit_wolf_cov": lw.values.tolist(),
        "ledoit_wolf_shrinkage": shrink.delta,
        "ewma_cov": ewma_cov.values.tolist(),
        "sample": portfolios(mu, sample),
        "ledoit_wolf": portfolios(mu, lw),
        "min_cvar": {
            "weights": list(w_cvar.values()),
            "cvar": cvar_value,
            "status": cvar._opt.status,
        },
    }
    statuses = [
        p["status"] for k in ("sample", "ledoit_wolf") for p in result[k].values()
    ]
    statuses.append(result["min_cvar"]["status"])
    if any(s != "optimal" for s in statuses):
        sys.exit(f"a reference solve was not optimal: {statuses}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
