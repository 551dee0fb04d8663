#pragma once
// The Celestia blob share commitment (../shared/specs/celestia/COMMITMENT.md; go-square v4
// inclusion.CreateCommitment with RFC 6962 merkle.HashFromByteSlices): sparse shares, one
// namespaced Merkle tree root per Merkle-mountain-range subtree, RFC 6962 root over those.
// Pure computation: no I/O, no allocation proportional to the blob beyond one subtree.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dsdn/core/result.hpp"
#include "dsdn/da/namespace.hpp"

namespace dsdn::da {

/// Why a commitment cannot be computed (the blob go-square's NewBlob would refuse).
enum class commitment_errc : uint8_t {
  empty_blob = 1,              // "data can not be empty"
  unsupported_share_version,   // only 0 and 1 are user blob share versions
  signer_mismatch,             // v0 with a signer, or v1 without one
  bad_subtree_root_threshold,  // 0
  too_large,                   // the sequence length is a uint32
  bad_share_index,             // blob_share past the last share
};
/// "empty_blob", "unsupported_share_version", ...
const char* to_string(commitment_errc e);

template <class T>
using commitment_result = result<T, commitment_errc>;

/// The 32-byte commitment (base64 in JSON, `MsgPayForBlobs.share_commitments`).
using commitment_bytes = std::array<uint8_t, 32>;
/// A share_version 1 signer: a 20-byte account address.
using signer_bytes = std::array<uint8_t, 20>;
/// One share of the original data square.
using share_bytes = std::array<uint8_t, 512>;
/// A namespaced Merkle tree node: min namespace || max namespace || SHA-256 (29 + 29 + 32).
using nmt_node = std::array<uint8_t, 90>;

/// ShareSize.
inline constexpr size_t share_size = 512;
/// Blob data bytes in the first share: 512 - 29 namespace - 1 info - 4 sequence length.
inline constexpr size_t first_sparse_share_content_size = 478;
/// ... with a share version 1 signer (20 bytes) after the sequence length.
inline constexpr size_t first_sparse_share_content_size_with_signer = 458;
/// Blob data bytes in every later share: 512 - 29 namespace - 1 info.
inline constexpr size_t continuation_sparse_share_content_size = 482;
/// ShareVersionZero: no signer.
inline constexpr uint8_t share_version_zero = 0;
/// ShareVersionOne: a 20-byte signer in the first share.
inline constexpr uint8_t share_version_one = 1;
/// celestia-app `SubtreeRootThreshold`: 64 in every app version so far.
inline constexpr size_t default_subtree_root_threshold = 64;

/// The commitment of a share_version 0 blob (no signer). Any namespace is accepted; whether a
/// blob may use it is validate_for_blob's business.
commitment_result<commitment_bytes> share_commitment(
    const celestia_namespace& ns, const std::vector<uint8_t>& blob,
    uint8_t share_version = share_version_zero,
    size_t subtree_root_threshold = default_subtree_root_threshold);

/// The commitment of a blob with a signer (share_version 1).
commitment_result<commitment_bytes> share_commitment(
    const celestia_namespace& ns, const std::vector<uint8_t>& blob, uint8_t share_version,
    const signer_bytes& signer, size_t subtree_root_threshold = default_subtree_root_threshold);

/// The same over a byte range; `signer` is null for share_version 0.
commitment_result<commitment_bytes> share_commitment(const celestia_namespace& ns,
                                                     const uint8_t* data, size_t size,
                                                     uint8_t share_version,
                                                     const signer_bytes* signer,
                                                     size_t subtree_root_threshold);

/// The subtree roots the commitment is the RFC 6962 root of, one per Merkle-mountain-range tree
/// (exposed for verification and tests; share_commitment does not materialise more than one).
commitment_result<std::vector<nmt_node>> blob_subtree_roots(
    const celestia_namespace& ns, const uint8_t* data, size_t size, uint8_t share_version,
    const signer_bytes* signer, size_t subtree_root_threshold = default_subtree_root_threshold);

/// Share `index` of the blob's sparse shares: ns | info | [seq len | signer] | data | zero pad.
/// Arguments as for share_commitment; `index` must be below sparse_share_count.
commitment_result<share_bytes> blob_share(const celestia_namespace& ns, const uint8_t* data,
                                          size_t size, uint8_t share_version,
                                          const signer_bytes* signer, size_t index);

/// How many sparse shares `data_size` bytes take (at least 1).
size_t sparse_share_count(size_t data_size, uint8_t share_version);

/// go-square `SubTreeWidth`: min(RoundUpPow2(ceil(n / threshold)), BlobMinSquareSize(n)).
/// `threshold` must be positive.
size_t subtree_width(size_t share_count, size_t subtree_root_threshold);

/// go-square `MerkleMountainRangeSizes`: `max_tree_size`-sized trees, then decreasing powers of
/// two for the rest. `max_tree_size` must be a power of two.
std::vector<size_t> merkle_mountain_range_sizes(size_t total, size_t max_tree_size);

/// Standard padded base64 of a commitment, the JSON form.
std::string commitment_base64(const commitment_bytes& c);

}  // namespace dsdn::da
