// Replica placement: our placement_index (weighted rendezvous, built once per membership
// change) against the original coordinator's ring, which is reimplemented below exactly as
// ../shared/specs/original/STATE.md section 3 describes and checked against every
// "placement" case of vectors.json before anything is measured (exit 1 on a mismatch).
//
//   metrics.lookup_us_{10,100,1000}   our average lookup (rf 3), N nodes over 5 zones,
//                                     capacity 100 each, index built once
//   baseline.lookup_us_{10,100,1000}  the original's per-request cost: rebuild the ring
//                                     (64 x 100 points per node, SHA-256 each, ordered map),
//                                     look up, drop the ring
//   ratios.lookup_speedup_{10,100,1000} baseline / metrics
//   metrics.max_avg_load_ratio        rf 1, 100 equal nodes (capacity 100, 10 zones), 1M keys:
//                                     max node load / average load (ring built once)
//   metrics.moved_on_add_ratio        fraction of keys whose rf-1 owner changes when a 101st
//                                     node joins, divided by the ideal 1/101
//   metrics.moved_on_remove_ratio     the same for removing one of the 100, over 1/100
//   metrics.same_zone_pairs           100k keys, rf 3, 10 zones: result pairs sharing a zone
//   metrics.distinct_violations       results holding one id twice: 5 nodes in 3 zones
//                                     (n1/a n2/b n3/c n4/a n5/b, capacity 10), rf 4, 10k keys
//
// Each baseline.* is the same figure for the original's ring. Its ordered map is a std::map.
// Per request the points are hashed, sorted and appended in order: the same map the
// original's one-by-one inserts produce, built faster than std::map's random inserts and
// about as fast as (64k points) or faster than (640k, 6.4M) Rust's BTreeMap inserts measured
// on the same machine, so baseline.lookup_us_* should not overstate the original's
// per-request cost; --one-by-one times std::map's random inserts instead. Ring requests: 300
// at 10 nodes, at least 20 at 100 and 3 at 1000, more while under ~3 s.
//
// --quick: 20k load/movement keys, 5k zone keys and 5 / 1 / 1 ring requests.
// --vectors PATH: where vectors.json is (default: found from this file's path).

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bench_util.hpp"
#include "dsdn/core/placement.hpp"

using dsdn::core::node_info;
using dsdn::core::placement_index;

namespace {

// ---------------------------------------------------------------------------------------------
// SHA-256 with the digest fetched once and one reusable context: the baseline should pay for
// the hashing the original does, not for OpenSSL's per-call algorithm lookup.
class sha256 {
 public:
  sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {
    if (md_ == nullptr || ctx_ == nullptr)
      throw std::runtime_error("bench_placement: SHA-256 unavailable");
  }
  ~sha256() {
    EVP_MD_CTX_free(ctx_);
    EVP_MD_free(md_);
  }
  sha256(const sha256&) = delete;
  sha256& operator=(const sha256&) = delete;

  /// First 8 bytes of SHA-256(s), big-endian.
  uint64_t first8_be(std::string_view s) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestInit_ex(ctx_, md_, nullptr) != 1 ||
        EVP_DigestUpdate(ctx_, s.data(), s.size()) != 1 ||
        EVP_DigestFinal_ex(ctx_, out, &len) != 1 || len < 8)
      throw std::runtime_error("bench_placement: SHA-256 failed");
    uint64_t k = 0;
    for (int i = 0; i < 8; ++i)
      k = (k << 8) | out[i];
    return k;
  }

 private:
  EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

// ---------------------------------------------------------------------------------------------
// The original's ring (STATE.md section 3).
struct ring_node {
  std::string id;
  std::string zone;
  uint32_t weight;  // max(capacity_gb, 1) truncated to u32
};

uint32_t ring_weight(uint64_t capacity_gb) {
  return static_cast<uint32_t>(std::max<uint64_t>(capacity_gb, 1));
}

class original_ring {
 public:
  // The same ordered map either way: `one_by_one` inserts every point as it is hashed, as the
  // original does; otherwise the points are sorted first and appended with an end hint.
  // Sorting by (key, node index) keeps equal keys in node order, so the later node still
  // overwrites.
  original_ring(const std::vector<ring_node>& nodes, sha256& sha, bool one_by_one = false)
      : nodes_(nodes) {
    auto vnodes_of = [](const ring_node& n) {  // 64 x weight, saturating u32 multiply
      return static_cast<uint32_t>(std::min<uint64_t>(uint64_t{64} * n.weight, UINT32_MAX));
    };
    std::vector<std::pair<uint64_t, uint32_t>> points;
    if (!one_by_one) {
      size_t total = 0;
      for (const auto& n : nodes_)
        total += vnodes_of(n);
      points.reserve(total);
    }
    std::string buf;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      const ring_node& n = nodes_[i];
      const uint32_t vnodes = vnodes_of(n);
      buf.assign(n.id);
      buf.push_back(':');
      const size_t prefix = buf.size();
      for (uint32_t v = 0; v < vnodes; ++v) {
        char digits[16];
        const auto end = std::to_chars(digits, digits + sizeof(digits), v).ptr;
        buf.resize(prefix);
        buf.append(digits, end);
        const uint64_t k = sha.first8_be(buf);
        if (one_by_one)
          ring_.insert_or_assign(k, static_cast<uint32_t>(i));  // later wins
        else
          points.emplace_back(k, static_cast<uint32_t>(i));
      }
    }
    std::sort(points.begin(), points.end());
    for (const auto& [k, i] : points)
      ring_.insert_or_assign(ring_.end(), k, i);  // later wins
  }

  std::vector<std::string> place(std::string_view key, size_t rf, sha256& sha) const {
    std::vector<std::string> selected;
    if (rf == 0 || nodes_.empty())
      return selected;
    const uint64_t k = sha.first8_be(key);
    auto it = ring_.lower_bound(k);
    if (it == ring_.end())
      it = ring_.begin();
    const size_t ring_len = ring_.size();
    std::vector<std::string_view> zones;
    for (size_t steps = 0; steps < ring_len && selected.size() < rf; ++steps) {
      const ring_node& n = nodes_[it->second];
      if (std::find(zones.begin(), zones.end(), n.zone) == zones.end()) {
        selected.push_back(n.id);
        zones.push_back(n.zone);
      } else if (selected.size() + (ring_len - steps) <= rf) {
        selected.push_back(n.id);  // the forced accept: may repeat an id
      }
      if (++it == ring_.end())
        it = ring_.begin();
    }
    // The fill step walks the registry in its iteration order (a Rust HashMap there); here
    // the input order. It is only reached when the walk ended short.
    for (size_t i = 0; i < nodes_.size() && selected.size() < rf; ++i) {
      if (std::find(selected.begin(), selected.end(), nodes_[i].id) == selected.end())
        selected.push_back(nodes_[i].id);
    }
    if (selected.size() > rf)
      selected.resize(rf);
    return selected;
  }

 private:
  std::vector<ring_node> nodes_;
  std::map<uint64_t, uint32_t> ring_;
};

// Every "placement" case of vectors.json; false (with a report on stderr) on any mismatch.
bool verify_ring(const std::string& path, sha256& sha, size_t& cases) {
  std::ifstream f(path);
  if (!f) {
    std::fprintf(stderr, "bench_placement: cannot open %s (use --vectors PATH)\n", path.c_str());
    return false;
  }
  const auto doc = nlohmann::json::parse(f);
  bool ok = true;
  cases = 0;
  for (const auto& c : doc.at("placement").at("cases")) {
    std::vector<ring_node> nodes;
    for (const auto& n : c.at("nodes"))
      nodes.push_back(ring_node{n.at(0).get<std::string>(), n.at(1).get<std::string>(),
                                ring_weight(n.at(2).get<uint64_t>())});
    const auto key = c.at("key").get<std::string>();
    const auto rf = c.at("rf").get<size_t>();
    const auto got = original_ring(nodes, sha).place(key, rf, sha);
    const auto got_one_by_one = original_ring(nodes, sha, true).place(key, rf, sha);
    const auto want = c.at("expected").get<std::vector<std::string>>();
    ++cases;
    if (got != want || got_one_by_one != want) {
      ok = false;
      std::string g, w;
      for (const auto& s : got)
        g += " " + s;
      for (const auto& s : want)
        w += " " + s;
      std::fprintf(stderr, "bench_placement: vector %s: got [%s ] want [%s ]\n",
                   c.at("name").get<std::string>().c_str(), g.c_str(), w.c_str());
    }
  }
  if (cases == 0) {
    std::fprintf(stderr, "bench_placement: no placement cases in %s\n", path.c_str());
    return false;
  }
  return ok;
}

std::string default_vectors_path() {
  // bench/bench_placement.cpp -> ../shared/specs/original/vectors/vectors.json
  std::string here = __FILE__;
  const auto slash = here.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : here.substr(0, slash);
  return dir + "/../../shared/specs/original/vectors/vectors.json";
}

// ---------------------------------------------------------------------------------------------
// Workloads.
uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// A 64-hex-digit object hash, as the coordinator stores them.
struct key_gen {
  char buf[64];
  std::string_view operator()(uint64_t i) {
    static constexpr char digits[] = "0123456789abcdef";
    uint64_t s = i * 0x2545f4914f6cdd1dull + 7;
    for (size_t w = 0; w < 4; ++w) {
      uint64_t v = splitmix(s);
      for (size_t k = 0; k < 16; ++k)
        buf[w * 16 + k] = digits[(v >> (4 * k)) & 15];
    }
    return std::string_view(buf, sizeof(buf));
  }
};

struct cluster {
  std::vector<node_info> ours;
  std::vector<ring_node> ring;
  std::unordered_map<std::string, size_t> index;  // id -> position
  std::vector<std::string> zone;                  // position -> zone

  void add(std::string id, std::string z, uint64_t capacity) {
    index.emplace(id, ours.size());
    zone.push_back(z);
    ring.push_back(ring_node{id, z, ring_weight(capacity)});
    ours.push_back(node_info{std::move(id), std::move(z), "10.0.0.1:50051", capacity});
  }
  void remove(size_t pos) {
    ours.erase(ours.begin() + static_cast<ptrdiff_t>(pos));
    ring.erase(ring.begin() + static_cast<ptrdiff_t>(pos));
    zone.erase(zone.begin() + static_cast<ptrdiff_t>(pos));
    index.clear();
    for (size_t i = 0; i < ours.size(); ++i)
      index.emplace(ours[i].id, i);
  }
};

std::string node_id(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "dsdn-node-%04zu", i);
  return buf;
}

cluster make_cluster(size_t nodes, size_t zones, uint64_t capacity) {
  cluster c;
  for (size_t i = 0; i < nodes; ++i)
    c.add(node_id(i), "zone-" + std::to_string(i % zones), capacity);
  return c;
}

size_t sink = 0;  // keeps results observable

struct latency {
  double ours_us = 0;
  double ring_us = 0;
  size_t ours_lookups = 0;
  size_t ring_requests = 0;
};

// Ours: lookups against an index built once, for at least `budget_s`. The original: ring
// rebuild + lookup (+ drop) per request, `min_reqs` requests at least, more while the
// elapsed time stays under `ring_budget_s`, never more than `max_reqs`.
latency measure_latency(size_t nodes, double budget_s, size_t min_reqs, size_t max_reqs,
                        double ring_budget_s, bool one_by_one, sha256& sha) {
  const cluster c = make_cluster(nodes, 5, 100);
  latency l;
  key_gen key;
  const placement_index idx(c.ours);
  for (uint64_t i = 0; i < 1000; ++i)  // warm-up
    sink += idx.place(key(i), 3).size();
  size_t done = 0;
  const double start = bench::now_s();
  double elapsed = 0;
  do {
    for (size_t j = 0; j < 1000; ++j, ++done)
      sink += idx.place(key(1000000 + done), 3).size();
    elapsed = bench::now_s() - start;
  } while (elapsed < budget_s);
  l.ours_us = elapsed * 1e6 / static_cast<double>(done);
  l.ours_lookups = done;

  done = 0;
  const double ring_start = bench::now_s();
  elapsed = 0;
  while (done < max_reqs && (done < min_reqs || elapsed < ring_budget_s)) {
    {
      const original_ring ring(c.ring, sha, one_by_one);
      sink += ring.place(key(2000000 + done), 3, sha).size();
    }
    ++done;
    elapsed = bench::now_s() - ring_start;
  }
  l.ring_us = elapsed * 1e6 / static_cast<double>(done);
  l.ring_requests = done;
  return l;
}

struct distribution {
  double max_avg_load = 0;
  double moved_on_add = 0;     // over 1/(n+1)
  double moved_on_remove = 0;  // over 1/n
  size_t same_zone_pairs = 0;
};

// rf-1 owners of keys [0, keys) under `place`, as positions in `c`.
template <class Place>
std::vector<uint16_t> owners(const cluster& c, size_t keys, Place&& place) {
  std::vector<uint16_t> out(keys);
  key_gen key;
  for (size_t i = 0; i < keys; ++i) {
    const auto got = place(key(i));
    out[i] = static_cast<uint16_t>(c.index.at(got.at(0)));
  }
  return out;
}

template <class Place>
size_t count_same_zone_pairs(const cluster& c, size_t keys, Place&& place) {
  key_gen key;
  size_t pairs = 0;
  for (size_t i = 0; i < keys; ++i) {
    const auto got = place(key(10000000 + i));
    for (size_t a = 0; a < got.size(); ++a)
      for (size_t b = a + 1; b < got.size(); ++b)
        pairs += c.zone[c.index.at(got[a])] == c.zone[c.index.at(got[b])];
  }
  return pairs;
}

// `build` makes a placer over a cluster: a callable (key, rf) -> ids. Both algorithms go
// through the same accounting.
template <class Build>
distribution measure_distribution(size_t keys, size_t zone_keys, Build&& build) {
  constexpr size_t n = 100;
  constexpr size_t removed = 37;
  distribution d;
  const cluster base = make_cluster(n, 10, 100);
  std::vector<uint16_t> before;
  {
    auto placer = build(base);
    before = owners(base, keys, [&](std::string_view k) { return placer(k, 1); });
    d.same_zone_pairs =
        count_same_zone_pairs(base, zone_keys, [&](std::string_view k) { return placer(k, 3); });
  }
  std::vector<size_t> load(n, 0);
  for (auto o : before)
    ++load[o];
  const double avg = static_cast<double>(keys) / static_cast<double>(n);
  d.max_avg_load = static_cast<double>(*std::max_element(load.begin(), load.end())) / avg;

  cluster grown = base;
  grown.add(node_id(n), "zone-" + std::to_string(n % 10), 100);
  {
    auto placer = build(grown);
    const auto after = owners(grown, keys, [&](std::string_view k) { return placer(k, 1); });
    size_t moved = 0;
    for (size_t i = 0; i < keys; ++i)  // positions 0..n-1 are the same nodes in both
      moved += after[i] != before[i];
    d.moved_on_add = static_cast<double>(moved) / static_cast<double>(keys) * (n + 1);
  }

  cluster shrunk = base;
  shrunk.remove(removed);
  {
    auto placer = build(shrunk);
    const auto after = owners(shrunk, keys, [&](std::string_view k) { return placer(k, 1); });
    size_t moved = 0;
    for (size_t i = 0; i < keys; ++i)
      moved += shrunk.ours[after[i]].id != base.ours[before[i]].id;
    d.moved_on_remove = static_cast<double>(moved) / static_cast<double>(keys) * n;
  }
  return d;
}

template <class Place>
size_t count_duplicates(size_t keys, Place&& place) {
  key_gen key;
  size_t violations = 0;
  for (size_t i = 0; i < keys; ++i) {
    auto got = place(key(20000000 + i));
    std::sort(got.begin(), got.end());
    violations += std::adjacent_find(got.begin(), got.end()) != got.end();
  }
  return violations;
}

}  // namespace

int main(int argc, char** argv) {
  const auto opt = bench::parse_options(argc, argv);
  std::string vectors = default_vectors_path();
  bool one_by_one = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--vectors" && i + 1 < argc)
      vectors = argv[++i];
    else if (std::string_view(argv[i]) == "--one-by-one")
      one_by_one = true;
  }
  sha256 sha;
  const double t0 = bench::now_s();

  size_t cases = 0;
  bool verified = false;
  try {
    verified = verify_ring(vectors, sha, cases);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_placement: %s: %s\n", vectors.c_str(), e.what());
  }
  if (!verified) {
    std::fprintf(stderr, "bench_placement: the reimplemented ring does not match the vectors\n");
    return 1;
  }
  if (!opt.json)
    std::printf("ring reproduces all %zu placement vectors\n", cases);

  // Lookup latency.
  const double our_budget = opt.quick ? 0.05 : 0.5;
  const double ring_budget = opt.quick ? 0 : 3.0;
  const latency l10 =
      measure_latency(10, our_budget, opt.quick ? 5 : 300, 300, ring_budget, one_by_one, sha);
  const latency l100 =
      measure_latency(100, our_budget, opt.quick ? 1 : 20, 300, ring_budget, one_by_one, sha);
  const latency l1000 =
      measure_latency(1000, our_budget, opt.quick ? 1 : 3, 300, ring_budget, one_by_one, sha);

  // Load, movement, zone diversity.
  const size_t keys = opt.quick ? 20000 : 1000000;
  const size_t zone_keys = opt.quick ? 5000 : 100000;
  const distribution ours = measure_distribution(keys, zone_keys, [](const cluster& c) {
    return
        [idx = placement_index(c.ours)](std::string_view k, size_t rf) { return idx.place(k, rf); };
  });
  const distribution ring = measure_distribution(keys, zone_keys, [&sha](const cluster& c) {
    auto r = std::make_shared<original_ring>(c.ring, sha);
    return [r, &sha](std::string_view k, size_t rf) { return r->place(k, rf, sha); };
  });

  // Distinct ids: 5 nodes over 3 zones, rf 4.
  cluster five;
  const char* const five_nodes[][2] = {
      {"n1", "a"}, {"n2", "b"}, {"n3", "c"}, {"n4", "a"}, {"n5", "b"}};
  for (const auto& n : five_nodes)
    five.add(n[0], n[1], 10);
  const size_t dup_keys = 10000;
  const placement_index five_idx(five.ours);
  const original_ring five_ring(five.ring, sha);
  const size_t ours_dups =
      count_duplicates(dup_keys, [&](std::string_view k) { return five_idx.place(k, 4); });
  const size_t ring_dups =
      count_duplicates(dup_keys, [&](std::string_view k) { return five_ring.place(k, 4, sha); });

  bench::report r("placement");
  const std::pair<const char*, const latency*> lat[] = {
      {"10", &l10}, {"100", &l100}, {"1000", &l1000}};
  for (const auto& [n, l] : lat) {
    r.metric(std::string("lookup_us_") + n, l->ours_us);
    r.baseline(std::string("lookup_us_") + n, l->ring_us);
    r.ratio(std::string("lookup_speedup_") + n, l->ring_us / l->ours_us);
  }
  r.metric("max_avg_load_ratio", ours.max_avg_load);
  r.metric("moved_on_add_ratio", ours.moved_on_add);
  r.metric("moved_on_remove_ratio", ours.moved_on_remove);
  r.metric("same_zone_pairs", static_cast<double>(ours.same_zone_pairs));
  r.metric("distinct_violations", static_cast<double>(ours_dups));
  r.baseline("max_avg_load_ratio", ring.max_avg_load);
  r.baseline("moved_on_add_ratio", ring.moved_on_add);
  r.baseline("moved_on_remove_ratio", ring.moved_on_remove);
  r.baseline("same_zone_pairs", static_cast<double>(ring.same_zone_pairs));
  r.baseline("distinct_violations", static_cast<double>(ring_dups));

  if (!opt.json) {
    for (const auto& [n, l] : lat)
      std::printf(
          "lookup rf 3, %4s nodes: ours %.2f us (%zu lookups), ring rebuild+lookup %.0f us "
          "(%zu requests)\n",
          n, l->ours_us, l->ours_lookups, l->ring_us, l->ring_requests);
    std::printf(
        "%zu keys, 100 nodes: max/avg load ours %.4f ring %.4f; moved on add ours %.3f "
        "ring %.3f; on remove ours %.3f ring %.3f (x ideal)\n",
        keys, ours.max_avg_load, ring.max_avg_load, ours.moved_on_add, ring.moved_on_add,
        ours.moved_on_remove, ring.moved_on_remove);
    std::printf("%zu keys rf 3 / 10 zones: same-zone pairs ours %zu ring %zu\n", zone_keys,
                ours.same_zone_pairs, ring.same_zone_pairs);
    std::printf("%zu keys rf 4 / 5 nodes / 3 zones: duplicate-id results ours %zu ring %zu\n",
                dup_keys, ours_dups, ring_dups);
    std::printf("total %.1f s (sink %zu)\n", bench::now_s() - t0, sink);
  }
  r.print();
  return 0;
}
