#!/usr/bin/env bash
# Times 'dumpsync apply' on a large Resync.cfg: 1 000 000 records, a plan
# removing about half of them (--days 400), applied without an undo file.
# Reports wall time and peak RSS (GNU time). Target: under 2 s.
#   scripts/bench-apply.sh [records] [days]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
days=${2:-400}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now=2026-11-01T00:00:00Z
go build -o "$work/dumpsync" ./cmd/dumpsync
go run ./scripts/gensite -resync "$work/Resync.cfg" -n "$n" -now "$now"
ds="$work/dumpsync"
mkdir "$work/Domain.000"
mv "$work/Resync.cfg" "$work/Domain.000/"
cp "$work/Domain.000/Resync.cfg" "$work/Resync.orig"

"$ds" plan --days "$days" --now "$now" "$work/Domain.000" -f json --out "$work/plan.json"
rows=$(grep -c '"RemoveEntry"' "$work/plan.json")
echo "Resync.cfg: $n records, $(stat -c %s "$work/Domain.000/Resync.cfg") bytes; plan: $rows rows, $(stat -c %s "$work/plan.json") bytes"

measure() { # label, command...
  local label=$1; shift
  cp "$work/Resync.orig" "$work/Domain.000/Resync.cfg"
  /usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt" || true
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
  printf '%-40s wall %s  peak RSS %d MB\n' "$label" "$wall" $((rss / 1024))
}
measure "apply plan.json --no-undo -f jsonl" "$ds" apply "$work/plan.json" --no-undo -f jsonl
measure "apply plan.json --what-if -f jsonl" "$ds" apply "$work/plan.json" --what-if -f jsonl
measure "apply plan.json (undo file) -f jsonl" "$ds" apply "$work/plan.json" --undo "$work/undo.json" -f jsonl
