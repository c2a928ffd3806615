#!/bin/bash
# A COMMAND that dies by a signal and dumps a core: its caller's waitpid sees WCOREDUMP
# under uk-run as natively (a shell says "(core dumped)"), and uk-run's own core, which
# it must dump for the flag, is nowhere (a tmpfs of a mount namespace that dies with
# it): only COMMAND's core is left. Without a core limit, neither flag is set. Before,
# uk-run died undumpable and the flag was lost. Skipped where core_pattern is a pipe or
# an absolute path: the native run would then leave its core outside the test.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
pattern=$(cat /proc/sys/kernel/core_pattern)
if [[ $pattern == '|'* || $pattern == /* ]]; then
  echo "SKIP: core_pattern is '$pattern': a native core would leave the test's directory"
  exit 0
fi
if [[ $(ulimit -Hc) != unlimited ]] && (($(ulimit -Hc) < 1024)); then
  echo "SKIP: the hard core limit ($(ulimit -Hc)) lets no core be dumped"
  exit 0
fi
# A sanitizer build lowers its own soft core limit (disable_coredump), which COMMAND
# would inherit: not what an opt build does.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}disable_coredump=0"
export TSAN_OPTIONS="${TSAN_OPTIONS:+$TSAN_OPTIONS:}disable_coredump=0"
# status CORE_LIMIT CMD...: how CMD ended, as its parent's waitpid sees it.
status() {
  python3 - "$@" <<'PY'
import os, resource, subprocess, sys
limit = int(sys.argv[1])
def setup():
    resource.setrlimit(resource.RLIMIT_CORE, (limit, resource.getrlimit(resource.RLIMIT_CORE)[1]))
p = subprocess.Popen(sys.argv[2:], preexec_fn=setup)
_, st = os.waitpid(p.pid, 0)
print("signal %d core %s" % (os.WTERMSIG(st), os.WCOREDUMP(st)) if os.WIFSIGNALED(st)
      else "exit %d" % os.WEXITSTATUS(st))
PY
}
crash='cd sub && kill -SEGV $$'
for limit in -1 0; do
  for side in native uk; do
    rm -rf "$TMP/$side.w"
    mkdir -p "$TMP/$side.w/sub"
    cd "$TMP/$side.w"
    if [[ $side == native ]]; then
      got=$(status "$limit" sh -c "$crash")
    else
      got=$(status "$limit" "$UKRUN" -- sh -c "$crash")
    fi
    echo "$side, core limit $limit: $got; left: $(cd "$TMP/$side.w" && find . -name 'core*' | sort | tr '\n' ' ')"
    eval "${side}_status=\$got"
    eval "${side}_left=\$(find . -name 'core*' | sort | tr '\n' ' ')"
  done
  expect_eq "waitpid's status, core limit $limit" "$native_status" "$uk_status"
  expect_eq "the cores left, core limit $limit" "$native_left" "$uk_left"
  if [[ $limit == -1 ]]; then
    expect_eq "natively, without a limit" "signal 11 core True; ./sub/core " "$native_status; $native_left"
  else
    expect_eq "natively, with a limit of 0" "signal 11 core False; " "$native_status; $native_left"
  fi
done
cd "$TMP"
expect_no_uk_mounts
echo PASS
