// UK_CHECK's failure path: the kernel's BUG(), for invariants no user input reaches.
#include "vfs/errno.h"

#include <cstdio>
#include <cstdlib>

namespace uk {

void check_failed(const char* cond, const char* file, int line) {
  std::fprintf(stderr, "uk: UK_CHECK(%s) failed at %s:%d\n", cond, file, line);
  std::fflush(stderr);
  std::abort();
}

}  // namespace uk
