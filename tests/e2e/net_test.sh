#!/bin/bash
# net (uk-run --net, implied by a --mount that binds net): loopback TCP senders in
# containers with rate_bps 80 Mbit/s and 10 Mbit/s (the latter's sender in a child
# container without a limit of its own) run concurrently; a 40 Mbit/s limit is lowered
# to 10 Mbit/s in the middle of a transfer; a sender in a container without a limit is
# not paced, and is paced once moved into a limited one; two connections split their
# container's rate evenly; a paced socket left only to a child moved to a container
# without a limit is set back to unpaced; a socket accepted in a limited container is
# paced. 127.0.0.1 only.
#
# What is checked is what the kernel reports to each sender (net_flow.c): the sequence
# of SO_MAX_PACING_RATE values its socket had, exactly, and for each paced period of
# 0.8 s or more, that the payload the peer acknowledged over its steady part (from 0.3 s
# in to its end) was at most that rate (+10%). A busy machine can delay a pass of the
# enforcer or slow a sender, which moves or shortens periods and lowers rates, but
# cannot make a paced socket send faster: no lower bound on a rate is checked. A steady
# part shorter than 0.5 s (a sender that got no CPU for most of a period: it samples
# every 10 ms when it runs) is reported as a skipped part.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
d=$TMP/n
cat > "$TMP/inner.sh" <<EOS
set -e
d=$d
flow=$HELPERS/net_flow
# recv NCONN: starts the receiver, sets \$port
recv() {
  rm -f $TMP/port
  \$flow recv $TMP/port "\$@" &
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
recv 2
send a fast 3
send b/x slow 3
wait
# A limit lowered in the middle of a transfer.
echo 40000000 > \$d/a/rate_bps
recv 1
send a change 3
sleep 1.2
echo 10000000 > \$d/a/rate_bps
wait
# No limit in c (a's keeps the enforcer active).
recv 1
send c free 1
wait
# A running unpaced sender moved into a limited container is paced at the attach.
echo 10000000 > \$d/a/rate_bps
recv 1
send c moved 2.5
sleep 0.8
echo \$! > \$d/a/tasks
wait
# Two connections in one container share its rate evenly (the second's connect
# re-splits the first's).
echo 20000000 > \$d/a/rate_bps
recv 2
send a one 2
send a two 2
wait
# A paced socket whose only holder left is a child moved to c (no limit): its parent
# closed its copy, so only the child's fd table shows the socket to set back.
echo 10000000 > \$d/a/rate_bps
recv 1
rm -f $TMP/child
sh -c "echo \\\$\\\$ > \$d/a/tasks; exec \$flow handoff \$port handed $TMP/child 1.5" &
while [ ! -s $TMP/child ]; do sleep 0.01; done
# Each of its threads (a runtime's own share the fd table: TSan starts one at a fork).
for t in /proc/\$(cat $TMP/child)/task/*; do echo \${t##*/} > \$d/c/tasks; done
wait
# The accepting side: the listener in a is paced before accept, the accepted socket
# inherits its rate.
echo 10000000 > \$d/a/rate_bps
rm -f $TMP/port
sh -c "echo \\\$\\\$ > \$d/a/tasks; exec \$flow push $TMP/port server 2" &
while [ ! -s $TMP/port ]; do sleep 0.01; done
\$flow pull \$(cat $TMP/port)
wait
EOS
out=$("$UKRUN" --mount container:net:$d -- bash "$TMP/inner.sh" 2>&1)
echo "$out"
grep -qx "rate_a=80000000 rate_bx=0" <<<"$out" || fail "rate_bps reads"
unpaced=18446744073709551615 # ~0UL: no SO_MAX_PACING_RATE
# pacings NAME: the socket's pacing rates (bytes/s), one per period, in order.
pacings() { awk -v n="$1" '$1 == n && $2 == "period" { print $3 }' <<<"$out" | paste -sd' '; }
# paced WHAT NAME RATE: NAME had a period of 0.8 s or more at RATE (bytes/s), and over
# the steady part of each the acknowledged payload was at most RATE (+10%).
paced() {
  local lines secs steady bps
  lines=$(awk -v n="$2" -v r="$3" '$1 == n && $2 == "period" && $3 == r && $4 >= 0.8' <<<"$out")
  [[ -n "$lines" ]] || fail "$1: no period of 0.8 s or more at $3 bytes/s"
  while read -r _ _ _ secs steady bps; do
    if awk -v s="$steady" 'BEGIN { exit !(s < 0.5) }'; then
      echo "SKIP $2 rate part: its ${secs}s at $3 bytes/s have a steady part of ${steady}s"
      continue
    fi
    echo "measured: $2 at $3 bytes/s, ${steady}s of ${secs}s: $bps bit/s"
    awk -v b="$bps" -v r="$3" 'BEGIN { exit !(b <= r * 8 * 1.1) }' ||
      fail "$1: $bps bit/s over ${steady}s, above $3 bytes/s"
  done <<<"$lines"
}
# SO_MAX_PACING_RATE is rate_bps / 8.
expect_eq "80 Mbit/s sender" 10000000 "$(pacings fast)"
paced "80 Mbit/s sender" fast 10000000
expect_eq "b's limit covers b/x" 1250000 "$(pacings slow)"
paced "10 Mbit/s sender" slow 1250000
expect_eq "the lowered limit reaches the socket" "5000000 1250000" "$(pacings change)"
paced "before the change" change 5000000
paced "after the change" change 1250000
expect_eq "an unlimited container is not paced" $unpaced "$(pacings free)"
expect_eq "a moved sender is paced" "$unpaced 1250000" "$(pacings moved)"
paced "moved sender" moved 1250000
# The first of two connections had the whole rate until the second connected, the last
# one has it again once the other closed: each split evenly in between.
for c in one two; do
  [[ " $(pacings $c) " =~ ^(\ 2500000)?\ 1250000\ (2500000\ )?$ ]] ||
    fail "$c of two connections: pacing $(pacings $c)"
  paced "$c of two connections" $c 1250000
done
# Moved out at once: its paced period may be over before its first write.
[[ " $(pacings handed) " =~ ^(\ 1250000)?\ $unpaced\ $ ]] ||
  fail "a socket left to a task of an unlimited container keeps its rate: $(pacings handed)"
expect_eq "an accepted socket is paced" 1250000 "$(pacings server)"
paced "accepted connection" server 1250000
expect_no_uk_mounts
