// System test: config/devnet/committee.sh in its default mode (DEVNET_DA=node: keygen, one
// shared DA node and three coordinators) prints three URLs and the API token; the members are
// connected, agree on their state at the same height after a write through one of them, sign;
// `committee.sh stop` ends every process it started.

#include <signal.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_process.hpp"
#include "system/committee_client.hpp"
#include "system/process.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// Runs `committee.sh <cmd> <net>` with the built binary and the default DA mode, no TLS;
/// its exit code (-1 when it could not run or did not end within 3 minutes).
int devnet(const std::string& cmd, const std::string& net, const std::string& out) {
  systest::child_process p(
      {"/usr/bin/env", std::string("DSDN_BIN=") + DSDN_COORDINATOR_BIN, "DEVNET_DA=node",
       "DEVNET_TLS=0", "bash", systest::repo_root() + "/config/devnet/committee.sh", cmd, net},
      out);
  if (!p.started())
    return -1;
  return p.wait(180s).value_or(-1);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

/// Whether process `pid` is gone (or only a zombie waiting for its reaper).
bool gone(pid_t pid) {
  if (::kill(pid, 0) != 0)
    return errno == ESRCH;
  std::string stat = clirun::read_file("/proc/" + std::to_string(pid) + "/stat");
  auto paren = stat.rfind(')');
  return paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] == 'Z';
}

/// True when every member in every view is connected and agrees at one height >= min_height.
bool all_agree(const std::vector<systest::committee_client>& nodes, uint64_t min_height) {
  std::set<uint64_t> heights;
  for (const auto& n : nodes) {
    auto st = n.status();
    if (!st.contains("members") || st["members"].size() != nodes.size())
      return false;
    for (const auto& m : st["members"]) {
      if (!m.value("connected", false) || !m.value("agrees", false))
        return false;
      heights.insert(m.value("applied_height", uint64_t{0}));
    }
  }
  return heights.size() == 1 && *heights.begin() >= min_height;
}

}  // namespace

TEST_CASE("config/devnet/committee.sh runs a committee on one DA node and stops it") {
  REQUIRE(sodium_init() >= 0);
  char tmpl[] = "/tmp/dsdn-committee-devnet-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string net = dir + "/net";

  const int started = devnet("start", net, dir + "/start.out");
  const auto out = clirun::read_file(dir + "/start.out");
  // Stops whatever started and removes the directory, even when a check below fails.
  struct cleanup {
    std::string dir, net;
    ~cleanup() {
      devnet("stop", net, dir + "/stop-at-exit.out");
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } at_exit{dir, net};
  REQUIRE_MESSAGE(started == 0, out);

  // Exactly three URLs, one per line, then token=<hex>.
  auto lines = lines_of(out);
  REQUIRE_MESSAGE(lines.size() == 4, out);
  std::vector<systest::committee_client> nodes;
  REQUIRE(lines[3].rfind("token=", 0) == 0);
  const std::string token = lines[3].substr(6);
  CHECK(token.size() == 32);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(lines[i].rfind("http://127.0.0.1:", 0) == 0);
    nodes.push_back({lines[i], token});
  }
  std::set<std::string> ids;
  for (const auto& n : nodes) {
    CHECK(n.connected() == std::set<std::string>{"a", "b", "c"});
    ids.insert(n.status().value("coordinator_id", ""));
  }
  CHECK(ids == std::set<std::string>{"a", "b", "c"});

  // A write through the first member reaches the others through the shared DA node.
  auto reg = nodes[0].call("POST", "/register",
                           R"({"id":"devnet-node-1","zone":"z1","addr":"10.0.0.1:9000",)"
                           R"("capacity_gb":100})");
  REQUIRE(reg.ok());
  INFO(reg->body);
  REQUIRE(reg->status == 200);
  const auto height = json::parse(reg->body).value("height", uint64_t{0});
  CHECK(height > 0);
  bool agreed = false;
  for (int i = 0; i < 300 && !agreed; ++i) {
    agreed = all_agree(nodes, height);
    if (!agreed)
      std::this_thread::sleep_for(100ms);
  }
  CHECK_MESSAGE(agreed, nodes[2].status().dump());
  auto node = nodes[2].call("GET", "/node/devnet-node-1");
  REQUIRE(node.ok());
  CHECK(node->status == 200);

  CHECK(nodes[1].sign_and_verify(systest::hex_of("devnet message")).size() == 2);

  // stop: every process it started is gone, its pid files removed.
  std::vector<pid_t> pids;
  for (const auto& e : std::filesystem::directory_iterator(net))
    if (e.path().extension() == ".pid")
      pids.push_back(static_cast<pid_t>(std::stol(clirun::read_file(e.path().string()))));
  CHECK(pids.size() == 4);  // the DA node and three coordinators
  CHECK(devnet("stop", net, dir + "/stop.out") == 0);
  for (pid_t pid : pids)
    CHECK_MESSAGE(gone(pid), "pid " << pid << " still runs");
  for (const auto& e : std::filesystem::directory_iterator(net))
    CHECK(e.path().extension() != ".pid");
}
