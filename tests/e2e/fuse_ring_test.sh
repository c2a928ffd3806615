#!/bin/bash
# The FUSE e2e tests again, served over FUSE over io_uring (harness/fuse_ring.h): as
# root, with the fuse module's enable_uring on for this test's duration only (restored
# at exit, whatever happens), each test runs through a uk-run wrapper that adds
# --verbose, and every mount must report the ring. The setting is global: a uk-run of
# another test running meanwhile also gets the ring, which both transports serve
# alike. Skips (a SKIP: line) without root, without the setting, or when io_uring is
# unavailable (uk-run then says why it chose /dev/fuse).
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
param=/sys/module/fuse/parameters/enable_uring
if [[ $(id -u) != 0 || ! -w $param ]]; then
  echo "SKIP: needs root and $param (Linux 6.14+ with CONFIG_FUSE_IO_URING)"
  exit 0
fi
old=$(cat $param)
restore() { echo "$old" >$param; }
trap 'rc=$?; restore; on_exit $rc' EXIT
echo Y >$param

log=$TMP/verbose.log
wrapper=$TMP/uk-run
cat >"$wrapper" <<WRAP
#!/bin/bash
# --verbose's transport lines go to the log only: the tests see uk-run's stderr as it was.
exec "$UKRUN" --verbose "\$@" 2> >(tee -a "$log" | grep -v --line-buffered '^uk-run: FUSE at ' >&2)
WRAP
chmod 755 "$wrapper"

# Is the ring available here at all (io_uring_disabled, an old kernel)?
d=$TMP/probe
mkdir $d
"$wrapper" -- bash -c "mount -t container -o cpuacct none $d && umount $d"
if ! grep -q "^uk-run: FUSE at $d: io_uring$" "$log"; then
  echo "SKIP: uk-run did not get the ring: $(grep "FUSE at $d" "$log")"
  exit 0
fi

for t in fuse_cache_test fuse_parallel_test article_test procs_test proc_fd_test mount_poll_test; do
  : >"$log"
  echo "=== $t over io_uring"
  UK_E2E_UKRUN=$wrapper bash "$HELPERS/$t.sh" || fail "$t failed over io_uring"
  grep -q ': io_uring$' "$log" || fail "$t: no mount over io_uring"
  if grep '^uk-run: FUSE at ' "$log" | grep -v ': io_uring$'; then
    fail "$t: a mount not over io_uring"
  fi
done
echo "fuse_ring_test: ok"
