#include "dsdn/multi/signer_reputation.hpp"

#include <algorithm>

namespace dsdn::multi {

signer_reputation::signer_reputation(policy p) : policy_(p) {
  policy_.cooldown = std::max(policy_.cooldown, ms{1});
  policy_.max_cooldown = std::max(policy_.max_cooldown, policy_.cooldown);
}

signer_reputation::ms signer_reputation::record_cheating(const std::string& member, ms now) {
  record& r = records_[member];
  ++r.strikes;
  ms cooldown = policy_.cooldown;
  // Doubling stops at the cap (and long before the shift could overflow).
  for (uint64_t k = 1; k < r.strikes && cooldown < policy_.max_cooldown; ++k) {
    cooldown *= 2;
  }
  cooldown = std::min(cooldown, policy_.max_cooldown);
  r.until = std::max(r.until, now + cooldown);
  return cooldown;
}

bool signer_reputation::excluded(const std::string& member, ms now) const {
  return remaining(member, now).count() > 0;
}

signer_reputation::ms signer_reputation::remaining(const std::string& member, ms now) const {
  auto it = records_.find(member);
  if (it == records_.end() || it->second.until <= now) {
    return ms{0};
  }
  return it->second.until - now;
}

uint64_t signer_reputation::strikes(const std::string& member) const {
  auto it = records_.find(member);
  return it == records_.end() ? 0 : it->second.strikes;
}

std::vector<std::string> signer_reputation::exclusions(const std::vector<std::string>& candidates,
                                                       size_t threshold, ms now) const {
  std::vector<const std::string*> suspects;
  for (const std::string& id : candidates) {
    if (excluded(id, now)) {
      suspects.push_back(&id);
    }
  }
  std::sort(suspects.begin(), suspects.end(), [&](const std::string* a, const std::string* b) {
    const record& ra = records_.find(*a)->second;
    const record& rb = records_.find(*b)->second;
    if (ra.strikes != rb.strikes) {
      return ra.strikes > rb.strikes;
    }
    if (ra.until != rb.until) {
      return ra.until > rb.until;
    }
    return *a < *b;
  });
  const size_t spare = candidates.size() > threshold ? candidates.size() - threshold : 0;
  std::vector<std::string> out;
  for (size_t i = 0; i < suspects.size() && i < spare; ++i) {
    out.push_back(*suspects[i]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dsdn::multi
