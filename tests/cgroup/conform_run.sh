#!/bin/bash
# Runs cases of the conformance table (conform_cases.sh) on one side and prints their
# answers, each case after a line "== case NAME":
#
#   conform_run.sh host|uk WORKDIR MOUNT_CALL CASE...
#
# host: on the host kernel's cgroup v1 (root): cpuset cases in a child of the host's
# cpuset hierarchy (cpu, cpuacct, freezer and pids cases of those hierarchies), named
# ones in a `none,name=` hierarchy mounted at WORKDIR/n. uk: the same under uk-run, where it first
# mounts `-o cpuset` at WORKDIR/cs (`-o SS` at WORKDIR/SS), as the host has it.
# Every name made on the host carries $CONFORM_NAME (conformance_test.sh checks for it
# afterwards); everything is removed again on every exit path. MOUNT_CALL is the
# mount_call helper (tests/e2e), for the exact errno of a mount.
set -u
SIDE=$1 WORK=$2 MOUNT_CALL=$3
shift 3
HERE=$(dirname "${BASH_SOURCE[0]}")
source "$HERE/host_v1.sh"
source "$HERE/steps.sh"
source "$HERE/conform_cases.sh"
NAME="${CONFORM_NAME:-ukconf$$}"
ERR="$WORK/err.$$"
PIDS=""
D=""
CS_ROOT="" NAMED_ROOT="" MOUNTED=() HIERARCHIES=()
declare -A SS_ROOTS=()

mount_call() { "$MOUNT_CALL" "$@"; }
# mnt LABEL ARGS...: mount_call ARGS, printed as "LABEL: ok" or the errno's name.
mnt() {
  local label=$1
  shift
  echo "$label: $(mount_call "$@")"
}
# mnt_retry LABEL ARGS...: as mnt, trying for up to 5 s while the answer is EBUSY.
mnt_retry() {
  local label=$1 out _
  shift
  for _ in $(seq 100); do
    out=$(mount_call "$@")
    [[ "$out" == EBUSY ]] || break
    sleep 0.05
  done
  echo "$label: $out"
}
# wraw FILE BYTES: write BYTES, a Python bytes expression (b"1" + b" " * 4999), to FILE
# in one write(2) (a shell's printf may split a long one), printed as w prints.
wraw() {
  local out
  out=$(python3 -c '
import os, sys
data = eval(sys.argv[2])
fd = os.open(sys.argv[1], os.O_WRONLY)
try:
    print("ok" if os.write(fd, data) == len(data) else "short write")
except OSError as e:
    print(os.strerror(e.errno))
' "$1" "$2" 2>&1 | tail -1)
  norm "write ${1#"$D"/} <- $2: $out"
}
# controller_unbound SS: whether /proc/cgroups shows SS in no v1 hierarchy (its
# hierarchy column 0); prints "a free controller: ok" or where it is.
controller_unbound() {
  local h
  h=$(awk -v s="$1" '$1 == s { print $2 }' /proc/cgroups)
  if [[ "$h" == 0 ]]; then
    echo "a free controller: ok"
  else
    echo "a free controller: ${h:+in hierarchy }${h:-not in /proc/cgroups}"
  fi
}
# controller_file FILE: whether a controller's FILE exists (its name differs by side).
controller_file() {
  if [[ -e "$1" ]]; then echo "its file: present"; else echo "its file: absent"; fi
}
# require STEP...: run the step; on the host a failure means the host cannot run the case.
require() {
  local out
  out=$("$@")
  echo "$out"
  if [[ "$SIDE" == host && "$out" != *": ok" ]]; then
    echo "UNRUNNABLE on the host: $out"
    exit 0
  fi
}
# sleeper VAR: start a process to move around; VAR gets its pid (shown as pidN).
sleeper() {
  sleep 60 &
  printf -v "$1" %s $!
  PIDS="$PIDS $!"
}
# members FILE: which of this case's processes FILE lists.
members() {
  local out="" p i=0
  for p in $PIDS; do
    i=$((i + 1))
    grep -qx "$p" "$1" && out="$out pid$i"
  done
  echo "members ${1#"$D"/}:$out"
}
# cgroup_of PID: the named hierarchy's path of PID (its /proc/PID/cgroup line).
cgroup_of() {
  norm "cgroup of $1: $(grep -E "^[0-9]+:name=$NAME:" "/proc/$1/cgroup" | cut -d: -f3-)"
}

# Removes the group at $1 and everything below it, so that nothing is left however a
# case ended. Only a case's own processes ever enter it, and they are gone by then.
remove_group() {
  [[ -d "$1" ]] || return 0
  find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
}
cleanup() {
  [[ -n "$CS_ROOT" ]] && remove_group "$CS_ROOT/$NAME"
  local r
  for r in "${SS_ROOTS[@]}"; do remove_group "$r/$NAME"; done
  [[ -n "$NAMED_ROOT" ]] && remove_group "$NAMED_ROOT/g"
  local m h
  for m in "${MOUNTED[@]}"; do
    while mountpoint -q "$m"; do umount "$m" 2>/dev/null || break; done
  done
  if [[ "$SIDE" == host ]]; then
    for h in "${HIERARCHIES[@]}"; do release_named_hierarchy "${h%%:*}" "${h#*:}"; done
  fi
  rm -f "$ERR"
}
trap cleanup EXIT
# A signal (a test timeout) ends the script through the EXIT trap as well.
trap 'exit 143' TERM INT HUP

# Sets CS_ROOT, the root of the cpuset hierarchy: the host's, or under uk-run one mounted
# at WORKDIR/cs, so that cpuset is bound to a hierarchy on both sides.
cpuset_root() {
  [[ -z "$CS_ROOT" ]] || return 0
  if [[ "$SIDE" == host ]]; then
    CS_ROOT=/sys/fs/cgroup/cpuset
  else
    mkdir -p "$WORK/cs" && mount -t cgroup -o cpuset none "$WORK/cs" || return 1
    CS_ROOT="$WORK/cs"
    MOUNTED+=("$CS_ROOT")
  fi
}

# Sets SS_ROOTS[SS], the root of subsystem SS's hierarchy, as cpuset_root does CS_ROOT:
# the host's, or under uk-run one mounted at WORKDIR/SS.
subsys_root() {
  [[ -z "${SS_ROOTS[$1]:-}" ]] || return 0
  local r
  if [[ "$SIDE" == host ]]; then
    r=$(awk -v ss="$1" '$3 == "cgroup" && ("," $4 ",") ~ ("," ss ",") { print $2; exit }' /proc/mounts)
    [[ -n "$r" ]] || return 1
  else
    r="$WORK/$1"
    mkdir -p "$r" && mount -t cgroup -o "$1" none "$r" || return 1
    MOUNTED+=("$r")
  fi
  SS_ROOTS[$1]=$r
}

# Makes D for a case of KIND $1 (the case's index is $2); returns 1 if it cannot.
setup() {
  case $1 in
    cpuset)
      cpuset_root || return 1
      D="$CS_ROOT/$NAME"
      mkdir "$D" && cat "$CS_ROOT/cpuset.cpus" >"$D/cpuset.cpus" &&
        cat "$CS_ROOT/cpuset.mems" >"$D/cpuset.mems"
      ;;
    cpu | cpuacct | freezer | pids)
      subsys_root "$1" || return 1
      D="${SS_ROOTS[$1]}/$NAME"
      mkdir "$D"
      ;;
    named)
      if [[ -z "$NAMED_ROOT" ]]; then
        NAMED_ROOT="$WORK/n"
        mkdir -p "$NAMED_ROOT"
        mount -t cgroup -o "none,name=$NAME" none "$NAMED_ROOT" || return 1
        MOUNTED+=("$NAMED_ROOT")
        HIERARCHIES+=("$NAME:$NAMED_ROOT")
      fi
      D="$NAMED_ROOT/g"
      mkdir "$D"
      ;;
    mount)
      # As the host has it: cpuset bound to a hierarchy of its own.
      cpuset_root || return 1
      HNAME="${NAME}m$2"
      D="$WORK/m$2"
      mkdir -p "$D"
      MOUNTED+=("$D")
      HIERARCHIES+=("$HNAME:$D")
      ;;
  esac
}

# The answers show no pid, unique name or work directory.
normalise() { sed -e "s|$WORK|W|g" -e "s|$NAME|NAME|g"; }

status=0
i=0
for want in "$@"; do
  i=$((i + 1))
  for row in "${CONFORM_CASES[@]}"; do
    read -r name kind _ <<<"$row"
    [[ "$name" == "$want" ]] || continue
    echo "== case $name"
    if ! setup "$kind" "$i"; then
      # A host without that subsystem's v1 hierarchy: the golden answers instead.
      if [[ "$SIDE" == host && "$kind" =~ ^(cpu|cpuacct|freezer|pids)$ ]]; then
        echo "UNRUNNABLE on the host: no v1 $kind hierarchy"
        continue 2
      fi
      echo "setup failed"
      status=1
      continue 2
    fi
    # A subshell per case: its processes end with it, and `require` can leave it.
    (
      PIDS=""
      trap 'for p in $PIDS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done' EXIT
      "case_$name"
    ) 2>&1 | normalise
    [[ "$kind" == mount ]] || remove_group "$D"
    continue 2
  done
  echo "== case $want"
  echo "no such case"
  status=1
done
exit $status
