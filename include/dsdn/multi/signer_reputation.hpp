#pragma once
// Memory of cheating across signing sessions (a plain class; the peer manager owns one).
//
// A signing session names a member as a cheater when it proves misbehaviour (an invalid or
// replayed commitment, a signature share that does not verify). Within that session the member
// is excluded; this class makes later sessions leave it out too, for a cool-down:
//
//   strike k (k = 1, 2, ...)  ->  excluded until now + min(cooldown * 2^(k-1), max_cooldown)
//
// Why a cool-down rather than only the one session: the selection takes the lowest ids, so a
// cheater with a low id would be picked first by every session, costing each one a wasted round
// trip and a retry (and giving it a fresh chance to disrupt). Why not forever: a bad share can
// come from a bug or a corrupted process that an operator fixes with a restart, and a committee
// that permanently drops members loses liveness once honest members fail too; the doubling makes
// a repeat offender's exclusion grow quickly. Why not "until it reconnects": the cheater decides
// when it reconnects. Strikes are never forgotten (they are counters for the status view).
// Exclusion yields to liveness: exclusions() leaves members out only while at least the
// threshold remains; a suspected member is better than no signature, and a session that picks
// it still checks every share.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dsdn::multi {

/// The cool-down schedule of a signer_reputation.
struct reputation_policy {
  std::chrono::milliseconds cooldown{30000};       ///< after the first strike
  std::chrono::milliseconds max_cooldown{600000};  ///< the doubling stops here
};

/// Remembers cheaters and for how long they stay out of signing sessions.
class signer_reputation {
 public:
  using ms = std::chrono::milliseconds;
  using policy = reputation_policy;

  /// A reputation with `p` (non-positive durations are raised to 1 ms).
  explicit signer_reputation(policy p = policy{});

  /// Records a strike for `member` at `now` (a monotonic time); returns the cool-down imposed.
  ms record_cheating(const std::string& member, ms now);
  /// True while `member` is in its cool-down at `now`.
  bool excluded(const std::string& member, ms now) const;
  /// The cool-down left for `member` at `now` (zero when not excluded).
  ms remaining(const std::string& member, ms now) const;
  /// Strikes recorded for `member` (sessions that named it a cheater).
  uint64_t strikes(const std::string& member) const;

  /// The members of `candidates` a new session should leave out at `now`: those in cool-down,
  /// the worst first (most strikes, then the longest cool-down left), as long as at least
  /// `threshold` candidates remain. Ascending.
  std::vector<std::string> exclusions(const std::vector<std::string>& candidates, size_t threshold,
                                      ms now) const;

 private:
  struct record {
    uint64_t strikes = 0;
    ms until{0};
  };
  policy policy_;
  std::map<std::string, record, std::less<>> records_;
};

}  // namespace dsdn::multi
