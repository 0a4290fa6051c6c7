#!/usr/bin/env bash
# Writes the report of the 10-million-row benchmark database (1000 runs x
# 10,000 steps) with build/bin/gansweep and measures how it opens, pans and
# zooms in Debian's headless Chromium (benchmarks/report_pan.mjs). Prints
# figures; asserts nothing about time.
#
#   benchmarks/bench_report_pan.sh [DB] [--frames N] [--loads N] [--dpr R]
#
# DB defaults to the database build/bin/bench_query keeps in the temp folder
# ($TMPDIR or /tmp); when that one is missing, bench_query is run once to
# write it (about a minute, 1 GB). Needs a build (tools/build), Debian's
# chromium and playwright-core installed in tests/report (tools/setup).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gansweep=$root/build/bin/gansweep
bench_query=$root/build/bin/bench_query
default_db=${TMPDIR:-/tmp}
default_db=${default_db%/}/gansweep-bench-10m-steps.db

db=$default_db
if [[ $# -gt 0 && $1 != --* ]]; then
  db=$1
  shift
fi

if [[ ! -x $gansweep ]]; then
  echo "bench_report_pan: $gansweep is missing; build first (tools/build)" >&2
  exit 1
fi
if [[ ! -f $db ]]; then
  if [[ $db != "$default_db" ]]; then
    echo "bench_report_pan: $db: no such file" >&2
    exit 1
  fi
  if [[ ! -x $bench_query ]]; then
    echo "bench_report_pan: $db is missing, and so is $bench_query to write it" >&2
    exit 1
  fi
  echo "writing $db with bench_query (once; about a minute)"
  "$bench_query" --benchmark_filter=BM_WindowSummary10M > /dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
report=$work/report.html
start=$(date +%s.%N)
"$gansweep" report "$db" -o "$report" > /dev/null
end=$(date +%s.%N)
echo "gansweep report $db: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }') s"
node "$root/benchmarks/report_pan.mjs" "$report" "$@"
