#!/usr/bin/env bash
# Times `dumpsync plan` on one domain of 1,000,000 Resync.cfg entries and
# 100,000 .cfg files (about half of them planned for deletion), then on one of
# 4,000,000 entries and the same .cfg files, and prints the figures of the
# speed issue: wall time (min/median of RUNS), as a ratio to `cat` of the plan
# output measured in the same run, CPU (user + system, min: on a busy machine
# the steadier figure), peak RSS and entries/s. The second size shows whether
# memory grows with the entries.
#
#   scripts/bench-plan.sh                  # 1 M and 4 M entries, 100 k .cfg, 5 runs
#   SIZES="1000000" CFGS=100000 RUNS=3 FORMAT=csv scripts/bench-plan.sh
#   KEEP=1 ...                             # keep the temp folder and its sites (printed)
#   DIR=/tmp/bench-plan.XXXXXX ...         # reuse a kept folder: its sites are not made again
#   BASE=main ...                          # also check that the plan of each size is
#                                          # byte for byte the plan of BASE (a git
#                                          # revision) in JSON, JSON Lines and CSV
#
# Targets: under 1 s at 1 M entries, peak RSS under 64 MB at every size.
# The same work without the process: go test ./internal/plan -run '^$' -bench PlanLarge
set -euo pipefail

sizes=${SIZES:-1000000 4000000}
cfgs=${CFGS:-100000}
runs=${RUNS:-5}
format=${FORMAT:-json}
now=2026-11-01T00:00:00Z
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/benchlib.sh"
if [ -n "${DIR:-}" ]; then
  tmp=$DIR
  KEEP=1
else
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-plan.XXXXXX")
fi
if [ "${KEEP:-0}" = 1 ]; then
  echo "temp folder: $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi

echo "building dumpsync and mkbigsite..."
(cd "$root" && go build -o "$tmp/dumpsync" ./cmd/dumpsync && go build -o "$tmp/mkbigsite" ./scripts/mkbigsite)
if [ -n "${BASE:-}" ]; then
  echo "building dumpsync at $BASE..."
  rm -rf "$tmp/base"
  mkdir "$tmp/base"
  git -C "$root" archive "$BASE" | tar -x -C "$tmp/base"
  (cd "$tmp/base" && go build -o "$tmp/dumpsync-base" ./cmd/dumpsync)
fi

printf '%-26s %8s %8s %6s %7s %8s %9s %9s\n' work min_s med_s x_cat cpu_s peak_MB M_ent/s rows
missed=0
differ=0
for n in $sizes; do
  dom="$tmp/$n-$cfgs/Domain.000"
  if [ ! -f "$dom/Resync.cfg" ]; then
    echo "generating $n entries and $cfgs .cfg files..." >&2
    rm -rf "$tmp/$n-$cfgs"
    "$tmp/mkbigsite" -out "$dom" -entries "$n" -cfgs "$cfgs" -now "$now"
  fi
  args=(plan --days 90 --now "$now" "$dom")
  plan=("$tmp/dumpsync" "${args[@]}" -f "$format")
  # The first run warms the page cache (as a second plan of the same site
  # would find it) and gives the output that cat copies.
  "${plan[@]}" >"$tmp/plan.$format" 2>/dev/null
  case $format in
  json) rows=$(($(wc -l <"$tmp/plan.$format") - 2)) ;;
  csv) rows=$(($(wc -l <"$tmp/plan.$format") - 1)) ;;
  *) rows=$(wc -l <"$tmp/plan.$format") ;;
  esac
  measure cat "$runs" "${catpipe[@]}" "$tmp/plan.$format"
  # stderr carries plan's summary line: keep it out of the table.
  measure plan "$runs" "${plan[@]}" 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  printf '%-26s %8s %8s %6s %7s %8s %9s %9s\n' "cat (plan output, $((n / 1000)) k)" "$MIN_cat" "$MED_cat" 1.00 \
    "$CPU_cat" "$(mib "$RSS_cat")" "" ""
  printf '%-26s %8s %8s %6s %7s %8s %9s %9s\n' "plan $((n / 1000)) k entries" "$MIN_plan" "$MED_plan" \
    "$(ratio "$MIN_plan" "$MIN_cat")" "$CPU_plan" "$(mib "$RSS_plan")" "$(rate "$n" "$MIN_plan")" "$rows"
  if ((RSS_plan >= 64 * 1024)); then missed=1; fi
  if [ "$n" = 1000000 ] && awk -v s="$MIN_plan" 'BEGIN { exit !(s >= 1) }'; then missed=1; fi
  rm -f "$tmp/plan.$format"
  if [ -n "${BASE:-}" ]; then
    for f in json jsonl csv; do
      "$tmp/dumpsync" "${args[@]}" -f "$f" >"$tmp/new.$f" 2>/dev/null || [ $? = 1 ]
      "$tmp/dumpsync-base" "${args[@]}" -f "$f" >"$tmp/base.$f" 2>/dev/null || [ $? = 1 ]
      if cmp -s "$tmp/new.$f" "$tmp/base.$f"; then
        echo "plan $((n / 1000)) k entries -f $f: the same $(wc -c <"$tmp/new.$f") bytes as $BASE's"
      else
        echo "plan $((n / 1000)) k entries -f $f: DIFFERS from $BASE's: $(cmp "$tmp/new.$f" "$tmp/base.$f" 2>&1 | head -1)"
        differ=1
      fi
      rm -f "$tmp/new.$f" "$tmp/base.$f"
    done
  fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "${tmp:?}/$n-$cfgs"; fi
done
echo "$cfgs .cfg files, -f $format, $runs runs each; targets: < 1 s at 1 M entries, peak RSS < 64 MB at any size"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
if ((differ)); then
  echo "OUTPUT DIFFERS from $BASE's"
  exit 1
fi
if ((missed)); then
  echo "MISSED a target"
  exit 1
fi
