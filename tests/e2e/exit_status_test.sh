#!/bin/bash
# What the caller of uk-run sees when COMMAND ends: exactly what it sees natively. An
# exit code is passed on; a death by signal N makes uk-run die by N too (a parent's
# waitpid reports the signal: Python's returncode is -N, a shell's $? 128+N), after the
# run is torn down (a core dump's flag: core_flag_test). Before, uk-run exited with 128+N.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
cd "$TMP"
codes() {
  python3 - "$@" <<'PY'
import subprocess, sys
prefix, cmds = sys.argv[1:-6], sys.argv[-6:]
print(" ".join(str(subprocess.run(prefix + ["sh", "-c", c]).returncode) for c in cmds))
PY
}
cmds=('exit 3' 'exit 143' 'kill -TERM $$' 'kill -INT $$' 'kill -SEGV $$' 'kill -KILL $$')
native=$(codes "${cmds[@]}")
inside=$(codes "$UKRUN" -- "${cmds[@]}")
echo "native: $native; under uk-run: $inside"
expect_eq "return codes (exit 3, exit 143, TERM, INT, SEGV, KILL)" "3 143 -15 -2 -11 -9" "$native"
expect_eq "the same under uk-run" "$native" "$inside"
shell=$("$UKRUN" -- sh -c 'kill -TERM $$'; echo $?)
expect_eq "a shell's \$? after TERM" 143 "$shell"
expect_no_uk_mounts
echo PASS
