#include "dsdn/da/share_commitment.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "dsdn/core/crypto.hpp"

namespace dsdn::da {

namespace {

constexpr size_t ns_size = namespace_size;
constexpr size_t info_byte_size = 1;
constexpr size_t sequence_len_size = 4;
constexpr size_t signer_size = 20;
static_assert(first_sparse_share_content_size ==
              share_size - ns_size - info_byte_size - sequence_len_size);
static_assert(first_sparse_share_content_size_with_signer ==
              first_sparse_share_content_size - signer_size);
static_assert(continuation_sparse_share_content_size == share_size - ns_size - info_byte_size);
// NMT leaf hash input: 0x00 || namespace || share (the namespace is pushed in front of a share
// that already starts with it; celestia-app's wrapper does so).
constexpr size_t leaf_input_size = 1 + ns_size + share_size;
// NMT node hash input: 0x01 || left node || right node.
constexpr size_t node_input_size = 1 + 2 * sizeof(nmt_node);

using failure_t = failure<commitment_errc>;

failure_t fail(commitment_errc code, std::string message) {
  return failure_t{code, std::move(message)};
}

size_t round_up_pow2(size_t x) {
  size_t r = 1;
  while (r < x) {
    r <<= 1;
  }
  return r;
}

size_t round_down_pow2(size_t x) {
  size_t r = 1;
  while (r <= x / 2) {
    r <<= 1;
  }
  return r;
}

// Exact ceil(sqrt(n)); go-square uses float64 math, which agrees for every realistic n.
size_t ceil_sqrt(size_t n) {
  auto r = static_cast<size_t>(std::sqrt(static_cast<double>(n)));
  while (r > 0 && r * r > n) {
    --r;
  }
  while (r * r < n) {
    ++r;
  }
  return r;
}

// The largest power of two strictly less than n (n >= 2): RFC 6962's split point.
size_t split_point(size_t n) {
  return round_down_pow2(n - 1);
}

// One blob, laid out as sparse shares.
struct blob_layout {
  std::array<uint8_t, ns_size> ns;
  const uint8_t* data;
  size_t size;
  uint8_t share_version;
  const signer_bytes* signer;
  size_t first_capacity;
  size_t count;

  // Writes share `index` (< count) into `out` (512 bytes).
  void write_share(size_t index, uint8_t* out) const {
    std::memcpy(out, ns.data(), ns_size);
    size_t pos = ns_size;
    // Info byte: share version in the upper 7 bits, sequence start in the lowest.
    out[pos] = static_cast<uint8_t>(share_version << 1 | (index == 0 ? 1 : 0));
    pos += info_byte_size;
    size_t offset = 0;
    size_t capacity = continuation_sparse_share_content_size;
    if (index == 0) {
      const auto len = static_cast<uint32_t>(size);
      out[pos] = static_cast<uint8_t>(len >> 24);  // big-endian sequence length
      out[pos + 1] = static_cast<uint8_t>(len >> 16);
      out[pos + 2] = static_cast<uint8_t>(len >> 8);
      out[pos + 3] = static_cast<uint8_t>(len);
      pos += sequence_len_size;
      if (signer != nullptr) {
        std::memcpy(out + pos, signer->data(), signer_size);
        pos += signer_size;
      }
      capacity = first_capacity;
    } else {
      offset = first_capacity + (index - 1) * continuation_sparse_share_content_size;
    }
    const size_t chunk = std::min(capacity, size - offset);
    std::memcpy(out + pos, data + offset, chunk);
    pos += chunk;
    std::memset(out + pos, 0, share_size - pos);
  }
};

std::optional<failure_t> check_blob(const uint8_t* data, size_t size, uint8_t share_version,
                                    const signer_bytes* signer) {
  if (size == 0 || data == nullptr) {
    return fail(commitment_errc::empty_blob, "data can not be empty");
  }
  if (size > UINT32_MAX) {
    return fail(commitment_errc::too_large,
                "blob of " + std::to_string(size) +
                    " bytes does not fit the 4-byte sequence length of a share");
  }
  if (share_version != share_version_zero && share_version != share_version_one) {
    return fail(commitment_errc::unsupported_share_version,
                "share version " + std::to_string(share_version) +
                    " is not supported for blobs (only 0 and 1)");
  }
  if (share_version == share_version_zero && signer != nullptr) {
    return fail(commitment_errc::signer_mismatch, "share version 0 does not support signer");
  }
  if (share_version == share_version_one && signer == nullptr) {
    return fail(commitment_errc::signer_mismatch,
                "share version 1 requires signer of size 20 bytes");
  }
  return std::nullopt;
}

blob_layout layout_of(const celestia_namespace& ns, const uint8_t* data, size_t size,
                      uint8_t share_version, const signer_bytes* signer) {
  const size_t first = signer != nullptr ? first_sparse_share_content_size_with_signer
                                         : first_sparse_share_content_size;
  return blob_layout{ns.bytes(),
                     data,
                     size,
                     share_version,
                     signer,
                     first,
                     sparse_share_count(size, share_version)};
}

// NMT hashing with namespace size 29 and IgnoreMaxNamespace (celestiaorg/nmt hasher.go).
class nmt_hasher {
 public:
  explicit nmt_hasher(core::sha256_hasher& sha) : sha_(sha) {}

  // `leaf_input` is 0x00 || ns || share; the node is ns || ns || SHA-256(leaf_input).
  void leaf(const uint8_t* leaf_input, nmt_node& out) {
    sha_.update(leaf_input, leaf_input_size);
    const auto digest = sha_.finish();
    std::memcpy(out.data(), leaf_input + 1, ns_size);
    std::memcpy(out.data() + ns_size, leaf_input + 1, ns_size);
    std::memcpy(out.data() + 2 * ns_size, digest.data(), digest.size());
  }

  void node(const nmt_node& left, const nmt_node& right, nmt_node& out) {
    input_[0] = 0x01;
    std::memcpy(input_.data() + 1, left.data(), left.size());
    std::memcpy(input_.data() + 1 + left.size(), right.data(), right.size());
    sha_.update(input_.data(), input_.size());
    const auto digest = sha_.finish();

    const uint8_t* left_min = left.data();
    const uint8_t* left_max = left.data() + ns_size;
    const uint8_t* right_min = right.data();
    const uint8_t* right_max = right.data() + ns_size;
    const uint8_t* min_ns = std::memcmp(left_min, right_min, ns_size) <= 0 ? left_min : right_min;
    const uint8_t* max_ns = nullptr;
    // IgnoreMaxNamespace: parity shares on the right do not widen the range.
    if (std::all_of(right_min, right_min + ns_size, [](uint8_t b) { return b == 0xff; })) {
      max_ns = left_max;
    } else {
      max_ns = std::memcmp(left_max, right_max, ns_size) >= 0 ? left_max : right_max;
    }
    // min_ns/max_ns may point into `out` (when out aliases left); copy the digest last.
    std::array<uint8_t, 2 * ns_size> range;
    std::memcpy(range.data(), min_ns, ns_size);
    std::memcpy(range.data() + ns_size, max_ns, ns_size);
    std::memcpy(out.data(), range.data(), range.size());
    std::memcpy(out.data() + range.size(), digest.data(), digest.size());
  }

 private:
  core::sha256_hasher& sha_;
  std::array<uint8_t, node_input_size> input_{};
};

// RFC 6962 root of already leaf-hashed items (SHA-256(0x00 || item) each).
core::sha256_digest rfc6962_root(core::sha256_hasher& sha, const core::sha256_digest* leaves,
                                 size_t n) {
  if (n == 1) {
    return leaves[0];
  }
  const size_t k = split_point(n);
  const auto left = rfc6962_root(sha, leaves, k);
  const auto right = rfc6962_root(sha, leaves + k, n - k);
  const uint8_t prefix = 0x01;
  sha.update(&prefix, 1);
  sha.update(left.data(), left.size());
  sha.update(right.data(), right.size());
  return sha.finish();
}

commitment_result<std::vector<nmt_node>> subtree_roots(core::sha256_hasher& sha,
                                                       const blob_layout& layout,
                                                       size_t threshold) {
  const size_t width = subtree_width(layout.count, threshold);
  const auto sizes = merkle_mountain_range_sizes(layout.count, width);
  std::vector<nmt_node> roots;
  roots.reserve(sizes.size());
  // One subtree's leaves at a time; reduced in place pairwise (every tree is perfect).
  std::vector<nmt_node> level(width);
  std::array<uint8_t, leaf_input_size> leaf_input;
  leaf_input[0] = 0x00;
  std::memcpy(leaf_input.data() + 1, layout.ns.data(), ns_size);
  nmt_hasher nmt(sha);
  size_t next_share = 0;
  for (const size_t tree_size : sizes) {
    for (size_t i = 0; i < tree_size; ++i) {
      layout.write_share(next_share++, leaf_input.data() + 1 + ns_size);
      nmt.leaf(leaf_input.data(), level[i]);
    }
    for (size_t len = tree_size; len > 1; len /= 2) {
      for (size_t i = 0; i < len / 2; ++i) {
        nmt.node(level[2 * i], level[2 * i + 1], level[i]);
      }
    }
    roots.push_back(level[0]);
  }
  return roots;
}

}  // namespace

const char* to_string(commitment_errc e) {
  switch (e) {
    case commitment_errc::empty_blob:
      return "empty_blob";
    case commitment_errc::unsupported_share_version:
      return "unsupported_share_version";
    case commitment_errc::signer_mismatch:
      return "signer_mismatch";
    case commitment_errc::bad_subtree_root_threshold:
      return "bad_subtree_root_threshold";
    case commitment_errc::too_large:
      return "too_large";
    case commitment_errc::bad_share_index:
      return "bad_share_index";
  }
  return "unknown";
}

size_t sparse_share_count(size_t data_size, uint8_t share_version) {
  const size_t first = share_version == share_version_one
                           ? first_sparse_share_content_size_with_signer
                           : first_sparse_share_content_size;
  if (data_size <= first) {
    return 1;
  }
  const size_t rest = data_size - first;
  return 1 + (rest + continuation_sparse_share_content_size - 1) /
                 continuation_sparse_share_content_size;
}

size_t subtree_width(size_t share_count, size_t subtree_root_threshold) {
  const size_t threshold = std::max<size_t>(subtree_root_threshold, 1);
  const size_t s = round_up_pow2((share_count + threshold - 1) / threshold);
  const size_t min_square = round_up_pow2(ceil_sqrt(share_count));
  return std::min(s, min_square);
}

std::vector<size_t> merkle_mountain_range_sizes(size_t total, size_t max_tree_size) {
  const size_t max_size = std::max<size_t>(max_tree_size, 1);
  std::vector<size_t> sizes;
  sizes.reserve(total / max_size + 64);
  while (total > 0) {
    const size_t t = total >= max_size ? max_size : round_down_pow2(total);
    sizes.push_back(t);
    total -= t;
  }
  return sizes;
}

commitment_result<std::vector<nmt_node>> blob_subtree_roots(const celestia_namespace& ns,
                                                            const uint8_t* data, size_t size,
                                                            uint8_t share_version,
                                                            const signer_bytes* signer,
                                                            size_t subtree_root_threshold) {
  if (auto err = check_blob(data, size, share_version, signer)) {
    return *err;
  }
  if (subtree_root_threshold == 0) {
    return fail(commitment_errc::bad_subtree_root_threshold,
                "subtree root threshold must be positive");
  }
  const auto layout = layout_of(ns, data, size, share_version, signer);
  core::sha256_hasher sha;
  return subtree_roots(sha, layout, subtree_root_threshold);
}

commitment_result<commitment_bytes> share_commitment(const celestia_namespace& ns,
                                                     const uint8_t* data, size_t size,
                                                     uint8_t share_version,
                                                     const signer_bytes* signer,
                                                     size_t subtree_root_threshold) {
  auto roots = blob_subtree_roots(ns, data, size, share_version, signer, subtree_root_threshold);
  if (!roots) {
    return roots.error();
  }
  core::sha256_hasher sha;
  std::vector<core::sha256_digest> leaves;
  leaves.reserve(roots.value().size());
  const uint8_t prefix = 0x00;
  for (const auto& root : roots.value()) {
    sha.update(&prefix, 1);
    sha.update(root.data(), root.size());
    leaves.push_back(sha.finish());
  }
  return rfc6962_root(sha, leaves.data(), leaves.size());
}

commitment_result<commitment_bytes> share_commitment(const celestia_namespace& ns,
                                                     const std::vector<uint8_t>& blob,
                                                     uint8_t share_version,
                                                     size_t subtree_root_threshold) {
  return share_commitment(ns, blob.data(), blob.size(), share_version, nullptr,
                          subtree_root_threshold);
}

commitment_result<commitment_bytes> share_commitment(const celestia_namespace& ns,
                                                     const std::vector<uint8_t>& blob,
                                                     uint8_t share_version,
                                                     const signer_bytes& signer,
                                                     size_t subtree_root_threshold) {
  return share_commitment(ns, blob.data(), blob.size(), share_version, &signer,
                          subtree_root_threshold);
}

commitment_result<share_bytes> blob_share(const celestia_namespace& ns, const uint8_t* data,
                                          size_t size, uint8_t share_version,
                                          const signer_bytes* signer, size_t index) {
  if (auto err = check_blob(data, size, share_version, signer)) {
    return *err;
  }
  const auto layout = layout_of(ns, data, size, share_version, signer);
  if (index >= layout.count) {
    return fail(commitment_errc::bad_share_index, "share index " + std::to_string(index) +
                                                      " is past the blob's " +
                                                      std::to_string(layout.count) + " shares");
  }
  share_bytes share;
  layout.write_share(index, share.data());
  return share;
}

std::string commitment_base64(const commitment_bytes& c) {
  return base64_encode(c.data(), c.size());
}

}  // namespace dsdn::da
