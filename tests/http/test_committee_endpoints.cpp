// /committee/status and /committee/sign over a real listener: 404 without a committee, the
// token rules, input checks, the status shape, and a failed session answered as 503 naming why.
// (Signing through connected members is covered by the actor and system tests.)

#include <doctest/doctest.h>

#include <caf/send.hpp>

#include "dsdn/actors/committee.hpp"
#include "http/server_fixture.hpp"

using namespace dsdn;
using namespace dsdn::http_test;

namespace {

const std::string token = "secret-token";

/// A 2-of-2 committee of which this coordinator is "a"; "b" is unreachable (no connector).
/// The committee actors live in their own actor system: the server's is created inside
/// test_server, which already needs the manager's handle.
struct committee_server {
  multi::committee_bundle bundle;
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  signing_peer_actor peer;
  peer_manager_actor manager;
  std::unique_ptr<test_server> srv;

  explicit committee_server(std::string api_token) {
    auto b = multi::make_committee(2, {{"a", "127.0.0.1:7101"}, {"b", "127.0.0.1:7102"}});
    REQUIRE(b.ok());
    bundle = std::move(b).value();
    start_committee_actors();
    http::server_config sc;
    sc.api_token = std::move(api_token);
    sc.committee = caf::actor_cast<caf::actor>(manager);
    srv = std::make_unique<test_server>(sc);
  }

  ~committee_server() {
    srv.reset();
    caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
  }

  void start_committee_actors() {
    cfg_ = std::make_unique<caf::actor_system_config>();
    configure_actor_system(*cfg_);
    sys_ = std::make_unique<caf::actor_system>(*cfg_);
    peer = spawn_signing_peer(*sys_, signing_peer_config{bundle.pub, bundle.members[0], {}, {}});
    peer_manager_config cfg{bundle.pub, bundle.members[0]};
    cfg.local_peer = peer;
    manager = spawn_peer_manager(*sys_, cfg);
  }
};

}  // namespace

TEST_CASE("without a committee /committee/* answer 404 with a JSON error") {
  test_server s;
  auto r = s.send(get("/committee/status"));
  CHECK(r.status == 404);
  CHECK(json::parse(r.body)["error"].get<std::string>().find("without a committee") !=
        std::string::npos);
  r = s.send(post("/committee/sign", R"({"message_hex":"00"})"));
  CHECK(r.status == 404);
}

TEST_CASE("committee status lists every member; sign needs the token and valid hex") {
  committee_server cs(token);
  auto& s = *cs.srv;
  auto r = s.send(get("/committee/status"));
  REQUIRE(r.status == 200);
  auto st = json::parse(r.body);
  CHECK(st["coordinator_id"] == "a");
  CHECK(st["threshold"] == 2);
  CHECK(st["group_public_key"] == core::to_hex(cs.bundle.pub.group_public_key.bytes()));
  REQUIRE(st["members"].size() == 2);
  CHECK(st["members"][0]["self"] == true);
  CHECK(st["members"][1]["id"] == "b");
  CHECK(st["members"][1]["connected"] == false);
  for (const char* key : {"address", "connected", "last_seen_ms", "rtt_ms", "applied_height",
                          "state_checksum", "agrees"})
    CHECK(st["members"][1].contains(key));

  CHECK(s.send(post("/committee/sign", R"({"message_hex":"00"})")).status == 401);
  CHECK(s.send(post("/committee/sign", R"({"message_hex":"0g"})", token)).status == 400);
  CHECK(s.send(post("/committee/sign", R"({"message_hex":"abc"})", token)).status == 400);
  CHECK(s.send(post("/committee/sign", R"({"message_hex":""})", token)).status == 400);
  CHECK(s.send(post("/committee/sign", R"({"message":"00"})", token)).status == 422);

  // Only "a" is connected: the session fails at once and says why.
  r = s.send(post("/committee/sign", R"({"message_hex":"68656c6c6f"})", token));
  CHECK(r.status == 503);
  auto j = json::parse(r.body);
  CHECK(j["failure"] == "not_enough_members");
  CHECK(j["states"].back()["state"] == "failed");
}

TEST_CASE("committee signing is refused when the coordinator has no API token") {
  committee_server cs("");
  auto r = cs.srv->send(post("/committee/sign", R"({"message_hex":"00"})"));
  CHECK(r.status == 403);
  CHECK(json::parse(r.body)["error"].get<std::string>().find("--api-token") != std::string::npos);
}
