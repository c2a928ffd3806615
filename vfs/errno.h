// Exact kernel error codes for the whole kernel (vfs/, uk/, subsys/, sched/).
//
// Inside the kernel a failure is an errno, never an absl::Status (which is lossy:
// ENOTEMPTY, EISDIR, EBUSY all become kFailedPrecondition). Functions return Errno or
// ErrorOr<T> and propagate with UK_TRY / UK_ASSIGN_OR_RETURN; the syscall-level API
// turns them into the kernel's "result or -errno" long, which maps directly onto
// seccomp and FUSE replies.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

namespace uk {

// An errno value; 0 means success.
class [[nodiscard]] Errno {
 public:
  constexpr Errno() = default;
  constexpr explicit Errno(int code) : code_(code) {}

  constexpr int code() const { return code_; }
  constexpr bool ok() const { return code_ == 0; }
  friend constexpr bool operator==(Errno a, Errno b) { return a.code_ == b.code_; }

 private:
  int code_ = 0;
};

inline constexpr Errno kOk{};

// A value or an errno (never both, never "ok without value").
template <typename T>
class [[nodiscard]] ErrorOr {
 public:
  ErrorOr(Errno e) : v_(e) {   // NOLINT: implicit, so `return Errno(ENOENT);` works.
    if (e.ok()) std::abort();  // an ErrorOr holding "success" but no value is a bug
  }
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U&&, T>>>
  ErrorOr(U&& value) : v_(std::in_place_index<1>, std::forward<U>(value)) {}  // NOLINT

  bool ok() const { return v_.index() == 1; }
  Errno error() const { return ok() ? kOk : std::get<0>(v_); }
  T& value() & { return std::get<1>(v_); }
  const T& value() const& { return std::get<1>(v_); }
  T&& value() && { return std::get<1>(std::move(v_)); }
  T* operator->() { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<Errno, T> v_;
};

inline Errno to_errno(Errno e) { return e; }
template <typename T>
Errno to_errno(const ErrorOr<T>& r) {
  return r.error();
}

// The syscall ABI: 0 / a non-negative result, or -errno.
inline long to_syscall_result(Errno e) { return -static_cast<long>(e.code()); }
template <typename T>
long to_syscall_result(const ErrorOr<T>& r) {
  return r.ok() ? static_cast<long>(r.value()) : -static_cast<long>(r.error().code());
}

}  // namespace uk

#define UK_CONCAT_INNER_(a, b) a##b
#define UK_CONCAT_(a, b) UK_CONCAT_INNER_(a, b)

// Returns the errno of `expr` (an Errno or an ErrorOr) from the enclosing function if
// it failed.
#define UK_TRY(expr)                                  \
  do {                                                \
    ::uk::Errno uk_try_err_ = ::uk::to_errno((expr)); \
    if (!uk_try_err_.ok()) return uk_try_err_;        \
  } while (0)

// `UK_ASSIGN_OR_RETURN(auto x, f());` assigns the value, or returns the errno.
#define UK_ASSIGN_OR_RETURN(lhs, expr) \
  UK_ASSIGN_OR_RETURN_IMPL_(UK_CONCAT_(uk_assign_tmp_, __LINE__), lhs, expr)
#define UK_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.error();              \
  lhs = std::move(tmp).value()

// For invariants no user input can reach (the kernel's BUG_ON).
#define UK_CHECK(cond)                                          \
  do {                                                          \
    if (!(cond)) ::uk::check_failed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace uk {
[[noreturn]] void check_failed(const char* cond, const char* file, int line);
}  // namespace uk
