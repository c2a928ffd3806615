#!/bin/bash
# COMMAND starts with its caller's signal state, as natively: the dispositions the
# caller ignored stay ignored across exec (nohup's SIGHUP, a script's background job's
# SIGINT), every other one is default (SIGPIPE too), and the blocked mask is the
# caller's; no parent-death signal is set (PR_GET_PDEATHSIG). Before, COMMAND started
# with SIGPIPE ignored (the supervisor's) and PR_SET_PDEATHSIG SIGKILL, so
# `yes | head -1` made yes fail with "Broken pipe" instead of dying by SIGPIPE, and with
# no signal ignored or blocked whatever its caller had.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
cd "$TMP"
pipeline='yes | head -1 >/dev/null; echo ${PIPESTATUS[*]}'
native=$(bash -c "$pipeline" 2>&1)
inside=$("$UKRUN" -- bash -c "$pipeline" 2>&1)
expect_eq "yes | head -1: exit statuses natively (yes dies by SIGPIPE)" "141 0" "$native"
expect_eq "the same under uk-run" "$native" "$inside"
state() {
  python3 - "$@" <<'PY'
import signal, subprocess, sys
PDEATHSIG = """
import ctypes
sig = ctypes.c_int(-1)
ctypes.CDLL(None).prctl(2, ctypes.byref(sig), 0, 0, 0)  # PR_GET_PDEATHSIG
print("pdeathsig", sig.value)
"""
signal.signal(signal.SIGHUP, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2, signal.SIGWINCH})
out = subprocess.run(sys.argv[1:] + ["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"],
                     capture_output=True, text=True).stdout
pdeathsig = subprocess.run(sys.argv[1:] + ["python3", "-c", PDEATHSIG],
                           capture_output=True, text=True).stdout
print(" ".join(out.split() + pdeathsig.split()))
PY
}
native=$(state)
inside=$(state "$UKRUN" --)
echo "native: $native; under uk-run: $inside"
read -r _ blocked _ ignored _ pdeathsig <<<"$native"
expect_eq "natively, HUP and INT (bits 0, 1) ignored, USR2 and WINCH (bits 11, 27) blocked, no parent-death signal" \
  "3 134219776 0" "$((0x$ignored & 3)) $((0x$blocked & 0x8000800)) $pdeathsig"
expect_eq "the same under uk-run" "$native" "$inside"
expect_no_uk_mounts
echo PASS
