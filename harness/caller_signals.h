// The signal state uk-run's caller started it with, which COMMAND gets back: natively a
// program inherits its caller's ignored signals and blocked mask across exec (nohup's
// SIGHUP, a script's background job's SIGINT, a SIGPIPE the caller ignores), and uk-run
// changes its own on the way (forwarding handlers, the supervisor's signalfd mask, its
// ignored SIGPIPE).
#pragma once

#include <signal.h>

#include <cstdint>

namespace ukrun {

struct caller_signals {
  // Bit N-1: signal N's disposition is SIG_IGN; every other one is SIG_DFL after an
  // exec. Not a sigset_t: glibc's sigaddset refuses its own signals (32, 33).
  uint64_t ignored;
  sigset_t blocked;
};

// Called first thing in the outer uk-run, before it changes a disposition or its mask.
caller_signals capture_caller_signals();

// In COMMAND's process before its exec: each catchable signal ignored or default as
// `s` says, and its mask. Async-signal-safe (after fork in a threaded process).
void restore_caller_signals(const caller_signals& s);

// The state a process the kernel starts itself has (a usermode helper): every
// catchable signal default, glibc's own too, none blocked. Async-signal-safe.
inline void default_signals() {
  caller_signals none = {};
  sigemptyset(&none.blocked);
  restore_caller_signals(none);
}

}  // namespace ukrun
