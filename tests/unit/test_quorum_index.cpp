// The QuorumDA height index: consecutive heights from 1, entries in order, durability across a
// reopen, one opener at a time, and a file of another kind refused.

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "dsdn/da/quorum_index.hpp"

namespace dsdn::da {
namespace {

struct index_dir {
  std::string path;
  index_dir() {
    char tmpl[] = "/tmp/dsdn-qindex-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~index_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file() const { return path + "/sub/quorum_index.sqlite"; }
};

quorum_entry entry(uint8_t tag, std::vector<uint8_t> proof) {
  quorum_entry e;
  e.digest.fill(tag);
  e.proof = std::move(proof);
  return e;
}

TEST_CASE("quorum index: heights count from 1 and keep their entries in order") {
  index_dir dir;
  {
    auto idx = quorum_index::open(dir.file());
    REQUIRE(idx.ok());
    auto& i = *idx.value();
    CHECK(i.head() == 0);
    CHECK(i.at(1).value().empty());
    CHECK(i.append({entry(1, {9, 9}), entry(2, {})}).value() == 1);
    CHECK(i.append({entry(3, {7})}).value() == 2);
    CHECK(i.head() == 2);
    auto h1 = i.at(1).value();
    REQUIRE(h1.size() == 2);
    CHECK(h1[0].height == 1);
    CHECK(h1[0].index == 0);
    CHECK(h1[0].digest[0] == 1);
    CHECK(h1[0].proof == std::vector<uint8_t>{9, 9});
    CHECK(h1[1].index == 1);
    CHECK(h1[1].digest[31] == 2);
    CHECK(h1[1].proof.empty());
    CHECK(i.at(0).value().empty());
    CHECK(i.at(3).value().empty());

    // One opener at a time: a second one is refused while the first is open.
    auto second = quorum_index::open(dir.file());
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == da_errc::unavailable);
  }
  auto reopened = quorum_index::open(dir.file());
  REQUIRE(reopened.ok());
  CHECK(reopened.value()->head() == 2);
  CHECK(reopened.value()->at(2).value().at(0).proof == std::vector<uint8_t>{7});
  CHECK(reopened.value()->append({entry(4, {})}).value() == 3);
}

TEST_CASE("quorum index: a file that is not an index is refused") {
  index_dir dir;
  std::filesystem::create_directories(dir.path + "/sub");
  {
    FILE* f = fopen(dir.file().c_str(), "w");
    REQUIRE(f != nullptr);
    fputs("not a database, certainly not an index", f);
    fclose(f);
  }
  auto idx = quorum_index::open(dir.file());
  REQUIRE_FALSE(idx.ok());
  CHECK(idx.error().code == da_errc::corrupt);
}

}  // namespace
}  // namespace dsdn::da
