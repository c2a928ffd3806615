#!/bin/bash
# Security (harness/README.md, "Security"): a non-root uk-run grants nothing its user
# does not have. (a) Its release agent runs as the invoking uid: the file the agent
# writes belongs to uid 65534 on the host, and uk-run's user namespaces map that uid
# alone, to root (seen from the host: 0 65534 1; from inside, one level down: 0 0 1).
# (b) Mounts inside stay inside: a tmpfs over a host directory, a bind mount over /etc
# and the FUSE mount are not seen by the host while uk-run runs (checked from outside
# meanwhile), a block device is not mountable, root's files stay unwritable.
# (lib.sh then checks, as for every e2e test, that the host's mounts and cgroup
# directories are unchanged.)
source "$TEST_SRCDIR/uk/tests/e2e/lib.sh"
nonroot_setup || {
  echo "SKIP: needs root and setpriv"
  exit 0
}
out=$NR_DIR/out      # written from inside, read from the host
mkdir -m 755 $out $NR_DIR/h $NR_DIR/visible
echo host >$NR_DIR/visible/marker
chown 65534:65534 $out $NR_DIR/h $NR_DIR/visible
cat >$NR_DIR/agent <<AGENT
#!/bin/sh
{ echo "uid \$(id -u) \$1"; cat /proc/self/uid_map; } > $out/agent.out
AGENT
chmod 755 $NR_DIR/agent
etc_before=$(ls -la --time-style=+%s /etc | sha256sum)
rootdev=$(awk '$5 == "/" { i = 7; while ($i != "-") i++; print $(i + 2) }' /proc/self/mountinfo |
  tail -1)

as_nobody "$NR_UKRUN" -- sh -c '
out='"$out"' h='"$NR_DIR"'/h visible='"$NR_DIR"'/visible
mount --bind '"$NR_FUSE"' /dev/fuse || exit 10
mount -t container -o cpuacct,release_agent='"$NR_DIR"'/agent x $h || exit 11
mkdir $h/a && echo 1 > $h/a/notify_on_release || exit 12
sh -c "echo \$\$ > $h/a/tasks"   # a leaves a empty: the release agent runs
for i in $(seq 100); do [ -s $out/agent.out ] && break; sleep 0.05; done
mount -t tmpfs none $visible && echo inside > $visible/marker && echo "tmpfs=$(cat $visible/marker)"
mount '"$rootdev"' /mnt 2>/dev/null && echo block=mounted || echo block=refused
echo x 2>/dev/null > /etc/uk-run-security-probe && echo etc-write=yes || echo etc-write=refused
mkdir $out/etc && echo fake > $out/etc/hostname
mount --bind $out/etc /etc && echo "etc-hostname=$(cat /etc/hostname)"
touch $out/ready
for i in $(seq 200); do [ -e $out/go ] && break; sleep 0.05; done
' >$TMP/inside 2>&1 &
ukrun=$!
for i in $(seq 200); do [[ -e $out/ready ]] && break; sleep 0.05; done
[[ -e $out/ready ]] || { cat $TMP/inside; fail "the body did not get ready"; }

# The host's view while uk-run and its mounts are alive.
mounts=$(cat /proc/self/mountinfo)
grep -q " $NR_DIR/visible " <<<"$mounts" && fail "the tmpfs is visible on the host"
grep -q " /etc " <<<"$mounts" && fail "the /etc bind mount is visible on the host"
grep -q " $NR_DIR/h " <<<"$mounts" && fail "the FUSE mount is visible on the host"
expect_eq "host marker" host "$(cat $NR_DIR/visible/marker)"
expect_eq "host /etc" "$etc_before" "$(ls -la --time-style=+%s /etc | sha256sum)"
[[ -e /etc/uk-run-security-probe ]] && fail "uk-run's user wrote into /etc"
# uk-run's user namespace as the host sees it: the invoking user alone, as root.
# ($ukrun is the subshell or, exec'd, the outer uk-run: either way its child, uk-run or
# uk-supervisor, is in that namespace.)
uk=$(pgrep -x 'uk-run|uk-supervisor' -P $ukrun | head -1)
host_map=$(tr -s ' ' <"/proc/$uk/uid_map" | sed 's/^ //')
touch $out/go
wait $ukrun && rc=0 || rc=$?
cat $TMP/inside
expect_eq "status" 0 $rc

grep -qx "tmpfs=inside" $TMP/inside || fail "the tmpfs inside"
grep -qx "etc-hostname=fake" $TMP/inside || fail "the /etc bind mount inside"
if [[ -b $rootdev ]]; then
  grep -qx "block=refused" $TMP/inside || fail "the block device $rootdev was mounted"
else
  echo "SKIP block device part: / is not on a block device ($rootdev)"
fi
grep -qx "etc-write=refused" $TMP/inside || fail "/etc was writable"

# (a) The release agent: uid 0 inside the user namespace, which maps it to the
# invoking user, the owner of what it writes.
cat $out/agent.out
expect_eq "agent file owner on the host" 65534 "$(stat -c %u $out/agent.out)"
expect_eq "agent inside" "uid 0 /a" "$(head -1 $out/agent.out)"
read -r inside host count < <(sed -n 2p $out/agent.out)
expect_eq "agent uid_map" "0 0 1" "$inside $host $count"
expect_eq "uid_map from the host" "0 65534 1" "$host_map"
expect_eq "host marker after" host "$(cat $NR_DIR/visible/marker)"
expect_no_uk_mounts
