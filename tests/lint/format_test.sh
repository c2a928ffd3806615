#!/usr/bin/env bash
# //tests/lint:format — fails when any tracked C++ or Bazel file is not formatted.
#
# The sandbox holds only this test's runfiles, so the real source tree is found by
# resolving the data file tools/format back to the workspace it came from; tools/format
# then checks every file git tracks there (clang-format --dry-run -Werror,
# buildifier -mode=check -lint=off), and fails if either tool is missing.
set -euo pipefail

runfile="${TEST_SRCDIR:?not run by bazel test}/${TEST_WORKSPACE:?}/tools/format"
real=$(readlink -f "$runfile")
root=$(dirname "$(dirname "$real")")
if [[ ! -f "$root/WORKSPACE" || ! -x "$root/tools/format" ]]; then
  echo "format_test: could not locate the source tree (tools/format resolved to $real)" >&2
  exit 1
fi
echo "checking formatting under $root"
exec "$root/tools/format" --check
