#!/usr/bin/env bash
# Times 'dumpsync dump' over a synthetic Resync.cfg (10 M entries, 480 MB) and
# prints the figures of the speed issue: entries/s on one core and on two,
# JSON Lines and CSV, each as a ratio to `cat` of the same output measured in
# the same run, and peak RSS. Min and median of RUNS runs (default 5).
#
#   scripts/bench-dump.sh            # 10,000,000 entries
#   N=1000000 RUNS=3 scripts/bench-dump.sh
#   KEEP=1 ...                       # keep the temp folder (printed)
#
# The targets' rates are measured with stdout redirected to /dev/null by the
# shell (never through --out): the "redirected" rows. The ratios to `cat`
# are measured through a pipe read by `cat >/dev/null`: the "piped" rows
# (through a pipe, cat alone moves about 11 M entries/s of JSON Lines on a
# 2-core machine, so no producer reaches 12 M/s there). cpu_s is the least
# user+sys time of the runs: on a busy machine it is the steadier figure.
# Peak RSS is dumpsync's own, from one more run with stdout redirected.
#
# Targets: jsonl >= 8 M/s on one core, >= 12 M/s on two (redirected), <= 4x
# cat of the output (piped); csv >= 6 M/s; peak RSS < 32 MB.
set -euo pipefail

n=${N:-10000000}
runs=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/benchlib.sh"
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
cat "$tmp/Resync.cfg" >/dev/null # warm the page cache: measure dumpsync, not the disk

one=()
if command -v taskset >/dev/null 2>&1; then one=(taskset -c 0); fi
dump="'$tmp/dumpsync' dump -q --now 2026-11-01T00:00:00Z '$tmp/Resync.cfg'"
"$tmp/dumpsync" dump -q --now 2026-11-01T00:00:00Z "$tmp/Resync.cfg" -f jsonl >"$tmp/out.jsonl"
"$tmp/dumpsync" dump -q --now 2026-11-01T00:00:00Z "$tmp/Resync.cfg" -f csv >"$tmp/out.csv"

# Every command writes into a pipe read by `cat >/dev/null`, as dump's
# output is read in use; `cat FILE` into the same pipe is the floor (GNU cat
# straight to /dev/null copies nothing, so it is no yardstick).
piped() { measure "$1" "$runs" sh -c "$2 | cat >/dev/null"; }
piped cat_jsonl "cat '$tmp/out.jsonl'"
piped cat_csv "cat '$tmp/out.csv'"
piped jsonl1 "GOMAXPROCS=1 ${one[*]} $dump -f jsonl"
piped jsonl2 "GOMAXPROCS=2 $dump -f jsonl"
piped csv1 "GOMAXPROCS=1 ${one[*]} $dump -f csv"
piped csv2 "GOMAXPROCS=2 $dump -f csv"
redirected() { measure "$1" "$runs" env "GOMAXPROCS=$2" "${@:3}"; }
args=(dump -q --now 2026-11-01T00:00:00Z "$tmp/Resync.cfg")
redirected rjsonl1 1 "${one[@]}" "$tmp/dumpsync" "${args[@]}" -f jsonl
redirected rjsonl2 2 "$tmp/dumpsync" "${args[@]}" -f jsonl
redirected rcsv1 1 "${one[@]}" "$tmp/dumpsync" "${args[@]}" -f csv
redirected rcsv2 2 "$tmp/dumpsync" "${args[@]}" -f csv
# Peak RSS of dumpsync alone (the pipe's cat is not counted).
rss() { "$timer" -f '%M' -o "$tmp/rss" env "GOMAXPROCS=$1" "$tmp/dumpsync" dump -q --now 2026-11-01T00:00:00Z "$tmp/Resync.cfg" -f "$2" >/dev/null && cat "$tmp/rss"; }
RSS_jsonl1=$(rss 1 jsonl) RSS_jsonl2=$(rss 2 jsonl) RSS_csv1=$(rss 1 csv) RSS_csv2=$(rss 2 csv) RSS_cat_jsonl=0 RSS_cat_csv=0
RSS_rjsonl1=$RSS_jsonl1 RSS_rjsonl2=$RSS_jsonl2 RSS_rcsv1=$RSS_csv1 RSS_rcsv2=$RSS_csv2

printf '%d entries, output %s MB (jsonl) / %s MB (csv), %d runs each; load before: %s\n' "$n" \
  "$(($(stat -c %s "$tmp/out.jsonl") / 1000000))" "$(($(stat -c %s "$tmp/out.csv") / 1000000))" "$runs" \
  "$(cut -d' ' -f1 /proc/loadavg)"
printf '%-38s %7s %8s %6s %11s %6s %8s\n' work min_s median_s cpu_s M_entries/s x_cat peak_MB
row() { # name label [cat-name]
  local mn=MIN_$1 md=MED_$1 rs=RSS_$1 cu=CPU_$1 x=-
  if [ -n "${3:-}" ]; then local cm=MIN_$3; x=$(ratio "${!mn}" "${!cm}"); fi
  printf '%-38s %7s %8s %6s %11s %6s %8s\n' "$2" "${!mn}" "${!md}" "${!cu}" "$(rate "$n" "${!mn}")" \
    "$x" "$(mib "${!rs}")"
}
row rjsonl1 "dump -f jsonl, 1 core, redirected"
row rjsonl2 "dump -f jsonl, 2 cores, redirected"
row rcsv1 "dump -f csv, 1 core, redirected"
row rcsv2 "dump -f csv, 2 cores, redirected"
row cat_jsonl "cat (jsonl output), piped" cat_jsonl
row jsonl1 "dump -f jsonl, 1 core, piped" cat_jsonl
row jsonl2 "dump -f jsonl, 2 cores, piped" cat_jsonl
row cat_csv "cat (csv output), piped" cat_csv
row csv1 "dump -f csv, 1 core, piped" cat_csv
row csv2 "dump -f csv, 2 cores, piped" cat_csv
