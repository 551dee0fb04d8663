// The in-memory DA: the backend contract, fault injection and concurrent submits.

#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "dsdn/da/memory_da.hpp"
#include "unit/da_test_support.hpp"

namespace dsdn::da {
namespace {

using test::make_blob;

TEST_CASE("memory_da meets the backend contract") {
  auto da = make_memory_da();
  REQUIRE(da != nullptr);
  CHECK(std::string(da->kind()) == "memory");
  test::check_contract(*da);
}

TEST_CASE("memory_da fail_submits fails that many submits without storing anything") {
  auto faults = std::make_shared<memory_da_faults>();
  auto da = make_memory_da(faults);
  REQUIRE(da->submit({make_blob(1, 5)}).ok());

  faults->fail_submits = 2;
  for (int i = 0; i < 2; ++i) {
    auto r = da->submit({make_blob(2, 5)});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == da_errc::unavailable);
  }
  CHECK(faults->fail_submits.load() == 0);
  CHECK(da->head_height().value() == 1);
  CHECK(da->get_all(2).value().empty());
  CHECK(da->healthy());

  auto r = da->submit({make_blob(3, 5)});
  REQUIRE(r.ok());
  CHECK(r.value().height == 2);
  CHECK(da->get_all(2).value().at(0).data == make_blob(3, 5));
}

TEST_CASE("memory_da down makes every call unavailable until it comes back") {
  auto faults = std::make_shared<memory_da_faults>();
  auto da = make_memory_da(faults);
  REQUIRE(da->submit({make_blob(1, 5)}).ok());

  faults->down = true;
  CHECK_FALSE(da->healthy());
  CHECK(da->submit({make_blob(2, 5)}).error().code == da_errc::unavailable);
  CHECK(da->get_all(1).error().code == da_errc::unavailable);
  CHECK(da->get_range(1, 10, 10).error().code == da_errc::unavailable);
  CHECK(da->head_height().error().code == da_errc::unavailable);

  faults->down = false;
  CHECK(da->healthy());
  CHECK(da->head_height().value() == 1);  // the refused submit stored nothing
  auto r = da->submit({make_blob(3, 5)});
  REQUIRE(r.ok());
  CHECK(r.value().height == 2);
}

TEST_CASE("memory_da concurrent submits each get their own height") {
  auto da = make_memory_da();
  constexpr int threads = 8;
  constexpr int per_thread = 50;
  std::mutex mutex;
  std::set<uint64_t> heights;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const uint64_t tag = static_cast<uint64_t>(t) * 1000 + static_cast<uint64_t>(i);
        auto r = da->submit({make_blob(tag, 16), make_blob(tag + 500, 8)});
        std::lock_guard<std::mutex> lock(mutex);
        if (r.ok()) {
          heights.insert(r.value().height);
        }
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  constexpr uint64_t total = threads * per_thread;
  REQUIRE(heights.size() == total);
  CHECK(*heights.begin() == 1);
  CHECK(*heights.rbegin() == total);
  CHECK(da->head_height().value() == total);
  auto all = da->get_range(1, total, SIZE_MAX);
  REQUIRE(all.ok());
  CHECK(all.value().size() == 2 * total);
  for (uint64_t h = 1; h <= total; ++h) {
    auto blobs = da->get_all(h).value();
    REQUIRE(blobs.size() == 2);
    CHECK(blobs[0].data.size() == 16);  // both blobs of one submit stayed together, in order
    CHECK(blobs[1].data.size() == 8);
  }
}

}  // namespace
}  // namespace dsdn::da
