#include "uk/host_file.h"

#include <fcntl.h>
#include <unistd.h>

namespace uk {

std::optional<std::string> read_host_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, n);
  ::close(fd);
  if (n < 0 || out.empty()) return std::nullopt;
  return out;
}

}  // namespace uk
