// The state machine's apply path and its memory footprint.
//
//   metrics.events_per_s      decoded events applied in memory (blobs of 1000 events: a mix of
//                             node_registered, object_registered and replica_added)
//   baseline.events_per_s     the same events' keys inserted into plain std::unordered_maps
//   ratios.apply_vs_map_ratio metrics.events_per_s / baseline.events_per_s
//   metrics.bytes_per_object  RSS growth per object holding 3 replicas (1,000,000 objects,
//                             64-hex-digit hashes)
//   metrics.bytes_per_node    RSS growth per registered node (100,000 nodes)
//   metrics.checksum_ms       a full checksum over the 1,000,000-object state
//
// Input is built in chunks outside the timed sections and freed after each chunk, so neither
// the throughput nor the RSS figures include it. --quick divides every size by 100.

#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "bench_util.hpp"
#include "dsdn/core/state_machine.hpp"

using namespace dsdn::core;

namespace {

constexpr size_t events_per_blob = 1000;

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string hash_for(uint64_t i) {
  static constexpr char digits[] = "0123456789abcdef";
  uint64_t s = i * 0x2545f4914f6cdd1dull + 1;
  std::string h(64, '0');
  for (size_t w = 0; w < 4; ++w) {
    uint64_t v = splitmix(s);
    for (size_t k = 0; k < 16; ++k)
      h[w * 16 + k] = digits[(v >> (4 * k)) & 15];
  }
  return h;
}

std::string node_id_for(uint64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "dsdn-node-%08llu", static_cast<unsigned long long>(i));
  return buf;
}

node_registered node_event(uint64_t i) {
  char addr[32];
  std::snprintf(addr, sizeof(addr), "10.%u.%u.%u:50051", unsigned(i >> 16) & 255u,
                unsigned(i >> 8) & 255u, unsigned(i) & 255u);
  return node_registered{node_id_for(i), "zone-" + std::to_string(i % 16), addr, 100 + i % 1000};
}

public_key publisher() {
  public_key k{};
  k[0] = 0x42;
  return k;
}

// Events [first, first + count) of the mixed stream: `nodes` node registrations first, then
// per object one object_registered and three replica_added naming registered nodes.
std::vector<event_blob> build_chunk(uint64_t first_blob, size_t blobs, uint64_t nodes,
                                    uint64_t& next_event) {
  std::vector<event_blob> out(blobs);
  for (size_t b = 0; b < blobs; ++b) {
    event_blob& blob = out[b];
    blob.header.publisher = publisher();
    blob.header.epoch = 1;
    blob.header.sequence = first_blob + b + 1;
    blob.events.reserve(events_per_blob);
    for (size_t e = 0; e < events_per_blob; ++e, ++next_event) {
      uint64_t i = next_event;
      if (i < nodes) {
        blob.events.emplace_back(node_event(i));
        continue;
      }
      uint64_t obj = (i - nodes) / 4;
      uint64_t slot = (i - nodes) % 4;
      if (slot == 0)
        blob.events.emplace_back(object_registered{hash_for(obj), 1 + obj % 100000});
      else
        blob.events.emplace_back(replica_added{hash_for(obj), node_id_for((obj + slot) % nodes)});
    }
  }
  return out;
}

struct map_node {
  std::string zone;
  std::string addr;
  uint64_t capacity_gb;
};
struct map_object {
  uint64_t size;
  std::vector<std::string> replicas;
};

// The baseline: the same keys into plain hash maps, no validation, no sequencing.
struct map_baseline {
  std::unordered_map<std::string, map_node> nodes;
  std::unordered_map<std::string, map_object> objects;

  void apply(const event_blob& blob) {
    for (const event& e : blob.events) {
      if (auto* n = std::get_if<node_registered>(&e)) {
        nodes[n->node_id] = map_node{n->zone, n->addr, n->capacity_gb};
      } else if (auto* o = std::get_if<object_registered>(&e)) {
        objects.emplace(o->hash, map_object{o->size, {}});
      } else if (auto* r = std::get_if<replica_added>(&e)) {
        auto it = objects.find(r->hash);
        if (it != objects.end())
          it->second.replicas.push_back(r->node_id);
      }
    }
  }
};

struct throughput {
  double apply_events_per_s = 0;
  double map_events_per_s = 0;
};

throughput measure_throughput(uint64_t total_events, uint64_t nodes) {
  const size_t blobs_per_chunk = 100;
  const uint64_t total_blobs = total_events / events_per_blob;
  throughput t;

  state_machine sm(trusted_publishers({publisher()}));
  double apply_s = 0;
  uint64_t next_event = 0;
  uint64_t rejected_before = sm.counters().events_rejected;
  for (uint64_t b = 0; b < total_blobs; b += blobs_per_chunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(blobs_per_chunk, total_blobs - b));
    auto chunk = build_chunk(b, n, nodes, next_event);
    double start = bench::now_s();
    for (size_t i = 0; i < n; ++i)
      sm.apply(std::move(chunk[i]), da_position{b + i + 1, 0});
    apply_s += bench::now_s() - start;
  }
  if (sm.counters().events_rejected != rejected_before) {
    std::fprintf(stderr, "bench_apply: %llu events rejected\n",
                 static_cast<unsigned long long>(sm.counters().events_rejected));
  }
  t.apply_events_per_s = static_cast<double>(total_blobs * events_per_blob) / apply_s;

  map_baseline base;
  double map_s = 0;
  next_event = 0;
  for (uint64_t b = 0; b < total_blobs; b += blobs_per_chunk) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(blobs_per_chunk, total_blobs - b));
    auto chunk = build_chunk(b, n, nodes, next_event);
    double start = bench::now_s();
    for (size_t i = 0; i < n; ++i) {
      base.apply(chunk[i]);
      // The state machine consumes (and frees) its blob; so does the baseline.
      event_blob consumed = std::move(chunk[i]);
    }
    map_s += bench::now_s() - start;
  }
  t.map_events_per_s = static_cast<double>(total_blobs * events_per_blob) / map_s;
  return t;
}

// RSS is read after giving freed heap memory back, so input chunks do not count.
size_t settled_rss() {
  malloc_trim(0);
  return bench::rss_bytes();
}

double measure_bytes_per_node(uint64_t count) {
  size_t before = settled_rss();
  {
    state_machine sm(trusted_publishers({publisher()}));
    uint64_t seq = 0;
    for (uint64_t i = 0; i < count; i += events_per_blob) {
      event_blob blob;
      blob.header.publisher = publisher();
      blob.header.epoch = 1;
      blob.header.sequence = ++seq;
      for (uint64_t k = i; k < std::min(count, i + events_per_blob); ++k)
        blob.events.emplace_back(node_event(k));
      sm.apply(std::move(blob), da_position{seq, 0});
    }
    size_t after = settled_rss();
    if (sm.node_count() != count)
      std::fprintf(stderr, "bench_apply: node count mismatch\n");
    return static_cast<double>(after - before) / static_cast<double>(count);
  }
}

struct object_figures {
  double bytes_per_object = 0;
  double checksum_ms = 0;
};

object_figures measure_bytes_per_object(uint64_t count) {
  const uint64_t nodes = 1000;
  object_figures f;
  state_machine sm(trusted_publishers({publisher()}));
  uint64_t seq = 0;
  {
    event_blob blob;
    blob.header.publisher = publisher();
    blob.header.epoch = 1;
    blob.header.sequence = ++seq;
    for (uint64_t k = 0; k < nodes; ++k)
      blob.events.emplace_back(node_event(k));
    sm.apply(std::move(blob), da_position{seq, 0});
  }
  size_t before = settled_rss();
  const uint64_t objects_per_blob = events_per_blob / 4;
  for (uint64_t i = 0; i < count; i += objects_per_blob) {
    event_blob blob;
    blob.header.publisher = publisher();
    blob.header.epoch = 1;
    blob.header.sequence = ++seq;
    blob.events.reserve(events_per_blob);
    for (uint64_t obj = i; obj < std::min(count, i + objects_per_blob); ++obj) {
      std::string h = hash_for(obj);
      blob.events.emplace_back(object_registered{h, 1 + obj % 100000});
      for (uint64_t r = 1; r <= 3; ++r)
        blob.events.emplace_back(replica_added{h, node_id_for((obj * 7 + r) % nodes)});
    }
    sm.apply(std::move(blob), da_position{seq, 0});
  }
  size_t after = settled_rss();
  if (sm.object_count() != count)
    std::fprintf(stderr, "bench_apply: object count mismatch\n");
  f.bytes_per_object = static_cast<double>(after - before) / static_cast<double>(count);
  double start = bench::now_s();
  auto digest = sm.checksum();
  f.checksum_ms = (bench::now_s() - start) * 1000.0;
  if (digest == sha256_digest{})
    std::fprintf(stderr, "bench_apply: empty checksum\n");
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = bench::parse_options(argc, argv);
  const uint64_t div = opt.quick ? 100 : 1;

  double bytes_per_node = measure_bytes_per_node(100000 / div);
  object_figures objects = measure_bytes_per_object(1000000 / div);
  throughput t = measure_throughput(2000000 / div, 10000 / div);

  bench::report r("apply");
  r.metric("events_per_s", t.apply_events_per_s);
  r.metric("bytes_per_object", objects.bytes_per_object);
  r.metric("bytes_per_node", bytes_per_node);
  r.metric("checksum_ms", objects.checksum_ms);
  r.baseline("events_per_s", t.map_events_per_s);
  r.ratio("apply_vs_map_ratio", t.apply_events_per_s / t.map_events_per_s);
  if (!opt.json) {
    std::printf(
        "apply: %.0f events/s (map baseline %.0f), %.1f B/object, %.1f B/node, "
        "checksum %.1f ms\n",
        t.apply_events_per_s, t.map_events_per_s, objects.bytes_per_object, bytes_per_node,
        objects.checksum_ms);
  }
  r.print();
  return 0;
}
