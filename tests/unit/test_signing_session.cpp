// The signing-session state machine driven with real FROST members (multi::commit / sign):
// happy paths through every state, cheaters named and excluded, round timeouts, ignored
// messages, and a fresh round 1 (never a reused nonce) on every retry.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "dsdn/multi/committee_files.hpp"
#include "dsdn/multi/domain.hpp"
#include "dsdn/multi/frost.hpp"
#include "dsdn/multi/signing_session.hpp"

using namespace dsdn::multi;
using ms = std::chrono::milliseconds;

namespace {

enum class behaviour { honest, cheat_share, silent_commitment, silent_share };

std::vector<member_spec> specs(size_t n) {
  std::vector<member_spec> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back({std::string("coord-") + static_cast<char>('a' + i),
                   "127.0.0.1:" + std::to_string(7001 + i)});
  }
  return out;
}

// A member answering requests with real FROST rounds; nonces are kept per attempt and consumed.
struct sim_member {
  key_package key;
  std::map<uint32_t, signing_nonces> nonces;
  std::vector<signing_commitments> made;  // every commitment it produced
  size_t shares_made = 0;

  std::array<uint8_t, 96> commit_for(uint32_t attempt) {
    REQUIRE(nonces.count(attempt) == 0);  // one round 1 per attempt
    round1_output r1 = commit(key);
    made.push_back(r1.commitments);
    nonces.emplace(attempt, std::move(r1.nonces));
    return r1.commitments.encode();
  }
  scalar::bytes_type sign_for(uint32_t attempt, const signing_package& pkg, bool cheat) {
    auto it = nonces.find(attempt);
    REQUIRE(it != nonces.end());  // asked to sign only after committing in this attempt
    auto share = sign(pkg, std::move(it->second), key);
    nonces.erase(it);
    REQUIRE_MESSAGE(share.ok(), share.error().message);
    ++shares_made;
    return cheat ? (share->z + scalar::from_u64(1)).bytes() : share->z.bytes();
  }
};

struct harness {
  committee_bundle bundle;
  std::map<std::string, sim_member> members;
  std::map<std::string, behaviour> behave;
  std::vector<uint8_t> message;
  std::optional<signing_session> session;
  ms now{1000};
  std::vector<step_kind> kinds;           // every step returned, in order
  std::vector<signing_package> packages;  // every package sent to signers

  harness(uint16_t t, size_t n) : bundle(make_committee(t, specs(n)).value()) {
    for (const auto& m : bundle.members) {
      members.emplace(m.id, sim_member{m.key, {}, {}, 0});
      behave[m.id] = behaviour::honest;
    }
    message = encode_domain_message(message_kind::operator_message, {'m', 's', 'g'});
  }
  void open(std::vector<std::string> connected = {}, session_options opts = {}) {
    if (connected.empty()) {
      for (const auto& m : bundle.members) {
        connected.push_back(m.id);
      }
    }
    auto s = signing_session::create(bundle.pub, message, connected, opts);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
    session.emplace(std::move(s).value());
  }
  session_step note(session_step s) {
    kinds.push_back(s.kind);
    return s;
  }
  // Delivers one request to the members (each answers at once, as over the network, then the
  // answers arrive in order); returns the step that moved the session on (a retry, the next
  // round, the end), ticking past the deadline when someone stays silent.
  session_step deliver(const session_step& s) {
    const bool round1 = s.kind == step_kind::request_commitments;
    std::vector<std::pair<std::string, std::vector<uint8_t>>> answers;
    for (const std::string& id : s.to) {
      sim_member& m = members.at(id);
      if (round1 && behave[id] != behaviour::silent_commitment) {
        const auto bytes = m.commit_for(s.attempt);
        answers.emplace_back(id, std::vector<uint8_t>(bytes.begin(), bytes.end()));
      } else if (!round1 && behave[id] != behaviour::silent_share) {
        const auto bytes =
            m.sign_for(s.attempt, *session->package(), behave[id] == behaviour::cheat_share);
        answers.emplace_back(id, std::vector<uint8_t>(bytes.begin(), bytes.end()));
      }
    }
    for (const auto& [id, bytes] : answers) {
      const session_step r =
          note(round1 ? session->on_commitment(id, s.attempt, bytes.data(), bytes.size(), now)
                      : session->on_share(id, s.attempt, bytes.data(), bytes.size(), now));
      if (r.kind != step_kind::accepted) {
        return r;
      }
    }
    CHECK(note(session->on_tick(now)).kind == step_kind::waiting);
    now = *session->deadline();
    return note(session->on_tick(now));
  }
  void run() {
    session_step s = note(session->start(now));
    while (!session->finished()) {
      REQUIRE((s.kind == step_kind::request_commitments || s.kind == step_kind::request_shares));
      CHECK(s.to == session->selected());
      if (s.kind == step_kind::request_shares) {
        packages.push_back(*session->package());
      }
      s = deliver(s);
    }
  }
  void check_signature() const {
    REQUIRE(session->state() == session_state::completed);
    REQUIRE(session->signature().has_value());
    CHECK(verify_signature(bundle.pub.group_public_key, message.data(), message.size(),
                           *session->signature()));
  }
  std::vector<session_state> states() const {
    std::vector<session_state> out;
    for (const auto& r : session->history()) {
      out.push_back(r.state);
    }
    return out;
  }
};

using st = session_state;
const std::vector<st> one_pass = {st::collecting_commitments, st::collecting_signatures,
                                  st::completed};
const std::vector<st> retry_after_round2 = {st::collecting_commitments, st::collecting_signatures,
                                            st::collecting_commitments, st::collecting_signatures,
                                            st::completed};

bool mentions(const std::string& message, const std::string& what) {
  return message.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("session: 2-of-3 and 3-of-5 go through every state and produce a valid signature") {
  for (const auto& [t, n] : std::vector<std::pair<uint16_t, size_t>>{{2, 3}, {3, 5}}) {
    CAPTURE(t);
    harness h(t, n);
    h.open();
    h.run();
    h.check_signature();
    CHECK(h.states() == one_pass);
    const std::vector<step_kind> expected_kinds = [&] {
      std::vector<step_kind> k{step_kind::request_commitments};
      k.insert(k.end(), t - 1, step_kind::accepted);
      k.push_back(step_kind::request_shares);
      k.insert(k.end(), t - 1, step_kind::accepted);
      k.push_back(step_kind::completed);
      return k;
    }();
    CHECK(h.kinds == expected_kinds);
    std::vector<std::string> lowest;
    for (size_t i = 0; i < t; ++i) {
      lowest.push_back(h.bundle.members[i].id);
    }
    CHECK(h.session->signers() == lowest);
    CHECK(h.session->attempt() == 1);
    CHECK(h.session->faults().empty());
    CHECK(!h.session->deadline().has_value());
    CHECK(h.session->package()->message() == h.message);
  }
}

TEST_CASE("session: a cheating signer is named, excluded, and the retry succeeds") {
  harness h(2, 3);
  h.behave["coord-a"] = behaviour::cheat_share;
  h.open();
  h.run();
  h.check_signature();
  CHECK(h.states() == retry_after_round2);
  CHECK(h.session->cheaters() == std::vector<std::string>{"coord-a"});
  REQUIRE(h.session->faults().size() == 1);
  CHECK(h.session->faults()[0].kind == fault_kind::invalid_share);
  CHECK(h.session->faults()[0].attempt == 1);
  CHECK(h.session->signers() == std::vector<std::string>{"coord-b", "coord-c"});
  CHECK(h.session->attempt() == 2);
  CHECK(mentions(h.session->history()[2].note, "coord-a"));
}

TEST_CASE("session: a cheater when only T members are connected fails the session, naming it") {
  harness h(2, 3);
  h.behave["coord-b"] = behaviour::cheat_share;
  h.open({"coord-a", "coord-b"});
  h.run();
  CHECK(h.session->state() == st::failed);
  CHECK(h.session->failure() == session_failure::cheating);
  CHECK(mentions(h.session->failure_reason(), "coord-b"));
  CHECK(h.session->cheaters() == std::vector<std::string>{"coord-b"});
  CHECK(!h.session->signature().has_value());
  CHECK(h.kinds.back() == step_kind::failed);
  CHECK(h.states().back() == st::failed);
}

TEST_CASE("session: a round-1 timeout excludes the silent member and retries") {
  harness h(2, 3);
  h.behave["coord-b"] = behaviour::silent_commitment;
  h.open();
  h.run();
  h.check_signature();
  CHECK(h.states() == std::vector<st>{st::collecting_commitments, st::collecting_commitments,
                                      st::collecting_signatures, st::completed});
  REQUIRE(h.session->faults().size() == 1);
  CHECK(h.session->faults()[0].member == "coord-b");
  CHECK(h.session->faults()[0].kind == fault_kind::no_commitment);
  CHECK(h.session->cheaters().empty());
  CHECK(h.session->signers() == std::vector<std::string>{"coord-a", "coord-c"});
  // The retry happened exactly at the round's deadline (default 1000 ms after the start).
  CHECK(h.session->history()[1].at == ms(2000));
}

TEST_CASE("session: a round-2 timeout excludes the silent signer and retries") {
  harness h(3, 5);
  h.behave["coord-c"] = behaviour::silent_share;
  session_options opts;
  opts.share_timeout = ms(250);
  h.open({}, opts);
  h.run();
  h.check_signature();
  CHECK(h.states() == retry_after_round2);
  CHECK(h.session->faults()[0].kind == fault_kind::no_share);
  CHECK(h.session->signers() == std::vector<std::string>{"coord-a", "coord-b", "coord-d"});
  CHECK(h.session->history()[2].at - h.session->history()[1].at == ms(250));
}

TEST_CASE("session: timeouts fail the session when fewer than T remain") {
  SUBCASE("round 1") {
    harness h(2, 3);
    h.behave["coord-b"] = behaviour::silent_commitment;
    h.open({"coord-a", "coord-b"});
    h.run();
    CHECK(h.session->failure() == session_failure::timeout);
    CHECK(mentions(h.session->failure_reason(), "coord-b"));
    CHECK(h.states() == std::vector<st>{st::collecting_commitments, st::failed});
  }
  SUBCASE("round 2, two silent signers of a 3-of-4") {
    harness h(3, 4);
    h.behave["coord-a"] = behaviour::silent_share;
    h.behave["coord-c"] = behaviour::silent_share;
    h.open();
    h.run();
    CHECK(h.session->failure() == session_failure::timeout);
    CHECK(mentions(h.session->failure_reason(), "coord-a, coord-c"));
    CHECK(h.session->faults().size() == 2);
  }
}

TEST_CASE("session: duplicate, stale and unsolicited messages are ignored") {
  harness h(2, 3);
  h.open();
  const auto c_a = h.members.at("coord-a").commit_for(1);
  const auto c_c = h.members.at("coord-c").commit_for(1);
  // Before start.
  CHECK(h.session->on_commitment("coord-a", 1, c_a.data(), c_a.size(), h.now).kind ==
        step_kind::ignored);
  auto first = h.session->start(h.now);
  REQUIRE(first.kind == step_kind::request_commitments);
  CHECK(first.to == std::vector<std::string>{"coord-a", "coord-b"});
  CHECK(h.session->start(h.now).kind == step_kind::ignored);
  CHECK(h.session->on_commitment("coord-a", 1, c_a.data(), c_a.size(), h.now).kind ==
        step_kind::accepted);
  auto dup = h.session->on_commitment("coord-a", 1, c_a.data(), c_a.size(), h.now);
  CHECK(dup.kind == step_kind::ignored);
  CHECK(mentions(dup.note, "duplicate"));
  auto unsolicited = h.session->on_commitment("coord-c", 1, c_c.data(), c_c.size(), h.now);
  CHECK(unsolicited.kind == step_kind::ignored);
  CHECK(mentions(unsolicited.note, "not a selected signer"));
  CHECK(h.session->on_commitment("intruder", 1, c_c.data(), c_c.size(), h.now).kind ==
        step_kind::ignored);
  const auto c_b = h.members.at("coord-b").commit_for(1);
  CHECK(h.session->on_commitment("coord-b", 7, c_b.data(), c_b.size(), h.now).kind ==
        step_kind::ignored);
  const scalar::bytes_type early{};
  CHECK(h.session->on_share("coord-a", 1, early.data(), early.size(), h.now).kind ==
        step_kind::ignored);
  CHECK(h.session->state() == st::collecting_commitments);
  CHECK(h.session->faults().empty());
  // The round completes normally after all that noise.
  auto shares = h.session->on_commitment("coord-b", 1, c_b.data(), c_b.size(), h.now);
  REQUIRE(shares.kind == step_kind::request_shares);
  CHECK(h.session->on_commitment("coord-b", 1, c_b.data(), c_b.size(), h.now).kind ==
        step_kind::ignored);
  auto z_a = h.members.at("coord-a").sign_for(1, *h.session->package(), false);
  auto z_b = h.members.at("coord-b").sign_for(1, *h.session->package(), false);
  CHECK(h.session->on_share("coord-a", 1, z_a.data(), z_a.size(), h.now).kind ==
        step_kind::accepted);
  CHECK(h.session->on_share("coord-a", 1, z_a.data(), z_a.size(), h.now).kind ==
        step_kind::ignored);
  CHECK(h.session->on_share("coord-b", 1, z_b.data(), z_b.size(), h.now).kind ==
        step_kind::completed);
  h.check_signature();
  CHECK(h.session->on_share("coord-b", 1, z_b.data(), z_b.size(), h.now).kind ==
        step_kind::ignored);
  CHECK(h.session->on_tick(h.now + ms(100000)).kind == step_kind::ignored);
  CHECK(h.session->state() == st::completed);
}

TEST_CASE("session: every retry is a new round 1; no commitment is used in two packages") {
  harness h(2, 3);
  h.behave["coord-a"] = behaviour::cheat_share;  // attempt 1: a, b; attempt 2: b, c
  h.open();
  h.run();
  h.check_signature();
  REQUIRE(h.packages.size() == 2);
  std::set<element::bytes_type> hiding;
  for (const auto& pkg : h.packages) {
    for (const auto& c : pkg.commitments()) {
      CHECK(hiding.insert(c.hiding.bytes()).second);
    }
  }
  // coord-b committed and signed once per attempt, with different nonces each time.
  const sim_member& b = h.members.at("coord-b");
  REQUIRE(b.made.size() == 2);
  CHECK(b.made[0].hiding != b.made[1].hiding);
  CHECK(b.shares_made == 2);
  CHECK(b.nonces.empty());
}

TEST_CASE("session: a replayed or malformed commitment is refused and its sender excluded") {
  harness h(2, 4);
  h.open();
  auto s = h.session->start(h.now);
  const auto a1 = h.members.at("coord-a").commit_for(1);
  CHECK(h.session->on_commitment("coord-a", 1, a1.data(), a1.size(), h.now).kind ==
        step_kind::accepted);
  // coord-b sends coord-a's commitment as its own (wrong identifier).
  auto r = h.session->on_commitment("coord-b", 1, a1.data(), a1.size(), h.now);
  REQUIRE(r.kind == step_kind::request_commitments);
  CHECK(r.attempt == 2);
  CHECK(r.to == std::vector<std::string>{"coord-a", "coord-c"});
  CHECK(h.session->faults().back().kind == fault_kind::invalid_commitment);
  // coord-a replays its attempt-1 commitment in attempt 2: a nonce reuse, refused.
  r = h.session->on_commitment("coord-a", 2, a1.data(), a1.size(), h.now);
  REQUIRE(r.kind == step_kind::request_commitments);
  CHECK(h.session->faults().back().member == "coord-a");
  CHECK(h.session->faults().back().kind == fault_kind::reused_commitment);
  CHECK(r.to == std::vector<std::string>{"coord-c", "coord-d"});
  // A truncated commitment.
  const auto c3 = h.members.at("coord-c").commit_for(3);
  r = h.session->on_commitment("coord-c", 3, c3.data(), 95, h.now);
  CHECK(r.kind == step_kind::failed);
  CHECK(h.session->failure() == session_failure::cheating);
  CHECK(h.session->cheaters() == std::vector<std::string>{"coord-b", "coord-a", "coord-c"});
  (void)s;
}

TEST_CASE("session: creation checks the domain, the members, and known-bad exclusions") {
  harness h(2, 3);
  auto raw = signing_session::create(h.bundle.pub, {'r', 'a', 'w'}, {"coord-a", "coord-b"});
  REQUIRE(!raw.ok());
  CHECK(raw.error().code == session_errc::not_domain_message);
  auto unknown = signing_session::create(h.bundle.pub, h.message, {"coord-a", "coord-x"});
  REQUIRE(!unknown.ok());
  CHECK(mentions(unknown.error().message, "coord-x"));
  session_options zero;
  zero.commitment_timeout = ms(0);
  CHECK(!signing_session::create(h.bundle.pub, h.message, {"coord-a"}, zero).ok());

  session_options bad;
  bad.excluded = {"coord-a"};
  h.open({}, bad);
  h.run();
  h.check_signature();
  CHECK(h.session->signers() == std::vector<std::string>{"coord-b", "coord-c"});

  harness lonely(2, 3);
  lonely.open({"coord-a"});
  auto s = lonely.session->start(lonely.now);
  CHECK(s.kind == step_kind::failed);
  CHECK(lonely.session->failure() == session_failure::not_enough_members);
  CHECK(mentions(s.note, "only 1 of the 2"));
}
