# Shared helpers of the uk-run end-to-end tests (sourced).
set -euo pipefail
UKRUN="$TEST_SRCDIR/uk/harness/uk-run"
HELPERS="$TEST_SRCDIR/uk/tests/e2e"
TMP=$(mktemp -d "${TEST_TMPDIR:-/tmp}/ukrun.XXXXXX")
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  [[ "$2" == "$3" ]] || fail "$1: expected [$2], got [$3]"
}

# No FUSE mount of uk-run may be left in this (the host's) mount namespace.
expect_no_uk_mounts() {
  if grep -q "fuse.container" /proc/self/mounts; then
    fail "a uk-run mount leaked: $(grep fuse.container /proc/self/mounts)"
  fi
}
