#!/bin/bash
# Makes the goldens of the conformance test from a host run:
#
#   bazel run //tests/cgroup:make_goldens -- CASE...   (as root)
#
# runs each CASE (conform_cases.sh) on this host's kernel, as conformance_test.sh does,
# and writes tests/cgroup/conform_goldens/CASE.out: a header (the kernel, how and when it
# was made, the topology it needs) and the answers. Run it on a host that has what the
# case needs (two memory nodes for --nodes=2, a CPU offline for --cpus=0, no v1 hierarchy
# bound to cpu for remount_changes_subsystems); a case the host cannot run is left as it
# was. Without CASE: every case that has a golden now.
set -uo pipefail
# bazel run starts it in its runfiles tree.
R="${RUNFILES_DIR:-$0.runfiles}/uk"
[[ -d "$R/tests/cgroup" ]] || R=$PWD
HERE="$R/tests/cgroup"
MOUNT_CALL="$R/tests/e2e/mount_call"
GOLDENS="${BUILD_WORKSPACE_DIRECTORY:?run it with bazel run}/tests/cgroup/conform_goldens"
source "$HERE/conform_cases.sh"
source "$HERE/conform_compare.sh"
[[ $(id -u) == 0 ]] || { echo "make_goldens.sh: needs root" >&2; exit 2; }

cases=("$@")
if ((${#cases[@]} == 0)); then
  for f in "$GOLDENS"/*.out; do cases+=("$(basename "$f" .out)"); done
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/w"
chmod 755 "$TMP" "$TMP/w"
CONFORM_NAME="ukgold$$x$RANDOM" bash "$HERE/conform_run.sh" host "$TMP/w" "$MOUNT_CALL" \
  "${cases[@]}" >"$TMP/out" 2>&1
status=0
for c in "${cases[@]}"; do
  answers=$(block "$TMP/out" "$c")
  if [[ -z "$answers" || "$answers" == *"UNRUNNABLE on the host"* || "$answers" == "no such case" ||
    "$answers" == "setup failed" ]]; then
    echo "$c: this host cannot run it, golden left as it was:"
    echo "$answers" | tail -3
    status=1
    continue
  fi
  {
    echo "# kernel: $(uname -r)"
    echo "# made: make_goldens.sh on $(date -u +%Y-%m-%d), a run of the case on the host's cgroup v1${CONFORM_NOTES[$c]:+: ${CONFORM_NOTES[$c]}}"
    for row in "${CONFORM_CASES[@]}"; do
      read -r name _ _ depends <<<"$row"
      [[ "$name" == "$c" ]] || continue
      for f in ${depends//,/ }; do
        echo "# requires: /sys/devices/system/$f=$(cat "/sys/devices/system/$f")"
      done
    done
    echo "$answers"
  } >"$GOLDENS/$c.out"
  echo "$c: $GOLDENS/$c.out"
done
exit $status
