#!/bin/bash
# uk-run --trace, then uk-replay (harness/replay/README.md): a small run (forks, moves,
# notify_on_release with a release agent, a rejected write, an rmdir of a busy
# container) replays with every result matching, under both flavours' recordings; the
# other flavour's replay shows the garbage pid's EIO (container) against EINVAL
# (cgroup), and otherwise only that the cgroup flavour keeps xattrs where the container
# flavour has none (a truncating open's security.capability lookup).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
REPLAY="$TEST_SRCDIR/uk/harness/replay/uk-replay"
cat >"$TMP/agent" <<AGENT
#!/bin/sh
echo "\$1" >> $TMP/agent.log
AGENT
chmod +x "$TMP/agent"

# record TYPE SHARES: the run under mount type TYPE; SHARES is its cpu shares file.
record() {
  local type=$1 shares=$2
  mkdir -p "$TMP/$type"
  "$UKRUN" --cpu-enforcement=none --trace "$TMP/$type.trace" -- bash -c '
set -u
C='"$TMP/$type"'
mount -t '"$type"' -o cpu,release_agent='"$TMP"'/agent cpu $C
mkdir $C/busy $C/gone
echo 1 > $C/gone/notify_on_release
echo 512 > $C/busy/'"$shares"'
sleep 30 & echo $! > $C/busy/tasks
(echo $BASHPID > $C/gone/tasks)
echo abc > $C/busy/tasks 2>/dev/null && echo "garbage accepted"
rmdir $C/busy 2>/dev/null && echo "busy rmdir accepted"
kill %1; wait
for i in $(seq 50); do [ -s '"$TMP"'/agent.log ] && break; sleep 0.1; done
umount $C' >"$TMP/$type.out" 2>&1 || fail "$type: uk-run failed: $(cat "$TMP/$type.out")"
  [[ ! -s "$TMP/$type.out" ]] || fail "$type: unexpected output: $(cat "$TMP/$type.out")"
  grep -qx "/gone" "$TMP/agent.log" || fail "$type: the release agent did not run"
  rm -f "$TMP/agent.log"
}

# check TYPE OTHER RECORDED REPLAYED: --verify matches; under OTHER one result of the
# workload's differs, the garbage pid written to busy/tasks, and the rest are the
# flavours' xattrs: security.capability, which the kernel looks up at each truncating
# open, is EOPNOTSUPP in the container flavour and ENODATA in the cgroup flavour (asked
# once per mount in the container flavour, whose connection then stops asking).
check() {
  local type=$1 other=$2 recorded=$3 replayed=$4 out xattrs rest
  out=$("$REPLAY" --verify "$TMP/$type.trace") || fail "$type: --verify: $out"
  grep -q "every result matches" <<<"$out" || fail "$type: --verify said: $out"
  out=$("$REPLAY" --flavour="$other" "$TMP/$type.trace") || fail "$type: --flavour=$other: $out"
  echo "$out"
  xattrs=$(grep -Ec "^seq [0-9]+ \(line [0-9]+\): getxattr security.capability of .*: recorded (EOPNOTSUPP|ENODATA), replayed (ENODATA|EOPNOTSUPP)$" <<<"$out")
  rest=$(grep "^seq " <<<"$out" | grep -v ": getxattr security.capability of ")
  [[ $xattrs -ge 1 ]] || fail "$type under $other: no xattr difference"
  [[ $(grep -c . <<<"$rest") == 1 ]] || fail "$type under $other: not the write and the xattrs"
  grep -Eqx "seq [0-9]+ \(line [0-9]+\): write $TMP/$type/busy/tasks \"abc\\\\n\": recorded $recorded, replayed $replayed" <<<"$rest" ||
    fail "$type under $other: the garbage pid's write"
  # The same replay with the recorded flavour named explicitly finds nothing.
  out=$("$REPLAY" --flavour="$type" "$TMP/$type.trace")
  grep -q ": 0 results differ" <<<"$out" || fail "$type under $type: $out"
}

record container shares
check container cgroup EIO EINVAL
record cgroup cpu.shares
check cgroup container EINVAL EIO
# A trace cut short still replays (the entries it has), and a corrupt line is named.
head -c 20000 "$TMP/container.trace" | head -n -1 >"$TMP/cut.trace"
"$REPLAY" --verify "$TMP/cut.trace" >/dev/null || fail "a cut trace does not replay"
sed '5s/"seq"/"seq":x,"q"/' "$TMP/container.trace" >"$TMP/bad.trace"
out=$("$REPLAY" --verify "$TMP/bad.trace" 2>&1) && fail "a corrupt trace replayed"
grep -q "bad.trace line 5: " <<<"$out" || fail "the corrupt line is not named: $out"
expect_no_uk_mounts
