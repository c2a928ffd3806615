// A C++ test under uk-run: it makes a container on the mount the macro made, moves
// itself into it and reads its own /proc/self/container. No test framework: the exit
// status is the result.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  const char* mounts = std::getenv("UK_MOUNTS");
  if (mounts == nullptr) return Fail("UK_MOUNTS is not set");
  const std::string dir = std::string(mounts) + "/cpu/mine";
  if (mkdir(dir.c_str(), 0755) != 0) return Fail("mkdir " + dir);
  std::ofstream(dir + "/tasks") << getpid() << "\n";
  if (Read(dir + "/tasks") != std::to_string(getpid()) + "\n") {
    return Fail("tasks: " + Read(dir + "/tasks"));
  }
  if (Read("/proc/self/container") != "cpu:/mine\n") {
    return Fail("/proc/self/container: " + Read("/proc/self/container"));
  }
  return 0;
}
