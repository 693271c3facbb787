#!/usr/bin/env bash
# Fuzzes what the server decodes from strangers, each target for a bounded time, and fails on
# the first crash: the WebSocket client-message decoder on text (ws_json) and binary
# (ws_msgpack) frames, and access-token verification (token). See fuzz/.
#
# Usage: bash .ci/fuzz.sh [SECONDS_PER_TARGET]   (default 20, or FUZZ_SECONDS)
#
# cargo-fuzz normally wants nightly for its sanitizers; with `-s none` it passes only stable
# codegen flags (SanitizerCoverage instrumentation, `--cfg fuzzing`), so the stable toolchain
# builds the targets: no nightly, no RUSTC_BOOTSTRAP. The targets carry their own assertions
# (panics are what libFuzzer reports), and debug assertions are on (`-a`).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-${FUZZ_SECONDS:-20}}"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# Its own target directory: the instrumented build shares nothing with the ordinary one (other
# RUSTFLAGS), and keeping it outside the clone lets the next run start warm.
target_dir="${FUZZ_TARGET_DIR:-$HOME/.cache/glidepath-fuzz-target}"
# Inputs found to reach new code are kept here between runs (the committed seeds in
# fuzz/corpus/ stay untouched); crashes are written to fuzz/artifacts/<target>/.
work="${FUZZ_WORK_DIR:-$HOME/.cache/glidepath-fuzz-corpus}"
targets=(ws_json ws_msgpack token)

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz into $HOME/.cargo/bin"
  cargo install cargo-fuzz --locked --version 0.13.2
fi
cargo fuzz --version

flags=(-s none -a --target-dir "$target_dir")
started=$(date +%s)
cargo fuzz build "${flags[@]}"
echo "built the fuzz targets in $(($(date +%s) - started)) s"

for target in "${targets[@]}"; do
  mkdir -p "$work/$target"
  echo "==> fuzzing $target for ${seconds} s"
  # -timeout: an input taking over 10 s is a hang, reported like a crash.
  if ! cargo fuzz run "${flags[@]}" "$target" "$work/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
    echo "fuzz target $target failed; the input is in fuzz/artifacts/$target/" >&2
    echo "reproduce: cargo fuzz run -s none $target fuzz/artifacts/$target/<file>" >&2
    exit 1
  fi
done
echo "fuzzing passed in $(($(date +%s) - started)) s"
