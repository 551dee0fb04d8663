#pragma once
// The QuorumDA height index. Validators keep blobs by commitment only (dsdn.StoreAndSign /
// dsdn.GetByCommitment), but every da_backend is read by height (the consistency check reads an
// outbox entry's copy at its `layer_height`). So each QuorumDA write gets the next local height
// (1, 2, 3 ...) and this index maps (height, index) -> (commitment, quorum proof). It is one
// SQLite file per coordinator (in its data dir), durable before a write is acknowledged, so
// the heights recorded in the outbox stay readable after a restart. Heights are local to one
// coordinator: two coordinators sharing validators each number their own writes.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dsdn/da/da_backend.hpp"

namespace dsdn::da {

inline constexpr int quorum_index_schema_version = 1;

/// One blob of a QuorumDA height: where the validators keep it and who signed it.
struct quorum_entry {
  uint64_t height = 0;
  uint32_t index = 0;
  commitment digest{};         // SHA-256(blob), the validators' key
  std::vector<uint8_t> proof;  // encode_proof() of the signatures collected at write time
};

/// The durable (height, index) -> (commitment, proof) map. Thread-safe.
class quorum_index {
 public:
  /// Opens (creating it and its parent directory if absent) the index at `path`.
  static da_result<std::unique_ptr<quorum_index>> open(const std::string& path);
  ~quorum_index();

  /// Records `entries` (their height and index are ignored) as the next height, in order, in
  /// one transaction; returns that height.
  da_result<uint64_t> append(const std::vector<quorum_entry>& entries);
  /// The entries of `height` in index order; empty when it holds none.
  da_result<std::vector<quorum_entry>> at(uint64_t height);
  /// The highest recorded height; 0 when empty.
  uint64_t head() const;

 private:
  struct impl;
  explicit quorum_index(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
  mutable std::mutex mutex_;
};

}  // namespace dsdn::da
