#!/bin/bash
# The article's session on the mount the macro made: a new container, the shell in it.
set -euo pipefail
mkdir "$UK_MOUNTS/acct/mine"
echo $$ >"$UK_MOUNTS/acct/mine/tasks"
grep -qx "$$" "$UK_MOUNTS/acct/mine/tasks" || {
  echo "FAIL: pid $$ not in tasks: $(cat "$UK_MOUNTS/acct/mine/tasks")"
  exit 1
}
got=$(cat /proc/self/container)
[[ "$got" == "cpuacct:/mine" ]] || {
  echo "FAIL: /proc/self/container: $got"
  exit 1
}
