// Sanitizer hooks linked into uk-run (they only matter under --config=asan).
//
// The outer uk-run calls unshare(CLONE_NEWPID) and forks the supervisor as pid 1 of the
// new namespace. Once the supervisor has exited, that namespace is dead and every clone()
// of the outer process fails with ENOMEM, including the one LeakSanitizer needs at exit
// for its ptrace tracer ("LeakSanitizer has encountered a fatal error"). So the leak check
// is off in a process whose children go to another pid namespace than its own (only the
// outer uk-run). The supervisor ends with _exit (no leak check) but ASan's and UBSan's
// other checks run in it, where the kernel and the FUSE bridge live.
#include <unistd.h>

#include <cstring>

namespace {

// The outer uk-run shares the mount namespace where the supervisor mounted the new pid
// namespace's /proc, so /proc/self does not exist for it: that counts as "differs" too.
bool pid_ns_for_children_differs() {
  char self[64] = {}, children[64] = {};
  if (readlink("/proc/self/ns/pid", self, sizeof self - 1) < 0) return true;
  if (readlink("/proc/self/ns/pid_for_children", children, sizeof children - 1) < 0) {
    return true;
  }
  return strcmp(self, children) != 0;
}

}  // namespace

extern "C" int __lsan_is_turned_off() { return pid_ns_for_children_differs() ? 1 : 0; }
