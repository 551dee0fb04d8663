#pragma once
// QuorumDA, the secondary DA layer: a set of validators (DA nodes, include/dsdn/http/da_node.hpp)
// that each store a blob keyed by its commitment SHA-256(blob) and sign that digest with their
// Ed25519 key. A write counts once quorum_required(n, threshold) validators signed validly
// (include/dsdn/da/quorum_proof.hpp). Blocking like every backend (it runs in its detached DA
// actor); the network waits happen on threads of its own, one per validator request.
//
// Write (submit), per blob:
//   dsdn.StoreAndSign to every validator at once, each on its own thread with its own deadline
//     --> each reply is checked (commitment = SHA-256(blob), key = the configured key of that
//         validator, signature valid over the digest) and fed to a signature_collector
//     --> quorum reached: done, the slower requests finish in the background (early success)
//     --> quorum out of reach: error naming each failing validator and why (early abort)
// then the blobs get the next local height in the durable quorum_index (quorum_index.hpp),
// which is what makes a QuorumDA height readable: validators know commitments, not heights.
//
// Read (get_all / get_range): the index gives the commitments of a height; each blob is fetched
// with dsdn.GetByCommitment from the validators that signed it first, then from the others, and
// returned only when SHA-256(data) equals the commitment (other bytes are skipped, counted and
// the next validator is asked).
//
// Health: dsdn.ValidatorKey to every validator at once; healthy when at least the quorum answer
// with their configured key within health_timeout (a layer that cannot reach quorum cannot take
// a write).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/da/da_backend.hpp"

namespace dsdn::da {

class quorum_index;

/// How to reach the validators and what counts as a quorum.
struct quorum_da_config {
  std::vector<std::string> validator_urls;       ///< http[s]://host:port[/path], one per validator
  std::vector<core::public_key> validator_keys;  ///< their Ed25519 keys, same order
  unsigned threshold_pct = 67;                   ///< quorum = ceil(n * pct / 100), pct in 1..100
  std::chrono::milliseconds signature_timeout{5000};  ///< one request to one validator
  std::chrono::milliseconds health_timeout{2000};     ///< one health probe round
  std::string auth_token;  ///< `Authorization: Bearer` for every validator when non-empty
  /// The height index file (e.g. <data dir>/quorum_index.sqlite), opened at first use so that
  /// building the backend does no I/O (the coordinator locks its data dir first).
  std::string index_path;
};

/// What the layer has done so far (monotonic counters).
struct quorum_da_stats {
  uint64_t rounds = 0;               ///< store-and-sign rounds (one per blob)
  uint64_t rounds_failed = 0;        ///< ... that did not reach the quorum
  uint64_t signatures_valid = 0;     ///< valid signatures counted before each round was decided
  uint64_t replies_rejected = 0;     ///< replies with a wrong key, commitment or signature
  uint64_t read_mismatches = 0;      ///< fetched blobs whose SHA-256 differed from the commitment
  uint64_t background_requests = 0;  ///< requests still running when their round was decided
};

/// The QuorumDA backend. Build it with open_quorum_da (which validates the config).
class quorum_da final : public da_backend {
 public:
  ~quorum_da() override;

  const char* kind() const override { return "quorum"; }

  /// A store-and-sign round per blob (see the header comment), then one new local height.
  da_result<submit_receipt> submit(const std::vector<blob_bytes>& blobs) override;
  /// The blobs of local height `height`, each fetched and checked against its commitment.
  da_result<std::vector<stored_blob>> get_all(uint64_t height) override;
  /// get_all per height in [from, min(to, head)], at most `max_blobs` but never splitting one.
  da_result<std::vector<stored_blob>> get_range(uint64_t from, uint64_t to,
                                                size_t max_blobs) override;
  /// The highest local height (0 before the first write).
  da_result<uint64_t> head_height() override;
  /// At least the quorum answered dsdn.ValidatorKey with their configured key.
  bool healthy() override;

  /// Valid signatures needed per blob.
  size_t required() const { return required_; }
  /// The counters so far.
  quorum_da_stats stats() const;

  struct validator;  // one endpoint (defined in the sources)
  struct workers;    // the request threads (defined in the sources)

 private:
  friend da_result<std::unique_ptr<quorum_da>> open_quorum_client(quorum_da_config cfg);
  quorum_da(quorum_da_config cfg, size_t required, std::vector<validator> validators);

  // The index, opened at the first call that needs it.
  da_result<quorum_index*> index();

  // One store-and-sign round: the encoded proof, or why the quorum was not reached.
  da_result<std::vector<uint8_t>> collect(const blob_bytes& blob, size_t blob_no);
  // The blob with `digest` from the validators, signers (per `proof`) first.
  da_result<blob_bytes> fetch(const commitment& digest, const std::vector<uint8_t>& proof);

  quorum_da_config cfg_;
  size_t required_ = 0;
  std::vector<validator> validators_;
  std::mutex index_mutex_;
  std::unique_ptr<quorum_index> index_;
  std::unique_ptr<workers> workers_;
  std::atomic<uint64_t> rounds_{0};
  std::atomic<uint64_t> rounds_failed_{0};
  std::atomic<uint64_t> signatures_valid_{0};
  std::atomic<uint64_t> replies_rejected_{0};
  std::atomic<uint64_t> read_mismatches_{0};
  std::atomic<uint64_t> background_requests_{0};
};

/// Validates `cfg` (at least one validator, as many keys as URLs and no key twice, URLs that
/// parse, threshold 1..100, timeouts > 0, an index path). No I/O: validators that are down
/// show up in healthy() and in the writes, an index that cannot be opened in the first call.
da_result<std::unique_ptr<quorum_da>> open_quorum_client(quorum_da_config cfg);

/// The same as a plain da_backend (what the coordinator's DA actor holds).
da_result<std::unique_ptr<da_backend>> open_quorum_da(quorum_da_config cfg);

}  // namespace dsdn::da
