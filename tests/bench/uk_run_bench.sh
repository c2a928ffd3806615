#!/bin/bash
# uk-run's overhead against native, in one run: every workload alternates native and
# uk-run runs and compares medians (bazel run -c opt //tests/bench:uk_run_bench).
# Each workload times itself, so uk-run's start-up is not counted. The ratio of the
# minima is printed too: on a shared, loaded machine the medians mostly measure the
# load (waiting for a CPU), the minima what each side costs.
#   ROUNDS=N (default 7) alternating pairs per workload.
#   ONLY=shim: only the shim against the host's cgroupfs.
set -euo pipefail
# The host cgroupfs comparison mounts a named hierarchy: in a mount namespace of our own,
# so the host's mount table never changes.
if [[ $(id -u) == 0 && -z "${UK_BENCH_PRIVATE:-}" ]] && unshare -m --propagation private true 2>/dev/null; then
  UK_BENCH_PRIVATE=1 exec unshare -m --propagation private "$0" "$@"
fi
here="${RUNFILES_DIR:-$0.runfiles}/uk"
[[ -d "$here" ]] || here="$(cd "$(dirname "$0")/../.." && pwd)"
source "$here/tests/cgroup/host_v1.sh"
ukrun="$here/harness/uk-run"
work="$here/tests/bench/workloads"
floor="$here/tests/bench/trap_floor"
fusefloor="$here/tests/bench/fuse_floor"
rounds="${ROUNDS:-7}"
tmp=$(mktemp -d /tmp/uk-run-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minimum() { sort -n | head -1; }

# compare NAME TARGET NATIVE_CMD [floor:SYSCALL,...|floor:none] UKRUN_ARGS...  (the
# command prints ns). With floor:, a third run per round traps just those syscalls and
# answers at once (trap_floor): the part of the ratio that trapping them costs any
# supervisor; floor:none, a filter that traps nothing: what any seccomp filter costs.
compare() {
  local name="$1" target="$2" cmd="$3" traps=""
  shift 3
  if [[ "${1:-}" == floor:* ]]; then
    traps="${1#floor:}"
    shift
  fi
  local n=() u=() f=()
  for ((r = 0; r < rounds; r++)); do
    n+=("$(bash -c "$cmd")")
    u+=("$("$ukrun" "$@" -- bash -c "$cmd")")
    [[ -n "$traps" ]] && f+=("$("$floor" "$traps" bash -c "$cmd")")
  done
  local mn mu ln lu mf=0
  mn=$(printf '%s\n' "${n[@]}" | median)
  mu=$(printf '%s\n' "${u[@]}" | median)
  ln=$(printf '%s\n' "${n[@]}" | minimum)
  lu=$(printf '%s\n' "${u[@]}" | minimum)
  [[ -n "$traps" ]] && mf=$(printf '%s\n' "${f[@]}" | median)
  awk -v name="$name" -v n="$mn" -v u="$mu" -v ln="$ln" -v lu="$lu" -v t="$target" \
    -v f="$mf" -v traps="$traps" 'BEGIN {
    printf "  %-44s native %9.2f ms  uk-run %9.2f ms  ratio %5.2f  (min %5.2f; target %s)\n",
      name, n / 1e6, u / 1e6, u / n, lu / ln, t
    if (f > 0 && traps == "none") printf "  %-44s a seccomp filter that traps nothing: ratio %5.2f\n", "", f / n
    else if (f > 0) printf "  %-44s %s trapped, answered at once: ratio %5.2f\n", "", traps, f / n }'
}

timed() { echo "s=\$(date +%s%N); $1 >/dev/null 2>&1; echo \$((\$(date +%s%N)-s))"; }

if [[ "${ONLY:-}" != shim ]]; then
  printf 'int main(void) { return 0; }\n' >"$tmp/small.c"
  echo "uk-run vs native, medians of $rounds alternating runs each:"
  compare "shell fork+exec+exit loop (300 x /bin/true)" "<= 1.05" \
    "$(timed 'for i in $(seq 300); do /bin/true; done')" floor:openat
  # The same loop started 0.3 s into the run: on 2 CPUs the first 60-90 ms of a run are
  # slower (the scheduler places the loop's children apart from the CPU that uk-run's own
  # start just used; pinned to one CPU, no such start cost), and a 300-iteration loop pays
  # that once. This row is the loop's steady state; the one above, what a short command
  # sees.
  compare "shell loop (300 x true), 0.3 s into the run" "report" \
    "sleep 0.3; $(timed 'for i in $(seq 300); do /bin/true; done')" floor:openat
  # The same without /proc emulation: what is left once no open is trapped.
  compare "shell loop (300 x /bin/true), --no-proc" "report" \
    "$(timed 'for i in $(seq 300); do /bin/true; done')" floor:none --no-proc
  compare "C fork+exit loop (2000)" "<= 1.10" "$work forkloop 2000" floor:none
  compare "syscall loop: dd bs=1 count=200000" "<= 1.03" \
    "$(timed 'dd if=/dev/zero of=/dev/null bs=1 count=200000')" floor:none
  compare "open+close loop (20000), --no-proc" "<= 1.03" "$work openloop 20000" floor:none --no-proc
  compare "open+close loop (20000), /proc emulation on" "report" "$work openloop 20000" floor:openat
  if command -v gcc >/dev/null; then
    compare "gcc -c small.c, /proc emulation on" "<= 1.10" "$(timed "gcc -c -o $tmp/small.o $tmp/small.c")" \
      floor:openat
  fi
fi

# The shim against the host kernel's cgroupfs, on a named hierarchy of our own, with
# --no-proc (the trapped open is the /proc emulation's cost, not the shim's). Both of
# uk-run's transports where the host allows: as root, the fuse module's enable_uring is
# turned on for the ring's runs only and restored (also at exit).
host="$tmp/host"
mkdir -p "$host"
uring_param=/sys/module/fuse/parameters/enable_uring
uring_old=$(cat $uring_param 2>/dev/null || true)
ring=0
if [[ $(id -u) == 0 && -w $uring_param ]]; then
  ring=1
  trap 'echo "$uring_old" >$uring_param; rm -rf "$tmp"' EXIT
fi
# with_transport devfuse|ring CMD...: runs CMD with enable_uring N or Y (as root).
with_transport() {
  local t=$1
  shift
  if ((ring)); then
    if [[ $t == ring ]]; then echo Y >$uring_param; else echo N >$uring_param; fi
  fi
  "$@"
  if ((ring)); then echo "$uring_old" >$uring_param; fi
}
# ukrun_on devfuse|ring CMD...: CMD under uk-run with the hierarchy at $tmp/uk; says on
# fd 3 which transport uk-run chose.
ukrun_on() {
  local t=$1
  shift
  with_transport "$t" "$ukrun" --verbose --no-proc --mount "container:cpuacct:$tmp/uk" -- "$@" \
    2>"$tmp/verbose"
  sed -n 's/^uk-run: FUSE at [^:]*: //p' "$tmp/verbose" >&3
}
# floor_on devfuse|ring CMD...: CMD beside fuse_floor at $tmp/ff; its transport on fd 3.
floor_on() {
  local t=$1
  shift
  with_transport "$t" "$fusefloor" -v "$tmp/ff" "$@" 2>"$tmp/verbose"
  sed -n 's/^fuse_floor: FUSE at [^:]*: //p' "$tmp/verbose" >&3
}
if [[ $(id -u) == 0 ]] && mount -t cgroup -o "none,name=ukrunbench$$" none "$host" 2>/dev/null; then
  # A run per transport and round: the same operations on a FUSE filesystem that does
  # no work, served by the shim's transports (fuse_floor): what they cost before the
  # shim does anything.
  # Then one request at a time (`workloads requests`: a READ, an OPEN), beside a pipe
  # round trip between two processes: the two context switches any FUSE round trip
  # served on the requester's CPU makes.
  hn=() dn=() rn=() fn=() fr=() hq=() pq=() dq=() rq=() fq=() gq=()
  mkdir -p "$tmp/ff"
  for ((r = 0; r < rounds; r++)); do
    hn+=("$("$work" cgops "$host" 300)")
    dn+=("$(ukrun_on devfuse "$work" cgops "$tmp/uk" 300 3>>"$tmp/chose.devfuse")")
    fn+=("$(floor_on devfuse "$work" cgops "$tmp/ff" 300 3>>"$tmp/floor.devfuse")")
    if ((ring)); then
      rn+=("$(ukrun_on ring "$work" cgops "$tmp/uk" 300 3>>"$tmp/chose.ring")")
      fr+=("$(floor_on ring "$work" cgops "$tmp/ff" 300 3>>"$tmp/floor.ring")")
    fi
    hq+=("$("$work" requests "$host" 2000)")
    pq+=("$("$work" pingpong 2000)")
    dq+=("$(ukrun_on devfuse "$work" requests "$tmp/uk" 2000 3>/dev/null)")
    fq+=("$(floor_on devfuse "$work" requests "$tmp/ff" 2000 3>/dev/null)")
    if ((ring)); then
      rq+=("$(ukrun_on ring "$work" requests "$tmp/uk" 2000 3>/dev/null)")
      gq+=("$(floor_on ring "$work" requests "$tmp/ff" 2000 3>/dev/null)")
    fi
  done
  umount "$host"
  # The host keeps a hierarchy that had cgroups until it is mounted again once they are
  # released (tests/cgroup/host_v1.sh).
  release_named_hierarchy "ukrunbench$$" "$host" ||
    echo "uk_run_bench: the host still has the hierarchy name=ukrunbench$$" >&2
  echo "  uk-run's transport, enable_uring N: $(sort -u "$tmp/chose.devfuse" | paste -sd';')" \
    "(floor: $(sort -u "$tmp/floor.devfuse" | paste -sd';'))"
  if ((ring)); then
    echo "  uk-run's transport, enable_uring Y: $(sort -u "$tmp/chose.ring" | paste -sd';')" \
      "(floor: $(sort -u "$tmp/floor.ring" | paste -sd';'))"
  fi
  col() { printf '%s\n' "${@:2}" | cut -d' ' -f"$1"; }
  for i in 1 2 3; do
    name=("" "write a pid to tasks" "read tasks" "mkdir+rmdir")
    h=$(col $i "${hn[@]}" | median)
    f=$(col $i "${fn[@]}" | median)
    d=$(col $i "${dn[@]}" | median)
    lh=$(col $i "${hn[@]}" | minimum)
    ld=$(col $i "${dn[@]}" | minimum)
    r=0 lr=0 g=0
    if ((ring)); then
      r=$(col $i "${rn[@]}" | median)
      lr=$(col $i "${rn[@]}" | minimum)
      g=$(col $i "${fr[@]}" | median)
    fi
    awk -v name="${name[$i]} (FUSE shim vs host cgroupfs)" -v h="$h" -v d="$d" -v r="$r" \
      -v lh="$lh" -v ld="$ld" -v lr="$lr" -v f="$f" -v g="$g" 'BEGIN {
      printf "  %-44s host %8.1f us\n", name, h / 1e3
      printf "  %-44s /dev/fuse %8.1f us  ratio %5.2f  (min %5.2f)\n", "", d / 1e3, d / h, ld / lh
      printf "  %-44s FUSE server doing no work: %8.1f us  ratio %5.2f  (shim/floor %4.2f)\n", "",
        f / 1e3, f / h, d / f
      if (r > 0) printf "  %-44s io_uring  %8.1f us  ratio %5.2f  (min %5.2f)\n", "", r / 1e3,
        r / h, lr / lh
      if (g > 0) printf "  %-44s FUSE server doing no work: %8.1f us  ratio %5.2f  (shim/floor %4.2f)\n",
        "", g / 1e3, g / h, r / g }'
  done
  p=$(printf '%s\n' "${pq[@]}" | median)
  echo "  one request at a time, medians; a pipe round trip between two processes: $(awk -v p="$p" 'BEGIN { printf "%.1f us", p / 1e3 }')"
  for i in 1 2; do
    name=("" "READ: pread(fd, 0) of an empty tasks" "OPEN: open(O_WRONLY) + close")
    h=$(col $i "${hq[@]}" | median)
    d=$(col $i "${dq[@]}" | median)
    f=$(col $i "${fq[@]}" | median)
    r=0 g=0
    if ((ring)); then
      r=$(col $i "${rq[@]}" | median)
      g=$(col $i "${gq[@]}" | median)
    fi
    awk -v name="${name[$i]}" -v h="$h" -v d="$d" -v f="$f" -v r="$r" -v g="$g" -v p="$p" 'BEGIN {
      printf "  %-44s host %6.1f us; shim/floor /dev/fuse %6.1f / %6.1f us", name, h / 1e3, d / 1e3,
        f / 1e3
      if (r > 0) printf ", io_uring %6.1f / %6.1f us", r / 1e3, g / 1e3
      printf "  (floor - host: /dev/fuse %4.2f", (f - h) / p
      if (r > 0) printf ", io_uring %4.2f", (g - h) / p
      printf " pipe round trips)\n" }'
  done
else
  echo "  (no host cgroup v1 named hierarchy here: shim vs host comparison skipped)"
fi
