"""PyPortfolioOpt's speed on the S&P 500 sample, for the operations engine/benches/optimise.rs
times in the engine.

Usage: python pypfopt_timing.py PRICES_CSV START END [--criterion DIR] [--quick]

Reads the closes between START and END inclusive (as pypfopt_reference.py does) and times,
with time.perf_counter, each operation a caller makes, from the prices DataFrame (or the
estimates) to the weights:

  estimate/mean_sample       mean_historical_return(compounding=False) + sample_cov
  estimate/mean_ledoit_wolf  mean_historical_return(compounding=False) +
                             CovarianceShrinkage(...).ledoit_wolf("constant_variance")
  estimate/ewma              ema_historical_return(span=500, compounding=False) +
                             exp_cov(span=180)
  optimise/min_variance      EfficientFrontier(mu, S) + min_volatility()
  optimise/max_sharpe        EfficientFrontier(mu, S) + max_sharpe(0.02)
  optimise/efficient_return  EfficientFrontier(mu, S) + efficient_return(0.20)
  frontier/50                min_volatility() and the highest achievable return (the
                             linear program efficient_return checks targets against; the
                             largest expected return), then a new EfficientFrontier and
                             efficient_return(t) for each of 50 targets evenly spaced
                             between the two
  frontier/50_parametric     the same, but one EfficientFrontier for the 50 targets: after the
                             first, efficient_return only updates cvxpy's target_return
                             Parameter and re-solves (as pypfopt.plotting does)

mu and S are the mean and sample covariance. Each operation is warmed up, then repeated
(at least 7 times and about 2 s, at most 1,000 times; --quick: 3 times) and the median
taken. Two solver settings are timed: "reference", Clarabel with the 1e-9 tolerances of
pypfopt_reference.py (the engine solves with Clarabel at 1e-10), and "defaults",
PyPortfolioOpt's defaults (cvxpy picks the solver and keeps its tolerances).

With --criterion DIR (cargo's target/criterion), it also prints the engine's medians from
criterion's estimates.json files beside PyPortfolioOpt's, with the ratios.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings

import cvxpy as cp
import numpy as np
import pandas as pd
import pypfopt
from pypfopt import EfficientFrontier, expected_returns, risk_models

RF = 0.02
TARGET_RETURN = 0.20
EWMA_RETURN_SPAN = 500
EWMA_COV_SPAN = 180
FRONTIER_POINTS = 50

SETTINGS = {
    "reference": (
        "CLARABEL",
        {"tol_gap_abs": 1e-9, "tol_gap_rel": 1e-9, "tol_feas": 1e-9},
    ),
    "defaults": (None, {}),
}

# (criterion id, label) in the order of the tables.
OPERATIONS = [
    ("estimate/mean_sample", "estimators: mean + sample covariance"),
    ("estimate/mean_ledoit_wolf", "estimators: mean + Ledoit-Wolf"),
    ("estimate/ewma", "estimators: EWMA mean + EWMA covariance"),
    ("optimise/min_variance", "min variance"),
    ("optimise/max_sharpe", "max Sharpe (rf 0.02)"),
    ("optimise/efficient_return", "efficient return 0.20"),
    ("frontier/50", "50-point frontier"),
    ("frontier/50_parametric", "50-point frontier, one problem, parameter updated"),
]
ESTIMATORS = [op for op, _ in OPERATIONS if op.startswith("estimate/")]
# (label, criterion id of the engine, PyPortfolioOpt's operation) of the comparison.
COMPARISONS = [(label, op, op) for op, label in OPERATIONS[:7]] + [
    (
        "50-point frontier against PyPortfolioOpt's parameter updates",
        "frontier/50",
        "frontier/50_parametric",
    ),
    (
        "50-point frontier, engine by 50 separate optimise() calls",
        "frontier/50_by_optimise",
        "frontier/50",
    ),
]


def time_median(fn, quick):
    """Median seconds of fn() after a warm-up, and the number of repetitions."""
    warm_until = time.perf_counter() + (0.0 if quick else 0.5)
    fn()
    while time.perf_counter() < warm_until:
        fn()
    times = []
    budget = time.perf_counter() + 2.0
    while True:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if quick and len(times) >= 3:
            break
        if not quick and len(times) >= 7 and (
            time.perf_counter() > budget or len(times) >= 1000
        ):
            break
    return statistics.median(times), len(times)


def operations(prices, solver, options):
    mu = expected_returns.mean_historical_return(prices, compounding=False)
    sample = risk_models.sample_cov(prices)

    def ef():
        return EfficientFrontier(mu, sample, solver=solver, solver_options=options)

    def min_variance():
        e = ef()
        e.min_volatility()
        return e

    def targets():
        # The highest achievable return as efficient_return checks it (a linear program; up
        # to the solver's tolerance, the largest expected return), as the engine's frontier
        # finds its own: a target above it is refused.
        low = min_variance().portfolio_performance()[0]
        high = ef()._max_return()
        return np.linspace(low, high, FRONTIER_POINTS)

    def frontier():
        points = []
        for t in targets():
            e = ef()
            points.append(e.efficient_return(float(t)))
        return points

    def frontier_parametric():
        ts = targets()
        e = ef()
        return [dict(e.efficient_return(float(t))) for t in ts]

    return {
        "estimate/mean_sample": lambda: (
            expected_returns.mean_historical_return(prices, compounding=False),
            risk_models.sample_cov(prices),
        ),
        "estimate/mean_ledoit_wolf": lambda: (
            expected_returns.mean_historical_return(prices, compounding=False),
            risk_models.CovarianceShrinkage(prices).ledoit_wolf(
                shrinkage_target="constant_variance"
            ),
        ),
        "estimate/ewma": lambda: (
            expected_returns.ema_historical_return(
                prices, compounding=False, span=EWMA_RETURN_SPAN
            ),
            risk_models.exp_cov(prices, span=EWMA_COV_SPAN),
        ),
        "optimise/min_variance": min_variance,
        "optimise/max_sharpe": lambda: ef().max_sharpe(risk_free_rate=RF),
        "optimise/efficient_return": lambda: ef().efficient_return(TARGET_RETURN),
        "frontier/50": frontier,
        "frontier/50_parametric": frontier_parametric,
    }, (mu, sample, ef, targets)


def check(prices, solver, options):
    """What is timed solves what it claims to: one line per setting, to set beside the
    bench's own."""
    ops, (mu, sample, ef, targets) = operations(prices, solver, options)
    e = ef()
    e.min_volatility()
    ret, vol, _ = e.portfolio_performance()
    stats = e._opt.solver_stats
    s = ef()
    s.max_sharpe(risk_free_rate=RF)
    sharpe = s.portfolio_performance(risk_free_rate=RF)[2]
    r = ef()
    r.efficient_return(TARGET_RETURN)
    ts = targets()
    per_point = ops["frontier/50"]()
    parametric = ops["frontier/50_parametric"]()
    gap = max(
        abs(a[k] - b[k]) for a, b in zip(per_point, parametric) for k in a.keys()
    )
    solvers = sorted({p._opt.solver_stats.solver_name for p in (e, s, r)})
    statuses = {e._opt.status, s._opt.status, r._opt.status}
    if statuses != {"optimal"}:
        sys.exit(f"a solve was not optimal: {statuses}")
    return (
        f"solvers {', '.join(solvers)}; min variance: return {ret:.6f}, volatility {vol:.6f}"
        f" ({stats.num_iters} iterations); max Sharpe: {sharpe:.6f}; efficient return"
        f" {TARGET_RETURN}: volatility {r.portfolio_performance()[1]:.6f}; frontier: targets"
        f" {ts[0]:.6f}..{ts[-1]:.6f}, the two ways' weights within {gap:.1e}"
    )


def criterion_medians(directory):
    out = {}
    for _, op, _ in COMPARISONS:
        path = os.path.join(directory, *op.split("/"), "new", "estimates.json")
        try:
            with open(path) as f:
                out[op] = json.load(f)["median"]["point_estimate"] * 1e-9
        except FileNotFoundError:
            pass
    return out


def fmt(seconds):
    if seconds is None:
        return "-"
    if seconds >= 1.0:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("prices")
    parser.add_argument("start")
    parser.add_argument("end")
    parser.add_argument("--criterion", help="cargo's target/criterion directory")
    parser.add_argument("--quick", action="store_true", help="3 repetitions")
    args = parser.parse_args()

    prices = pd.read_csv(args.prices, index_col="date", parse_dates=True).loc[
        args.start : args.end
    ]
    print(
        f"PyPortfolioOpt {pypfopt.__version__}, cvxpy {cp.__version__}, numpy"
        f" {np.__version__}, pandas {pd.__version__}, Python {platform.python_version()};"
        f" {prices.shape[1]} assets, {len(prices)} closes"
        f" {prices.index[0].date()}..{prices.index[-1].date()}"
    )
    results = {}
    for name, (solver, options) in SETTINGS.items():
        print(f"{name}: {check(prices, solver, options)}")
        ops, _ = operations(prices, solver, options)
        for op, fn in ops.items():
            if name != "reference" and op in ESTIMATORS:
                continue  # no solver: timed once
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results[(name, op)] = time_median(fn, args.quick)

    print()
    print("| operation | PyPortfolioOpt, Clarabel 1e-9 | PyPortfolioOpt defaults |")
    print("| --- | --- | --- |")
    for op, label in OPERATIONS:
        ref = results[("reference", op)]
        default = results.get(("defaults", op))
        cell = f"{fmt(default[0])} ({default[1]} runs)" if default else "(same)"
        print(f"| {label} | {fmt(ref[0])} ({ref[1]} runs) | {cell} |")

    if args.criterion:
        ours = criterion_medians(args.criterion)
        print()
        print(
            "| operation | Glidepath (criterion median) | PyPortfolioOpt, Clarabel 1e-9"
            " | ratio | PyPortfolioOpt defaults | ratio |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        for label, engine_op, python_op in COMPARISONS:
            engine = ours.get(engine_op)
            cells = [label, fmt(engine)]
            for name in SETTINGS:
                python = results.get((name, python_op), results[("reference", python_op)])
                cells.append(fmt(python[0]))
                cells.append(f"{python[0] / engine:.1f}×" if engine else "-")
            print("| " + " | ".join(cells) + " |")

if __name__ == "__main__":
    main()
