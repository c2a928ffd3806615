#!/bin/bash
# The README's demo (//:demo): the article's session under uk-run, then its CPU-share
# example (System 10% / guest A 60% / guest B 30% on one CPU) measured on real processes.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
runfiles=${RUNFILES_DIR:-$0.runfiles}
find_script() {
  for c in "$here/$1" "$runfiles/uk/harness/$1"; do
    [[ -x "$c" ]] && { echo "$c"; return; }
  done
  echo "readme_demo: $1 not found" >&2
  exit 1
}
ukrun=$(find_script uk-run)
UKRUN=$ukrun "$(find_script uk_run_demo.sh)"
echo
echo "# CPU shares (the article's 90% / 10%): burners in System, Guests/A (x2), Guests/B"
UKRUN=$ukrun "$(find_script cpu_share_demo.sh)" "$@"
