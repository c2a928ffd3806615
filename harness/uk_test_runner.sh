#!/bin/bash
# Runs a test body under uk-run (see harness/defs.bzl). Arguments:
#   UK_RUN [--mount TYPE:OPTIONS:DIR | -g SUBSYS:PATH]... -- BODY [ARGS...]
# A relative mount DIR is placed under $TEST_TMPDIR/uk-mounts, exported to the body
# as UK_MOUNTS; the body's exit status is the test's.
set -euo pipefail
ukrun="$1"
shift
export UK_MOUNTS="${TEST_TMPDIR:-$(mktemp -d)}/uk-mounts"
mkdir -p "$UK_MOUNTS"
args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
  if [[ "$1" == "--mount" ]]; then
    IFS=: read -r type opts dir <<<"$2"
    [[ "$dir" == /* ]] || dir="$UK_MOUNTS/$dir"
    args+=(--mount "$type:$opts:$dir")
    shift 2
  else
    args+=("$1")
    shift
  fi
done
shift  # --
exec "$ukrun" "${args[@]}" -- "$@"
