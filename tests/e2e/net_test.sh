#!/bin/bash
# net (uk-run --net, implied by a --mount that binds net): loopback TCP senders in
# containers with rate_bps 80 Mbit/s and 10 Mbit/s (the latter's sender in a child
# container without a limit of its own) run concurrently for 3 s; over the steady part
# (0.5-2.5 s) each gets its limit within 12% and their ratio is 8:1 within 10%. Then a
# 40 Mbit/s limit lowered to 10 Mbit/s in the middle of a transfer takes effect; a
# sender in a container without a limit is not paced, and is paced once moved into a
# limited one; two connections split their container's rate evenly; a paced socket
# left only to a child moved to a container without a limit is set back to unpaced; a
# socket accepted in a limited container is paced. 127.0.0.1 only.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
d=$TMP/n
cat > "$TMP/inner.sh" <<EOS
set -e
d=$d
flow=$HELPERS/net_flow
# recv NCONN MAXSECS WINDOW...: starts the receiver, sets \$port
recv() {
  rm -f $TMP/port
  \$flow recv $TMP/port "\$@" > $TMP/recv &
  while [ ! -s $TMP/port ]; do sleep 0.01; done
  port=\$(cat $TMP/port)
}
# send CONTAINER NAME SECONDS: a sender in the container (moved before it execs)
send() {
  sh -c "echo \\\$\\\$ > \$d/\$1/tasks; exec \$flow send \$port \$2 \$3" &
}
mkdir \$d/a \$d/b \$d/b/x \$d/c
echo 80000000 > \$d/a/rate_bps
echo 10000000 > \$d/b/rate_bps
echo rate_a=\$(cat \$d/a/rate_bps) rate_bx=\$(cat \$d/b/x/rate_bps)
recv 2 4 0.5-2.5
send a fast 3
send b/x slow 3
wait
cat $TMP/recv
# A limit lowered in the middle of a transfer.
echo 40000000 > \$d/a/rate_bps
recv 1 4 0.2-0.9 1.8-2.8
send a change 3
sleep 1.2
echo 10000000 > \$d/a/rate_bps
wait
cat $TMP/recv
# No limit in c (a's keeps the enforcer active).
recv 1 2 0.2-0.9
send c free 1
wait
cat $TMP/recv
# A running unpaced sender moved into a limited container is paced at the attach.
echo 10000000 > \$d/a/rate_bps
recv 1 4 1.6-2.4
send c moved 2.5
sleep 0.8
echo \$! > \$d/a/tasks
wait
cat $TMP/recv
# Two connections in one container share its rate evenly (the second's connect
# re-splits the first's).
echo 20000000 > \$d/a/rate_bps
recv 2 3 0.3-1.8
send a one 2
send a two 2
wait
cat $TMP/recv
# A paced socket whose only holder left is a child moved to c (no limit): its parent
# closed its copy, so only the child's fd table shows the socket to set back.
echo 10000000 > \$d/a/rate_bps
recv 1 3 0.2-0.9
rm -f $TMP/child
sh -c "echo \\\$\\\$ > \$d/a/tasks; exec \$flow handoff \$port handed $TMP/child 1.5" &
while [ ! -s $TMP/child ]; do sleep 0.01; done
cat $TMP/child > \$d/c/tasks
wait
cat $TMP/recv
# The accepting side: the listener in a is paced before accept, the accepted socket
# inherits its rate.
echo 10000000 > \$d/a/rate_bps
rm -f $TMP/port
sh -c "echo \\\$\\\$ > \$d/a/tasks; exec \$flow push $TMP/port server 2" &
while [ ! -s $TMP/port ]; do sleep 0.01; done
\$flow pull \$(cat $TMP/port) 3 0.3-1.8
wait
EOS
out=$("$UKRUN" --mount container:net:$d -- bash "$TMP/inner.sh" 2>&1)
echo "$out"
grep -qx "rate_a=80000000 rate_bx=0" <<<"$out" || fail "rate_bps reads"
# The socket's own SO_MAX_PACING_RATE, as uk-run set it (bytes/s).
grep -qx "fast pacing=10000000" <<<"$out" || fail "80 Mbit/s is 10000000 bytes/s"
grep -qx "slow pacing=1250000" <<<"$out" || fail "b's limit covers b/x"
grep -qx "change pacing=1250000" <<<"$out" || fail "the lowered limit reaches the socket"
grep -qx "free pacing=18446744073709551615" <<<"$out" || fail "an unlimited container is paced"
grep -qx "handed pacing=18446744073709551615" <<<"$out" ||
  fail "a socket left to a task of an unlimited container keeps its rate"
rate() { awk -v n="$1" -v w="$2" '$1 == n && $2 == w { print $3 }' <<<"$out"; }
# within WHAT ACTUAL EXPECTED PERCENT
within() {
  awk -v a="$2" -v e="$3" -v p="$4" 'BEGIN { d = (a - e) / e * 100; exit !(d <= p && d >= -p) }' ||
    fail "$1: $2, expected $3 within $4%"
}
fast=$(rate fast 0.5-2.5)
slow=$(rate slow 0.5-2.5)
echo "measured: fast=$fast bit/s slow=$slow bit/s ratio=$(awk -v a="$fast" -v b="$slow" 'BEGIN { printf "%.3f", a / b }')"
within "80 Mbit/s sender" "$fast" 80000000 12
within "10 Mbit/s sender" "$slow" 10000000 12
within "ratio fast/slow" "$(awk -v a="$fast" -v b="$slow" 'BEGIN { print a / b }')" 8 10
within "before the change" "$(rate change 0.2-0.9)" 40000000 15
within "after the change" "$(rate change 1.8-2.8)" 10000000 15
within "one of two connections" "$(rate one 0.3-1.8)" 10000000 15
within "two of two connections" "$(rate two 0.3-1.8)" 10000000 15
# (Their final pacing is not checked: the one that closes last gets the whole rate.)
grep -qx "server pacing=1250000" <<<"$out" || fail "an accepted socket is paced"
within "accepted connection" "$(rate server 0.3-1.8)" 10000000 15
grep -qx "moved pacing=1250000" <<<"$out" || fail "a moved sender is paced"
within "moved sender" "$(rate moved 1.6-2.4)" 10000000 15
free=$(rate free 0.2-0.9)
awk -v f="$free" 'BEGIN { exit !(f > 800000000) }' || fail "unlimited sender: $free bit/s, not > 800 Mbit/s"
expect_no_uk_mounts
