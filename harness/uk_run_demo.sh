#!/bin/bash
# The README's demo: the article's session under uk-run, on real processes. Two
# hierarchies, Guests/System containers, shells moved with `echo $$ > tasks`, a cpuset
# applied, a release agent that fires, and the tree at the end.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
ukrun=${UKRUN:-}
for c in "$here/uk-run" "${RUNFILES_DIR:-$0.runfiles}/uk/harness/uk-run"; do
  [[ -z "$ukrun" && -x "$c" ]] && ukrun=$c
done
[[ -n "$ukrun" ]] || { echo "uk_run_demo: uk-run not found" >&2; exit 1; }
dir=$(mktemp -d /tmp/uk-demo.XXXXXX)
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT
cat >"$dir/agent" <<AGENT
#!/bin/sh
echo "release agent: \$1 is empty" >> $dir/agent.log
AGENT
chmod +x "$dir/agent"
export C=$dir/containers
"$ukrun" --tree -- bash -c '
set -e
show() { echo "\$ $*"; eval "$*"; }
mkdir -p $C/cpu $C/cpuset
show "mount -t container -o cpu,cpuacct,release_agent='"$dir"'/agent cpu \$C/cpu"
show "mount -t container -o cpuset cpuset \$C/cpuset"
show "mkdir \$C/cpu/Guests \$C/cpu/System \$C/cpu/Guests/guest-a \$C/cpuset/new_container"
show "echo 9216 > \$C/cpu/Guests/shares; echo 1024 > \$C/cpu/System/shares"
show "echo 1 > \$C/cpu/System/notify_on_release"
show "(echo \$BASHPID > \$C/cpu/System/tasks; cat \$C/cpu/System/tasks)"
echo "  (that subshell exits: System is empty, its release agent runs)"
show "echo \$\$ > \$C/cpuset/new_container/tasks || true"
show "echo 0 > \$C/cpuset/new_container/cpus; echo 0 > \$C/cpuset/new_container/mems"
show "echo \$\$ > \$C/cpuset/new_container/tasks; cat \$C/cpuset/new_container/tasks"
show "taskset -p \$\$"
show "echo \$\$ > \$C/cpu/Guests/guest-a/tasks"
show "cat /proc/self/container"
show "cat /proc/containers"
sleep 5 &
show "echo \$! > \$C/cpu/Guests/tasks   # a guest process, still running at the end"
sleep 0.2
echo "# the tree when the shell ends (uk-run --tree):"
'
for i in $(seq 20); do [[ -s $dir/agent.log ]] && break; sleep 0.05; done
cat "$dir/agent.log" 2>/dev/null || echo "(release agent did not run)"
