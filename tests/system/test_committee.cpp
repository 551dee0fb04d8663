// System test: a 2-of-3 committee of real `serve` processes on loopback. keygen writes the
// keys, three coordinators publish their signing peers and connect; signatures requested over
// HTTP verify with libsodium under the group key; a killed member is routed around, and once
// restarted it reconnects and signs again.

#include <sodium.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_process.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/http/client.hpp"
#include "system/process.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string token = "committee-test-token";

struct member_proc {
  std::string id;
  uint16_t peer_port = 0;
  uint16_t http_port = 0;
  std::unique_ptr<systest::child_process> proc;
};

struct committee_fixture {
  std::string dir;
  std::vector<member_proc> members;
  int starts = 0;

  committee_fixture() {
    char tmpl[] = "/tmp/dsdn-committee-XXXXXX";
    dir = ::mkdtemp(tmpl);
    std::string spec;
    for (const char* id : {"a", "b", "c"}) {
      member_proc m;
      m.id = id;
      m.peer_port = clirun::free_port();
      m.http_port = clirun::free_port();
      spec += (spec.empty() ? "" : ",") + m.id + "=127.0.0.1:" + std::to_string(m.peer_port);
      members.push_back(std::move(m));
    }
    systest::child_process keygen({DSDN_COORDINATOR_BIN, "keygen", "--threshold", "2", "--members",
                                   spec, "--out", dir + "/keys"},
                                  dir + "/keygen.log");
    REQUIRE_MESSAGE(keygen.wait(30s) == 0, keygen.output());
    for (auto& m : members)
      start(m);
  }

  ~committee_fixture() {
    for (auto& m : members)
      if (m.proc) {
        m.proc->signal(SIGTERM);
        m.proc->wait(20s);
      }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  void start(member_proc& m) {
    m.proc = std::make_unique<systest::child_process>(
        std::vector<std::string>{DSDN_COORDINATOR_BIN, "serve", "--mock-da", "--port",
                                 std::to_string(m.http_port), "--data-dir", dir + "/data-" + m.id,
                                 "--api-token", token, "--committee", dir + "/keys/committee.json",
                                 "--member-key", dir + "/keys/member-" + m.id + ".json"},
        dir + "/" + m.id + "-" + std::to_string(++starts) + ".log");
    REQUIRE(m.proc->started());
    REQUIRE_MESSAGE(m.proc->wait_for_output("serve_listening url=", 60s), m.proc->output());
  }

  member_proc& member(const std::string& id) {
    for (auto& m : members)
      if (m.id == id)
        return m;
    FAIL("no member " << id);
    return members.front();
  }

  dsdn::result<dsdn::http::response, dsdn::http::client_errc> http(const member_proc& m,
                                                                   const std::string& method,
                                                                   const std::string& target,
                                                                   const std::string& body = "") {
    auto base = dsdn::http::parse_url("http://127.0.0.1:" + std::to_string(m.http_port));
    dsdn::http::request_options opt;
    opt.timeout = 20s;
    opt.bearer_token = token;
    return dsdn::http::send(base.value(), method, target, body, opt);
  }

  json status(const member_proc& m) {
    auto r = http(m, "GET", "/committee/status");
    if (!r || r->status != 200)
      return json::object();
    return json::parse(r->body, nullptr, false);
  }

  /// Waits until `m` reports exactly the members in `up` connected.
  bool wait_connected(const member_proc& m, const std::set<std::string>& up,
                      std::chrono::seconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto st = status(m);
      if (st.contains("members")) {
        std::set<std::string> seen;
        for (const auto& x : st["members"])
          if (x.value("connected", false))
            seen.insert(x["id"].get<std::string>());
        if (seen == up)
          return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  /// Asks `m` to sign `payload_hex`; checks the answer and verifies the signature. Returns the
  /// signers.
  std::vector<std::string> sign_and_verify(const member_proc& m, const std::string& payload_hex) {
    auto r = http(m, "POST", "/committee/sign", json{{"message_hex", payload_hex}}.dump());
    REQUIRE(r.ok());
    INFO(r->body);
    REQUIRE(r->status == 200);
    auto j = json::parse(r->body);
    const std::string prefix = "DSDN/v1/operator-message/";
    CHECK(j["signed_message_hex"] ==
          dsdn::core::to_hex(reinterpret_cast<const uint8_t*>(prefix.data()), prefix.size()) +
              payload_hex);
    std::string msg_hex = j["signed_message_hex"];
    std::vector<uint8_t> msg(msg_hex.size() / 2), sig(64), key(32);
    REQUIRE(dsdn::core::from_hex(msg_hex, msg.data(), msg.size()));
    REQUIRE(dsdn::core::from_hex(j["signature"].get<std::string>(), sig.data(), 64));
    REQUIRE(dsdn::core::from_hex(j["group_public_key"].get<std::string>(), key.data(), 32));
    CHECK(crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), key.data()) == 0);
    return j["signers"].get<std::vector<std::string>>();
  }
};

std::string payload(int i) {
  std::string s = "message number " + std::to_string(i);
  return dsdn::core::to_hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

TEST_CASE("a 2-of-3 committee of real processes signs, survives a dead member, and heals") {
  REQUIRE(sodium_init() >= 0);
  committee_fixture f;
  for (const auto& m : f.members)
    REQUIRE_MESSAGE(f.wait_connected(m, {"a", "b", "c"}), m.proc->output());

  // Group key and threshold agree everywhere; our state is reported.
  auto st = f.status(f.member("a"));
  CHECK(st["threshold"] == 2);
  CHECK(st["coordinator_id"] == "a");
  CHECK(f.status(f.member("c"))["group_public_key"] == st["group_public_key"]);

  // 1000 signatures through all three members.
  int signed_ok = 0;
  for (int i = 0; i < 1000; ++i) {
    auto signers = f.sign_and_verify(f.members[i % 3], payload(i));
    CHECK(signers.size() == 2);
    ++signed_ok;
  }
  CHECK(signed_ok == 1000);

  // Not a committee request: bad hex, no token.
  auto bad = f.http(f.member("a"), "POST", "/committee/sign", R"({"message_hex":"zz"})");
  REQUIRE(bad.ok());
  CHECK(bad->status == 400);

  // b dies: a notices the broken link and signs with c.
  f.member("b").proc->signal(SIGKILL);
  f.member("b").proc->wait(10s);
  REQUIRE(f.wait_connected(f.member("a"), {"a", "c"}));
  for (int i = 0; i < 10; ++i)
    CHECK(f.sign_and_verify(f.member("a"), payload(1000 + i)) ==
          std::vector<std::string>{"a", "c"});

  // b comes back: a reconnects (after its backoff) and the lowest ids sign again.
  f.start(f.member("b"));
  REQUIRE(f.wait_connected(f.member("a"), {"a", "b", "c"}));
  REQUIRE(f.wait_connected(f.member("b"), {"a", "b", "c"}));
  for (int i = 0; i < 10; ++i)
    CHECK(f.sign_and_verify(f.member("a"), payload(2000 + i)) ==
          std::vector<std::string>{"a", "b"});
  CHECK(f.sign_and_verify(f.member("b"), payload(3000)) == std::vector<std::string>{"a", "b"});
}
