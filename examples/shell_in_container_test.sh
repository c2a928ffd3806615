#!/bin/bash
# Runs under uk-run with two hierarchies mounted before it starts.
set -euo pipefail
cpu="$UK_MOUNTS/cpu"
[[ -f "$cpu/tasks" ]] || { echo "no hierarchy at $cpu"; exit 1; }
grep -qx "cpuacct,cpu:/" /proc/self/container
grep -qx "cpuset:/" /proc/self/container
grep -qx "$$" "$cpu/tasks"
mkdir -p "$cpu/batch/child"
echo $$ > "$cpu/batch/child/tasks"
grep -qx "cpuacct,cpu:/batch/child" /proc/self/container
echo 2048 > "$cpu/batch/child/shares"
[[ $(cat "$cpu/batch/child/shares") == 2048 ]]
echo "ok: $(tr '\n' ' ' </proc/self/container)"
