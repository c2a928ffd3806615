#!/bin/bash
# unshare(2) of namespaces under uk-run goes to the ns subsystem as in the patch
# (unshare_nsproxy_namespaces -> ns_container_clone): the caller moves into a new child
# container node_<pid> of its own; a failed unshare creates nothing; a process that
# exits right after its unshare still leaves its node behind. A clone(2) with a
# namespace flag puts the child into a node (copy_namespaces -> ns_container_clone),
# without --pids too; 2.6.24 names it after the parent, since copy_process() calls
# copy_namespaces() before the child has a pid of its own. clone3 gets ENOSYS (libc
# falls back to clone).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
command -v unshare >/dev/null || {
  echo "SKIP: no unshare(1)"
  exit 0
}
d=$TMP/ns
mkdir $d
out=$("$UKRUN" -- bash -c "
mount -t container -o ns none $d
echo outer=\$\$ \$(cat /proc/self/container)
unshare -u bash -c 'echo inner=\$\$ \$(cat /proc/\$\$/container); cat $d/node_\$\$/tasks'
unshare -i true
ls $d | grep node_ | tr '\n' ' '; echo
setpriv --reuid=65534 --regid=65534 --clear-groups unshare -u true 2>/dev/null || echo refused
ls $d | grep -c node_
")
echo "$out"
# pid_of NAME: the pid of the line "NAME=<pid> ..." in $out.
pid_of() { sed -n "s/^$1=\([0-9]*\) .*/\1/p" <<<"$out"; }
outer=$(pid_of outer)
inner=$(pid_of inner)
[[ -n "$outer" && -n "$inner" ]] || fail "no pids"
grep -qx "outer=$outer ns:/" <<<"$out" || fail "the outer shell moved"
grep -qx "inner=$inner ns:/node_$inner" <<<"$out" || fail "the unsharing shell is not in node_$inner"
grep -qx "$inner" <<<"$out" || fail "node_$inner/tasks does not list $inner"
# Two nodes: the shell's and the one of `unshare -i true`, which exited at once.
nodes=$(sed -n '/^node_/p' <<<"$out")
expect_eq "nodes" 2 "$(wc -w <<<"$nodes")"
grep -q "node_$inner " <<<"$nodes" || fail "node_$inner missing from the listing"
# The refused unshare (EPERM for uid 65534) created none.
grep -qx refused <<<"$out" || fail "the unprivileged unshare succeeded"
expect_eq "nodes after a refused unshare" 2 "$(tail -1 <<<"$out")"
# clone(CLONE_NEWUTS): the child, not the parent, moves into node_<parent>.
d2=$TMP/ns2
mkdir $d2
rc=0
out=$("$UKRUN" --mount container:ns:$d2 -- "$TEST_SRCDIR/uk/tests/e2e/clone_ns") || rc=$?
echo "$out"
if [[ $rc == 77 ]]; then
  echo "clone_ns: skipped (no CAP_SYS_ADMIN)"
else
  expect_eq "clone_ns status" 0 $rc
  child=$(pid_of child)
  parent=$(pid_of parent)
  [[ -n "$child" && -n "$parent" ]] || fail "clone_ns printed no pids"
  grep -qx "child=$child ns:/node_$parent" <<<"$out" || fail "the cloned child is not in node_$parent"
  grep -qx "parent=$parent ns:/" <<<"$out" || fail "the cloning parent moved"
  grep -qx "clone3=ENOSYS" <<<"$out" || fail "clone3 was not refused with ENOSYS"
fi
expect_no_uk_mounts
