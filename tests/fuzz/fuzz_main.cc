// The driver that makes every fuzz target a plain regression test when it is not
// linked with libFuzzer (the default build, and `bazel test //...` in CI):
//
//   <target> [-runs=N] [-seed=S] CORPUS_DIR_OR_FILE...
//
// It runs LLVMFuzzerTestOneInput on every corpus file, then on N (default 2000, or
// $UK_FUZZ_RUNS) inputs mutated from them with a fixed seed (byte flips, inserts,
// erases, splices), so CI exercises a little more than the seeds. A finding aborts,
// as it would under libFuzzer.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

void collect(const std::string& p, std::vector<std::string>* files) {
  struct stat st;
  if (stat(p.c_str(), &st) != 0) {
    fprintf(stderr, "fuzz_main: %s: %s\n", p.c_str(), strerror(errno));
    exit(2);
  }
  if (!S_ISDIR(st.st_mode)) {
    files->push_back(p);
    return;
  }
  DIR* d = opendir(p.c_str());
  while (struct dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    collect(p + "/" + e->d_name, files);
  }
  closedir(d);
}

std::string slurp(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  long runs = getenv("UK_FUZZ_RUNS") ? atol(getenv("UK_FUZZ_RUNS")) : 2000;
  unsigned seed = 1;
  std::vector<std::string> files;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "-runs=", 6) == 0) {
      runs = atol(argv[i] + 6);
    } else if (strncmp(argv[i], "-seed=", 6) == 0) {
      seed = static_cast<unsigned>(atol(argv[i] + 6));
    } else {
      collect(argv[i], &files);
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> corpus;
  for (const auto& f : files) {
    corpus.push_back(slurp(f));
    run(corpus.back());
  }
  if (corpus.empty()) corpus.push_back("");
  std::mt19937 rng(seed);
  auto pick = [&rng](size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  for (long r = 0; r < runs; r++) {
    std::string in = corpus[pick(corpus.size())];
    int edits = 1 + static_cast<int>(pick(4));
    for (int e = 0; e < edits; e++) {
      switch (pick(5)) {
        case 0:
          if (!in.empty()) in[pick(in.size())] ^= static_cast<char>(1 << pick(8));
          break;
        case 1:
          in.insert(in.begin() + static_cast<long>(pick(in.size() + 1)),
                    static_cast<char>(pick(256)));
          break;
        case 2:
          if (!in.empty()) in.erase(pick(in.size()), 1 + pick(8));
          break;
        case 3: {
          const std::string& other = corpus[pick(corpus.size())];
          size_t at = pick(other.size() + 1);
          in.insert(pick(in.size() + 1), other.substr(at, pick(other.size() - at + 1)));
          break;
        }
        default:
          if (!in.empty()) in[pick(in.size())] = "0123456789,-/ \n\0x"[pick(17)];
      }
    }
    run(in);
  }
  printf("fuzz_main: %zu corpus inputs and %ld mutations ran without a finding\n", corpus.size(),
         runs);
  return 0;
}
