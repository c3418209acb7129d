#!/usr/bin/env bash
# Runs the commands that read a whole Resync.cfg on a 5 GB sparse file (all
# zero bytes: every record an invalid, empty SMSID; the disk holds nothing)
# and reports each one's wall time and peak RSS. The target is a peak RSS
# under 256 MB for every command, whatever the file holds (issue 12.4).
#
#   scripts/bench-sparse.sh                 # 5,000,000,016 bytes (104,166,667 records)
#   SIZE=1000000000 scripts/bench-sparse.sh # smaller
#   KEEP=1 ...                              # keep the temp folder (printed)
#
# A sparse file costs no disk space, but its zero bytes are read like any
# others: each command reads 5 GB (check reads it twice) and writes a record
# per invalid entry to /dev/null, so expect minutes, not seconds.
set -euo pipefail

size=${SIZE:-5000000016}
size=$((size / 48 * 48)) # whole records: plan plans nothing beside a partial record
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-sparse.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
  echo "temp folder: $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
timer=/usr/bin/time
if [ ! -x "$timer" ]; then
  echo "bench-sparse: /usr/bin/time not found (apt-get install time)" >&2
  exit 2
fi

(cd "$root" && go build -o "$tmp/dumpsync" ./cmd/dumpsync)
mkdir -p "$tmp/Domain.000"
truncate -s "$size" "$tmp/Domain.000/Resync.cfg"
echo "Resync.cfg: $size bytes, sparse ($(du -k "$tmp/Domain.000/Resync.cfg" | cut -f1) KiB on disk)"

now=--now=2026-11-01T00:00:00Z
fail=0
run() {
  local name=$1
  shift
  # Exit 1 is expected: every entry is invalid, and check finds Errors.
  "$timer" -v -o "$tmp/time.txt" "$tmp/dumpsync" "$@" >/dev/null 2>"$tmp/stderr.txt" || true
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.txt")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
  printf '%-28s wall %10s  peak RSS %7.1f MiB\n' "$name" "$wall" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')"
  if [ "$rss" -ge $((256 * 1024)) ]; then
    echo "  MISSED the 256 MB target"
    fail=1
  fi
}
run "check" check "$now" -f jsonl "$tmp/Domain.000"
run "plan --include-invalid" plan --days 90 --include-invalid "$now" -f jsonl "$tmp/Domain.000"
run "plan" plan --days 90 "$now" -f jsonl "$tmp/Domain.000"
run "dump" dump "$now" -f jsonl "$tmp/Domain.000"
exit $fail
