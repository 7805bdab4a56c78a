#!/usr/bin/env bash
# The performance benchmark (README "Performance"). In one run, on the same generated estates:
# the parse-only floor (discovery + saphyr-parser, same parallelism: the hidden
# `estatelint parse-floor`, so the parser is the check's machine code at its addresses), the full
# `estatelint check` with every built-in rule, and peak memory; then a table with the ratio
# check / floor, the growth from 10k to 100k, and memory over input bytes. BENCH_RUNS rounds
# (5 by default) of one floor run and one check run each; the best time of each is shown.
#
#   bash benches/bench.sh                 # N = 1,000, 10,000 and 100,000 systems
#   bash benches/bench.sh 1000            # a smoke run (what CI runs)
#   BENCH_DIR=/dev/shm/estatelint bash benches/bench.sh   # estates generated in memory
#
# BENCH_DIR (default target/bench) is where the estates are generated. On a machine whose
# page cache is trimmed while it runs (the development VM keeps only part of 130 MB of files
# for long: README "Performance"), runs read parts of the estate from disk at random, and a
# folder on tmpfs takes that noise out of both the floor and the check.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
runs=${BENCH_RUNS:-5}

cargo build --release --quiet --bin estatelint --example gen-estate
bin="${CARGO_TARGET_DIR:-target}/release"
out=${BENCH_DIR:-target/bench}
mkdir -p "$out"
source benches/estate.sh

calc() { awk "BEGIN { print $1 }"; }

# One run of a command: wall seconds (to the millisecond, from the shell's clock: GNU time's
# `%e` has 10 ms steps, 5% of the floor at 10,000 systems) and peak RSS (KiB), via
# /usr/bin/time when present.
# (Read inline: a command substitution would fork between the command and the clock.)
run_once() {
  local s e m=0
  s=${EPOCHREALTIME:-$(date +%s.%N)}
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%M" -o "$out/time.txt" "$@" > /dev/null 2>&1 || true
    e=${EPOCHREALTIME:-$(date +%s.%N)}
    m=$(tail -n 1 "$out/time.txt")
  else
    "$@" > /dev/null 2>&1 || true
    e=${EPOCHREALTIME:-$(date +%s.%N)}
  fi
  # (A locale may write the shell's clock with a decimal comma, which awk would cut at.)
  echo "$(calc "${e/,/.} - ${s/,/.}") $m"
}

# The floor and the check, $runs rounds, one of each per round: on a machine whose speed
# drifts, the two then meet the same moments (run back to back, a slow minute could fall on
# one and not the other). Best time of each; the check's highest peak memory.
measure_pair() {
  local dir=$1 floor="" check="" mem=0 t m
  for _ in $(seq "$runs"); do
    read -r t _ < <(run_once "$bin/estatelint" parse-floor "$dir")
    if [ -z "$floor" ] || [ "$(calc "$t < $floor")" = 1 ]; then floor=$t; fi
    read -r t m < <(run_once "$bin/estatelint" check "$dir" --today 2026-11-23 --format compact)
    if [ -z "$check" ] || [ "$(calc "$t < $check")" = 1 ]; then check=$t; fi
    [ "$m" -gt "$mem" ] && mem=$m
  done
  echo "$floor $check $mem"
}

printf '%-8s %10s %9s %9s %7s %9s %9s\n' systems "yaml MB" "floor s" "check s" ratio "peak MB" "mem/yaml"
declare -A check_time
for n in "${sizes[@]}"; do
  dir="$out/estate-$n"
  ensure_estate "$n" "$dir"
  bytes=$(find -L "$dir" -name '*.yaml' -print0 | xargs -0 cat | wc -c)
  read -r floor check mem < <(measure_pair "$dir")
  check_time[$n]=$check
  printf '%-8s %10.1f %9.3f %9.3f %7.3f %9.1f %9.2f\n' "$n" "$(calc "$bytes/1048576")" "$floor" "$check" \
    "$(calc "$check/$floor")" "$(calc "$mem/1024")" "$(calc "$mem*1024/$bytes")"
done
if [ -n "${check_time[10000]:-}" ] && [ -n "${check_time[100000]:-}" ]; then
  printf 'growth 10k -> 100k: %.2fx time for 10x input\n' "$(calc "${check_time[100000]}/${check_time[10000]}")"
fi
