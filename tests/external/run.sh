#!/usr/bin/env bash
# uk used from other workspaces: tests/external/workspace declares only @uk and calls
# uk_repositories(), then `bazel test` runs its uk_sh_test and uk_cc_test, twice:
#   //tests/external:consumer_workspace     @uk is this checkout (local_repository)
#   //tests/external:consumer_http_archive  @uk is a release archive of it made as
#                                           README.md says (http_archive, sha256)
# Bazel cannot run inside a Bazel test, so `tools/run test` runs this script as a step
# of its own.
#
#   tests/external/run.sh [BAZEL_TEST_ARGS...]
#
# Each has its own Bazel server and output base in a temporary directory removed at the
# end. The two share a disk cache there (in place of any of ~/.bazelrc): @uk's sources
# are the same files in both, so the second compiles nothing the first did (a file the
# archive lacks still fails its build: every input is read for the cache key), and its
# tests run all the same (--nocache_test_results). Bazel's output is indented;
# each ends with a line as bazel prints a test's: "LABEL PASSED in Ns" or "FAILED in Ns".
# Exits non-zero if either failed.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/uk-consumer.XXXXXX")
bases=()
cleanup() {
  local base
  for base in "${bases[@]}"; do bazel --output_base="$base" shutdown 2>/dev/null || true; done
  # An output base holds read-only directories.
  chmod -R u+w "$tmp" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# consumer NAME DIR [BAZEL_TEST_ARGS...]: `bazel test //...` in workspace DIR, reported
# as //tests/external:NAME; sets rc on failure.
rc=0
consumer() {
  local label=//tests/external:$1 dir=$2 start=$SECONDS status=0
  shift 2
  local base=$tmp/output_base.${label##*:}
  bases+=("$base")
  # --symlink_prefix=/: no bazel-* links in the workspace. The spawn strategy is uk's
  # own (.bazelrc): Debian's linux-sandbox prints a debug trace on every action.
  (cd "$dir" &&
    bazel --output_base="$base" test --symlink_prefix=/ --test_output=errors \
      --spawn_strategy=processwrapper-sandbox,local --disk_cache="$tmp/disk_cache" \
      --nocache_test_results "$@" -- //...) 2>&1 |
    sed "s/^/  ${label##*:}| /" || status=$?
  if ((status == 0)); then
    echo "$label PASSED in $((SECONDS - start))s"
  else
    echo "$label FAILED in $((SECONDS - start))s (bazel test exited $status)"
    rc=$status
  fi
}

consumer consumer_workspace "$root/tests/external/workspace" "$@"

# The release archive of README.md ("Releases"), of the work tree's tracked files as
# they are (git stash create: a commit of them, HEAD if nothing changed), or of every
# file but bazel-* outside a git checkout.
archive=$tmp/uk-test.tar.gz
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  tree=$(git -C "$root" stash create)
  git -C "$root" archive --prefix=uk-test/ -o "$archive" "${tree:-HEAD}"
else
  tar -C "$root" --exclude='./bazel-*' --transform='s,^\.,uk-test,' -czf "$archive" .
fi
read -r sha _ < <(sha256sum "$archive")
ws=$tmp/http_archive
mkdir "$ws"
cp "$root"/tests/external/workspace/{.bazelrc,BUILD.bazel,cc_test.cc,sh_test.sh} "$ws"
cat >"$ws/WORKSPACE" <<EOF
workspace(name = "consumer")

load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")

http_archive(
    name = "uk",
    sha256 = "$sha",
    strip_prefix = "uk-test",
    urls = ["file://$archive"],
)

load("@uk//bazel:repositories.bzl", "uk_repositories")

uk_repositories()
EOF
consumer consumer_http_archive "$ws" "$@"
exit "$rc"
