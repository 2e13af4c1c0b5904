// Replays the fuzzers' corpus (tests/fuzz/<target>/, and every crash once found and fixed under
// tests/fuzz/crashes/<target>/) through the same entry points the fuzz targets use (tests/fuzz/targets/fuzz_entries.h):
// each input must end in success or a clear lenet::Error, never another exception, a crash or a sanitizer
// report. POSIX opendir/readdir rather than std::filesystem: they also work in the WebAssembly build of
// this suite (Emscripten's NODERAWFS passes them to Node's fs).
#include <doctest/doctest.h>

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_entries.h"

namespace {

bool is_dir(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// tests/fuzz, found from the working directory or one of its parents (the suite runs from the repository
// root, but a run from build/native should find it too); empty if there is none.
std::string corpus_root() {
  std::string up;
  for (int depth = 0; depth < 6; ++depth, up += "../")
    if (is_dir(up + "tests/fuzz")) return up + "tests/fuzz";
  return "";
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string path = dir + "/" + e->d_name;
      struct stat st {};
      if (e->d_name[0] != '.' && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) out.push_back(path);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE_MESSAGE(f.good(), "cannot read " << path);
  return {std::istreambuf_iterator<char>(f), {}};
}

void replay(const char* target, void (*entry)(const uint8_t*, size_t)) {
  const std::string root = corpus_root();
  REQUIRE_MESSAGE(!root.empty(), "tests/fuzz not found from the working directory (run from the repository root)");
  const std::vector<std::string> seeds = files_in(root + "/" + target);
  REQUIRE_MESSAGE(!seeds.empty(), "no corpus in " << root << "/" << target);
  std::vector<std::string> all = seeds;
  for (const std::string& crash : files_in(root + "/crashes/" + target)) all.push_back(crash);
  for (const std::string& path : all) {
    INFO(path);
    const std::vector<uint8_t> data = bytes_of(path);
    CHECK_NOTHROW(entry(data.data(), data.size()));
  }
  MESSAGE(std::string(target) << ": " << all.size() << " inputs replayed");
}

}  // namespace

TEST_CASE("the fuzz corpus replays cleanly: model files") { replay("model", lenet::fuzz::model_file); }
TEST_CASE("the fuzz corpus replays cleanly: IDX files") { replay("idx", lenet::fuzz::idx_file); }
TEST_CASE("the fuzz corpus replays cleanly: drawings") { replay("preprocess", lenet::fuzz::drawing); }
