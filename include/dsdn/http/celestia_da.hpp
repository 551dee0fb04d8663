#pragma once
// The Celestia DA backend: a celestia-node (light or bridge) over JSON-RPC 2.0 on the blocking
// HTTP client (../shared/specs/celestia/API.md). Blocking, like every backend: it runs in its
// detached DA actor. Thread-safe (the health probe may run beside a read or a submit).
//
// A submit is one PayForBlobs tx (blob.Submit blocks until inclusion). Its outcome is unknown
// when the call times out or the connection breaks: the tx may still land. Such a submit is
// never simply repeated: the recent heights are first searched for our commitments, and only
// when they are absent is the blob submitted again (never published twice by mistake).
//
//   submit --ok--> read the height back, commitments checked --> receipt
//     |--definite failure (auth, funds, bad request, ...)--> error
//     |--retryable (busy, fee, sequence, ...)--> backoff --> submit again
//     +--ambiguous (timeout, lost connection, "tx already in mempool", ...)--> backoff
//           --> search [head - search_depth + 1, head] --found--> receipt
//                                                      \--absent--> submit again

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "dsdn/da/celestia_config.hpp"
#include "dsdn/da/da_backend.hpp"

namespace dsdn::da {

namespace celestia {
class channel;
}

/// What the client has done so far (monotonic counters).
struct celestia_stats {
  uint64_t requests = 0;               // HTTP requests sent, retries included
  uint64_t retries = 0;                // requests repeated after a retryable failure
  uint64_t submits = 0;                // blob.Submit requests sent
  uint64_t resubmits = 0;              // of those, sent after an ambiguous one was not found
  uint64_t searches = 0;               // commitment searches after an ambiguous submit
  uint64_t search_hits = 0;            // ... that found the blobs (no resubmit needed)
  uint64_t blobs_skipped = 0;          // read blobs dropped: undecodable, foreign, mismatched
  uint64_t commitment_mismatches = 0;  // read-back after a submit did not show our commitments
};

/// The Celestia backend. Build it with open_celestia_da (which validates the config).
class celestia_da final : public da_backend {
 public:
  ~celestia_da() override;

  const char* kind() const override { return "celestia"; }

  /// One blob.Submit of `blobs` (share_version 0, our namespace); the receipt carries the
  /// inclusion height and the share commitments computed locally, checked against the height.
  da_result<submit_receipt> submit(const std::vector<blob_bytes>& blobs) override;

  /// blob.GetAll: our blobs at `height` in square order, each checked against its commitment
  /// (failures are skipped and counted). Empty below start_height and past the head.
  da_result<std::vector<stored_blob>> get_all(uint64_t height) override;

  /// get_all per height from max(from, start_height) to min(to, network head); empty heights
  /// are skipped; at most `max_blobs` blobs, but a height is never split. Empty only when
  /// nothing is left up to the head.
  da_result<std::vector<stored_blob>> get_range(uint64_t from, uint64_t to,
                                                size_t max_blobs) override;

  /// header.NetworkHead's height, header.LocalHead's when that fails.
  da_result<uint64_t> head_height() override;

  /// header.NetworkHead answered within health_timeout (no retries).
  bool healthy() override;

  /// blob.Get: the data of our blob with commitment `c` at `height`, nothing when absent.
  da_result<std::optional<blob_bytes>> get_blob(uint64_t height, const commitment& c);

  /// header.NetworkHead's height.
  da_result<uint64_t> network_head();
  /// header.LocalHead's height.
  da_result<uint64_t> local_head();

  /// The highest height in [head - depth + 1, head] (and >= start_height) holding blobs with
  /// all of `commitments`, searched from the head down; nothing when none does.
  da_result<std::optional<uint64_t>> find_commitments(const std::vector<commitment>& commitments,
                                                      uint64_t depth);

  /// The counters so far.
  celestia_stats stats() const;
  /// The configuration in use.
  const celestia_config& config() const { return cfg_; }

 private:
  friend da_result<std::unique_ptr<celestia_da>> open_celestia_client(celestia_config cfg);
  celestia_da(celestia_config cfg, std::unique_ptr<celestia::channel> ch);

  da_result<uint64_t> head_of(const char* method, std::chrono::milliseconds timeout,
                              unsigned retries);
  da_result<submit_receipt> confirm(uint64_t height, const std::vector<blob_bytes>& blobs,
                                    std::vector<commitment> commitments);

  celestia_config cfg_;
  std::unique_ptr<celestia::channel> channel_;
  std::atomic<uint64_t> submits_{0};
  std::atomic<uint64_t> resubmits_{0};
  std::atomic<uint64_t> searches_{0};
  std::atomic<uint64_t> search_hits_{0};
  std::atomic<uint64_t> blobs_skipped_{0};
  std::atomic<uint64_t> commitment_mismatches_{0};
};

/// Validates `cfg` (celestia_config.hpp's rules plus the URL grammar) and builds the client.
/// No I/O: a node that is down shows up in healthy() and in the calls.
da_result<std::unique_ptr<celestia_da>> open_celestia_client(celestia_config cfg);

/// The same as a plain da_backend (what the coordinator's DA actor holds).
da_result<std::unique_ptr<da_backend>> open_celestia_da(celestia_config cfg);

}  // namespace dsdn::da
