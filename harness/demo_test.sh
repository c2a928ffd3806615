#!/bin/bash
# The demo runs and shows the article's session working: tasks moved, the tree shown.
set -euo pipefail
out=$("$TEST_SRCDIR/uk/harness/demo")
echo "$out"
grep -q "error 28" <<<"$out"   # ENOSPC before cpus/mems are set
sh_pid=$(sed -n 's/^pids: sh=\([0-9]*\).*/\1/p' <<<"$out")
grep -qx "$sh_pid" <<<"$(sed -n '/cat \/containers\/cpuset\/new_container\/tasks/,/^$/p' <<<"$out")"
grep -q "cpuacct,cpu:/System" <<<"$out"
grep -q "/containers/cpu/Guests/guest-a  tasks: [0-9]" <<<"$out"
