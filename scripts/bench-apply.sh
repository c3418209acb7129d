#!/usr/bin/env bash
# Times 'dumpsync apply' on one large Resync.cfg (1,000,000 records) and a
# plan removing about half of them (--days 400), and prints the figures of
# the speed issue: wall (min/median of RUNS runs, default 5), CPU (user+sys),
# the ratio to `cat` of the same plan measured in the same run, and peak RSS,
# for the plan as dumpsync writes it (JSON), re-serialised by another tool
# (spaces after : and , as PowerShell and Python write; indented as Windows
# PowerShell 5.1 writes it, in UTF-8 and in UTF-16), as CSV, with an undo
# file, that undo file applied (restoring every row), --what-if, and the
# original syntax (`dumpsync DAYS` in the domain folder: plan and apply in
# one run); then one apply of a 4 M-row plan (8 domains of 1 M records),
# without and with an undo file, and that undo file applied, to show that
# memory does not grow with the plan: apply holds one folder's rows at a
# time.
#
#   scripts/bench-apply.sh              # N=1000000 BIG=8 RUNS=5 (BIG domains of N records)
#   N=200000 BIG=0 RUNS=3 scripts/bench-apply.sh   # quick; BIG=0 skips the big plan
#   KEEP=1 ...                          # keep the temp folder (printed)
#
# Every run starts from the original Resync.cfg (restored untimed before
# each run), with --within the domain folder and the undo file outside it, as
# apply requires. Targets: < 1 s for 500 k rows, undo file <= +15 %, peak
# RSS < 100 MB at any plan size.
set -euo pipefail

n=${N:-1000000}
big=${BIG:-8}
runs=${RUNS:-5}
days=${DAYS:-400}
now=2026-11-01T00:00:00Z
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/benchlib.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-apply.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
  echo "temp folder: $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi

echo "building dumpsync..."
(cd "$root" && go build -o "$tmp/dumpsync" ./cmd/dumpsync && go build -o "$tmp/gensite" ./scripts/gensite)
ds="$tmp/dumpsync"
dom="$tmp/site/Domain.000"

# site K N: K domain folders of N records each (site/Domain.000 ...), their
# originals kept in orig/Domain.000 ...
site() {
  rm -rf "$tmp/site" "$tmp/orig"
  mkdir "$tmp/orig"
  for ((k = 0; k < $1; k++)); do
    local d
    d=$(printf 'Domain.%03d' "$k")
    mkdir -p "$tmp/site/$d"
    "$tmp/gensite" -resync "$tmp/orig/$d" -n "$2" -now "$now" -seed $((k + 1))
    cp "$tmp/orig/$d" "$tmp/site/$d/Resync.cfg"
  done
}
bench_before() {
  for o in "$tmp"/orig/*; do cp "$o" "$tmp/site/${o##*/}/Resync.cfg"; done
  rm -f "$tmp/undo.json"
}

echo "generating $n records and planning..."
site 1 "$n"
"$ds" plan --days "$days" --now "$now" "$dom" -f json >"$tmp/plan.json"
"$ds" plan --days "$days" --now "$now" "$dom" -f csv >"$tmp/plan.csv"
# What ConvertTo-Json -Compress | ... and Python's json.dump write: the same
# rows with a space after every : and , (the slow path of the old reader).
python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1])), open(sys.argv[2], "w"))' "$tmp/plan.json" "$tmp/plan-spaces.json"
# What Windows PowerShell 5.1's ConvertTo-Json writes (4-space indent, two
# spaces after each colon, CRLF), and the same through its Out-File or >
# (UTF-16 little-endian with a byte-order mark).
python3 -c '
import json, sys
s = json.dumps(json.load(open(sys.argv[1])), indent=4, separators=(",", ":  ")).replace("\n", "\r\n")
open(sys.argv[2], "w", encoding="utf-8", newline="").write(s)
open(sys.argv[3], "wb").write(b"\xff\xfe" + s.encode("utf-16-le"))' "$tmp/plan.json" "$tmp/plan-ps51.json" "$tmp/plan-ps51-utf16.json"
rows=$(grep -c '"RemoveEntry"' "$tmp/plan.json")
cat "$tmp/plan.json" "$tmp/plan-spaces.json" "$tmp/plan-ps51.json" "$tmp/plan-ps51-utf16.json" "$tmp/plan.csv" >/dev/null # warm the page cache

apply=("$ds" apply --quiet --within "$dom" -f jsonl)
measure cat_json "$runs" "${catpipe[@]}" "$tmp/plan.json"
measure json "$runs" "${apply[@]}" "$tmp/plan.json" --no-undo
measure spaces "$runs" "${apply[@]}" "$tmp/plan-spaces.json" --no-undo
measure ps51 "$runs" "${apply[@]}" "$tmp/plan-ps51.json" --no-undo
measure ps51u16 "$runs" "${apply[@]}" "$tmp/plan-ps51-utf16.json" --no-undo
measure csv "$runs" "${apply[@]}" "$tmp/plan.csv" --no-undo
measure undo "$runs" "${apply[@]}" "$tmp/plan.json" --undo "$tmp/undo.json"
# Applying that undo file (a RestoreEntry row for each row removed) to the
# Resync.cfg the apply left: every run starts from that state.
cp "$dom/Resync.cfg" "$tmp/after.cfg"
cp "$tmp/undo.json" "$tmp/undo-plan.json"
bench_before() { cp "$tmp/after.cfg" "$dom/Resync.cfg"; }
measure restore "$runs" "${apply[@]}" "$tmp/undo-plan.json" --no-undo
cmp -s "$dom/Resync.cfg" "$tmp/orig/Domain.000" || { echo "bench: the undo file did not restore the original Resync.cfg" >&2; exit 1; }
bench_before() {
  for o in "$tmp"/orig/*; do cp "$o" "$tmp/site/${o##*/}/Resync.cfg"; done
  rm -f "$tmp/undo.json"
}
measure whatif "$runs" "${apply[@]}" "$tmp/plan.json" --what-if
measure checkplan "$runs" "$ds" check --quiet --plan "$tmp/plan.json" -f jsonl
# The original syntax in the domain folder: plan and apply in one run, with
# a results table and an undo file (in a cache folder of its own, emptied
# before each run).
bench_before() {
  for o in "$tmp"/orig/*; do cp "$o" "$tmp/site/${o##*/}/Resync.cfg"; done
  rm -rf "$tmp/undo.json" "$tmp/cache"
}
measure legacy "$runs" env XDG_CACHE_HOME="$tmp/cache" bash -c 'cd "$1" && exec "$2" --now "$3" -q "$4" 2>/dev/null' legacy \
  "$dom" "$ds" "$now" "$days"

mb() { echo $(($(stat -c %s "$1") / 1000000)); }
printf 'Resync.cfg: %d records; plan: %d rows, %s MB JSON, %s MB with spaces, %s MB as 5.1 writes it (%s MB in UTF-16), %s MB CSV; %d runs each\n' \
  "$n" "$rows" "$(mb "$tmp/plan.json")" "$(mb "$tmp/plan-spaces.json")" "$(mb "$tmp/plan-ps51.json")" \
  "$(mb "$tmp/plan-ps51-utf16.json")" "$(mb "$tmp/plan.csv")" "$runs"
printf '%-36s %7s %8s %6s %7s %8s\n' work min_s median_s cpu_s x_cat peak_MB
row() { # name label [cat-name]: x_cat against `cat` of plan.json, or of cat-name's file
  local mn=MIN_$1 md=MED_$1 cp=CPU_$1 rs=RSS_$1 ct=MIN_${3:-cat_json}
  printf '%-36s %7s %8s %6s %7s %8s\n' "$2" "${!mn}" "${!md}" "${!cp}" "$(ratio "${!mn}" "${!ct}")" \
    "$(awk -v k="${!rs}" 'BEGIN { printf "%.1f", k / 1024 }')"
}
row cat_json "cat plan.json"
row json "apply plan.json --no-undo"
row spaces "apply plan-spaces.json --no-undo"
row ps51 "apply plan-ps51.json --no-undo"
row ps51u16 "apply plan-ps51-utf16.json --no-undo"
row csv "apply plan.csv --no-undo"
row undo "apply plan.json --undo FILE"
row restore "apply undo.json (restore them)"
row whatif "apply plan.json --what-if"
row checkplan "check --plan plan.json"
row legacy "dumpsync $days (original syntax)"
printf 'undo file: %+.0f %% wall, %+.0f %% CPU\n' \
  "$(awk -v a="$MIN_undo" -v b="$MIN_json" 'BEGIN { print (a / b - 1) * 100 }')" \
  "$(awk -v a="$CPU_undo" -v b="$CPU_json" 'BEGIN { print (b > 0 ? (a / b - 1) * 100 : 0) }')"

if [ "$big" -gt 0 ]; then
  echo "generating $big domains of $n records and planning..."
  rm -f "$tmp/plan.json" "$tmp/plan-spaces.json" "$tmp/plan.csv"
  site "$big" "$n"
  "$ds" plan --days "$days" --now "$now" "$tmp"/site/Domain.* -f json >"$tmp/big.json"
  bigrows=$(grep -c '"RemoveEntry"' "$tmp/big.json")
  bigmb=$(mb "$tmp/big.json")
  cat "$tmp/big.json" >/dev/null
  measure cat_big 1 "${catpipe[@]}" "$tmp/big.json"
  measure big 1 "$ds" apply --quiet --within "$tmp/site" -f jsonl "$tmp/big.json" --no-undo
  # The same with an undo file, and that undo file applied: restoring
  # 3.9 M rows, each folder's in turn.
  bench_before() {
    for o in "$tmp"/orig/*; do cp "$o" "$tmp/site/${o##*/}/Resync.cfg"; done
    rm -f "$tmp/big-undo.json"
  }
  measure bigundo 1 "$ds" apply --quiet --within "$tmp/site" -f jsonl "$tmp/big.json" --undo "$tmp/big-undo.json"
  rm -f "$tmp/big.json" # room on the disk
  mkdir -p "$tmp/after"
  for o in "$tmp"/orig/*; do cp "$tmp/site/${o##*/}/Resync.cfg" "$tmp/after/${o##*/}"; done
  bench_before() { for o in "$tmp"/after/*; do cp "$o" "$tmp/site/${o##*/}/Resync.cfg"; done; }
  measure bigrestore 1 "$ds" apply --quiet --within "$tmp/site" -f jsonl "$tmp/big-undo.json" --no-undo
  for o in "$tmp"/orig/*; do
    cmp -s "$o" "$tmp/site/${o##*/}/Resync.cfg" || { echo "bench: the big undo file did not restore ${o##*/}" >&2; exit 1; }
  done
  printf 'big plan: %d domains of %d records, %d rows, %s MB JSON; its undo file %s MB\n' "$big" "$n" "$bigrows" "$bigmb" "$(mb "$tmp/big-undo.json")"
  row big "apply big.json --no-undo" cat_big
  row bigundo "apply big.json --undo FILE" cat_big
  row bigrestore "apply big-undo.json (restore them)" cat_big
fi
