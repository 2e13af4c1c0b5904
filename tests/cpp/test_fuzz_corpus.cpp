// Replays the fuzzers' corpus (tests/fuzz/<target>/, and every crash once found and fixed under
// tests/fuzz/crashes/<target>/) through the same entry points the fuzz targets use (cpp/fuzz_entries.h):
// each input must end in success or a clear lenet::Error, never a crash or a sanitizer report.
#include <doctest/doctest.h>

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_entries.h"

namespace {

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
  return out;
}

std::vector<uint8_t> bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void replay(const char* target, void (*entry)(const uint8_t*, size_t)) {
  const std::vector<std::string> seeds = files_in(std::string("tests/fuzz/") + target);
  REQUIRE_MESSAGE(!seeds.empty(), "no corpus in tests/fuzz/" << target << " (run the tests from the repository root)");
  std::vector<std::string> all = seeds;
  for (const std::string& crash : files_in(std::string("tests/fuzz/crashes/") + target)) all.push_back(crash);
  for (const std::string& path : all) {
    INFO(path);
    const std::vector<uint8_t> data = bytes_of(path);
    entry(data.data(), data.size());
  }
  MESSAGE(target << ": " << all.size() << " inputs replayed");
}

}  // namespace

TEST_CASE("the fuzz corpus replays cleanly: model files") { replay("model", lenet::fuzz::model_file); }
TEST_CASE("the fuzz corpus replays cleanly: IDX files") { replay("idx", lenet::fuzz::idx_file); }
TEST_CASE("the fuzz corpus replays cleanly: drawings") { replay("preprocess", lenet::fuzz::drawing); }
