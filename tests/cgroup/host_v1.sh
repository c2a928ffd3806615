# Sourced by the tests that use the host kernel's cgroup v1 (scenarios.sh,
# v1_script_test.sh).

# release_named_hierarchy NAME DIR: a named hierarchy that had cgroups outlives its
# umount until the kernel has released them, which it does asynchronously (RCU, then a
# workqueue: seconds on a busy machine), and then stays until it is mounted and unmounted
# again. Mounts it at DIR and unmounts it until /proc/self/cgroup no longer lists it, for
# up to a minute; returns 1 if it is still there.
release_named_hierarchy() {
  local _
  for _ in $(seq 200); do
    grep -q "name=$1:" /proc/self/cgroup || return 0
    sleep 0.3
    mount -t cgroup -o "name=$1" none "$2" 2>/dev/null && umount "$2"
  done
  ! grep -q "name=$1:" /proc/self/cgroup
}
