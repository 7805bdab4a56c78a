# Sourced by bench.sh and ab.sh (run from the package root): the generated estate of N systems
# in DIR, written again when the generator's source has changed since it was written (its
# checksum is kept beside the folder, in DIR.generator), so that a benchmark never times
# the estates of an older generator left in target/bench.
ensure_estate() {
  local n=$1 dir=$2 stamp
  stamp=$(cksum < examples/gen-estate.rs)
  if [ -d "$dir" ] && [ "$(cat "$dir.generator" 2> /dev/null)" = "$stamp" ]; then
    return
  fi
  cargo build --release --quiet --example gen-estate
  rm -rf "$dir"
  "${CARGO_TARGET_DIR:-target}/release/examples/gen-estate" --systems "$n" "$dir" 2> /dev/null
  echo "$stamp" > "$dir.generator"
}
