// Startup rebuild from the embedded SQLite DA: how long a coordinator takes to come back.
//
//   metrics.rebuild_s       coordinator::start on a data dir whose DA holds N events: open the
//                           data dir and the DA, spawn the actors, read every blob, verify its
//                           commitment and signature, decode, apply, compute the checksum, and
//                           start accepting writes (the whole startup path, wall clock)
//   metrics.events_per_s    N / metrics.rebuild_s
//   metrics.replay_s        the rebuilder's own figure (DA head -> report), i.e. without
//                           opening the data dir and spawning
//   baseline.rebuild_s      the same blob bytes already in memory: core::decode_blob (verify +
//                           decode) and core::state_machine::apply in a plain loop, plus the
//                           final checksum the startup path also computes (no I/O, no actors)
//   baseline.events_per_s   N / baseline.rebuild_s
//   baseline.decode_s       of which core::decode_blob (Ed25519 verify + field decode)
//   baseline.apply_s        of which core::state_machine::apply
//   baseline.checksum_ms    of which the final checksum
//   baseline.verify_s       the Ed25519 check alone, in a separate pass (part of decode_s)
//   baseline.sqlite_read_s  reading every blob back with one get_range (commitment check and
//                           copy included); not part of baseline.rebuild_s, shown to split
//                           the overhead ratio into I/O and the rest (actor hops, no overlap)
//   ratios.io_overhead_ratio  metrics.rebuild_s / baseline.rebuild_s
//
// Data: N events (1,000,000; --quick: 20,000) in blobs of defaults::max_events_per_blob (the
// publisher's maximum), one blob per height as the publisher writes them: first N/100
// node_registered, then per object one object_registered and three replica_added naming
// registered nodes. They are signed with the data dir's own identity key in epoch 1, as if a
// previous run had published them, so the coordinator trusts them as its own. Preparing the
// data is not timed. The DA file is warm in the page cache (it was just written): this is the
// CPU-side cost of a restart, not a cold disk read.
//
// The rebuilt state is checked (event, blob, node and object counts; the same checksum as the
// baseline); any mismatch exits 1.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "bench_util.hpp"
#include "dsdn/actors/coordinator.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/da/data_dir.hpp"
#include "dsdn/da/sqlite_da.hpp"

using namespace dsdn;

namespace {

constexpr size_t events_per_blob = defaults::max_events_per_blob;

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// 64 hex digits, like a SHA-256 content hash.
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

/// Event `i` of the stream: `nodes` registrations first, then objects with three replicas.
core::event event_for(uint64_t i, uint64_t nodes) {
  if (i < nodes) {
    char addr[32];
    std::snprintf(addr, sizeof(addr), "10.%u.%u.%u:50051", unsigned(i >> 16) & 255u,
                  unsigned(i >> 8) & 255u, unsigned(i) & 255u);
    return core::node_registered{node_id_for(i), "zone-" + std::to_string(i % 16), addr,
                                 100 + i % 1000};
  }
  uint64_t obj = (i - nodes) / 4;
  uint64_t slot = (i - nodes) % 4;
  if (slot == 0)
    return core::object_registered{hash_for(obj), 1 + obj % 100000};
  return core::replica_added{hash_for(obj), node_id_for((obj * 7 + slot) % nodes)};
}

/// What the data dir holds, to check the rebuild against.
struct dataset {
  uint64_t events = 0;
  uint64_t blobs = 0;
  uint64_t nodes = 0;
  uint64_t objects = 0;
  core::public_key publisher{};
};

/// Writes `count` events into a fresh data dir at `path`, signed with its identity key, one
/// blob per height. The data dir is closed again (lock released) before returning.
bool prepare(const std::string& path, uint64_t count, dataset& out) {
  auto dir = da::data_dir::open(path);
  if (!dir) {
    std::fprintf(stderr, "bench_rebuild: data dir: %s\n", dir.error().message.c_str());
    return false;
  }
  auto key = dir->load_or_create_identity();
  if (!key) {
    std::fprintf(stderr, "bench_rebuild: identity: %s\n", key.error().message.c_str());
    return false;
  }
  // Epoch 1 is the "previous run" that published the blobs; the benchmarked start is epoch 2.
  auto epoch = dir->next_epoch();
  if (!epoch) {
    std::fprintf(stderr, "bench_rebuild: epoch: %s\n", epoch.error().message.c_str());
    return false;
  }
  auto db = da::open_sqlite_da(dir->file("da.sqlite"));
  if (!db) {
    std::fprintf(stderr, "bench_rebuild: DA: %s\n", db.error().message.c_str());
    return false;
  }
  out.events = count;
  out.nodes = std::max<uint64_t>(1, count / 100);
  out.objects = (count - std::min(count, out.nodes) + 3) / 4;
  out.publisher = key->public_key_bytes();
  uint64_t seq = 0;
  for (uint64_t first = 0; first < count; first += events_per_blob) {
    std::vector<core::event> events;
    events.reserve(events_per_blob);
    for (uint64_t i = first; i < std::min<uint64_t>(count, first + events_per_blob); ++i)
      events.push_back(event_for(i, out.nodes));
    core::blob_header header;
    header.epoch = epoch.value();
    header.sequence = ++seq;
    header.timestamp_ms = 1700000000000 + seq;
    auto receipt = db.value()->submit({core::encode_blob(header, events, key.value())});
    if (!receipt) {
      std::fprintf(stderr, "bench_rebuild: submit: %s\n", receipt.error().message.c_str());
      return false;
    }
  }
  out.blobs = seq;
  return true;
}

struct rebuild_figures {
  double seconds = 0;
  double replay_s = 0;
  std::string checksum_hex;
};

/// Starts a coordinator on `path` (timed), checks what it rebuilt and stops it.
bool run_rebuild(const std::string& path, const dataset& data, rebuild_figures& out) {
  caf::actor_system_config cfg;
  configure_actor_system(cfg);
  // As `serve` does: one worker per core, at least two.
  cfg.set("scheduler.max-threads",
          static_cast<size_t>(std::max(2u, std::thread::hardware_concurrency())));
  caf::actor_system sys{cfg};
  coordinator_config cc;
  cc.data_dir = path;

  double start = bench::now_s();
  auto started = coordinator::start(sys, cc);
  out.seconds = bench::now_s() - start;
  if (!started) {
    std::fprintf(stderr, "bench_rebuild: coordinator failed to start: %s\n",
                 started.error().message.c_str());
    return false;
  }
  auto node = std::move(started).value();
  const rebuild_report& r = node->rebuild();
  out.replay_s = r.seconds;
  out.checksum_hex = r.status.checksum_hex;
  const auto& c = r.status.counters;
  bool ok = node->publisher_id() == data.publisher && c.events_applied == data.events &&
            c.events_rejected == 0 && c.blobs_applied == data.blobs && c.blobs_rejected == 0 &&
            r.status.node_count == data.nodes && r.status.object_count == data.objects &&
            r.status.gap_count == 0;
  if (!ok) {
    std::fprintf(stderr,
                 "bench_rebuild: wrong state after rebuild: events applied %llu rejected %llu "
                 "(want %llu, 0), blobs applied %llu rejected %llu (want %llu, 0), nodes %llu "
                 "(want %llu), objects %llu (want %llu), gaps %llu\n",
                 static_cast<unsigned long long>(c.events_applied),
                 static_cast<unsigned long long>(c.events_rejected),
                 static_cast<unsigned long long>(data.events),
                 static_cast<unsigned long long>(c.blobs_applied),
                 static_cast<unsigned long long>(c.blobs_rejected),
                 static_cast<unsigned long long>(data.blobs),
                 static_cast<unsigned long long>(r.status.node_count),
                 static_cast<unsigned long long>(data.nodes),
                 static_cast<unsigned long long>(r.status.object_count),
                 static_cast<unsigned long long>(data.objects),
                 static_cast<unsigned long long>(r.status.gap_count));
  }
  node->stop();
  node.reset();
  return ok;
}

struct baseline_figures {
  double seconds = 0;
  double decode_s = 0;
  double apply_s = 0;
  double checksum_ms = 0;
  double verify_s = 0;
  double sqlite_read_s = 0;
  std::string checksum_hex;
};

/// Reads every blob back (outside baseline.rebuild_s), then verifies, decodes and applies
/// them in memory.
bool run_baseline(const std::string& path, const dataset& data, baseline_figures& out) {
  std::vector<da::stored_blob> blobs;
  {
    // Held like the coordinator holds it: the DA file belongs to whoever locks the data dir.
    auto dir = da::data_dir::open(path);
    if (!dir) {
      std::fprintf(stderr, "bench_rebuild: data dir: %s\n", dir.error().message.c_str());
      return false;
    }
    auto db = da::open_sqlite_da(dir->file("da.sqlite"));
    if (!db) {
      std::fprintf(stderr, "bench_rebuild: DA: %s\n", db.error().message.c_str());
      return false;
    }
    double read_start = bench::now_s();
    auto head = db.value()->head_height();
    auto all = head ? db.value()->get_range(1, head.value(), SIZE_MAX)
                    : da::da_result<std::vector<da::stored_blob>>(head.error());
    if (!all) {
      std::fprintf(stderr, "bench_rebuild: read back: %s\n", all.error().message.c_str());
      return false;
    }
    blobs = std::move(all).value();
    out.sqlite_read_s = bench::now_s() - read_start;
  }
  if (blobs.size() != data.blobs) {
    std::fprintf(stderr, "bench_rebuild: read back %zu blobs, wrote %llu\n", blobs.size(),
                 static_cast<unsigned long long>(data.blobs));
    return false;
  }

  core::trusted_publishers trusted({data.publisher});
  core::state_machine sm(trusted);
  // Two clock reads per blob (about 2,000 blobs) split decode from apply at no real cost.
  double start = bench::now_s();
  for (const auto& b : blobs) {
    double t0 = bench::now_s();
    auto decoded = core::decode_blob(b.data.data(), b.data.size(), trusted);
    double t1 = bench::now_s();
    if (!decoded) {
      std::fprintf(stderr, "bench_rebuild: baseline decode: %s\n", decoded.error().message.c_str());
      return false;
    }
    sm.apply(std::move(decoded).value(), core::da_position{b.height, b.index});
    out.decode_s += t1 - t0;
    out.apply_s += bench::now_s() - t1;
  }
  double applied = bench::now_s();
  out.checksum_hex = core::to_hex(sm.checksum());
  double end = bench::now_s();
  out.seconds = end - start;
  out.checksum_ms = (end - applied) * 1000.0;

  // The share of decode_s that is the Ed25519 check alone (a separate pass, not in seconds).
  double verify_start = bench::now_s();
  for (const auto& b : blobs) {
    const size_t signed_size = b.data.size() - sizeof(core::signature);
    core::signature sig;
    std::copy(b.data.end() - sizeof(core::signature), b.data.end(), sig.begin());
    if (!core::verify_signature(data.publisher, b.data.data(), signed_size, sig)) {
      std::fprintf(stderr, "bench_rebuild: signature check failed\n");
      return false;
    }
  }
  out.verify_s = bench::now_s() - verify_start;
  if (sm.counters().events_applied != data.events || sm.counters().events_rejected != 0) {
    std::fprintf(stderr, "bench_rebuild: baseline applied %llu events, rejected %llu\n",
                 static_cast<unsigned long long>(sm.counters().events_applied),
                 static_cast<unsigned long long>(sm.counters().events_rejected));
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = bench::parse_options(argc, argv);
  const uint64_t count = opt.quick ? 20000 : 1000000;
  // Start, progress and ready lines are not what this measures.
  configure_logging("warn", "text");

  bench::temp_dir tmp("rebuild");
  const std::string data_dir = tmp.path + "/data";
  dataset data;
  if (!prepare(data_dir, count, data))
    return 1;
  rebuild_figures rebuilt;
  if (!run_rebuild(data_dir, data, rebuilt))
    return 1;
  baseline_figures base;
  if (!run_baseline(data_dir, data, base))
    return 1;
  if (base.checksum_hex != rebuilt.checksum_hex) {
    std::fprintf(stderr, "bench_rebuild: checksum after rebuild %s, in-memory replay %s\n",
                 rebuilt.checksum_hex.c_str(), base.checksum_hex.c_str());
    return 1;
  }

  bench::report r("rebuild");
  r.metric("rebuild_s", rebuilt.seconds);
  r.metric("events_per_s", static_cast<double>(count) / rebuilt.seconds);
  r.metric("replay_s", rebuilt.replay_s);
  r.baseline("rebuild_s", base.seconds);
  r.baseline("events_per_s", static_cast<double>(count) / base.seconds);
  r.baseline("decode_s", base.decode_s);
  r.baseline("verify_s", base.verify_s);
  r.baseline("apply_s", base.apply_s);
  r.baseline("checksum_ms", base.checksum_ms);
  r.baseline("sqlite_read_s", base.sqlite_read_s);
  r.ratio("io_overhead_ratio", rebuilt.seconds / base.seconds);
  if (!opt.json) {
    std::printf(
        "rebuild: %llu events in %llu blobs: start %.3f s (replay %.3f s) = %.0f events/s; "
        "in-memory decode+apply %.3f s (checksum %.1f ms) = %.0f events/s; overhead x%.2f\n",
        static_cast<unsigned long long>(count), static_cast<unsigned long long>(data.blobs),
        rebuilt.seconds, rebuilt.replay_s, static_cast<double>(count) / rebuilt.seconds,
        base.seconds, base.checksum_ms, static_cast<double>(count) / base.seconds,
        rebuilt.seconds / base.seconds);
  }
  r.print();
  return 0;
}
