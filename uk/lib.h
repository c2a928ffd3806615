// The kernel library helpers the container code parses user buffers with, each as the
// kernel's lib/ has it: integer parsing (lib/kstrtox.c, lib/vsprintf.c), white space
// (lib/ctype.c, lib/string.c), kernfs's name hash, and a mix for random values. Every subsystem
// parses with these, where the kernel function it ports does.
//
// Strings are C strings, as the kernel's NUL-terminated copy of a write: an embedded
// NUL ends them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vfs/errno.h"

namespace uk {

// isspace() of include/linux/ctype.h: the lib/ctype.c table marks \t \n \v \f \r, ' '
// and 0xa0 (Latin-1 no-break space) as space.
bool kernel_isspace(unsigned char c);

// strstrip() of lib/string.c: the string without leading and trailing white space.
std::string strstrip(const char* s);

// simple_strtoull() of lib/vsprintf.c (simple_strtoul is the same on 64 bits): base 0
// auto-detects "0x" (only before a hex digit) and "0"; base 16 skips a "0x"; stops at
// the first character that is not a digit of the base and sets *end there (if not
// null). No digits is 0; overflow wraps. Never fails.
unsigned long long simple_strtoull(const char* cp, const char** end, unsigned base);

// lib/kstrtox.c. `base` 0 auto-detects as _parse_integer_fixup_radix(): "0x" before a
// hex digit is 16, another leading '0' is 8, else 10; base 16 skips a "0x". Then one
// or more digits of the base, one optional '\n', and nothing else.
//   EINVAL: no digit, or anything after the digits and the newline.
//   ERANGE: the value does not fit the result type.
// *res is written only on success.
//
// kstrtoull(): one optional leading '+'.
Errno kstrtoull(const char* s, unsigned base, unsigned long long* res);
// kstrtoll(): one optional leading '+' or '-'.
Errno kstrtoll(const char* s, unsigned base, long long* res);
// kstrtoint(): kstrtoll(), then ERANGE outside int.
Errno kstrtoint(const char* s, unsigned base, int* res);

// kernfs_name_hash(name, NULL) of fs/kernfs/dir.c: a directory's listing order in the
// cgroup flavour (2..INT_MAX-1; ties broken by name).
uint32_t kernfs_name_hash(std::string_view name);

// Where the kernel shows a value drawn at random (a super_block's s_uuid, the boot key
// that ptr_to_id() hashes pointers with), uk shows a mix of a value it has:
// splitmix64's finalizer, the same at every call, so that a run replays exactly.
uint64_t mix64(uint64_t x);

}  // namespace uk
