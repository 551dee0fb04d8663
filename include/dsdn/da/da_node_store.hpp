#pragma once
// The storage and block logic of `dsdn-coordinator da-node serve`, a standalone DA node that
// speaks a subset of celestia-node's JSON-RPC (../shared/specs/celestia/API.md). CAF-free and
// blocking (SQLite); the HTTP layer (include/dsdn/http/da_node.hpp) calls it from one worker
// thread and drives block production with a timer.
//
// The chain: a genesis block (height 1, no blobs) is created with a new database; after that
// each produce_block() call adds exactly one block, empty or not, at head + 1, with a time
// that never goes backwards. Submitted blobs wait in an in-memory mempool and all of them go
// into the next block, sorted by namespace (byte-wise, the square order; submission order
// within a namespace). A block, its blobs and its header are written in one transaction
// (WAL, synchronous=FULL): once produce_block returned, they survive a crash. The mempool is
// not durable: a crash loses blobs that no block holds yet, and whose Submit was therefore
// never answered.
//
// Blob `index` (API.md section 2): the blob's first share in the extended data square, with a
// simplified square model: the blobs' sparse shares are laid out back to back in square order
// over a k x k original square (k the smallest power of two with k*k >= the share count; no
// transaction shares, no alignment padding), and an original position s maps to the EDS index
// (s / k) * 2k + s % k. Unique and increasing within a height, always >= 0.
//
// The validator role (QuorumDA, DESIGN section 5): store_and_sign keeps a blob keyed by its
// SHA-256 digest (that is the QuorumDA "commitment", not the Celestia share commitment) and
// returns the Ed25519 signature over SHA-256(blob) by the node's key, exactly what
// da::quorum_sign computes and da::verify_proof / signature_collector check. The validator key
// is the data dir's identity key (identity.key).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/core/result.hpp"
#include "dsdn/da/namespace.hpp"
#include "dsdn/da/share_commitment.hpp"

namespace dsdn::da {

/// Why a DA node operation failed. Messages carry celestia-node's wording where it has one.
enum class node_errc : uint8_t {
  io_error = 1,   ///< disk or database failure
  corrupt,        ///< a file that is not this node's, or data failing its own checks
  locked,         ///< another process holds the data dir or the database
  invalid,        ///< an argument celestia-node would refuse ("data can not be empty", ...)
  too_large,      ///< a blob or submission beyond the node's limits
  busy,           ///< the mempool is full until the next block
  not_found,      ///< "blob: not found"
  height_zero,    ///< "height is equal to 0"
  next_height,    ///< the height after the head: not produced yet (Celestia waits for it)
  future_height,  ///< beyond head + 1: "header: given height is from the future: ..."
};
/// "io_error", "corrupt", ...
const char* to_string(node_errc e);

template <class T>
using node_result = result<T, node_errc>;

/// "blob: not found" (celestia-node ErrBlobNotFound).
inline constexpr const char* blob_not_found_message = "blob: not found";

/// A blob as Submit receives it (namespace, data, share version, signer).
struct node_blob_input {
  celestia_namespace ns;
  std::vector<uint8_t> data;
  uint8_t share_version = share_version_zero;
  std::optional<signer_bytes> signer;  ///< share_version 1 only
};

/// A blob included in a block.
struct node_blob {
  uint64_t height = 0;
  uint64_t index = 0;  ///< first share in the EDS (see the header comment)
  celestia_namespace ns;
  uint8_t share_version = share_version_zero;
  std::optional<signer_bytes> signer;
  std::vector<uint8_t> data;
  commitment_bytes commitment{};  ///< da::share_commitment
};

/// One block's header as the node keeps it.
struct node_block {
  uint64_t height = 0;
  int64_t time_ns = 0;  ///< Unix time in nanoseconds; strictly increasing with height
  uint32_t blob_count = 0;
  uint64_t share_count = 0;         ///< sparse shares of all its blobs
  uint32_t square_size = 1;         ///< k: the original square is k x k (see the header comment)
  core::sha256_digest data_hash{};  ///< SHA-256 over (namespace || commitment) per blob
  core::sha256_digest hash{};       ///< block_hash(height, time_ns, data_hash, last_hash)
  core::sha256_digest last_hash{};  ///< the previous block's hash (zeros for genesis)
  core::signature signature{};      ///< Ed25519(hash) by the validator key
  std::optional<celestia_namespace> min_ns;  ///< lowest blob namespace, none when empty
  std::optional<celestia_namespace> max_ns;  ///< highest blob namespace
};

/// What store_and_sign returns.
struct sign_receipt {
  core::sha256_digest commitment{};  ///< SHA-256(blob), the key the blob is stored under
  core::signature signature{};       ///< Ed25519(SHA-256(blob)) by the validator key
  core::public_key validator_key{};
  bool newly_stored = false;  ///< false when the blob was stored already
};

/// Settings of the node's store.
struct node_store_options {
  std::string data_dir;  ///< locked for the store's lifetime; holds identity.key and da-node.sqlite
  size_t max_submit_bytes = 8 * 1024 * 1024;    ///< data bytes of one Submit (all its blobs)
  size_t max_mempool_bytes = 64 * 1024 * 1024;  ///< data bytes waiting for the next block
  size_t max_validator_blob = 8 * 1024 * 1024;  ///< one StoreAndSign blob
};

/// The database file inside the data dir.
inline constexpr const char* node_database_file = "da-node.sqlite";
/// Its schema version.
inline constexpr int node_store_schema_version = 1;

/// The hash a block header commits to: SHA-256("dsdn-da-node block v1" || height u64 BE ||
/// time_ns i64 BE || data_hash || last_hash).
core::sha256_digest block_hash(uint64_t height, int64_t time_ns,
                               const core::sha256_digest& data_hash,
                               const core::sha256_digest& last_hash);

/// The message go-square / celestia-node give for a blob Submit must refuse at decode time
/// ("invalid user namespace: invalid data namespace(...): reserved data is forbidden",
/// "data can not be empty", "share version 0 does not support signer", ...), or nothing.
std::optional<std::string> blob_input_error(const node_blob_input& blob);

/// The node's chain, mempool and validator blobs. Thread-safe (one internal mutex); every
/// call blocks on SQLite.
class da_node_store {
 public:
  /// Opens (creating) the data dir (exclusive lock), loads or creates the identity key, opens
  /// da-node.sqlite and, in a new database, creates the genesis block at `now`.
  static node_result<std::unique_ptr<da_node_store>> open(
      const node_store_options& options,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

  virtual ~da_node_store() = default;

  /// The validator (identity) public key.
  virtual const core::public_key& validator_key() const = 0;

  /// Validates `blobs` (all or none are taken) and adds them to the mempool; returns the
  /// height of the block that will include them (head + 1). `invalid` with "state: no blobs
  /// provided" for none.
  virtual node_result<uint64_t> submit(std::vector<node_blob_input> blobs) = 0;

  /// Writes block head + 1 holding the whole mempool, at max(now, previous time + 1 ns), and
  /// returns it. On failure nothing is written and the mempool is kept for the next try.
  virtual node_result<node_block> produce_block(std::chrono::system_clock::time_point now) = 0;

  /// The head block (the network head and the local head are the same block here).
  virtual node_block head() const = 0;
  /// The block at `height`: height_zero, next_height (head + 1) or future_height otherwise.
  virtual node_result<node_block> block(uint64_t height) = 0;

  /// The blobs at `height` in the namespaces asked for, in that order, then in square order;
  /// empty when there are none (the JSON-RPC `null`). Height errors as block().
  virtual node_result<std::vector<node_blob>> get_all(
      uint64_t height, const std::vector<celestia_namespace>& namespaces) = 0;

  /// The blob at `height` in `ns` with share commitment `commitment`; not_found otherwise.
  virtual node_result<node_blob> get(uint64_t height, const celestia_namespace& ns,
                                     const std::vector<uint8_t>& commitment) = 0;

  /// Blobs waiting for the next block.
  virtual size_t mempool_size() const = 0;

  /// Stores `data` durably under SHA-256(data) (again is fine) and signs SHA-256(data).
  virtual node_result<sign_receipt> store_and_sign(const std::vector<uint8_t>& data) = 0;

  /// The blob stored by store_and_sign under `commitment` (SHA-256); not_found otherwise.
  virtual node_result<std::vector<uint8_t>> get_by_commitment(
      const std::vector<uint8_t>& commitment) = 0;
};

}  // namespace dsdn::da
