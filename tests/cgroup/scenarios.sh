#!/bin/bash
# Shell scenarios for cgroup v1, run unchanged on the host kernel and under uk-run
# (differential_test.sh compares their outputs line by line).
#
#   scenarios.sh host|uk named|cpuset WORKDIR
#
# `named`: a fresh `none,name=` hierarchy mounted at WORKDIR/m (the same command on
# both sides). `cpuset`: a child of the host's cpuset hierarchy, or under uk-run a
# child of a fresh `-o cpuset` mount. Everything after the setup is the same script.
# Output is normalised: no pid, hierarchy id or unique name appears in it. On the host
# everything made is removed again, also on failure.
set -u
SIDE=$1 KIND=$2 WORK=$3
source "$(dirname "${BASH_SOURCE[0]}")/host_v1.sh"
source "$(dirname "${BASH_SOURCE[0]}")/steps.sh"
# Unique on the host; differential_test.sh passes its own to check for it afterwards.
NAME="${UKDIFF_NAME:-ukdiff$$}"
M="$WORK/m"
mkdir -p "$M"
ERR="$WORK/err.$$"

# Pids this script started, replaced by "pidN" in the output.
PIDS=""
# The hierarchy's line of /proc/$1/cgroup, normalised ("N:" for the id).
cg_line() {
  grep -E "^[0-9]+:($WANT):" "/proc/$1/cgroup" | sed -E "s/^[0-9]+:/N:/; s/$NAME/NAME/"
}
# The pids of FILE as "self"/"other" words, sorted (only those we started).
who() {
  local out=""
  for p in $(cat "$1"); do
    case " $2 " in *" $p "*) out="$out $(echo "$2" | tr ' ' '\n' | grep -n "^$p\$" | cut -d: -f1)" ;; esac
  done
  echo "members ${1#"$D"/}:$(echo $out | tr ' ' '\n' | sort -n | tr '\n' ' ')"
}
files() { (cd "$1" && for f in *; do
  case "$f" in cpuset.effective_*|cpuset.mem_hardwall|cpuset.sched_relax_domain_level|cpuset.memory_pressure) continue ;; esac
  stat -c '%A %n' "$f"; done); }

cleanup() {
  [[ "$SIDE" == host ]] || return 0
  echo $$ >"$ROOT/cgroup.procs" 2>/dev/null
  if [[ -n "${D:-}" && -d "$D" ]]; then
    find "$D" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
    [[ "$KIND" == cpuset ]] && rmdir "$D" 2>/dev/null
  fi
  if [[ "$KIND" == named ]]; then
    umount "$M" 2>/dev/null
    release_named_hierarchy "$NAME" "$M"
  fi
  rm -f "$ERR"
}
trap cleanup EXIT

# The release agent: appends its arguments to WORKDIR/agent.out.
cat >"$WORK/agent.sh" <<'AGENT'
#!/bin/sh
echo "$@" >> "$(dirname "$0")/agent.out"
AGENT
chmod +x "$WORK/agent.sh"
rm -f "$WORK/agent.out"

if [[ "$KIND" == named ]]; then
  WANT="name=$NAME"
  mount -t cgroup -o "none,name=$NAME,release_agent=$WORK/agent.sh" none "$M" || exit 3
  ROOT="$M" D="$M"
else
  WANT="cpuset"
  if [[ "$SIDE" == host ]]; then
    ROOT=/sys/fs/cgroup/cpuset
  else
    mount -t cgroup -o cpuset none "$M" || exit 3
    ROOT="$M"
  fi
  D="$ROOT/$NAME"
  mkdir "$D" || exit 3
  cat "$ROOT/cpuset.cpus" >"$D/cpuset.cpus"
  cat "$ROOT/cpuset.mems" >"$D/cpuset.mems"
fi

echo "== core files"
files "$D"
[[ "$KIND" == named ]] && r "$D/release_agent" && r "$D/cgroup.sane_behavior" &&
  grep " $M " /proc/self/mounts | sed "s|$M|M|; s|$NAME|NAME|g; s|$WORK|W|g"
[[ "$KIND" == named ]] && mountpoint -q "$M" && echo "mountpoint: yes"
r "$D/notify_on_release"
r "$D/cgroup.clone_children"
mkdir "$D/a"
files "$D/a"

echo "== errors"
for v in abc "12 34" -1 99999999999 "0 junk" 0x "+" 4194303; do w "$D/a/tasks" "$v"; done
for v in foo " 1" -1 99999999999999999999999 2x; do w "$D/a/notify_on_release" "$v"; done
w "$D/a/cgroup.clone_children" "yes"
[[ "$KIND" == named ]] && w "$D/cgroup.sane_behavior" 1
t mkdir "$D/a"
t mkdir "$D/nope/x"
t mkdir "$D/a/b"
t mv "$D/a/tasks" "$D/a/t"
t mv "$D/a/b" "$D/b"
t mv "$D/a/b" "$D/a/c"
t mkdir "$D/a/b"
t mv "$D/a/b" "$D/a/c"
t rmdir "$D/a"
t rmdir "$D/a/c"
[[ "$KIND" == named ]] && t rmdir "$D"

echo "== nesting"
w "$D/a/notify_on_release" 1
w "$D/a/cgroup.clone_children" 1
mkdir -p "$D/a/b/c" "$D/a/n/c"
r "$D/a/n/notify_on_release"
r "$D/a/n/c/cgroup.clone_children"
r "$D/a/n/c/notify_on_release"
rmdir "$D/a/n/c" "$D/a/n"
if [[ "$KIND" == cpuset ]]; then
  for d in a a/b a/b/c; do w "$D/$d/cpuset.cpus" 0; w "$D/$d/cpuset.mems" 0; done
fi
sleep 30 & s1=$!
sleep 30 & s2=$!
PIDS="$s1 $s2"
w "$D/a/b/tasks" "$s1"
w "$D/a/b/c/cgroup.procs" "$s2"
w "$D/a/b/c/tasks" "$s2"
who "$D/a/b/tasks" "$s1 $s2"
who "$D/a/b/c/cgroup.procs" "$s1 $s2"
who "$D/a/tasks" "$s1 $s2"
cg_line "$s1" | sed "s|/$NAME/|/|"
cg_line "$s2" | sed "s|/$NAME/|/|"
t rmdir "$D/a/b"
# pid 0 is the writer.
sh -c 'echo 0 > "$1/tasks" && grep -E "^[0-9]+:('"$WANT"'):" /proc/self/cgroup | sed -E "s/^[0-9]+:/N:/; s/'"$NAME"'/NAME/g"' _ "$D/a/b/c"
kill $s1 $s2
wait $s1 $s2 2>/dev/null
sleep 0.2
who "$D/a/b/tasks" "$s1 $s2"
t rmdir "$D/a/b/c"
t rmdir "$D/a/b"

if [[ "$KIND" == named ]]; then
  echo "== release agent"
  w "$D/notify_on_release" 1
  mkdir -p "$D/rel/x"
  r "$D/rel/x/notify_on_release"
  sh -c 'echo $$ > "$1/tasks"; true' _ "$D/rel/x"
  # The host kernel runs the agent from a workqueue: up to a minute on a busy machine.
  for _ in $(seq 600); do grep -qx /rel/x "$WORK/agent.out" 2>/dev/null && break; sleep 0.1; done
  sleep 0.3
  # Only this part's calls: /a/n (notify inherited above, its child removed) may or may
  # not have been reported before its own rmdir, on the host as in uk.
  echo "agent called with: $(grep '^/rel' "$WORK/agent.out" 2>/dev/null | sort | tr '\n' ' ')"
  rmdir "$D/rel/x" "$D/rel"
fi

if [[ "$KIND" == cpuset ]]; then
  echo "== cpuset"
  mkdir "$D/e"
  r "$D/e/cpuset.cpus"
  sleep 30 & s3=$!
  PIDS="$PIDS $s3"
  w "$D/e/tasks" "$s3"
  w "$D/e/cpuset.cpus" 1
  w "$D/e/tasks" "$s3"
  w "$D/e/cpuset.mems" 0
  w "$D/e/tasks" "$s3"
  taskset -p "$s3" | sed 's/.*: /affinity: /'
  w "$D/e/cpuset.cpus" 0-1
  taskset -p "$s3" | sed 's/.*: /affinity: /'
  w "$D/e/cpuset.cpus" $'\n'
  w "$D/e/cpuset.cpus" 1
  mkdir "$D/e/f"
  w "$D/e/f/cpuset.cpus" 0
  w "$D/e/f/cpuset.cpus" 1
  w "$D/e/cpuset.cpus" 0
  w "$D/e/cpuset.cpus" abc
  w "$D/e/cpuset.cpus" 3-1
  w "$D/e/cpuset.cpu_exclusive" 1
  mkdir "$D/g"
  w "$D/g/cpuset.cpus" 1
  w "$D/g/cpuset.cpu_exclusive" 1
  w "$D/cpuset.cpu_exclusive" 1
  w "$D/g/cpuset.cpu_exclusive" 1
  w "$D/e/cpuset.cpu_exclusive" 1
  w "$D/e/cpuset.cpu_exclusive" 0
  r "$D/e/cpuset.sched_load_balance"
  w "$D/a/cgroup.clone_children" 1
  w "$D/a/cpuset.cpus" 1
  mkdir "$D/a/k"
  r "$D/a/k/cpuset.cpus"
  r "$D/a/k/cpuset.mems"
  kill $s3
  wait $s3 2>/dev/null
  sleep 0.2
  rmdir "$D/e/f" "$D/e" "$D/g" "$D/a/k"
fi
echo "== another uid"
# A process that changed its ids (setpriv to 65534): the files' modes and owners decide
# what it may open and make, and an attach needs its euid to own the task moved
# (attach_task_by_pid / __cgroup1_procs_write); "0" is the writer itself.
mkdir "$D/u"
if [[ "$KIND" == cpuset ]]; then w "$D/u/cpuset.cpus" 0; w "$D/u/cpuset.mems" 0; fi
sleep 30 & s4=$!
PIDS="$PIDS $s4"
nt cat "$D/u/tasks"
nt stat -c %A "$D/u/tasks"
nw "$D/u/tasks" 0
nt mkdir "$D/v"
chmod 666 "$D/u/tasks"
chown 65534:65534 "$D/u"
nw "$D/u/tasks" 0
nw "$D/u/tasks" "$s4"
# A process that took the writer's uid after its fork (setpriv): movable by it, with
# the ids it has now (uk-run must not check those it had when uk last looked).
"${AS_OTHER[@]}" sleep 30 &
s5=$!
PIDS="$PIDS $s5"
# Once setpriv has changed its ids: before, it is root's.
until [[ "$(awk '/^Uid:/ {print $3}' "/proc/$s5/status" 2>/dev/null)" == 65534 ]]; do sleep 0.01; done
nw "$D/u/tasks" "$s5"
echo "the moved process in u: $(grep -cx "$s5" "$D/u/tasks")"
w "$D/tasks" "$s5"
nt mkdir "$D/u/w"
stat -c '%U:%G %A' "$D/u/w"
nt rmdir "$D/u/w"
w "$D/u/tasks" "$s4"
# A directory whose group may write: the same uid in that group as a supplementary one
# makes and removes there (in_group_p: the fsgid or a supplementary group).
mkdir "$D/u/g"
chgrp 1234 "$D/u/g"
chmod 775 "$D/u/g"
nt mkdir "$D/u/g/x"
gt mkdir "$D/u/g/y"
gt rmdir "$D/u/g/y"
rmdir "$D/u/g"
kill $s4 $s5
wait $s4 $s5 2>/dev/null
sleep 0.2
rmdir "$D/u"
rmdir "$D/a"
echo "== end"
