#!/usr/bin/env bash
# The performance benchmark (README "Performance"). In one run, on the same generated estates:
# the parse-only floor (discovery + saphyr-parser, same parallelism), the full
# `estatelint check` with every built-in rule, and peak memory; then a table with the ratio
# check / floor, the growth from 10k to 100k, and memory over input bytes.
#
#   bash benches/bench.sh                 # N = 1,000, 10,000 and 100,000 systems
#   bash benches/bench.sh 1000            # a smoke run (what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
runs=${BENCH_RUNS:-3}

cargo build --release --quiet --bin estatelint --example gen-estate --example parse-floor
bin="${CARGO_TARGET_DIR:-target}/release"
out=target/bench
mkdir -p "$out"

calc() { awk "BEGIN { print $1 }"; }

# Best of $runs: wall seconds and peak RSS (KiB) of a command, via /usr/bin/time when present.
measure() {
  local best_t="" best_m=0 t m
  for _ in $(seq "$runs"); do
    if [ -x /usr/bin/time ]; then
      /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" > /dev/null 2>&1 || true
      read -r t m < <(tail -n 1 "$out/time.txt")
    else
      local s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; local e=$(date +%s.%N)
      t=$(calc "$e - $s"); m=0
    fi
    if [ -z "$best_t" ] || [ "$(calc "$t < $best_t")" = 1 ]; then best_t=$t; fi
    [ "$m" -gt "$best_m" ] && best_m=$m
  done
  echo "$best_t $best_m"
}

printf '%-8s %10s %9s %9s %7s %9s %9s\n' systems "yaml MB" "floor s" "check s" ratio "peak MB" "mem/yaml"
declare -A check_time
for n in "${sizes[@]}"; do
  dir="$out/estate-$n"
  [ -d "$dir" ] || "$bin/examples/gen-estate" --systems "$n" "$dir" 2> /dev/null
  bytes=$(find -L "$dir" -name '*.yaml' -print0 | xargs -0 cat | wc -c)
  read -r floor _ < <(measure "$bin/examples/parse-floor" "$dir")
  read -r check mem < <(measure "$bin/estatelint" check "$dir" --today 2026-11-23 --format compact)
  check_time[$n]=$check
  printf '%-8s %10.1f %9.2f %9.2f %7.2f %9.1f %9.2f\n' "$n" "$(calc "$bytes/1048576")" "$floor" "$check" \
    "$(calc "$check/$floor")" "$(calc "$mem/1024")" "$(calc "$mem*1024/$bytes")"
done
if [ -n "${check_time[10000]:-}" ] && [ -n "${check_time[100000]:-}" ]; then
  printf 'growth 10k -> 100k: %.2fx time for 10x input\n' "$(calc "${check_time[100000]}/${check_time[10000]}")"
fi
