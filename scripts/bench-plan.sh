#!/usr/bin/env bash
# Times `dumpsync plan` on one domain of 1,000,000 Resync.cfg entries and
# 100,000 .cfg files (about half of them planned for deletion) and prints the
# wall time, peak RSS and entries per second. The target is under 3 s.
#
#   scripts/bench-plan.sh [ENTRIES [CFGS]]       (KEEP=1 keeps the site)
#
# The same work without the process: go test ./internal/plan -run '^$' -bench PlanLarge
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-1000000}
cfgs=${2:-100000}
now=2026-11-01T00:00:00Z
tmp=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT

echo "generating $entries entries and $cfgs .cfg files in $tmp ..." >&2
go run ./scripts/mkbigsite -out "$tmp/Domain.000" -entries "$entries" -cfgs "$cfgs" -now "$now"
go build -o "$tmp/dumpsync" ./cmd/dumpsync

timer=/usr/bin/time
if [ ! -x "$timer" ]; then
  echo "bench-plan: /usr/bin/time not found (apt-get install time)" >&2
  exit 2
fi
# A first run warms the page cache, as a second plan of the same site would be.
"$tmp/dumpsync" plan --days 90 --now "$now" "$tmp/Domain.000" -f json >/dev/null
"$timer" -v -o "$tmp/time.txt" "$tmp/dumpsync" plan --days 90 --now "$now" "$tmp/Domain.000" -f json >"$tmp/plan.json"

wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.txt")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
rows=$(($(wc -l <"$tmp/plan.json") - 2))
secs=$(awk -v w="$wall" 'BEGIN { n = split(w, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }')
awk -v s="$secs" -v rss="$rss" -v e="$entries" -v c="$cfgs" -v rows="$rows" 'BEGIN {
  printf "entries %d, .cfg files %d, rows %d\n", e, c, rows
  printf "wall %.2f s, peak RSS %.1f MiB, %.0f entries/s\n", s, rss / 1024, (s > 0 ? e / s : 0)
  if (s >= 3) { print "MISSED the 3 s target"; exit 1 }
}'
