#!/bin/bash
# The article's CPU-share example on real processes under uk-run: in a cpuset of one
# CPU, System (shares 1024) against Guests (9216), with guest A and guest B inside
# Guests at 2:1, each running CPU burners. Prints the split cpuacct measured as a bar
# chart, then again with System idle (Guests should take the whole CPU).
#
#   cpu_share_demo.sh [--seconds N] [--idle-seconds N] [--check POINTS]
#                     [--cpu-enforcement MODE | --no-cpu-shares]
#
# --check POINTS exits 1 unless every share is within POINTS percentage points of
# 10/60/30 (then 0/67/33) and CPU 0 was idle at most POINTS % of the time while System
# was idle (work conservation; /proc/stat, so other host load on CPU 0 does not count
# against it). The benchmark and the e2e test use it. --cpu-enforcement passes MODE
# (host-cgroup, signals, none) to uk-run (default: uk-run's choice); --no-cpu-shares is
# --cpu-enforcement none. Each burner counts the SIGCONTs it receives (a bash trap), and
# the total is printed: what duty cycling shows a program.
set -euo pipefail
seconds=3 idle_seconds=1 check="" ukrun_opts=()
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --idle-seconds) idle_seconds=$2; shift 2 ;;
    --check) check=$2; shift 2 ;;
    --no-cpu-shares) ukrun_opts+=(--cpu-enforcement=none); shift ;;
    --cpu-enforcement) ukrun_opts+=(--cpu-enforcement="$2"); shift 2 ;;
    *) echo "cpu_share_demo: unknown argument $1" >&2; exit 2 ;;
  esac
done
here=$(dirname "$(readlink -f "$0")")
ukrun=${UKRUN:-}
for c in "$here/uk-run" "${RUNFILES_DIR:-$0.runfiles}/uk/harness/uk-run"; do
  [[ -z "$ukrun" && -x "$c" ]] && ukrun=$c
done
[[ -n "$ukrun" ]] || { echo "cpu_share_demo: uk-run not found" >&2; exit 1; }
dir=$(mktemp -d /tmp/uk-cpu.XXXXXX)
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT
export C=$dir/c SECONDS_MAIN=$seconds SECONDS_IDLE=$idle_seconds CHECK=$check
case "${ukrun_opts[*]}" in
  "") ENFORCED="enforced by uk-run" ;;
  *=none) ENFORCED="NOT enforced (--cpu-enforcement=none)" ;;
  *) ENFORCED="enforced by uk-run (${ukrun_opts[*]})" ;;
esac
export ENFORCED

"$ukrun" "${ukrun_opts[@]}" -- bash -c '
set -euo pipefail
mkdir -p $C/cpu $C/cpuset
mount -t container -o cpu,cpuacct cpu $C/cpu
mount -t container -o cpuset cpuset $C/cpuset
mkdir $C/cpuset/one
echo 0 > $C/cpuset/one/cpus
echo 0 > $C/cpuset/one/mems
echo $$ > $C/cpuset/one/tasks          # this shell and every burner: CPU 0 only
mkdir $C/cpu/System $C/cpu/Guests $C/cpu/Guests/A $C/cpu/Guests/B
echo 1024 > $C/cpu/System/shares
echo 9216 > $C/cpu/Guests/shares
echo 2048 > $C/cpu/Guests/A/shares
echo 1024 > $C/cpu/Guests/B/shares
# A burner counts its SIGCONTs and writes the count when terminated.
burn() {
  (c=0; trap "c=\$((c + 1))" CONT; trap "echo \$c > $C/sigcont.\$BASHPID; exit 0" TERM
   echo $BASHPID > $C/cpu/$1/tasks; while :; do :; done) &
}
burn System; sys=$!
burn Guests/A; burn Guests/A; burn Guests/B
groups="System Guests/A Guests/B"
usage() { for g in $groups; do cat $C/cpu/$g/usage; done; }
now() { date +%s%N; }
# Idle time of CPU 0 (host-wide /proc/stat: idle + iowait), in ms.
idle_ms() { awk -v hz=$(getconf CLK_TCK) "\$1 == \"cpu0\" { print (\$5 + \$6) * 1000 / hz }" /proc/stat; }
# CPU time of uk-run itself (pid 1 here: supervisor, enforcer, FUSE), in ms.
sup_ms() { awk -v hz=$(getconf CLK_TCK) "{ sub(/.*\\) /, \"\"); print (\$12 + \$13) * 1000 / hz }" /proc/1/stat; }
# chart TITLE WALL_NS "WANT..." "BEFORE..." "AFTER..." IDLE_MS: prints the bars, the
# CPU time and how long CPU 0 sat idle.
chart() {
  awk -v title="$1" -v wall="$2" -v want="$3" -v groups="$groups" -v check="$CHECK" \
      -v before="$4" -v after="$5" -v idle="$6" "
    BEGIN {
      n = split(groups, g, \" \"); split(want, w, \" \"); split(before, b, \" \");
      split(after, a, \" \");
      for (i = 1; i <= n; i++) { d[i] = a[i] - b[i]; total += d[i] }
      printf \"%s\n\", title
      bad = 0
      for (i = 1; i <= n; i++) {
        pct = total ? 100 * d[i] / total : 0
        bar = \"\"; for (j = 0; j < int(pct / 2 + 0.5); j++) bar = bar \"#\"
        printf \"  %-9s %-50s %5.1f%%  (want %s%%)\n\", g[i], bar, pct, w[i]
        if (check != \"\" && (pct - w[i] > check || w[i] - pct > check)) bad = 1
      }
      idle_pct = 100 * idle * 1e6 / wall
      printf \"  CPU time: %.2f s of %.2f s wall; CPU 0 idle %.1f%%\", total / 1e9, wall / 1e9, idle_pct
      if (total < 0.9 * wall) printf \" (the rest went to other host processes)\"
      printf \"\n\"
      if (check != \"\" && idle_pct > check) bad = 1
      exit bad
    }"
}
sleep 0.5                                # let every burner settle in its container
t0=$(now); u0=$(usage | tr "\n" " "); s0=$(sup_ms); i0=$(idle_ms)
sleep $SECONDS_MAIN
t1=$(now); u1=$(usage | tr "\n" " "); s1=$(sup_ms); i1=$(idle_ms)
rc=0
chart "CPU 0 over $SECONDS_MAIN s, $ENFORCED (cpuacct usage):" $((t1 - t0)) "10 60 30" "$u0" "$u1" $((i1 - i0)) || rc=1
echo "  uk-run itself (supervisor, enforcer, FUSE): $((s1 - s0)) ms of CPU meanwhile"
kill $sys; wait $sys 2>/dev/null || true
sleep 0.2
t0=$(now); u0=$(usage | tr "\n" " "); i0=$(idle_ms)
sleep $SECONDS_IDLE
t1=$(now); u1=$(usage | tr "\n" " "); i1=$(idle_ms)
chart "System idle, over $SECONDS_IDLE s:" $((t1 - t0)) "0 67 33" "$u0" "$u1" $((i1 - i0)) || rc=1
kill $(jobs -p) 2>/dev/null || true
wait 2>/dev/null || true
echo "  SIGCONT received by the burners: $(cat $C/sigcont.* | awk "{ n += \$1 } END { print n }")"
exit $rc
'
