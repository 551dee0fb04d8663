// The blob share commitment (dsdn/da/share_commitment.hpp) against COMMITMENT.md and
// vectors/commitment_vectors.json.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/da/namespace.hpp"
#include "dsdn/da/share_commitment.hpp"

using namespace dsdn::da;
using dsdn::core::sha256;
using dsdn::core::to_hex;

namespace {

// The error text of a failed result, "" otherwise. doctest evaluates _MESSAGE arguments even
// for passing assertions (with -s), so they must not call error() on a success.
template <class R>
std::string why(const R& r) {
  return r.ok() ? std::string() : r.error().message;
}

nlohmann::json load_vectors(const std::string& name) {
  const std::string path = std::string(DSDN_SPECS_DIR) + "/celestia/vectors/" + name;
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  return nlohmann::json::parse(in);
}

std::vector<uint8_t> unhex(std::string_view hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  REQUIRE(dsdn::core::from_hex(hex, out.data(), out.size()));
  return out;
}

std::vector<uint8_t> bytes_of(std::string_view s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

celestia_namespace ns_of(std::string_view text) {
  auto ns = parse_namespace(text);
  REQUIRE_MESSAGE(ns.ok(), why(ns));
  return ns.value();
}

// The data specs of commitment_vectors.json: hex | base64 | repeat_byte+len |
// sha256_stream+len (sha256(utf8(seed) || uint32_be(i)) for i = 0, 1, ..., truncated).
std::vector<uint8_t> data_of(const nlohmann::json& spec) {
  if (spec.contains("hex")) {
    return unhex(spec.at("hex").get<std::string>());
  }
  if (spec.contains("base64")) {
    auto d = base64_decode(spec.at("base64").get<std::string>());
    REQUIRE(d.has_value());
    return *d;
  }
  const size_t len = spec.at("len");
  if (spec.contains("repeat_byte")) {
    return std::vector<uint8_t>(len, spec.at("repeat_byte").get<uint8_t>());
  }
  REQUIRE(spec.contains("sha256_stream"));
  const std::string seed = spec.at("sha256_stream");
  std::vector<uint8_t> out;
  out.reserve(len + 32);
  std::vector<uint8_t> input(seed.begin(), seed.end());
  input.resize(seed.size() + 4);
  for (uint32_t i = 0; out.size() < len; ++i) {
    input[seed.size()] = static_cast<uint8_t>(i >> 24);
    input[seed.size() + 1] = static_cast<uint8_t>(i >> 16);
    input[seed.size() + 2] = static_cast<uint8_t>(i >> 8);
    input[seed.size() + 3] = static_cast<uint8_t>(i);
    const auto d = sha256(input.data(), input.size());
    out.insert(out.end(), d.begin(), d.end());
  }
  out.resize(len);
  return out;
}

std::string hex_of(const std::vector<uint8_t>& v) {
  return to_hex(v.data(), v.size());
}

commitment_bytes commit(const celestia_namespace& ns, const std::vector<uint8_t>& data) {
  auto c = share_commitment(ns, data);
  REQUIRE_MESSAGE(c.ok(), why(c));
  return c.value();
}

}  // namespace

TEST_CASE("commitment: every vector of commitment_vectors.json") {
  const auto doc = load_vectors("commitment_vectors.json");
  REQUIRE(doc.at("subtree_root_threshold").get<size_t>() == default_subtree_root_threshold);
  const auto& vectors = doc.at("vectors");
  REQUIRE(vectors.size() == 19);
  size_t checked = 0, roots_checked = 0, shares_checked = 0, go_square_checked = 0;
  for (const auto& v : vectors) {
    CAPTURE(v.at("name").get<std::string>());
    const auto ns = ns_of(v.at("namespace_hex").get<std::string>());
    CHECK(ns.base64() == v.at("namespace_b64").get<std::string>());
    CHECK(ns_of(v.at("namespace_b64").get<std::string>()) == ns);

    const auto data = data_of(v.at("data"));
    REQUIRE(data.size() == v.at("data_len").get<size_t>());
    REQUIRE(to_hex(sha256(data.data(), data.size())) == v.at("data_sha256").get<std::string>());

    const uint8_t version = v.at("share_version");
    signer_bytes signer{};
    const signer_bytes* signer_ptr = nullptr;
    if (v.contains("signer_hex")) {
      const auto s = unhex(v.at("signer_hex").get<std::string>());
      REQUIRE(s.size() == signer.size());
      std::copy(s.begin(), s.end(), signer.begin());
      signer_ptr = &signer;
    }

    // Step 2: share splitting.
    const size_t shares = sparse_share_count(data.size(), version);
    CHECK(shares == v.at("share_count").get<size_t>());
    if (v.contains("first_share_hex")) {
      auto first = blob_share(ns, data.data(), data.size(), version, signer_ptr, 0);
      REQUIRE(first.ok());
      CHECK(to_hex(first.value()) == v.at("first_share_hex").get<std::string>());
      ++shares_checked;
    }
    if (v.contains("second_share_prefix_hex")) {
      auto second = blob_share(ns, data.data(), data.size(), version, signer_ptr, 1);
      REQUIRE(second.ok());
      const std::string prefix = v.at("second_share_prefix_hex");
      CHECK(to_hex(second.value()).substr(0, prefix.size()) == prefix);
      ++shares_checked;
    }

    // Step 3: subtree width and mountain range.
    const size_t width = subtree_width(shares, default_subtree_root_threshold);
    CHECK(width == v.at("subtree_width").get<size_t>());
    const auto sizes = merkle_mountain_range_sizes(shares, width);
    const auto& mmr = v.at("mmr_tree_sizes");
    if (mmr.is_array()) {
      CHECK(sizes == mmr.get<std::vector<size_t>>());
    } else {
      const auto first = mmr.at("first").get<std::vector<size_t>>();
      const auto last = mmr.at("last").get<std::vector<size_t>>();
      REQUIRE(sizes.size() == mmr.at("count").get<size_t>());
      CHECK(std::vector<size_t>(sizes.begin(), sizes.begin() + first.size()) == first);
      CHECK(std::vector<size_t>(sizes.end() - last.size(), sizes.end()) == last);
    }

    // Step 4: one NMT root per tree.
    auto roots = blob_subtree_roots(ns, data.data(), data.size(), version, signer_ptr);
    REQUIRE_MESSAGE(roots.ok(), why(roots));
    CHECK(roots->size() == v.at("subtree_root_count").get<size_t>());
    CHECK(roots->size() == sizes.size());
    if (v.contains("subtree_roots_hex") && v.at("subtree_roots_hex").is_array()) {
      const auto expected = v.at("subtree_roots_hex").get<std::vector<std::string>>();
      REQUIRE(roots->size() == expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        CHECK(to_hex(roots.value()[i]) == expected[i]);
        ++roots_checked;
      }
    }

    // Step 5: the RFC 6962 root.
    auto c = share_commitment(ns, data.data(), data.size(), version, signer_ptr,
                              default_subtree_root_threshold);
    REQUIRE_MESSAGE(c.ok(), why(c));
    if (v.value("merkle", "") == "two_leaf_sha256_no_prefix") {
      // go-square's TestCreateCommitment: sha256(sha256(r0) || sha256(r1)), no RFC 6962
      // prefixes; it validates steps 2-4. The real commitment is given alongside.
      REQUIRE(roots->size() == 2);
      const auto h0 = sha256(roots.value()[0].data(), roots.value()[0].size());
      const auto h1 = sha256(roots.value()[1].data(), roots.value()[1].size());
      std::vector<uint8_t> both(h0.begin(), h0.end());
      both.insert(both.end(), h1.begin(), h1.end());
      CHECK(to_hex(sha256(both.data(), both.size())) ==
            v.at("expected_commitment_hex").get<std::string>());
      CHECK(to_hex(c.value()) == v.at("real_rfc6962_commitment_hex").get<std::string>());
      ++go_square_checked;
    } else {
      CHECK(to_hex(c.value()) == v.at("expected_commitment_hex").get<std::string>());
      CHECK(commitment_base64(c.value()) == v.at("expected_commitment_b64").get<std::string>());
    }

    // The std::vector overloads agree with the byte-range one.
    auto via_vector = signer_ptr != nullptr ? share_commitment(ns, data, version, signer)
                                            : share_commitment(ns, data, version);
    REQUIRE(via_vector.ok());
    CHECK(via_vector.value() == c.value());
    ++checked;
  }
  MESSAGE("commitment vectors checked: " << checked << " (subtree roots " << roots_checked
                                         << ", shares " << shares_checked << ", go-square two-leaf "
                                         << go_square_checked << ")");
  CHECK(checked == 19);
  CHECK(go_square_checked == 2);
}

TEST_CASE("commitment: the commitments quoted in EXAMPLES.md") {
  const auto vector_ns = ns_of("000000000000000000000000000000000000000102030405060708090a");
  const auto openrpc_ns = ns_of("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE=");
  CHECK(commitment_base64(commit(vector_ns, bytes_of("hello world"))) ==
        "D6fgf3g85iWdskQ6A8aRBaMimX1SbU6PPBJ/+pK9cMQ=");
  CHECK(commitment_base64(commit(vector_ns, bytes_of(R"({"seq":1,"event":"deposit"})"))) ==
        "fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q=");
  CHECK(commitment_base64(commit(vector_ns, bytes_of(R"({"seq":2,"event":"withdraw"})"))) ==
        "bl03uvBqwbXa1WLn6YpQgta0caunv2d7ee9amIiU9e8=");
  CHECK(commitment_base64(commit(openrpc_ns, bytes_of("I Love Big Blobs"))) ==
        "+zvCNqLB1Zgmc5f7bal0Lu9kgl5aPyFJ/CU1vIdOsHM=");
}

TEST_CASE("commitment: go-square SubTreeWidth and MerkleMountainRangeSizes tables") {
  const std::pair<size_t, size_t> widths[] = {
      {1, 1},   {2, 1},   {63, 1},  {64, 1},     {65, 2},      {128, 2}, {129, 4},
      {191, 4}, {256, 4}, {320, 8}, {8191, 128}, {16385, 256}, {0, 1},
  };
  for (const auto& nw : widths) {
    CAPTURE(nw.first);
    CHECK(subtree_width(nw.first, 64) == nw.second);
  }
  CHECK(merkle_mountain_range_sizes(11, 4) == std::vector<size_t>{4, 4, 2, 1});
  CHECK(merkle_mountain_range_sizes(19, 8) == std::vector<size_t>{8, 8, 2, 1});
  CHECK(merkle_mountain_range_sizes(64, 8) == std::vector<size_t>(8, 8));
  CHECK(merkle_mountain_range_sizes(0, 8).empty());
  CHECK(merkle_mountain_range_sizes(7, 16) == std::vector<size_t>{4, 2, 1});

  CHECK(sparse_share_count(1, 0) == 1);
  CHECK(sparse_share_count(478, 0) == 1);
  CHECK(sparse_share_count(479, 0) == 2);
  CHECK(sparse_share_count(478 + 482, 0) == 2);
  CHECK(sparse_share_count(478 + 483, 0) == 3);
  CHECK(sparse_share_count(458, 1) == 1);
  CHECK(sparse_share_count(459, 1) == 2);
}

TEST_CASE("commitment: share layout (info bytes, sequence length, signer, padding)") {
  const auto ns = ns_of("000000000000000000000000000000000000000102030405060708090a");
  const auto hello = bytes_of("hello world");
  auto share = blob_share(ns, hello.data(), hello.size(), 0, nullptr, 0);
  REQUIRE(share.ok());
  CHECK(to_hex(share.value()) == ns.hex() + "01" + "0000000b" + hex_of(hello) +
                                     std::string(2 * (512 - 29 - 1 - 4 - 11), '0'));

  const signer_bytes signer{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
  const std::vector<uint8_t> data(1000, 0xab);
  auto first = blob_share(ns, data.data(), data.size(), 1, &signer, 0);
  auto second = blob_share(ns, data.data(), data.size(), 1, &signer, 1);
  auto third = blob_share(ns, data.data(), data.size(), 1, &signer, 2);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(third.ok());
  CHECK(first.value()[29] == 0x03);
  CHECK(second.value()[29] == 0x02);
  CHECK(to_hex(first.value()).substr(60, 8) == "000003e8");
  CHECK(std::equal(signer.begin(), signer.end(), first.value().begin() + 34));
  CHECK(first.value()[511] == 0xab);   // 458 data bytes fill the first share
  CHECK(second.value()[511] == 0xab);  // 482 more fill the second
  // 1000 - 458 - 482 = 60 bytes in the third, then zero padding.
  CHECK(third.value()[30 + 59] == 0xab);
  CHECK(third.value()[30 + 60] == 0x00);
  CHECK(third.value()[511] == 0x00);

  auto past = blob_share(ns, data.data(), data.size(), 1, &signer, 3);
  REQUIRE(!past.ok());
  CHECK(past.error().code == commitment_errc::bad_share_index);
}

TEST_CASE("commitment: refuses the blobs go-square's NewBlob refuses") {
  const auto ns = ns_of("000000000000000000000000000000000000000102030405060708090a");
  const signer_bytes signer{};
  const std::vector<uint8_t> data{1, 2, 3};

  auto empty = share_commitment(ns, std::vector<uint8_t>{});
  REQUIRE(!empty.ok());
  CHECK(empty.error().code == commitment_errc::empty_blob);
  CHECK(empty.error().message == "data can not be empty");

  auto v0_signer = share_commitment(ns, data, 0, signer);
  REQUIRE(!v0_signer.ok());
  CHECK(v0_signer.error().code == commitment_errc::signer_mismatch);
  CHECK(v0_signer.error().message == "share version 0 does not support signer");

  auto v1_no_signer = share_commitment(ns, data, 1);
  REQUIRE(!v1_no_signer.ok());
  CHECK(v1_no_signer.error().code == commitment_errc::signer_mismatch);

  auto v2 = share_commitment(ns, data, 2);
  REQUIRE(!v2.ok());
  CHECK(v2.error().code == commitment_errc::unsupported_share_version);

  auto no_threshold = share_commitment(ns, data, 0, 0);
  REQUIRE(!no_threshold.ok());
  CHECK(no_threshold.error().code == commitment_errc::bad_subtree_root_threshold);

  for (auto e : {commitment_errc::empty_blob, commitment_errc::unsupported_share_version,
                 commitment_errc::signer_mismatch, commitment_errc::bad_subtree_root_threshold,
                 commitment_errc::too_large, commitment_errc::bad_share_index}) {
    CHECK(std::string(to_string(e)) != "unknown");
  }
}

TEST_CASE("commitment: properties") {
  const auto ns_a = ns_of("000000000000000000000000000000000000000102030405060708090a");
  const auto ns_b = ns_of("000000000000000000000000000000000000000102030405060708090b");
  // Sizes around share and subtree boundaries: 1 share, 2 shares, 65 shares (width 2).
  for (size_t size : {size_t{1}, size_t{478}, size_t{479}, size_t{31326}, size_t{2 << 20}}) {
    CAPTURE(size);
    std::vector<uint8_t> data(size);
    for (size_t i = 0; i < size; ++i) {
      data[i] = static_cast<uint8_t>(i * 31 + 7);
    }
    const auto base = commit(ns_a, data);
    CHECK(commit(ns_a, data) == base);  // deterministic
    CHECK(commit(ns_b, data) != base);  // the namespace is committed to

    for (size_t pos : {size_t{0}, size / 2, size - 1}) {
      auto changed = data;
      changed[pos] ^= 0x01;
      CHECK(commit(ns_a, changed) != base);
    }
    auto longer = data;
    longer.push_back(0);  // trailing zero bytes are not confused with padding
    CHECK(commit(ns_a, longer) != base);

    const signer_bytes signer{};
    auto with_signer = share_commitment(ns_a, data, 1, signer);
    REQUIRE(with_signer.ok());
    CHECK(with_signer.value() != base);
  }
}
