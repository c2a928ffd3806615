// ThreadSanitizer builds only (--config=tsan): makes Debian's absl::Mutex visible to TSan.
//
// libabsl_synchronization.so is not built with -fsanitize=thread, so its TSan annotations
// are compiled out and its lock word is atomics TSan never sees: every access guarded by
// an absl::Mutex would look unsynchronized. Suppressing reports "in absl" cannot help, the
// false reports are about our own data. Instead this file defines the Mutex members we
// call (absl::MutexLock and friends are inline and call them); the executable's
// definitions interpose on the shared library's, forward to them through dlsym(RTLD_NEXT)
// and tell TSan what happened with its public mutex annotations, exactly what absl does
// itself when it is built under TSan. Conditions of Await/LockWhen run inside the calls,
// where TSan ignores accesses: their reads are not checked (absl's own TSan mode does the
// same with __tsan_mutex_pre_divert).
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

#include "absl/synchronization/mutex.h"

namespace {

template <typename Fn>
Fn next(const char* mangled) {
  void* p = dlsym(RTLD_NEXT, mangled);
  if (p == nullptr) {
    fprintf(stderr, "absl_tsan_shim: %s not found: %s\n", mangled, dlerror());
    abort();
  }
  return reinterpret_cast<Fn>(p);
}

using Plain = void (*)(absl::Mutex*);
using Try = bool (*)(absl::Mutex*);
using Cond = void (*)(absl::Mutex*, const absl::Condition&);
using CondTimeout = bool (*)(absl::Mutex*, const absl::Condition&, absl::Duration);

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() {
  static Plain real = next<Plain>("_ZN4absl7debian35Mutex4LockEv");
  __tsan_mutex_pre_lock(this, 0);
  real(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

void Mutex::Unlock() {
  static Plain real = next<Plain>("_ZN4absl7debian35Mutex6UnlockEv");
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderLock() {
  static Plain real = next<Plain>("_ZN4absl7debian35Mutex10ReaderLockEv");
  __tsan_mutex_pre_lock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_lock(this, __tsan_mutex_read_lock, 0);
}

void Mutex::ReaderUnlock() {
  static Plain real = next<Plain>("_ZN4absl7debian35Mutex12ReaderUnlockEv");
  __tsan_mutex_pre_unlock(this, __tsan_mutex_read_lock);
  real(this);
  __tsan_mutex_post_unlock(this, __tsan_mutex_read_lock);
}

bool Mutex::TryLock() {
  static Try real = next<Try>("_ZN4absl7debian35Mutex7TryLockEv");
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  bool ok = real(this);
  __tsan_mutex_post_lock(this, __tsan_mutex_try_lock | (ok ? 0 : __tsan_mutex_try_lock_failed), 0);
  return ok;
}

bool Mutex::ReaderTryLock() {
  static Try real = next<Try>("_ZN4absl7debian35Mutex13ReaderTryLockEv");
  unsigned flags = __tsan_mutex_read_lock | __tsan_mutex_try_lock;
  __tsan_mutex_pre_lock(this, flags);
  bool ok = real(this);
  __tsan_mutex_post_lock(this, flags | (ok ? 0 : __tsan_mutex_try_lock_failed), 0);
  return ok;
}

void Mutex::LockWhen(const Condition& cond) {
  static Cond real = next<Cond>("_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  __tsan_mutex_pre_lock(this, 0);
  real(this, cond);
  __tsan_mutex_post_lock(this, 0, 0);
}

// Await releases the mutex while it waits: to TSan, an unlock then a lock. TSan ignores
// the accesses between pre_unlock and post_unlock, so the condition's own reads (made
// with the mutex held, by whichever thread absl picks) are not reported.
void Mutex::Await(const Condition& cond) {
  static Cond real = next<Cond>("_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  __tsan_mutex_pre_unlock(this, 0);
  real(this, cond);
  __tsan_mutex_post_unlock(this, 0);
  __tsan_mutex_pre_lock(this, 0);
  __tsan_mutex_post_lock(this, 0, 0);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, absl::Duration timeout) {
  static CondTimeout real =
      next<CondTimeout>("_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  __tsan_mutex_pre_unlock(this, 0);
  bool r = real(this, cond, timeout);
  __tsan_mutex_post_unlock(this, 0);
  __tsan_mutex_pre_lock(this, 0);
  __tsan_mutex_post_lock(this, 0, 0);
  return r;
}

ABSL_NAMESPACE_END
}  // namespace absl
