// System test: config/devnet/da.sh. `start` brings up the five DA nodes and a coordinator using
// all of them and prints only the coordinator's URL; a write through that URL is applied and
// /da/routing reports every layer healthy; `stop` ends every process it started.

#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "system/da_processes.hpp"

using namespace std::chrono_literals;

namespace {

std::string script_path() {
  return systest::source_path("config/devnet/da.sh");
}

struct script_run {
  int status = -1;
  std::string out;
  std::string err;
};

/// Runs `da.sh CMD DIR` with the binary under test; stdout and stderr kept apart.
script_run run_script(const std::string& cmd, const std::string& dir, const std::string& scratch) {
  auto out = scratch + "/" + cmd + ".out";
  auto err = scratch + "/" + cmd + ".err";
  auto line = std::string("DSDN_BIN='") + DSDN_COORDINATOR_BIN + "' bash '" + script_path() + "' " +
              cmd + " '" + dir + "' >'" + out + "' 2>'" + err + "'";
  int rc = std::system(line.c_str());
  script_run r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = clirun::read_file(out);
  r.err = clirun::read_file(err);
  return r;
}

/// The pids in DIR/*.pid.
std::vector<pid_t> pids_in(const std::string& dir) {
  std::vector<pid_t> out;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".pid")
      out.push_back(static_cast<pid_t>(std::stol(clirun::read_file(e.path().string()))));
  return out;
}

/// True while `pid` runs (a zombie waiting for its reaper counts as gone).
bool alive(pid_t pid) {
  if (::kill(pid, 0) != 0)
    return false;
  auto stat = clirun::read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'Z';
}

/// Stops the devnet if the test ends early, so no process outlives it.
struct devnet_guard {
  std::string dir, scratch;
  bool stopped = false;
  ~devnet_guard() {
    if (!stopped)
      run_script("stop", dir, scratch);
  }
};

}  // namespace

TEST_CASE("config/devnet/da.sh starts every DA layer and a coordinator, and stops them") {
  auto scratch = systest::make_temp_dir("dsdn-da-devnet");
  auto dir = scratch + "/devnet";
  INFO(systest::logs_under{scratch});
  devnet_guard guard{dir, scratch};

  auto started = run_script("start", dir, scratch);
  INFO("start stderr: " << started.err);
  REQUIRE(started.status == 0);
  // stdout carries the URL and nothing else.
  REQUIRE(started.out.rfind("http://127.0.0.1:", 0) == 0);
  REQUIRE(started.out.back() == '\n');
  auto url = started.out.substr(0, started.out.size() - 1);
  CHECK(url.find('\n') == std::string::npos);
  auto pids = pids_in(dir);
  CHECK(pids.size() == 6);  // primary, three validators, emergency, coordinator
  for (auto pid : pids)
    CHECK(alive(pid));

  auto w = systest::http_call(url, "POST", "/register",
                              R"({"id":"devnet-node","zone":"z","addr":"h.example:1"})");
  CHECK_MESSAGE(w.status == 200, w.text);
  auto node = systest::http_call(url, "GET", "/node/devnet-node");
  CHECK_MESSAGE(node.status == 200, node.text);

  auto routing = systest::http_call(url, "GET", "/da/routing");
  REQUIRE(routing.status == 200);
  CHECK(routing.body["current_state"] == "primary");
  CHECK(routing.body["primary_healthy"] == true);
  CHECK(routing.body["secondary_healthy"] == true);
  CHECK(routing.body["emergency_healthy"] == true);
  auto info = systest::http_call(url, "GET", "/system/info");
  CHECK(info.body["da_layers"] == nlohmann::json{{"primary", "celestia"},
                                                 {"secondary", "quorum"},
                                                 {"emergency", "celestia"}});

  // A second start on a running devnet is refused and changes nothing.
  auto again = run_script("start", dir, scratch);
  CHECK(again.status != 0);
  CHECK(again.out.empty());
  CHECK(pids_in(dir).size() == 6);

  auto stopped = run_script("stop", dir, scratch);
  guard.stopped = true;
  CHECK_MESSAGE(stopped.status == 0, stopped.err);
  CHECK(stopped.out.empty());
  CHECK(systest::eventually(
      [&] {
        for (auto pid : pids)
          if (alive(pid))
            return false;
        return true;
      },
      10s));
  CHECK(pids_in(dir).empty());

  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
}
