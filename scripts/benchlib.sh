# Shared by the scripts/bench-*.sh scripts: source it.
#
#   measure NAME RUNS CMD...   runs CMD RUNS times (stdout to /dev/null by
#                              redirection, never through --out), records the
#                              min and median wall seconds, the least CPU
#                              seconds (user+sys) and the peak RSS in
#                              MIN_<NAME>, MED_<NAME>, CPU_<NAME>, RSS_<NAME>
#                              (KiB). When a function bench_before is
#                              defined, it runs before each run, untimed (a
#                              script that changes its input restores it).
#   "${catpipe[@]}" FILE       a command that copies FILE through a pipe:
#                              what `cat` of the output costs, for
#                              `measure NAME RUNS "${catpipe[@]}" FILE` (GNU
#                              cat straight to /dev/null copies nothing).
#   ratio A B                  prints A/B with two decimals.
#   rate N S                   prints N/S in millions with two decimals.
#   mib KIB                    prints KiB as MiB with one decimal.
timer=/usr/bin/time
if [ ! -x "$timer" ]; then
  echo "bench: /usr/bin/time not found (apt-get install time)" >&2
  exit 2
fi

measure() {
  local name=$1 runs=$2
  shift 2
  local t f walls=() rss=0 r u s cpu=""
  f=$(mktemp)
  for ((i = 0; i < runs; i++)); do
    if declare -F bench_before >/dev/null; then bench_before; fi
    "$timer" -f '%e %M %U %S' -o "$f" "$@" >/dev/null || { echo "bench: $* failed" >&2; cat "$f" >&2; rm -f "$f"; return 1; }
    read -r t r u s <"$f"
    walls+=("$t")
    ((r > rss)) && rss=$r
    cpu=$(awk -v c="$cpu" -v u="$u" -v s="$s" 'BEGIN { t = u + s; if (c == "" || t < c) c = t; printf "%.2f", c }')
  done
  rm -f "$f"
  local sorted
  sorted=$(printf '%s\n' "${walls[@]}" | sort -g)
  printf -v "MIN_$name" '%s' "$(head -1 <<<"$sorted")"
  printf -v "MED_$name" '%s' "$(sed -n "$(((runs + 1) / 2))p" <<<"$sorted")"
  printf -v "RSS_$name" '%s' "$rss"
  printf -v "CPU_$name" '%s' "$cpu"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.2f", n / s / 1e6; else print "inf" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

catpipe=(bash -c 'cat "$1" | cat' catpipe)
