#!/usr/bin/env bash
# //tests/external:consumer_workspace: tests/external/workspace, a workspace that
# declares only @uk (this checkout) and calls uk_repositories(), runs its uk_sh_test and
# uk_cc_test with `bazel test`. Bazel cannot run inside a Bazel test, so `tools/run test`
# runs this script as a step of its own.
#
#   tests/external/run.sh [BAZEL_TEST_ARGS...]
#
# Its own Bazel server and output base, in a temporary directory removed at the end (the
# disk cache of ~/.bazelrc, if any, still applies). Bazel's output is indented; the last
# line is the result as bazel prints a test's: "//tests/external:consumer_workspace
# PASSED in Ns" or "FAILED in Ns".
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
label=//tests/external:consumer_workspace
base=$(mktemp -d "${TMPDIR:-/tmp}/uk-consumer.XXXXXX")
# An output base holds read-only directories.
trap 'bazel --output_base="$base" shutdown 2>/dev/null || true
  chmod -R u+w "$base" 2>/dev/null || true; rm -rf "$base"' EXIT
start=$SECONDS
rc=0
# --symlink_prefix=/: no bazel-* links in the checkout. The spawn strategy is uk's own
# (.bazelrc): Debian's linux-sandbox prints a debug trace on every action.
(cd "$root/tests/external/workspace" &&
  bazel --output_base="$base" test --symlink_prefix=/ --test_output=errors \
    --spawn_strategy=processwrapper-sandbox,local "$@" -- //...) 2>&1 |
  sed 's/^/  consumer| /' || rc=$?
if ((rc == 0)); then
  echo "$label PASSED in $((SECONDS - start))s"
else
  echo "$label FAILED in $((SECONDS - start))s (bazel test exited $rc)"
fi
exit "$rc"
