#pragma once
// Round-1 commitments fetched from committee members ahead of the sessions that use them (a
// plain class; the peer manager owns one).
//
// RFC 9591 lets round one run in advance: a member's commitment (D, E) is public, while its
// nonces (d, e) never leave the member's memory and are used at most once (member_signer
// erases them before signing). Holding a few commitments per member lets a session skip the
// round-1 round trip: it starts by sending the signing package. Each pooled commitment is handed
// to one session only (take() removes it). Commitments are tied to the link generation they
// were fetched on: a member that restarted lost its nonces, so entries of an older link are
// dropped instead of being offered to sessions that would only see them refused.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace dsdn::multi {

/// Prefetched round-1 commitments (id || D || E, 96 bytes each) per member.
class commitment_pool {
 public:
  /// Keeps up to `target` commitments per member (0 disables prefetching).
  explicit commitment_pool(size_t target) : target_(target) {}

  /// How many commitments to request from `member` now so that held plus in flight reaches the
  /// target; they are counted as in flight. `generation` names the member's current link: held
  /// commitments of another generation are dropped first.
  size_t want(const std::string& member, uint64_t generation);
  /// A requested commitment of `member` came back for link `generation` (nullopt: the request
  /// failed). Kept only when it is 96 bytes and the link is still the current one.
  void arrived(const std::string& member, uint64_t generation,
               std::optional<std::string> commitment);
  /// Removes and returns the oldest commitment of `member` fetched on link `generation`.
  std::optional<std::string> take(const std::string& member, uint64_t generation);
  /// Commitments held for `member`.
  size_t held(const std::string& member) const;
  /// Requests of `member` not answered yet.
  size_t in_flight(const std::string& member) const;

 private:
  struct entry {
    uint64_t generation = 0;
    size_t in_flight = 0;
    std::deque<std::string> held;
  };
  entry& current(const std::string& member, uint64_t generation);

  size_t target_;
  std::map<std::string, entry> members_;
};

}  // namespace dsdn::multi
