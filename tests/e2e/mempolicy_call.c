// mempolicy_call: one raw set_mempolicy(MPOL_BIND, {NODE}), printing "ok" or the errno's
// name, so a test sees what the host answers for a node that uk-run --nodes presents but
// the host lacks.
//   mempolicy_call NODE
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_BIND 2  // include/uapi/linux/mempolicy.h (numaif.h is libnuma's)

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: mempolicy_call NODE\n");
    return 2;
  }
  unsigned long node = strtoul(argv[1], NULL, 10);
  unsigned long mask[16] = {0};
  const unsigned long bits = 8 * sizeof(unsigned long);
  if (node >= bits * 16) return 2;
  mask[node / bits] = 1UL << (node % bits);
  if (syscall(SYS_set_mempolicy, MPOL_BIND, mask, bits * 16 + 1) == 0) {
    puts("ok");
  } else {
    puts(strerrorname_np(errno));
  }
  return 0;
}
