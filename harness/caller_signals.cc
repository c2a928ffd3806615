// The caller's signal state, captured and given back to COMMAND (caller_signals.h).
#include "harness/caller_signals.h"

namespace ukrun {

caller_signals capture_caller_signals() {
  caller_signals s;
  sigemptyset(&s.ignored);
  for (int sig = 1; sig < NSIG; sig++) {
    struct sigaction old;
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) sigaddset(&s.ignored, sig);
  }
  sigprocmask(SIG_BLOCK, nullptr, &s.blocked);
  return s;
}

void restore_caller_signals(const caller_signals& s) {
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa = {};
    sa.sa_handler = sigismember(&s.ignored, sig) == 1 ? SIG_IGN : SIG_DFL;
    sigaction(sig, &sa, nullptr);  // EINVAL for the C library's own signals: left as they are
  }
  sigprocmask(SIG_SETMASK, &s.blocked, nullptr);
}

}  // namespace ukrun
