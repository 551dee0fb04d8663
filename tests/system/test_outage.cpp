// System test: the outage story of the fallback DA, with real processes on loopback. Five
// `da-node serve` processes are the layers (the primary on a fixed port so it can come back
// with its data, three QuorumDA validators with a 2-of-3 quorum, the emergency DA); two
// coordinators A and B use all of them and trust each other's blobs.
//
//   healthy    writes through A and B                                   200, routing primary
//   kill -9 the primary during concurrent writes   none is refused      200 or 202
//                                later writes                           202, Degraded, secondary
//   kill -9 one validator        still a quorum                         202, Degraded
//   kill -9 a second validator   below the quorum                       202, Emergency, emergency
//   the primary restarts (same port and data)   Recovering -> outbox drained -> Healthy, 200
//
// Afterwards every acknowledged registration is applied exactly once on A and B, both report
// the same checksum and applied height, a third coordinator rebuilt from the primary alone
// reports them too, and /fallback/consistency finds nothing wrong on any of them.

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "system/da_processes.hpp"

using namespace std::chrono_literals;
using nlohmann::json;
using systest::coordinator_process;
using systest::da_node;
using systest::eventually;

namespace {

/// How long any one state of the story may take to show up (normally well under a second).
constexpr auto settle = 20s;

/// The DA layers as processes.
struct layers {
  std::string dir;
  uint16_t primary_port = systest::free_port();
  std::unique_ptr<da_node> primary;
  std::vector<std::unique_ptr<da_node>> validators;
  std::unique_ptr<da_node> emergency;
  int primary_starts = 0;

  explicit layers(std::string d) : dir(std::move(d)) {
    start_primary();
    for (int i = 1; i <= 3; ++i)
      validators.push_back(node("validator-" + std::to_string(i)));
    emergency = node("emergency");
  }

  std::unique_ptr<da_node> node(const std::string& name) {
    return std::make_unique<da_node>(dir + "/" + name, dir + "/" + name + ".log");
  }

  /// (Re)starts the primary on its port and data dir: the same node, as after a crash.
  void start_primary() {
    primary = std::make_unique<da_node>(
        dir + "/primary", dir + "/primary-" + std::to_string(++primary_starts) + ".log",
        std::vector<std::string>{}, primary_port);
  }

  /// Every layer, for a coordinator that trusts `trusted` (publisher ids) besides itself.
  std::vector<std::string> serve_args(const std::string& trusted) const {
    std::string urls, keys;
    for (auto& v : validators) {
      urls += (urls.empty() ? "" : ",") + v->url;
      keys += (keys.empty() ? "" : ",") + v->validator_key;
    }
    auto args = coordinator_process::primary_args(primary->url);
    std::vector<std::string> more{
        // A dead layer is known at its first refused connection: no retry, short timeouts.
        "--da-retry-count",
        "0",
        "--da-timeout-ms",
        "5000",
        "--enable-fallback",
        "--fallback-da-type",
        "quorum",
        "--quorum-validators",
        urls,
        "--quorum-validator-keys",
        keys,
        "--quorum-threshold",
        "60",
        "--quorum-signature-timeout-ms",
        "2000",
        "--emergency-da-url",
        emergency->url,
        "--health-failure-threshold",
        "2",
        "--health-recovery-threshold",
        "2",
        "--health-probe-timeout-ms",
        "2000",
        "--reconcile-retry-delay-ms",
        "100",
        "--trusted-publishers",
        trusted};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
};

/// A coordinator of the story and the node ids it acknowledged.
struct writer {
  std::string name;
  std::unique_ptr<coordinator_process> proc;
  std::vector<std::string> acked;
};

json node_body(const std::string& id) {
  return json{{"id", id}, {"zone", "zone-" + id.substr(0, 1)}, {"addr", id + ".example:7000"}};
}

/// Registers `n` nodes through `w` and checks each answer is `status`; ids in w.acked.
void write_nodes(writer& w, const std::string& phase, int n, int status) {
  for (int i = 0; i < n; ++i) {
    auto id = w.name + "-" + phase + "-" + std::to_string(i);
    auto r = w.proc->http("POST", "/register", node_body(id));
    CHECK_MESSAGE(r.status == status, phase << " " << id << ": " << r.status << " " << r.text);
    if (r.status == 200 || r.status == 202)
      w.acked.push_back(id);
  }
}

/// Writers on `threads` threads that register up to `per_thread` nodes each through `w` until
/// stopped, each answer checked to be 200 or 202: started before a crash, they show that no
/// write in flight at the moment of the crash is refused. They wait for the default (applied):
/// a blob the primary stored just before it died cannot be applied until it is back, and the
/// registry answers it 202 with its height once the primary is marked down.
class burst {
 public:
  burst(writer& w, const std::string& phase, int threads, int per_thread = 20) : w_(w) {
    for (int t = 0; t < threads; ++t)
      threads_.emplace_back([this, phase, t, per_thread] {
        for (int i = 0; i < per_thread && !stop_; ++i) {
          auto id = w_.name + "-" + phase + "-" + std::to_string(t) + "-" + std::to_string(i);
          auto r = w_.proc->http("POST", "/register", node_body(id));
          std::lock_guard<std::mutex> lock(mutex_);
          answers_.push_back({id, r.status, r.text});
        }
      });
  }
  ~burst() { stop(); }

  size_t answered() {
    std::lock_guard<std::mutex> lock(mutex_);
    return answers_.size();
  }

  /// Stops the threads; checks every answer and records the acknowledged ids in the writer.
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
    for (auto& a : answers_) {
      CHECK_MESSAGE((a.status == 200 || a.status == 202),
                    a.id << ": " << a.status << " " << a.text);
      if (a.status == 200 || a.status == 202)
        w_.acked.push_back(a.id);
    }
    answers_.clear();
  }

 private:
  struct answer {
    std::string id;
    int status;
    std::string text;
  };
  writer& w_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<answer> answers_;
  std::vector<std::thread> threads_;
};

/// The health monitor's status word (absent before the first transition: healthy) and the
/// layer writes go to.
std::pair<std::string, std::string> status_of(const coordinator_process& c) {
  auto s = c.http("GET", "/fallback/status").body;
  auto r = c.http("GET", "/da/routing").body;
  if (!s.is_object() || !r.is_object())
    return {"?", "?"};
  return {s.value("da_status", std::string("healthy")), r.value("current_state", std::string())};
}

/// Waits until `w` reports `status` with writes going to `routing`.
void wait_for(const writer& w, const std::string& status, const std::string& routing) {
  std::pair<std::string, std::string> last;
  bool reached = eventually(
      [&] {
        last = status_of(*w.proc);
        return last == std::make_pair(status, routing);
      },
      settle);
  REQUIRE_MESSAGE(reached, w.name << " never reported " << status << "/" << routing << "; last "
                                  << last.first << "/" << last.second);
}

/// The layers holding `w`'s outbox entries (source_da of /fallback/pending).
std::multiset<std::string> pending_layers(const writer& w) {
  std::multiset<std::string> out;
  auto p = w.proc->http("GET", "/fallback/pending").body;
  REQUIRE(p.is_array());
  for (auto& e : p)
    out.insert(e["source_da"].get<std::string>());
  return out;
}

/// The statuses `c` went through, oldest first (from /fallback/status transitions).
std::vector<std::string> statuses_seen(const coordinator_process& c) {
  std::vector<std::string> out;
  auto s = c.http("GET", "/fallback/status").body;
  for (auto& t : s.value("transitions", json::array()))
    out.push_back(t["to"].get<std::string>());
  return out;
}

/// True when `want` occurs in `seen` in this order (other statuses may come between).
bool in_order(const std::vector<std::string>& seen, const std::vector<std::string>& want) {
  size_t k = 0;
  for (auto& s : seen)
    if (k < want.size() && s == want[k])
      ++k;
  return k == want.size();
}

std::set<std::string> node_ids(const coordinator_process& c) {
  auto nodes = c.http("GET", "/nodes").body;
  REQUIRE(nodes.is_array());
  std::set<std::string> out;
  for (auto& n : nodes)
    out.insert(n["id"].get<std::string>());
  return out;
}

json info_of(const coordinator_process& c) {
  auto r = c.http("GET", "/system/info");
  REQUIRE_MESSAGE(r.status == 200, r.text);
  return r.body;
}

/// /fallback/consistency of `c`, checked to find nothing wrong.
void check_consistent(const std::string& name, const coordinator_process& c) {
  auto r = c.http("GET", "/fallback/consistency");
  INFO(name << " consistency: " << r.text);
  REQUIRE(r.status == 200);
  CHECK(r.body["is_consistent"] == true);
  CHECK(r.body["inconsistencies_found"] == 0);
  CHECK(r.body["unverified"] == json::array());
  CHECK(r.body["rebuilt_checksum"] == r.body["state_checksum"]);
}

}  // namespace

TEST_CASE("outage: two coordinators ride out the primary and the quorum going down") {
  auto dir = systest::make_temp_dir("dsdn-outage");
  INFO(systest::logs_under{dir});
  layers da(dir);

  // Each trusts the other's publisher key, created before either starts.
  writer a, b;
  a.name = "a";
  b.name = "b";
  auto key_a = systest::create_identity(dir + "/a/coordinator");
  auto key_b = systest::create_identity(dir + "/b/coordinator");
  a.proc = std::make_unique<coordinator_process>(dir + "/a", da.serve_args(key_b), "a.log");
  b.proc = std::make_unique<coordinator_process>(dir + "/b", da.serve_args(key_a), "b.log");
  for (auto* w : {&a, &b}) {
    CHECK(w->proc->proc->output().find(
              "da_layers_configured primary=celestia primary_url=" + da.primary->url +
              " secondary=quorum emergency=celestia") != std::string::npos);
    wait_for(*w, "healthy", "primary");
  }

  // Healthy: straight to the primary, applied before the answer.
  for (auto* w : {&a, &b})
    write_nodes(*w, "healthy", 3, 200);

  // The primary crashes in the middle of concurrent writes: none is refused, and the ones after
  // the crash are accepted (202) and held by the quorum.
  {
    burst during_a(a, "crash", 4), during_b(b, "crash", 4);
    REQUIRE(
        eventually([&] { return during_a.answered() >= 8 && during_b.answered() >= 8; }, settle));
    da.primary->kill();
    size_t a0 = during_a.answered(), b0 = during_b.answered();
    REQUIRE(eventually(
        [&] { return during_a.answered() >= a0 + 8 && during_b.answered() >= b0 + 8; }, settle));
  }
  for (auto* w : {&a, &b})
    write_nodes(*w, "primary-down", 2, 202);
  for (auto* w : {&a, &b}) {
    wait_for(*w, "degraded", "secondary");
    write_nodes(*w, "degraded", 2, 202);
    // The CLI takes a 202 as success too.
    auto r = w->proc->cli(
        {"node", "register", "--id", w->name + "-cli", "--zone", "z", "--addr", "cli.example:1"});
    CHECK_MESSAGE(r.status == 0, r.err);
    if (r.status == 0)
      w->acked.push_back(w->name + "-cli");
    auto held = pending_layers(*w);
    CHECK(held.size() >= 5);  // primary-down, degraded, cli: one blob each
    CHECK(held.count("secondary") == held.size());
  }

  // One validator down: two of three still sign.
  da.validators[0]->kill();
  std::map<std::string, size_t> on_secondary;
  for (auto* w : {&a, &b}) {
    write_nodes(*w, "one-validator-down", 2, 202);
    CHECK(status_of(*w->proc) == std::make_pair(std::string("degraded"), std::string("secondary")));
    on_secondary[w->name] = pending_layers(*w).size();
  }

  // Below the quorum: the emergency DA takes the blobs.
  da.validators[1]->kill();
  for (auto* w : {&a, &b})
    write_nodes(*w, "quorum-lost", 2, 202);
  for (auto* w : {&a, &b}) {
    wait_for(*w, "emergency", "emergency");
    write_nodes(*w, "emergency", 2, 202);
    auto held = pending_layers(*w);
    CHECK(held.count("secondary") == on_secondary[w->name]);
    CHECK(held.count("emergency") == 4);  // quorum-lost, emergency: one blob each
    // The per-layer figures say the same.
    auto m = w->proc->http("GET", "/da/metrics").body;
    CHECK(m["layers"]["secondary"]["blobs_posted"] == on_secondary[w->name]);
    CHECK(m["layers"]["emergency"]["blobs_posted"] == 4);
    CHECK(m["outbox"]["entries"] == held.size());
  }

  // The primary comes back with its data: the outboxes drain in order, then Healthy.
  da.start_primary();
  for (auto* w : {&a, &b}) {
    wait_for(*w, "healthy", "primary");
    CHECK(pending_layers(*w).empty());
    auto seen = statuses_seen(*w->proc);
    CHECK_MESSAGE(in_order(seen, {"degraded", "emergency", "recovering", "healthy"}),
                  json(seen).dump());
    write_nodes(*w, "recovered", 2, 200);
    auto m = w->proc->http("GET", "/da/metrics").body;
    CHECK(m["writes"]["pending_primary"] == on_secondary[w->name] + 4);
    CHECK(m["outbox"]["entries"] == 0);
  }

  // Every acknowledged registration, on both, once each.
  std::set<std::string> expected(a.acked.begin(), a.acked.end());
  expected.insert(b.acked.begin(), b.acked.end());
  REQUIRE(expected.size() == a.acked.size() + b.acked.size());
  json ia, ib;
  bool agreed = eventually(
      [&] {
        ia = info_of(*a.proc);
        ib = info_of(*b.proc);
        return ia["node_count"] == expected.size() && ib["node_count"] == expected.size() &&
               ia["state_checksum"] == ib["state_checksum"] &&
               ia["applied_height"] == ib["applied_height"];
      },
      settle);
  REQUIRE_MESSAGE(agreed, "a: " << ia.dump() << "\nb: " << ib.dump());
  for (auto* w : {&a, &b}) {
    CHECK(node_ids(*w->proc) == expected);
    CHECK(info_of(*w->proc)["events_applied"] == expected.size());  // nothing applied twice
    check_consistent(w->name, *w->proc);
  }

  // A third coordinator, new data dir, the primary alone: the same state.
  std::filesystem::create_directories(dir + "/c");
  coordinator_process c(dir + "/c", coordinator_process::primary_args(da.primary->url), "c.log",
                        {"--trusted-publishers", key_a + "," + key_b});
  json ic;
  bool rebuilt = eventually(
      [&] {
        ic = info_of(c);
        return ic["state_checksum"] == ia["state_checksum"] &&
               ic["applied_height"] == ia["applied_height"];
      },
      settle);
  REQUIRE_MESSAGE(rebuilt, "c: " << ic.dump() << "\na: " << ia.dump());
  CHECK(ic["events_applied"] == expected.size());
  CHECK(ic["node_count"] == expected.size());
  CHECK(node_ids(c) == expected);
  check_consistent("c", c);

  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
