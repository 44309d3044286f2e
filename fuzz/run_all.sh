#!/usr/bin/env bash
# Runs each fuzz target for RUNS executions (default 1,000,000) from its seed corpus and prints
# one summary line per target. Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP=1
# lets the stable toolchain pass the nightly-only flags cargo-fuzz uses.
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${RUNS:-1000000}"
python3 make_seeds.py >/dev/null
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=($(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v rsp-fuzz))
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t"
  log="/tmp/fuzz-$t.log"
  if RUSTC_BOOTSTRAP=1 cargo fuzz run -s none --debug-assertions "$t" "corpus/$t" "seeds/$t" -- \
      -runs="$RUNS" -max_len=65536 -rss_limit_mb=4096 >"$log" 2>&1; then
    echo "$t: clean: $(grep -E '^Done' "$log")"
  else
    echo "$t: FAILED (see $log)"; tail -30 "$log"
  fi
done
