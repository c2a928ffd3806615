#!/bin/bash
# Supervisor faults: SIGKILL of the supervisor (pid 1 of uk-run's pid namespace) during
# a fork storm leaves no process and no mount within 1 s; a release agent that hangs or
# fails blocks nothing.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
STORM="$TEST_SRCDIR/uk/tests/stress/fork_storm"

# 1. SIGKILL of the supervisor mid-storm.
d=$TMP/s
mkdir $d
setsid "$UKRUN" --mount container:cpu,cpuacct:$d -- \
  sh -c "touch $TMP/ready; exec $STORM $d 30 300 0" >$TMP/storm.out 2>&1 &
ukrun=$!
for i in $(seq 200); do [[ -e $TMP/ready ]] && break; sleep 0.05; done
[[ -e $TMP/ready ]] || fail "the storm did not start"
sleep 1
sid=$(awk '{print $6}' /proc/$ukrun/stat)
sup=$(pgrep -P $ukrun | head -1)
[[ -n "$sup" ]] || fail "no supervisor under uk-run $ukrun"
start=$(date +%s%N)
kill -9 "$sup"
gone=0
for i in $(seq 100); do
  if ! pgrep -s "$sid" >/dev/null; then
    gone=1
    break
  fi
  sleep 0.01
done
ms=$((($(date +%s%N) - start) / 1000000))
[[ $gone == 1 ]] || fail "processes left 1 s after SIGKILL of the supervisor: $(pgrep -a -s "$sid")"
echo "supervisor SIGKILL: every process gone after ${ms} ms"
((ms <= 1000)) || fail "took ${ms} ms"
wait $ukrun 2>/dev/null || true
expect_no_uk_mounts

# 2. A release agent that hangs, and one that fails: each release runs one, and neither
# delays the next operation or uk-run's exit.
for agent in hang fail; do
  cat >$TMP/$agent <<AGENT
#!/bin/sh
echo "\$1" >> $TMP/$agent.log
[ $agent = hang ] && exec sleep 1000
exit 3
AGENT
  chmod +x $TMP/$agent
  r=$TMP/r_$agent
  mkdir $r
  start=$(date +%s%N)
  cat >$TMP/inner <<INNER
mkdir $r/a $r/b
echo 1 > $r/a/notify_on_release
echo 1 > $r/b/notify_on_release
sh -c 'echo \$\$ > $r/a/tasks'
sh -c 'echo \$\$ > $r/b/tasks'
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  [ "\$(cat $TMP/$agent.log 2>/dev/null | wc -l)" = 2 ] && break
  sleep 0.1
done
mkdir $r/c && rmdir $r/c
INNER
  timeout -s KILL 20 "$UKRUN" --mount container:cpuacct,release_agent=$TMP/$agent:$r -- \
    sh $TMP/inner || fail "$agent agent: uk-run failed or hung ($?)"
  ms=$((($(date +%s%N) - start) / 1000000))
  expect_eq "$agent agent runs" "$(printf '/a\n/b')" "$(sort $TMP/$agent.log)"
  echo "$agent release agent: 2 releases, uk-run done in ${ms} ms"
  ((ms < 10000)) || fail "$agent agent delayed uk-run by ${ms} ms"
done
echo "faults_test: ok"
