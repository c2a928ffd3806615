# Sourced in a shell inside uk-run: `source contend.sh DIR`. Mounts cpu,cpuacct at
# DIR/cpu and cpuset at DIR/cpuset, puts the shell in a cpuset of CPU 0 alone, makes the
# cpu groups A (shares 100) and B (900), and starts two burners in B as the shell's
# jobs, which end with the shell (natively, and so under uk-run, a job outlives its
# shell). What cpu_unseen_test, pty_job.py and held_stop_test contend with: whatever
# joins A then gets about a tenth of CPU 0.
c=$1
mkdir -p $c/cpu $c/cpuset
mount -t container -o cpu,cpuacct cpu $c/cpu
mount -t container -o cpuset cs $c/cpuset
mkdir $c/cpuset/one; echo 0 > $c/cpuset/one/cpus; echo 0 > $c/cpuset/one/mems
echo $$ > $c/cpuset/one/tasks
mkdir $c/cpu/A $c/cpu/B; echo 100 > $c/cpu/A/shares; echo 900 > $c/cpu/B/shares
for i in 1 2; do (echo $BASHPID > $c/cpu/B/tasks; while kill -0 $$ 2>/dev/null; do :; done) & done
