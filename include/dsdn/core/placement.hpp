#pragma once
// Replica placement: weighted rendezvous (highest-random-weight) hashing, built once per
// membership change. Zone-diverse first: one node per zone in score order, then the best
// remaining nodes. Distinct ids, deterministic, never more than the number of nodes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/state_machine.hpp"

namespace dsdn::core {

class placement_index {
 public:
  placement_index() = default;
  /// Builds the index over `nodes`; weight = max(capacity_gb, 1).
  explicit placement_index(const std::vector<node_info>& nodes);

  /// Up to `rf` distinct node ids for `key`, zone-diverse first.
  std::vector<std::string> place(std::string_view key, size_t rf) const;
  size_t size() const { return nodes_.size(); }

 private:
  struct entry {
    std::string id;
    uint32_t zone;     // index into the distinct zones, sorted
    uint64_t id_hash;  // precomputed per node so a lookup hashes the key once
    double weight;
  };
  std::vector<entry> nodes_;  // sorted by id
  size_t zone_count_ = 0;
};

}  // namespace dsdn::core
