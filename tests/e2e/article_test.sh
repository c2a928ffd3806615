#!/bin/bash
# The article's shell session, verbatim, under bash and dash: the shell's own pid is
# listed in the new container's tasks; /proc/self/container shows the container.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
# The article's own mount point, which cannot carry the token.
uk_fixed_path /containers
for sh in bash dash; do
  out=$("$UKRUN" -- "$sh" -c '
mount -t container -o cpuacct none /containers
mkdir /containers/new_container
echo $$ > /containers/new_container/tasks
cat /containers/new_container/tasks
echo "shell=$$"
cat /proc/self/container')
  echo "$sh: $out"
  shell=$(sed -n 's/^shell=//p' <<<"$out")
  [[ -n "$shell" ]] || fail "$sh: no shell pid"
  grep -qx "$shell" <<<"$out" || fail "$sh: shell pid $shell not in tasks"
  grep -qx "cpuacct:/new_container" <<<"$out" || fail "$sh: /proc/self/container"
done
expect_no_uk_mounts
[[ ! -e /containers ]] || [[ -z "$(ls -A /containers)" ]] || fail "/containers not empty on host"
