#!/usr/bin/env bash
# Compares two builds of estatelint on one generated estate (README "Performance"): each
# round runs build A's floor (`parse-floor`) and check, then build B's, so both meet the
# machine's drift alike; each build's check is set against its own floor (whose parser sits
# at its check's addresses, though the floor still feels placement more than the check).
# Prints, per build, the best and median times and the ratio check / floor of each.
#
#   cp target/release/estatelint /tmp/a   # before the change
#   cp target/release/estatelint /tmp/b   # after it
#   bash benches/ab.sh /tmp/a /tmp/b             # 8 rounds at 100,000 systems
#   bash benches/ab.sh /tmp/a /tmp/b 12 10000    # 12 rounds at 10,000
#
# BENCH_DIR as for bench.sh: where the estate is (generated there when missing or older
# than the generator).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: bash benches/ab.sh BUILD_A BUILD_B [ROUNDS] [SYSTEMS]" >&2; exit 2; }
a=$1 b=$2 rounds=${3:-8} n=${4:-100000}
dir=${BENCH_DIR:-target/bench}/estate-$n
source benches/estate.sh
mkdir -p "$(dirname "$dir")"
ensure_estate "$n" "$dir"

# Milliseconds a command takes, from the shell's clock (read inline, as in bench.sh); its
# first argument is the highest exit code that is a result (the floor 0; a check 1, findings).
# Any other stops the comparison rather than timing an error (a build without
# `parse-floor`, a bad path).
ms() {
  local ok=$1 s e code=0
  shift
  s=${EPOCHREALTIME:-$(date +%s.%N)}
  "$@" > /dev/null 2>&1 || code=$?
  e=${EPOCHREALTIME:-$(date +%s.%N)}
  if [ "$code" -gt "$ok" ]; then
    echo "ab.sh: \`$*\` exited $code" >&2
    return 2
  fi
  s=${s/,/.} e=${e/,/.}
  awk "BEGIN { printf \"%.1f\", ($e - $s) * 1000 }"
}

declare -A build=([A]=$a [B]=$b) times=()
for _ in $(seq "$rounds"); do
  for side in A B; do
    t=$(ms 0 "${build[$side]}" parse-floor "$dir")
    times[$side floor]+=" $t"
    t=$(ms 1 "${build[$side]}" check "$dir" --today 2026-11-23 --format compact)
    times[$side check]+=" $t"
  done
done

# Best and median of a list of numbers.
stats() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { printf "%s %s\n", v[1], v[int((NR + 1) / 2)] }'; }

printf '%-24s %10s %10s %10s %10s %8s %8s\n' build "floor min" "floor med" "check min" "check med" "min" "median"
for side in A B; do
  read -r fmin fmed < <(stats <<< "${times[$side floor]}")
  read -r cmin cmed < <(stats <<< "${times[$side check]}")
  printf '%-24s %10s %10s %10s %10s %7.3fx %7.3fx\n' "$side: ${build[$side]}" "$fmin" "$fmed" "$cmin" "$cmed" \
    "$(awk "BEGIN { print $cmin / $fmin }")" "$(awk "BEGIN { print $cmed / $fmed }")"
done
