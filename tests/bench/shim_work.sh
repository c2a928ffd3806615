#!/bin/bash
# The shim's own work per FUSE request, traced (harness/README.md, "Requests per
# operation"): `workloads cgops DIR N` under uk-run, then beside fuse_floor (a server that
# does no work), each under `perf record` of the syscalls that frame a served request and
# fuse:fuse_request_send; shim_work.py prints per opcode the time from the syscall that
# handed a loop its request to the one that replies. As root, with perf.
#   bazel build -c opt //tests/bench:shim_work && bazel-bin/tests/bench/shim_work [devfuse|ring] [N]
# ring: the fuse module's enable_uring is Y for the run only (restored at exit). Run it
# under the benchmark lock (flock /tmp/bench.lock) so it never overlaps another benchmark.
set -euo pipefail
transport="${1:-devfuse}"
n="${2:-300}"
here="${RUNFILES_DIR:-$0.runfiles}/uk"
[[ -d "$here" ]] || here="$(cd "$(dirname "$0")/../.." && pwd)"
work="$here/tests/bench/workloads"
tmp=$(mktemp -d /tmp/shim-work.XXXXXX)
param=/sys/module/fuse/parameters/enable_uring
old=$(cat $param)
trap 'echo "$old" >$param; rm -rf "$tmp"' EXIT
if [[ $transport == ring ]]; then echo Y >$param; else echo N >$param; fi
f='id == 0 || id == 20 || id == 426' # read, writev, io_uring_enter
record() {
  perf record -q -o "$1" -e fuse:fuse_request_send -e raw_syscalls:sys_enter --filter "$f" \
    -e raw_syscalls:sys_exit --filter "$f" -- "${@:2}" >/dev/null
}
mkdir "$tmp/uk" "$tmp/ff"
record "$tmp/uk.data" "$here/harness/uk-run" --no-proc --mount "container:cpuacct:$tmp/uk" -- \
  "$work" cgops "$tmp/uk" "$n"
record "$tmp/ff.data" "$here/tests/bench/fuse_floor" "$tmp/ff" "$work" cgops "$tmp/ff" "$n"
echo "$transport, uk-run (us per request):"
python3 "$here/tests/bench/shim_work.py" "$tmp/uk.data"
echo "$transport, a server doing no work (fuse_floor):"
python3 "$here/tests/bench/shim_work.py" "$tmp/ff.data"
