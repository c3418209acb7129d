#!/usr/bin/env bash
# The whole job on a copy of the bundled sample, in a temporary folder:
# plan -> apply --what-if -> apply -> apply again -> undo. Nothing in the
# repository changes.
#   scripts/demo.sh
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/dumpsync" ./cmd/dumpsync || exit 1
cp -r testdata/sample "$work/site"
ds="$work/dumpsync"
now=2026-11-01T00:00:00Z
site="$work/site/SMS"
count() { cut -d, -f"$1" | tail -n +2 | sort | uniq -c; }

echo "== plan --days 90 of the site and its three logon servers"
"$ds" plan --days 90 --now "$now" --site "$site" --logon "$work/site/LOGON*/SMSLOGON" --out "$work/plan.csv"
echo "exit $?"; count 1 <"$work/plan.csv"

echo "== apply --what-if"
"$ds" apply "$work/plan.csv" --what-if --within "$work/site" -f csv >"$work/whatif.csv"
echo "exit $?"; count 14 <"$work/whatif.csv"

echo "== apply"
"$ds" apply "$work/plan.csv" --within "$work/site" --undo "$work/undo.json" -f csv >"$work/applied.csv"
echo "exit $?"; count 14 <"$work/applied.csv"

echo "== apply the same plan again: nothing matches any more, every row is Skipped"
"$ds" apply "$work/plan.csv" --within "$work/site" --no-undo -f csv >"$work/again.csv"
echo "exit $?"; count 14 <"$work/again.csv"

echo "== apply the undo file"
"$ds" apply "$work/undo.json" --within "$work/site" --no-undo -f csv >"$work/undone.csv"
echo "exit $?"; count 14 <"$work/undone.csv"
if diff -r testdata/sample "$work/site" >/dev/null; then
  echo "the site is byte-identical to the sample again"
else
  echo "the site DIFFERS from the sample"; exit 1
fi
