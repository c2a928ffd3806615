// The caller's signal state, captured and given back to COMMAND (caller_signals.h).
#include "harness/caller_signals.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace ukrun {
namespace {

// The kernel's struct sigaction (include/uapi/asm-generic/signal.h, with SA_RESTORER as
// on x86-64 and arm64). Raw rt_sigaction reads and sets what the kernel holds: glibc's
// sigaction refuses its own signals (32 and 33), and a sanitizer's interposed one
// answers from its own table.
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};

void (*kernel_handler(int sig))(int) {
  kernel_sigaction old = {};
  if (syscall(SYS_rt_sigaction, sig, nullptr, &old, sizeof old.mask) != 0) return SIG_DFL;
  return old.handler;
}

void set_kernel_handler(int sig, void (*handler)(int)) {
  kernel_sigaction sa = {};
  sa.handler = handler;
  syscall(SYS_rt_sigaction, sig, &sa, nullptr, sizeof sa.mask);
}

}  // namespace

static_assert(NSIG - 1 <= 64, "caller_signals::ignored holds a bit per signal");

caller_signals capture_caller_signals() {
  caller_signals s;
  s.ignored = 0;
  for (int sig = 1; sig < NSIG; sig++) {
    if (kernel_handler(sig) == SIG_IGN) s.ignored |= 1ull << (sig - 1);
  }
  sigprocmask(SIG_BLOCK, nullptr, &s.blocked);
  return s;
}

void restore_caller_signals(const caller_signals& s) {
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    set_kernel_handler(sig, (s.ignored >> (sig - 1)) & 1 ? SIG_IGN : SIG_DFL);
  }
  sigprocmask(SIG_SETMASK, &s.blocked, nullptr);
}

}  // namespace ukrun
