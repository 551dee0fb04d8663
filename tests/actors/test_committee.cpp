// The committee actors on CAF's deterministic scheduler: three members' signing_peers, a fake
// connector standing in for the middleman (it maps "host:port" to the local actors), and a
// peer_manager that connects, checks hellos and runs signing sessions. Faults are injected
// only here, by test actors that wrap an honest signing_peer: a silent one (round timeout), a
// cheating one (corrupted shares) and an impostor (right id, wrong identity key).

#include <sodium.h>

#include <map>
#include <optional>

#include "actors/caf_doctest.hpp"
#include "dsdn/actors/committee.hpp"
#include "dsdn/multi/domain.hpp"

using namespace dsdn;
using namespace std::chrono_literals;

namespace {

const std::vector<multi::member_spec> specs = {
    {"a", "127.0.0.1:7001"}, {"b", "127.0.0.1:7002"}, {"c", "127.0.0.1:7003"}};

multi::committee_bundle make_bundle() {
  auto b = multi::make_committee(2, specs);
  REQUIRE(b.ok());
  return std::move(b).value();
}

std::string operator_message(const std::string& payload) {
  auto m = multi::encode_domain_message(multi::message_kind::operator_message,
                                        std::vector<uint8_t>(payload.begin(), payload.end()));
  return std::string(m.begin(), m.end());
}

/// Answers (connect_atom, host, port) like the middleman, from a table of local actors.
caf::behavior fake_connector(caf::event_based_actor* self,
                             std::map<std::string, signing_peer_actor> table) {
  return {
      [=](caf::connect_atom, const std::string& host, uint16_t port)
          -> caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>> {
        auto it = table.find(host + ":" + std::to_string(port));
        if (it == table.end())
          return caf::make_error(caf::sec::cannot_connect_to_node, "no such peer");
        return {self->system().node(), caf::actor_cast<caf::strong_actor_ptr>(it->second),
                self->system().message_types<signing_peer_actor>()};
      },
  };
}

/// Forwards everything to `honest` except what `mode` changes: "silent" never answers round 1,
/// "cheat" corrupts every signature share, "refuse" refuses every share request.
signing_peer_actor::behavior_type faulty_peer(signing_peer_actor::pointer self,
                                              signing_peer_actor honest, std::string mode) {
  return {
      [=](atom::hello, const std::string& who, const std::string& challenge) {
        return self->delegate(honest, atom::hello_v, who, challenge);
      },
      [=](caf::ping_atom, uint64_t n) { return self->delegate(honest, caf::ping_atom_v, n); },
      [=](atom::commit) -> caf::result<std::string> {
        if (mode == "silent")
          return self->make_response_promise<std::string>();  // never delivered
        return self->delegate(honest, atom::commit_v);
      },
      [=](atom::sign, const std::string& req, const std::string& msg, const std::string& cs,
          const std::string& sig) -> caf::result<std::string> {
        if (mode == "refuse")
          return make_dsdn_error(ec::invalid_argument, "sign", "unknown_commitment");
        auto rp = self->make_response_promise<std::string>();
        self->request(honest, 1s, atom::sign_v, req, msg, cs, sig)
            .then(
                [=](std::string z) mutable {
                  z[0] = static_cast<char>(z[0] ^ 1);  // still canonical, no longer valid
                  rp.deliver(std::move(z));
                },
                [=](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
  };
}

struct committee_fixture : dsdn_fixture {
  multi::committee_bundle bundle = make_bundle();
  std::map<std::string, signing_peer_actor> honest;
  std::vector<caf::actor> spawned;

  committee_fixture() {
    for (const auto& m : bundle.members)
      honest.emplace(m.id, spawn_peer(bundle, m));
  }

  ~committee_fixture() override {
    for (auto& h : spawned)
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sched.run();
  }

  signing_peer_actor spawn_peer(const multi::committee_bundle& b, const multi::member_secret& m) {
    signing_peer_config cfg{b.pub, m, {}, {}};
    auto p = spawn_signing_peer(sys, cfg);
    spawned.push_back(caf::actor_cast<caf::actor>(p));
    return p;
  }

  signing_peer_actor faulty(const std::string& id, const std::string& mode) {
    auto p = sys.spawn(faulty_peer, honest.at(id), mode);
    spawned.push_back(caf::actor_cast<caf::actor>(p));
    return p;
  }

  /// A manager for member "a" whose connector maps b and c to the given actors.
  peer_manager_actor manager(std::map<std::string, signing_peer_actor> others,
                             multi::reputation_policy reputation = {}) {
    std::map<std::string, signing_peer_actor> table;
    for (const auto& [id, peer] : others)
      table.emplace(bundle.pub.find(id)->address, peer);
    auto connector = sys.spawn(fake_connector, table);
    spawned.push_back(connector);
    peer_manager_config cfg{bundle.pub, bundle.members[0]};
    cfg.local_peer = honest.at("a");
    cfg.connector = connector;
    cfg.timing.commitment_timeout = 500ms;
    cfg.timing.share_timeout = 500ms;
    cfg.reputation = reputation;
    auto mgr = spawn_peer_manager(sys, cfg);
    spawned.push_back(caf::actor_cast<caf::actor>(mgr));
    sched.run();
    return mgr;
  }

  template <class T, class Handle, class... Ts>
  std::pair<std::optional<T>, caf::error> call(const Handle& h, Ts&&... xs) {
    std::optional<T> out;
    caf::error err;
    auto rh = self->request(h, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    rh.receive([&](T& x) { out = std::move(x); }, [&](caf::error& e) { err = std::move(e); });
    return {std::move(out), std::move(err)};
  }

  const member_status& member(const committee_status& st, const std::string& id) {
    for (const auto& m : st.members)
      if (m.id == id)
        return m;
    FAIL("no member " << id);
    return st.members.front();
  }

  bool verifies(const signing_outcome& o) const {
    return crypto_sign_verify_detached(
               o.signature.data(), reinterpret_cast<const uint8_t*>(o.message.data()),
               o.message.size(), bundle.pub.group_public_key.bytes().data()) == 0;
  }

  static std::vector<std::string> state_names(const signing_outcome& o) {
    std::vector<std::string> out;
    for (const auto& s : o.states)
      out.push_back(s.state + "/" + std::to_string(s.attempt));
    return out;
  }
};

}  // namespace

TEST_CASE_FIXTURE(committee_fixture,
                  "a session runs through every state and the signature verifies") {
  auto mgr = manager({{"b", honest.at("b")}, {"c", honest.at("c")}});
  auto st = call<committee_status>(mgr, atom::status_v).first;
  REQUIRE(st);
  CHECK(st->coordinator_id == "a");
  CHECK(st->threshold == 2);
  CHECK(member(*st, "a").self);
  CHECK(member(*st, "b").connected);
  CHECK(member(*st, "c").connected);

  const auto msg = operator_message("hello committee");
  auto [out, err] = call<signing_outcome>(mgr, atom::sign_v, msg);
  REQUIRE(out);
  CHECK(out->ok);
  CHECK(out->message == msg);
  CHECK(out->signers == std::vector<std::string>{"a", "b"});
  CHECK(out->cheaters.empty());
  CHECK(state_names(*out) == std::vector<std::string>{"collecting_commitments/1",
                                                      "collecting_signatures/1", "completed/1"});
  CHECK(verifies(*out));

  // Every signature uses fresh nonces: a second one differs and verifies too.
  auto second = call<signing_outcome>(mgr, atom::sign_v, msg).first;
  REQUIRE(second);
  CHECK(second->ok);
  CHECK(second->signature != out->signature);
  CHECK(verifies(*second));
  st = call<committee_status>(mgr, atom::status_v).first;
  CHECK(st->sessions_completed == 2);
}

TEST_CASE_FIXTURE(committee_fixture,
                  "a silent member times out and the session retries without it") {
  auto mgr = manager({{"b", faulty("b", "silent")}, {"c", honest.at("c")}});
  auto rh = self->request(mgr, caf::infinite, atom::sign_v, operator_message("timeout"));
  sched.run();
  advance_time(500ms);  // round 1 deadline: b never committed
  sched.run();
  std::optional<signing_outcome> out;
  rh.receive([&](signing_outcome& o) { out = std::move(o); },
             [&](caf::error& e) { FAIL(sys.render(e)); });
  REQUIRE(out);
  CHECK(out->ok);
  CHECK(out->signers == std::vector<std::string>{"a", "c"});
  CHECK(out->cheaters.empty());  // slow is not cheating
  CHECK(state_names(*out) == std::vector<std::string>{"collecting_commitments/1",
                                                      "collecting_commitments/2",
                                                      "collecting_signatures/2", "completed/2"});
  CHECK(verifies(*out));
}

TEST_CASE_FIXTURE(committee_fixture,
                  "a cheating signer is named, excluded, and 2 honest of 3 sign") {
  auto mgr = manager({{"b", faulty("b", "cheat")}, {"c", honest.at("c")}});
  auto [out, err] = call<signing_outcome>(mgr, atom::sign_v, operator_message("cheat"));
  REQUIRE(out);
  CHECK(out->ok);
  CHECK(out->cheaters == std::vector<std::string>{"b"});
  CHECK(out->signers == std::vector<std::string>{"a", "c"});
  CHECK(state_names(*out) == std::vector<std::string>{"collecting_commitments/1",
                                                      "collecting_signatures/1",
                                                      "collecting_commitments/2",
                                                      "collecting_signatures/2", "completed/2"});
  CHECK(verifies(*out));
}

TEST_CASE_FIXTURE(committee_fixture,
                  "a named cheater sits out later sessions for its cool-down, then is retried") {
  auto mgr = manager({{"b", faulty("b", "cheat")}, {"c", honest.at("c")}},
                     multi::reputation_policy{10s, 60s});
  auto first = call<signing_outcome>(mgr, atom::sign_v, operator_message("one")).first;
  REQUIRE(first);
  CHECK(first->ok);
  CHECK(first->cheaters == std::vector<std::string>{"b"});

  // The next sessions leave b out from the start: one pass with a and c, nobody named.
  for (const char* text : {"two", "three"}) {
    auto out = call<signing_outcome>(mgr, atom::sign_v, operator_message(text)).first;
    REQUIRE(out);
    CHECK(out->ok);
    CHECK(out->signers == std::vector<std::string>{"a", "c"});
    CHECK(out->cheaters.empty());
    CHECK(state_names(*out) == std::vector<std::string>{"collecting_commitments/1",
                                                        "collecting_signatures/1", "completed/1"});
    CHECK(verifies(*out));
  }
  auto st = call<committee_status>(mgr, atom::status_v).first;
  REQUIRE(st);
  CHECK(member(*st, "b").excluded);
  CHECK(member(*st, "b").cheating_faults == 1);
  CHECK(member(*st, "b").excluded_for_ms == 10000);
  CHECK(member(*st, "b").connected);  // excluded from signing, not disconnected
  CHECK_FALSE(member(*st, "c").excluded);
  CHECK(member(*st, "c").cheating_faults == 0);

  // After the cool-down b is selected again, cheats again, and sits out twice as long.
  advance_time(10s);
  sched.run();
  auto again = call<signing_outcome>(mgr, atom::sign_v, operator_message("four")).first;
  REQUIRE(again);
  CHECK(again->ok);
  CHECK(again->cheaters == std::vector<std::string>{"b"});
  st = call<committee_status>(mgr, atom::status_v).first;
  CHECK(member(*st, "b").cheating_faults == 2);
  CHECK(member(*st, "b").excluded_for_ms == 20000);
}

TEST_CASE_FIXTURE(committee_fixture,
                  "a cheater is still asked when the honest members alone are too few") {
  auto mgr = manager({{"b", faulty("b", "cheat")}}, multi::reputation_policy{10s, 60s});
  for (const char* text : {"one", "two"}) {
    auto out = call<signing_outcome>(mgr, atom::sign_v, operator_message(text)).first;
    REQUIRE(out);
    CHECK_FALSE(out->ok);
    CHECK(out->cheaters == std::vector<std::string>{"b"});  // tried again: only a and b are up
  }
  auto st = call<committee_status>(mgr, atom::status_v).first;
  CHECK(member(*st, "b").cheating_faults == 2);
}

TEST_CASE_FIXTURE(committee_fixture,
                  "a refused request excludes the member at once, without waiting for a timeout") {
  // b answers round 1 but refuses every share request (as after a restart that lost the nonces
  // of the commitments it handed out).
  auto mgr = manager({{"b", faulty("b", "refuse")}, {"c", honest.at("c")}});
  auto [out, err] = call<signing_outcome>(mgr, atom::sign_v, operator_message("refused"));
  REQUIRE(out);  // no advance_time: the retry did not wait for the round deadline
  CHECK(out->ok);
  CHECK(out->signers == std::vector<std::string>{"a", "c"});
  CHECK(out->cheaters.empty());  // a refusal is not cheating
  CHECK(state_names(*out) == std::vector<std::string>{"collecting_commitments/1",
                                                      "collecting_signatures/1",
                                                      "collecting_commitments/2",
                                                      "collecting_signatures/2", "completed/2"});
  CHECK(verifies(*out));
}

TEST_CASE_FIXTURE(committee_fixture,
                  "with a cheater and a dead member the session fails naming it") {
  auto mgr = manager({{"b", faulty("b", "cheat")}});  // c is unreachable
  auto [out, err] = call<signing_outcome>(mgr, atom::sign_v, operator_message("doomed"));
  REQUIRE(out);
  CHECK_FALSE(out->ok);
  CHECK(out->failure == "cheating");
  CHECK(out->cheaters == std::vector<std::string>{"b"});
  CHECK(out->reason.find("b") != std::string::npos);
  CHECK(state_names(*out).back() == "failed/1");
  auto st = call<committee_status>(mgr, atom::status_v).first;
  CHECK_FALSE(member(*st, "c").connected);
  CHECK(member(*st, "c").last_error.find("connect failed") != std::string::npos);
  CHECK(st->sessions_failed == 1);
}

TEST_CASE_FIXTURE(committee_fixture, "the manager refuses to sign a message outside the domain") {
  auto mgr = manager({{"b", honest.at("b")}, {"c", honest.at("c")}});
  auto [out, err] = call<signing_outcome>(mgr, atom::sign_v, std::string("raw bytes"));
  CHECK_FALSE(out);
  CHECK(err == ec::invalid_argument);
}

TEST_CASE_FIXTURE(committee_fixture, "a hello from the wrong identity is refused") {
  // "b"'s address answers with c's peer (another id), and later with an impostor holding b's
  // id but another committee's identity key.
  auto mgr = manager({{"b", honest.at("c")}, {"c", honest.at("c")}});
  auto st = call<committee_status>(mgr, atom::status_v).first;
  CHECK_FALSE(member(*st, "b").connected);
  CHECK(member(*st, "b").last_error.find("answered as \"c\"") != std::string::npos);

  auto other = make_bundle();
  auto impostor = spawn_peer(other, other.members[1]);
  auto mgr2 = manager({{"b", impostor}, {"c", honest.at("c")}});
  st = call<committee_status>(mgr2, atom::status_v).first;
  CHECK_FALSE(member(*st, "b").connected);
  CHECK(member(*st, "b").last_error.find("does not match the identity key") != std::string::npos);
  CHECK(member(*st, "c").connected);
}

TEST_CASE_FIXTURE(committee_fixture, "a signing peer refuses what it must not sign") {
  auto peer = honest.at("b");
  const auto& a = bundle.members[0];
  auto commit = [&](const signing_peer_actor& p) {
    auto c = call<std::string>(p, atom::commit_v).first;
    REQUIRE(c);
    REQUIRE(c->size() == 96);
    return *c;
  };
  auto request_sig = [&](const std::string& msg, const std::vector<std::string>& cs,
                         const core::identity_key& key, const std::string& requester) {
    std::vector<multi::commitment_bytes> list(cs.size());
    for (size_t i = 0; i < cs.size(); ++i)
      std::copy(cs[i].begin(), cs[i].end(), list[i].begin());
    auto bytes =
        multi::share_request_bytes(requester, std::vector<uint8_t>(msg.begin(), msg.end()), list);
    auto s = key.sign(bytes.data(), bytes.size());
    return std::string(s.begin(), s.end());
  };
  auto sign = [&](const std::string& msg, const std::vector<std::string>& cs,
                  const std::string& sig, const std::string& requester = "a") {
    std::string wire;
    for (const auto& c : cs)
      wire += c;
    return call<std::string>(peer, atom::sign_v, requester, msg, wire, sig);
  };
  auto refused_with = [&](const std::pair<std::optional<std::string>, caf::error>& r,
                          const std::string& why) {
    CHECK_FALSE(r.first);
    CHECK(r.second == ec::invalid_argument);
    INFO(sys.render(r.second));
    CHECK(sys.render(r.second).find(why) != std::string::npos);
  };

  // Not a domain message, a receipt it cannot validate, an empty operator message.
  for (const auto& [msg, why] : std::vector<std::pair<std::string, std::string>>{
           {"plain bytes", "not a domain-separated message"},
           {"DSDN/v1/receipt/xyz", "does not validate receipt"},
           {"DSDN/v1/operator-message/", "payload is empty"}}) {
    std::vector<std::string> cs{commit(honest.at("a")), commit(peer)};
    refused_with(sign(msg, cs, request_sig(msg, cs, a.identity, "a")), why);
  }

  const auto msg = operator_message("ok");
  std::vector<std::string> cs{commit(honest.at("a")), commit(peer)};
  // A stranger, a forged request, malformed sizes.
  refused_with(sign(msg, cs, request_sig(msg, cs, a.identity, "z"), "z"), "not a committee member");
  refused_with(sign(msg, cs, request_sig(msg, cs, bundle.members[2].identity, "a")),
               "not signed by the identity key of a");
  refused_with(sign(msg, cs, "short"), "64 bytes");
  refused_with(sign(msg, {cs[0], "x"}, request_sig(msg, cs, a.identity, "a")),
               "multiple of 96 bytes");
  // A commitment the peer never issued.
  std::vector<std::string> foreign{cs[0], commit(honest.at("c"))};
  refused_with(sign(msg, foreign, request_sig(msg, foreign, a.identity, "a")),
               "holds no commitment of b");

  // The valid request is answered once; the same commitment again is refused.
  auto ok = sign(msg, cs, request_sig(msg, cs, a.identity, "a"));
  REQUIRE(ok.first);
  CHECK(ok.first->size() == 32);
  refused_with(sign(msg, cs, request_sig(msg, cs, a.identity, "a")), "already used");
}
