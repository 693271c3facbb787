#!/usr/bin/env bash
# The optimiser's speed against PyPortfolioOpt's, in one run on the same data: the criterion
# bench engine/benches/optimise.rs, then engine/tests/reference/pypfopt_timing.py on the
# same window of datasets/sp500_prices.csv, then both sets of medians side by side.
#
#   bash engine/benches/optimise_vs_pypfopt.sh            # the figures of BENCHMARKS.md
#   bash engine/benches/optimise_vs_pypfopt.sh --quick    # a quick check of both sides
#
# Arguments go to criterion (`--quick` to the Python timing too). PyPortfolioOpt runs in the
# virtual environment engine/tests/optimise_reference.rs uses, under the cargo target
# directory (`tmp/pypfopt-venv`), created from the pinned
# engine/tests/reference/requirements.txt when missing or out of date (about 2 minutes);
# GLIDEPATH_PYREF_PYTHON may name an interpreter that already has those packages instead.
# The comparison reads criterion's latest estimates (target/criterion): a criterion filter
# leaves the other benchmarks' figures from an earlier run.
set -euo pipefail
cd "$(dirname "$0")/../.."

start=2017-12-28
end=2022-12-28
requirements=engine/tests/reference/requirements.txt

target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

if [ -n "${GLIDEPATH_PYREF_PYTHON:-}" ]; then
  python=$GLIDEPATH_PYREF_PYTHON
else
  venv=$target/tmp/pypfopt-venv
  python=$venv/bin/python
  if ! cmp -s "$requirements" "$venv/installed-requirements.txt"; then
    echo "==> creating $venv from $requirements"
    rm -rf "$venv"
    mkdir -p "$target/tmp"
    python3 -m venv "$venv"
    "$python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/installed-requirements.txt"
  fi
fi

quick=()
for arg in "$@"; do
  if [ "$arg" = --quick ]; then quick=(--quick); fi
done

echo "==> $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
echo "==> load before: $(uptime)"
echo "==> cargo bench -p glidepath-engine --bench optimise $*"
cargo bench -p glidepath-engine --bench optimise -- "$@"
echo "==> load between: $(uptime)"
echo "==> PyPortfolioOpt ($python)"
"$python" engine/tests/reference/pypfopt_timing.py datasets/sp500_prices.csv "$start" "$end" \
  --criterion "$target/criterion" "${quick[@]}"
echo "==> load after: $(uptime)"
