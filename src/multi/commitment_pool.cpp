#include "dsdn/multi/commitment_pool.hpp"

#include <utility>

#include "dsdn/multi/nonce.hpp"

namespace dsdn::multi {

commitment_pool::entry& commitment_pool::current(const std::string& member, uint64_t generation) {
  entry& e = members_[member];
  if (e.generation != generation) {
    e.generation = generation;
    e.held.clear();  // fetched on a link that is gone: the member may no longer hold the nonces
  }
  return e;
}

size_t commitment_pool::want(const std::string& member, uint64_t generation) {
  entry& e = current(member, generation);
  const size_t have = e.held.size() + e.in_flight;
  const size_t n = have < target_ ? target_ - have : 0;
  e.in_flight += n;
  return n;
}

void commitment_pool::arrived(const std::string& member, uint64_t generation,
                              std::optional<std::string> commitment) {
  auto it = members_.find(member);
  if (it == members_.end()) {
    return;
  }
  entry& e = it->second;
  if (e.in_flight > 0) {
    --e.in_flight;
  }
  if (commitment && commitment->size() == signing_commitments::encoded_size &&
      e.generation == generation && e.held.size() < target_) {
    e.held.push_back(std::move(*commitment));
  }
}

std::optional<std::string> commitment_pool::take(const std::string& member, uint64_t generation) {
  entry& e = current(member, generation);
  if (e.held.empty()) {
    return std::nullopt;
  }
  std::string out = std::move(e.held.front());
  e.held.pop_front();
  return out;
}

size_t commitment_pool::held(const std::string& member) const {
  auto it = members_.find(member);
  return it == members_.end() ? 0 : it->second.held.size();
}

size_t commitment_pool::in_flight(const std::string& member) const {
  auto it = members_.find(member);
  return it == members_.end() ? 0 : it->second.in_flight;
}

}  // namespace dsdn::multi
