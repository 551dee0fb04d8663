#include "dsdn/core/placement.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <tuple>

namespace dsdn::core {
namespace {

constexpr uint32_t no_node = std::numeric_limits<uint32_t>::max();

// SHA-256 fetched from the default provider once: with EVP_sha256() every EVP_Digest call looks
// the algorithm up again (OpenSSL 3), which costs more than hashing a 64-byte key. Held for
// the life of the process.
const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) {
    throw std::runtime_error("placement: SHA-256 unavailable");
  }
  return md;
}

// First 8 bytes of SHA-256, little-endian: identical on every platform and toolchain.
uint64_t hash64(std::string_view s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(s.data(), s.size(), md, &len, sha256_md(), nullptr) != 1 || len < 8) {
    throw std::runtime_error("placement: SHA-256 failed");
  }
  uint64_t h = 0;
  for (int i = 7; i >= 0; --i) {
    h = (h << 8) | md[i];
  }
  return h;
}

// MurmurHash3's fmix64: full avalanche, so the per-node draws for one key are independent
// even though they share the key hash.
uint64_t fmix64(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// -weight / ln(u) with u uniform in (0,1) makes P(node wins) = weight / total weight.
// Using 52 bits keeps u in [2^-53, 1 - 2^-53], exactly representable, so ln(u) < 0 and the
// score is finite and positive.
double node_score(uint64_t key_hash, uint64_t id_hash, double weight) {
  const uint64_t h = fmix64(key_hash ^ id_hash);
  const double u = (static_cast<double>(h >> 12) + 0.5) * 0x1p-52;
  return -weight / std::log(u);
}

struct scored {
  double score;
  uint32_t idx;  // index into nodes_, which is sorted by id, so a lower index is a smaller id
};

bool better(const scored& a, const scored& b) {
  if (a.score != b.score) {
    return a.score > b.score;
  }
  return a.idx < b.idx;
}

}  // namespace

placement_index::placement_index(const std::vector<node_info>& nodes) {
  std::vector<const node_info*> sorted;
  sorted.reserve(nodes.size());
  for (const auto& n : nodes) {
    sorted.push_back(&n);
  }
  // Duplicate ids keep the smallest (zone, capacity, addr), so the result never depends on
  // the input order.
  std::sort(sorted.begin(), sorted.end(), [](const node_info* a, const node_info* b) {
    return std::tie(a->id, a->zone, a->capacity_gb, a->addr) <
           std::tie(b->id, b->zone, b->capacity_gb, b->addr);
  });
  sorted.erase(std::unique(sorted.begin(), sorted.end(),
                           [](const node_info* a, const node_info* b) { return a->id == b->id; }),
               sorted.end());
  if (sorted.size() >= no_node) {
    throw std::length_error("placement: too many nodes");
  }

  std::vector<std::string_view> zones;
  zones.reserve(sorted.size());
  for (const auto* n : sorted) {
    zones.push_back(n->zone);
  }
  std::sort(zones.begin(), zones.end());
  zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
  zone_count_ = zones.size();

  nodes_.reserve(sorted.size());
  for (const auto* n : sorted) {
    const auto zone = std::lower_bound(zones.begin(), zones.end(), std::string_view(n->zone));
    nodes_.push_back(entry{n->id, static_cast<uint32_t>(zone - zones.begin()), hash64(n->id),
                           static_cast<double>(std::max<uint64_t>(n->capacity_gb, 1))});
  }
}

std::vector<std::string> placement_index::place(std::string_view key, size_t rf) const {
  const size_t n = nodes_.size();
  const size_t want = std::min(rf, n);
  if (want == 0) {
    return {};
  }
  const uint64_t key_hash = hash64(key);
  const bool fill = want > zone_count_;

  std::vector<scored> zone_best(zone_count_, scored{0.0, no_node});
  std::vector<scored> all;
  if (fill) {
    all.reserve(n);
  }
  for (size_t i = 0; i < n; ++i) {
    const entry& e = nodes_[i];
    const scored s{node_score(key_hash, e.id_hash, e.weight), static_cast<uint32_t>(i)};
    scored& best = zone_best[e.zone];
    if (best.idx == no_node || better(s, best)) {
      best = s;
    }
    if (fill) {
      all.push_back(s);
    }
  }

  std::vector<std::string> out;
  out.reserve(want);

  // Pass 1: the best node of each zone, best zones first. Every zone has at least one node.
  const size_t diverse = std::min(want, zone_count_);
  std::partial_sort(zone_best.begin(), zone_best.begin() + static_cast<ptrdiff_t>(diverse),
                    zone_best.end(), better);
  for (size_t i = 0; i < diverse; ++i) {
    out.push_back(nodes_[zone_best[i].idx].id);
  }
  if (!fill) {
    return out;
  }

  // Pass 2: every zone is represented; fill with the best nodes not yet taken. At most
  // `diverse` of the nodes ranked above any of them are taken, so all of them are in the
  // top `want`.
  std::vector<uint8_t> taken(n, 0);
  for (size_t i = 0; i < diverse; ++i) {
    taken[zone_best[i].idx] = 1;
  }
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(want), all.end(), better);
  for (size_t i = 0; i < want && out.size() < want; ++i) {
    if (!taken[all[i].idx]) {
      out.push_back(nodes_[all[i].idx].id);
    }
  }
  return out;
}

}  // namespace dsdn::core
