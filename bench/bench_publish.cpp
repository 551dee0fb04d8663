// Durable publish throughput and latency through the real actors.
//
//   metrics.events_per_s   events acknowledged durable (write_ack) per second: a coordinator on
//                          the embedded SQLite DA (WAL, synchronous=FULL) in a temp data dir,
//                          its event_publisher driven directly with `publish` requests
//                          (node_registered, distinct ids), 1024 requests kept in flight
//   metrics.blobs_per_s    blobs the publisher wrote per second (group commit)
//   metrics.p50_ms/p99_ms  per-event latency: request sent -> write_ack received by the client
//   metrics.max_ms         the slowest event (WAL checkpoints, every ~4 MB written, set it)
//   baseline.events_per_s  a bare sqlite3 loop (same pragmas, table blobs(height, idx, data))
//                          inserting the same events, encoded and signed up front (untimed)
//                          into blobs of the size the publisher produced, one transaction each
//   baseline.blobs_per_s   the same loop's transactions per second
//   ratios.publish_vs_bare_sqlite_ratio  metrics.events_per_s / baseline.events_per_s
//
// The client is one scoped_actor (its own thread, outside the CAF scheduler, as a front end
// would be). It keeps one response handle per event in a FIFO and receives them in order: the
// publisher answers blob by blob, events in index order, so the head of the FIFO is always the
// next response to arrive and a receive never skips messages. A new request goes out as soon
// as the oldest completes, so latency includes the wait for a group commit but no client-side
// batching. The coordinator's consumer reads back and applies every blob meanwhile, as it
// does in production, on the same cores.
//
// Full run: 200,000 events; --quick: 5,000.

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "bench_util.hpp"
#include "dsdn/actors/coordinator.hpp"
#include "dsdn/actors/logging.hpp"

using namespace dsdn;
using namespace std::chrono_literals;

namespace {

/// Requests in flight: two full blobs, one being written while the next fills up behind it,
/// which is what the publisher's one-blob-in-flight pipeline needs to stay busy with full
/// blobs. A larger window only lengthens the publisher's queue: by Little's law latency grows
/// as window / throughput (at 4096, p50 is ~11 ms) for a few percent more throughput.
constexpr size_t window = 2 * defaults::max_events_per_blob;

core::event node_event(uint64_t i) {
  char id[32];
  std::snprintf(id, sizeof(id), "pub-node-%08llu", static_cast<unsigned long long>(i));
  char addr[32];
  std::snprintf(addr, sizeof(addr), "10.%u.%u.%u:50051", unsigned(i >> 16) & 255u,
                unsigned(i >> 8) & 255u, unsigned(i) & 255u);
  return core::node_registered{id, "zone-" + std::to_string(i % 16), addr, 100 + i % 1000};
}

struct publish_figures {
  double seconds = 0;
  uint64_t blobs_written = 0;
  uint64_t events_written = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

/// Runs a coordinator in `data_dir` and publishes `count` events through its publisher.
/// Returns false (after printing why) when anything fails.
bool run_publish(const std::string& data_dir, uint64_t count, publish_figures& out) {
  caf::actor_system_config cfg;
  configure_actor_system(cfg);
  // As `serve` does: one worker per core, at least two.
  cfg.set("scheduler.max-threads",
          static_cast<size_t>(std::max(2u, std::thread::hardware_concurrency())));
  caf::actor_system sys{cfg};
  coordinator_config cc;
  cc.data_dir = data_dir;
  auto started = coordinator::start(sys, cc);
  if (!started) {
    std::fprintf(stderr, "bench_publish: coordinator failed to start: %s\n",
                 started.error().message.c_str());
    return false;
  }
  auto node = std::move(started).value();
  auto publisher = node->publisher();

  // Events are built before the clock starts: the figure is the publisher's, not ours.
  std::vector<core::event> events;
  events.reserve(count);
  for (uint64_t i = 0; i < count; ++i)
    events.push_back(node_event(i));

  std::vector<double> latency_s;
  latency_s.reserve(count);
  bool failed = false;
  {
    caf::scoped_actor self{sys};
    using handle = decltype(self->request(publisher, 60s, atom::publish_v, events[0]));
    std::deque<std::pair<handle, double>> in_flight;
    uint64_t sent = 0;
    double start = bench::now_s();
    while (!failed && (sent < count || !in_flight.empty())) {
      while (sent < count && in_flight.size() < window) {
        double t0 = bench::now_s();
        in_flight.emplace_back(
            self->request(publisher, 60s, atom::publish_v, std::move(events[sent])), t0);
        ++sent;
      }
      handle h = in_flight.front().first;
      const double t0 = in_flight.front().second;
      in_flight.pop_front();
      h.receive([&](const write_ack&) { latency_s.push_back(bench::now_s() - t0); },
                [&](caf::error& err) {
                  std::fprintf(stderr, "bench_publish: publish failed: %s\n",
                               sys.render(err).c_str());
                  failed = true;
                });
    }
    out.seconds = bench::now_s() - start;
    if (failed) {
      // Drain what is still in flight so no late answer outlives the scoped actor's checks.
      for (auto& pending : in_flight)
        pending.first.receive([](const write_ack&) {}, [](caf::error&) {});
      return false;
    }
    self->request(publisher, 10s, atom::status_v)
        .receive(
            [&](const publisher_status& s) {
              out.blobs_written = s.blobs_written;
              out.events_written = s.events_written;
            },
            [&](caf::error& err) {
              std::fprintf(stderr, "bench_publish: status failed: %s\n", sys.render(err).c_str());
              failed = true;
            });
  }
  node->stop();
  node.reset();
  if (failed)
    return false;
  if (out.events_written != count || out.blobs_written == 0) {
    std::fprintf(
        stderr, "bench_publish: publisher wrote %llu events in %llu blobs, expected %llu\n",
        static_cast<unsigned long long>(out.events_written),
        static_cast<unsigned long long>(out.blobs_written), static_cast<unsigned long long>(count));
    return false;
  }
  out.max_ms = *std::max_element(latency_s.begin(), latency_s.end()) * 1000.0;
  out.p50_ms = bench::percentile_ms(latency_s, 0.50);
  out.p99_ms = bench::percentile_ms(latency_s, 0.99);
  return true;
}

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

bool exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK)
    return true;
  std::fprintf(stderr, "bench_publish: baseline `%s`: %s\n", sql, sqlite3_errmsg(db));
  return false;
}

/// The baseline: the same events in blobs of `per_blob` events, encoded and signed up front,
/// then inserted one transaction per blob into a bare table with the DA's durability pragmas.
/// Returns the seconds the insert loop took, or a negative value on failure.
double run_bare_sqlite(const std::string& path, uint64_t count, uint64_t per_blob) {
  auto key = core::identity_key::generate();
  std::vector<std::vector<uint8_t>> blobs;
  for (uint64_t first = 0, seq = 1; first < count; first += per_blob, ++seq) {
    std::vector<core::event> events;
    for (uint64_t i = first; i < std::min(count, first + per_blob); ++i)
      events.push_back(node_event(i));
    core::blob_header header;
    header.epoch = 1;
    header.sequence = seq;
    header.timestamp_ms = 1;
    blobs.push_back(core::encode_blob(header, events, key));
  }

  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::fprintf(stderr, "bench_publish: baseline open: %s\n",
                 raw ? sqlite3_errmsg(raw) : "out of memory");
    sqlite3_close_v2(raw);
    return -1;
  }
  std::unique_ptr<sqlite3, db_closer> db(raw);
  // The same pragmas as the embedded DA: an exclusive lock (WAL without shared memory), WAL,
  // and an fsync at every commit.
  if (!exec(db.get(), "PRAGMA locking_mode=EXCLUSIVE") ||
      !exec(db.get(), "PRAGMA journal_mode=WAL") || !exec(db.get(), "PRAGMA synchronous=FULL") ||
      !exec(db.get(),
            "CREATE TABLE blobs(height INTEGER, idx INTEGER, data BLOB, PRIMARY KEY(height, idx))"
            " WITHOUT ROWID"))
    return -1;
  sqlite3_stmt* s_raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), "INSERT INTO blobs(height, idx, data) VALUES(?1, 0, ?2)", -1,
                         &s_raw, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "bench_publish: baseline prepare: %s\n", sqlite3_errmsg(db.get()));
    return -1;
  }
  std::unique_ptr<sqlite3_stmt, stmt_finalizer> insert(s_raw);

  double start = bench::now_s();
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (!exec(db.get(), "BEGIN IMMEDIATE"))
      return -1;
    sqlite3_bind_int64(insert.get(), 1, static_cast<sqlite3_int64>(i + 1));
    sqlite3_bind_blob64(insert.get(), 2, blobs[i].data(), blobs[i].size(), SQLITE_STATIC);
    if (sqlite3_step(insert.get()) != SQLITE_DONE) {
      std::fprintf(stderr, "bench_publish: baseline insert: %s\n", sqlite3_errmsg(db.get()));
      return -1;
    }
    sqlite3_reset(insert.get());
    if (!exec(db.get(), "COMMIT"))
      return -1;
  }
  return bench::now_s() - start;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = bench::parse_options(argc, argv);
  const uint64_t count = opt.quick ? 5000 : 200000;
  // Info lines (start, rebuild, ready, stop) are not what this measures.
  configure_logging("warn", "text");

  bench::temp_dir tmp("publish");
  publish_figures pub;
  if (!run_publish(tmp.path + "/data", count, pub))
    return 1;

  // Blobs of the size the publisher actually sealed, so both sides pay the same fsyncs.
  const uint64_t per_blob = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::llround(static_cast<double>(pub.events_written) /
                                            static_cast<double>(pub.blobs_written))));
  double bare_s = run_bare_sqlite(tmp.path + "/bare.sqlite", count, per_blob);
  if (bare_s <= 0)
    return 1;
  const uint64_t bare_blobs = (count + per_blob - 1) / per_blob;

  const double events_per_s = static_cast<double>(count) / pub.seconds;
  const double bare_events_per_s = static_cast<double>(count) / bare_s;
  bench::report r("publish");
  r.metric("events_per_s", events_per_s);
  r.metric("blobs_per_s", static_cast<double>(pub.blobs_written) / pub.seconds);
  r.metric("p50_ms", pub.p50_ms);
  r.metric("p99_ms", pub.p99_ms);
  r.metric("max_ms", pub.max_ms);
  r.baseline("events_per_s", bare_events_per_s);
  r.baseline("blobs_per_s", static_cast<double>(bare_blobs) / bare_s);
  r.ratio("publish_vs_bare_sqlite_ratio", events_per_s / bare_events_per_s);
  if (!opt.json) {
    std::printf(
        "publish: %llu events in %.2f s = %.0f events/s, %llu blobs (%.1f events/blob), "
        "p50 %.2f ms, p99 %.2f ms, max %.2f ms, window %zu; bare sqlite %.0f events/s "
        "(%llu blobs of %llu events in %.2f s)\n",
        static_cast<unsigned long long>(count), pub.seconds, events_per_s,
        static_cast<unsigned long long>(pub.blobs_written),
        static_cast<double>(pub.events_written) / static_cast<double>(pub.blobs_written),
        pub.p50_ms, pub.p99_ms, pub.max_ms, window, bare_events_per_s,
        static_cast<unsigned long long>(bare_blobs), static_cast<unsigned long long>(per_blob),
        bare_s);
  }
  r.print();
  return 0;
}
