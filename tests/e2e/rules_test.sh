#!/bin/bash
# uk-run --rules (cgrules.conf): a copy of sleep named like a browser lands in
# browser/, one named like a BitTorrent client in bulk/, in both hierarchies (a `%`
# continuation line); a copy of cat named firefox reads its own container at its first
# open (moved before the new image ran); a rule whose destination is missing is logged
# and leaves the process where it was; other programs stay put. The trace records each
# exec's moves as one `rules` entry (the decision: the tasks files written), and
# uk-replay --verify makes the same moves from it.
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
REPLAY="$TEST_SRCDIR/uk/harness/replay/uk-replay"
mkdir $TMP/bin $TMP/cpu $TMP/acct
cp -L /bin/sleep $TMP/bin/firefox
cp -L /bin/sleep $TMP/bin/transmission-cli
cp -L /bin/sleep $TMP/bin/nowhere
mkdir $TMP/bin/cat && cp -L /bin/cat $TMP/bin/cat/firefox
cat >$TMP/rules.conf <<'CONF'
# user[:process]      controllers   destination
*:firefox             cpu           browser/
%                     cpuacct       browser
*:transmission-cli    cpu,cpuacct   bulk/
*:nowhere             cpu           missing/
CONF
out=$("$UKRUN" --trace $TMP/rules.trace --rules $TMP/rules.conf --mount container:cpu:$TMP/cpu \
  --mount container:cpuacct:$TMP/acct -- bash -c '
t='"$TMP"'
for h in cpu acct; do mkdir $t/$h/browser $t/$h/bulk; done
$t/bin/firefox 30 & f=$!
$t/bin/transmission-cli 30 & b=$!
$t/bin/nowhere 30 & n=$!
sleep 30 & s=$!
# "&" returns before the child has exec'"'"'d: wait until each runs its new image (the rules
# place it in the exec trap, before that image runs, so then it has been moved).
waitexec() { for _ in $(seq 200); do [[ $(cat /proc/$1/comm 2>/dev/null) == "$2" ]] && return; sleep 0.05; done; }
waitexec $f firefox; waitexec $b transmission-cl; waitexec $n nowhere; waitexec $s sleep
for h in cpu acct; do
  grep -qx $f $t/$h/browser/tasks && echo "$h: firefox in browser"
  grep -qx $b $t/$h/bulk/tasks && echo "$h: transmission-cli in bulk"
done
grep -qx $n $t/cpu/tasks && echo "nowhere at the root"
grep -qx $s $t/cpu/tasks && echo "sleep at the root"
$t/bin/cat/firefox /proc/self/container | sed "s/^/first open: /"
echo "pids $f $b $n"
kill $f $b $n $s
' 2>$TMP/err)
echo "$out"
cat $TMP/err
for h in cpu acct; do
  grep -qx "$h: firefox in browser" <<<"$out" || fail "$h: firefox not in browser/"
  grep -qx "$h: transmission-cli in bulk" <<<"$out" || fail "$h: transmission-cli not in bulk/"
done
grep -qx "nowhere at the root" <<<"$out" || fail "missing destination moved the process"
grep -qx "sleep at the root" <<<"$out" || fail "sleep moved"
grep -q "^first open: .*cpu:/browser" <<<"$out" || fail "cat/firefox not moved before it ran"
grep -q "^first open: .*cpuacct:/browser" <<<"$out" || fail "cat/firefox not in cpuacct browser"
grep -q "rules line 5: .*nowhere" $TMP/err || fail "missing destination not logged"
read -r f b n < <(sed -n 's/^pids //p' <<<"$out")
# rules_line PID: the trace's rules entry moving PID.
rules_line() { grep '"kind":"rules"' $TMP/rules.trace | grep "\"target\":$1,"; }
rules_line $f | grep -q '"result":0,.*"arg":2' || fail "firefox: no rules entry: $(rules_line $f)"
[[ $(rules_line $f | grep -o "$f /[^\\]*/browser/tasks" | wc -l) == 2 ]] ||
  fail "firefox: not two moves (cpu, cpuacct) in its decision: $(rules_line $f)"
rules_line $n | grep -q "\"data\":\"$n /[^\\]*/missing/tasks.n\",\"result\":-2," ||
  fail "nowhere: not a failed move (ENOENT): $(rules_line $n)"
# No plain attach of init's outside a rules entry moves them: each move is nested.
grep '"kind":"attach"' $TMP/rules.trace | grep -v '"nested":true' && fail "an attach not nested"
replayed=$("$REPLAY" --verify $TMP/rules.trace) || fail "--verify: $replayed"
echo "$replayed"
expect_no_uk_mounts
