#!/usr/bin/env bash
# Runs a command while the host's cgroups change beside it, as systemd changes them on a
# busy machine: every 50 ms a new directory appears in a host cgroup v1 hierarchy and
# the previous one is removed.
#
#   tests/e2e/host_churn.sh [--] CMD [ARGS...]  (e.g. bazel test //tests/e2e/...)
#
# The directories live in a uniquely named child of the first v1 hierarchy, removed at
# the end. Without root or a v1 hierarchy, CMD runs without churn (a SKIP line says so).
# Exits with CMD's status; prints how many directories were made and removed.
set -euo pipefail
[[ "${1:-}" == -- ]] && shift
(($# >= 1)) || {
  sed -n '5p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

hier=$(awk '{ i = 7; while ($i != "-") i++ } $(i + 1) == "cgroup" { print $5; exit }' \
  /proc/self/mountinfo)
if [[ $(id -u) != 0 || -z "$hier" ]]; then
  echo "host_churn: SKIP: needs root and a cgroup v1 hierarchy; running without churn" >&2
  exec "$@"
fi
base=$(mktemp -u "$hier/ukchurn.XXXXXX")
mkdir "$base"
count=$(mktemp) # the loop's count, read after it stops (a cgroup fs holds no files)
churn() {
  local i=0
  while :; do
    mkdir "$base/d$i"
    ((i == 0)) || rmdir "$base/d$((i - 1))"
    i=$((i + 1))
    echo "$i" >"$count"
    sleep 0.05
  done
}
churn 2>/dev/null &
loop=$!
stop() {
  kill "$loop" 2>/dev/null || true
  wait "$loop" 2>/dev/null || true
  echo "host_churn: $(cat "$count") directories made and removed in $base" >&2
  rm -f "$count"
  find "$base" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
  rmdir "$base"
}
trap stop EXIT
echo "host_churn: churning in $base" >&2
"$@"
