#pragma once
// Shared by the DA backend unit tests: temp dirs, blob factories and the contract every
// da_backend must meet (submit / get_all / get_range / head_height semantics).

#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/da/da_backend.hpp"

namespace dsdn::da::test {

/// A fresh directory under the system temp dir, removed with everything in it at scope exit.
struct temp_dir {
  std::string path;
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dsdn-da-test-XXXXXX").string();
    const char* made = ::mkdtemp(tmpl.data());
    REQUIRE(made != nullptr);
    path = made;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

/// `size` bytes that differ for each `tag` (a cheap xorshift stream).
inline blob_bytes make_blob(uint64_t tag, size_t size) {
  blob_bytes out(size);
  uint64_t x = tag * 0x9E3779B97F4A7C15ull + 1;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<uint8_t>(x);
  }
  return out;
}

inline commitment sha256_of(const blob_bytes& b) {
  return core::sha256(b.data(), b.size());
}

/// What get_range must return over `layout` (layout[h - 1] = the blobs at height h).
inline std::vector<stored_blob> expected_range(const std::vector<std::vector<blob_bytes>>& layout,
                                               uint64_t from, uint64_t to, size_t max_blobs) {
  std::vector<stored_blob> out;
  for (uint64_t h = std::max<uint64_t>(from, 1); h <= to && h <= layout.size(); ++h) {
    const auto& blobs = layout[h - 1];
    if (!out.empty() && out.size() + blobs.size() > max_blobs) {
      break;
    }
    for (size_t i = 0; i < blobs.size(); ++i) {
      out.push_back(stored_blob{h, static_cast<uint32_t>(i), blobs[i]});
    }
    if (out.size() >= max_blobs) {
      break;
    }
  }
  return out;
}

inline bool same_blobs(const std::vector<stored_blob>& a, const std::vector<stored_blob>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].height != b[i].height || a[i].index != b[i].index || a[i].data != b[i].data) {
      return false;
    }
  }
  return true;
}

/// The layout check_contract leaves in the backend: blob counts per height 1..5.
inline const std::vector<size_t>& contract_counts() {
  static const std::vector<size_t> counts = {1, 3, 2, 1, 4};
  return counts;
}

/// Runs the backend contract against an empty backend and returns the layout it stored.
inline std::vector<std::vector<blob_bytes>> check_contract(da_backend& da) {
  CHECK(da.healthy());
  {
    auto head = da.head_height();
    REQUIRE(head.ok());
    CHECK(head.value() == 0);
    auto all = da.get_all(1);
    REQUIRE(all.ok());
    CHECK(all.value().empty());
    auto range = da.get_range(0, 100, 10);
    REQUIRE(range.ok());
    CHECK(range.value().empty());
  }

  std::vector<std::vector<blob_bytes>> layout;
  uint64_t tag = 1;
  for (size_t n : contract_counts()) {
    std::vector<blob_bytes> blobs;
    for (size_t i = 0; i < n; ++i) {
      blobs.push_back(make_blob(tag, 1 + (tag * 37) % 300));
      ++tag;
    }
    auto receipt = da.submit(blobs);
    REQUIRE(receipt.ok());
    CHECK(receipt.value().height == layout.size() + 1);
    REQUIRE(receipt.value().commitments.size() == n);
    for (size_t i = 0; i < n; ++i) {
      CHECK(receipt.value().commitments[i] == sha256_of(blobs[i]));
    }
    layout.push_back(blobs);
    auto head = da.head_height();
    REQUIRE(head.ok());
    CHECK(head.value() == layout.size());
  }

  // get_all: every height whole and in index order; heights outside [1, head] are empty.
  for (uint64_t h = 0; h <= layout.size() + 2; ++h) {
    auto all = da.get_all(h);
    REQUIRE(all.ok());
    std::vector<stored_blob> want;
    if (h >= 1 && h <= layout.size()) {
      want = expected_range(layout, h, h, SIZE_MAX);
    }
    CHECK(same_blobs(all.value(), want));
  }
  CHECK(da.get_all(UINT64_MAX).value().empty());

  // get_range against the model over every small window and limit.
  for (uint64_t from = 0; from <= layout.size() + 1; ++from) {
    for (uint64_t to = 0; to <= layout.size() + 1; ++to) {
      for (size_t max_blobs = 0; max_blobs <= 12; ++max_blobs) {
        CAPTURE(from);
        CAPTURE(to);
        CAPTURE(max_blobs);
        auto got = da.get_range(from, to, max_blobs);
        REQUIRE(got.ok());
        CHECK(same_blobs(got.value(), expected_range(layout, from, to, max_blobs)));
      }
    }
  }
  // Spot checks of the rules themselves, independent of the model.
  auto first_only = da.get_range(1, 100, 2);  // height 2 (3 blobs) would exceed 2
  REQUIRE(first_only.ok());
  CHECK(first_only.value().size() == 1);
  auto whole = da.get_range(2, 100, 1);  // a height larger than the limit comes whole
  REQUIRE(whole.ok());
  CHECK(whole.value().size() == 3);
  for (const auto& b : whole.value()) {
    CHECK(b.height == 2);
  }
  auto two = da.get_range(1, UINT64_MAX, 5);  // 1 + 3 fit, 1 + 3 + 2 does not
  REQUIRE(two.ok());
  CHECK(two.value().size() == 4);
  CHECK(two.value().back().height == 2);
  CHECK(da.get_range(4, 3, 100).value().empty());
  CHECK(da.get_range(UINT64_MAX, UINT64_MAX, 100).value().empty());
  CHECK(da.get_range(1, UINT64_MAX, SIZE_MAX).value().size() == 11);

  // Bad submits are refused whole: nothing stored, head unchanged.
  const blob_bytes good = make_blob(999, 10);
  auto none = da.submit({});
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == da_errc::bad_request);
  auto empty_blob = da.submit({good, blob_bytes{}});
  REQUIRE_FALSE(empty_blob.ok());
  CHECK(empty_blob.error().code == da_errc::bad_request);
  auto too_big = da.submit({good, blob_bytes(max_blob_size + 1, 0xab)});
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().code == da_errc::too_large);
  CHECK_FALSE(too_big.error().message.empty());
  CHECK(da.head_height().value() == layout.size());
  CHECK(da.get_all(layout.size() + 1).value().empty());

  // The limit itself is accepted, and heights keep increasing by one.
  const blob_bytes largest = make_blob(1000, max_blob_size);
  auto at_limit = da.submit({largest});
  REQUIRE(at_limit.ok());
  CHECK(at_limit.value().height == layout.size() + 1);
  CHECK(at_limit.value().commitments.at(0) == sha256_of(largest));
  layout.push_back({largest});
  auto back = da.get_all(layout.size());
  REQUIRE(back.ok());
  REQUIRE(back.value().size() == 1);
  CHECK(back.value()[0].data == largest);
  CHECK(da.head_height().value() == layout.size());
  return layout;
}

}  // namespace dsdn::da::test
