#!/usr/bin/env bash
# Times 'dumpsync dump -f jsonl' over a synthetic Resync.cfg on one core and
# reports wall time, entries/s and peak RSS.
#
#   scripts/bench-dump.sh            # 10,000,000 entries (480 MB)
#   N=1000000 scripts/bench-dump.sh  # fewer
#   KEEP=1 ...                       # keep the temp folder (printed)
#
# Targets: peak RSS < 32 MB; >= 3,000,000 entries/s.
set -euo pipefail

n=${N:-10000000}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-dump.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
  echo "temp folder: $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi

echo "building dumpsync and mkresync..."
(cd "$root" && go build -o "$tmp/dumpsync" ./cmd/dumpsync && go build -o "$tmp/mkresync" ./scripts/mkresync)

echo "generating $n entries..."
"$tmp/mkresync" -n "$n" -o "$tmp/Resync.cfg"
size=$(stat -c %s "$tmp/Resync.cfg")
echo "Resync.cfg: $size bytes"

cmd=("$tmp/dumpsync" dump -f jsonl --now 2026-11-01T00:00:00Z "$tmp/Resync.cfg")
if command -v taskset >/dev/null 2>&1; then
  cmd=(taskset -c 0 "${cmd[@]}")
fi
# Warm the page cache so the run measures dumpsync, not the disk.
cat "$tmp/Resync.cfg" >/dev/null

GOMAXPROCS=1 /usr/bin/time -v "${cmd[@]}" >/dev/null 2>"$tmp/time.txt" || {
  cat "$tmp/time.txt" >&2
  exit 1
}

wall=$(sed -n 's/^[[:space:]]*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.txt")
rss=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
user=$(sed -n 's/^[[:space:]]*User time (seconds): //p' "$tmp/time.txt")
sys=$(sed -n 's/^[[:space:]]*System time (seconds): //p' "$tmp/time.txt")
secs=$(awk -v w="$wall" 'BEGIN { n = split(w, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }')

awk -v n="$n" -v s="$secs" -v w="$wall" -v rss="$rss" -v u="$user" -v sy="$sys" -v size="$size" 'BEGIN {
  rate = (s > 0) ? n / s : 0
  printf "entries:     %d (%.0f MB)\n", n, size / 1e6
  printf "wall time:   %s (%.2f s; user %.2f s, sys %.2f s)\n", w, s, u, sy
  cpu = u + sy
  printf "entries/s:   %.0f  (target >= 3000000: %s)\n", rate, (rate >= 3000000) ? "met" : "MISSED"
  if (cpu > 0) printf "per CPU s:   %.0f entries (user+sys; what the rate would be on an idle core)\n", n / cpu
  printf "peak RSS:    %.1f MB (%d KiB)  (target < 32 MB: %s)\n", rss / 1024, rss, (rss < 32 * 1024) ? "met" : "MISSED"
}'
