#!/bin/bash
# -t cgroup's cpu files through uk-run's shim (subsys/cpu_v1.cc): the defaults, an
# s64 file's parse errors as the host gives them (EINVAL, ERANGE), the idle flag's
# shares, and a CPU quota refused with EOPNOTSUPP (said once on stderr) once the
# kernel's checks have passed, where the host, which enforces it, accepts it. The
# answers are the host's own in a fresh child of its cpu hierarchy
# (tests/cgroup/cpu_v1_test.cc has every file's).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
d=$TMP/cpu
mkdir $d
"$UKRUN" --cpu-enforcement=signals -- bash -c '
d='"$d"'
mount -t cgroup -o cpu none $d || exit 9
mkdir $d/a
w() { if printf "%s" "$2" > $d/a/$1 2>/dev/null; then echo "$1 <- $2: ok $(cat $d/a/$1)"; else echo "$1 <- $2: refused $(cat $d/a/$1)"; fi; }
echo quota=$(cat $d/a/cpu.cfs_quota_us) period=$(cat $d/a/cpu.cfs_period_us) rt=$(cat $d/a/cpu.rt_runtime_us) root_rt=$(cat $d/cpu.rt_runtime_us)
w cpu.cfs_quota_us 999
w cpu.cfs_quota_us 50000
w cpu.cfs_quota_us 60000
w cpu.cfs_period_us 200000
w cpu.idle 1
cat $d/a/cpu.shares
w cpu.shares 100
w cpu.idle 0
cat $d/a/cpu.stat.local
rmdir $d/a
umount $d
' >$TMP/out 2>$TMP/err
cat $TMP/out $TMP/err
expect_eq "cpu files" "quota=-1 period=100000 rt=0 root_rt=950000
cpu.cfs_quota_us <- 999: refused -1
cpu.cfs_quota_us <- 50000: refused -1
cpu.cfs_quota_us <- 60000: refused -1
cpu.cfs_period_us <- 200000: ok 200000
cpu.idle <- 1: ok 1
3
cpu.shares <- 100: refused 3
cpu.idle <- 0: ok 0
throttled_time 0" "$(cat $TMP/out)"
# One notice, for the two quotas the kernel would have taken (999 is its EINVAL).
expect_eq "the notice" "uk-run: cpu.cfs_quota_us, cpu.rt_runtime_us: uk enforces CPU shares, not bandwidth; writing a CPU quota or an RT runtime fails with EOPNOTSUPP" "$(grep -v '^uk-run: cpu shares enforced' $TMP/err)"
expect_no_uk_mounts
