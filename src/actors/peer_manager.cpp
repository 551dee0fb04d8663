// The peer manager: one link per other committee member, each a small state machine
//
//            +--------------------- retry (backoff timer) ----------------------+
//            v                                                                  |
//   idle --connect (connector actor, async)--> hello(challenge) --valid--> up --down_msg
//            ^         |                             |                         |
//            |      failed                  refused / timeout                  |
//            +---------+-----------------------------+---- backoff x2 ---------+
//
// The connect request goes to the middleman's (or the openssl manager's) actor, so no thread
// of ours blocks on a TCP connect. A link is used only after the peer signed our random
// challenge with the identity key the committee file lists for it. Up links are monitored
// (a broken connection yields a down_msg) and pinged every ping_interval for liveness, RTT and
// (applied height, state checksum), which are compared with this coordinator's own state.
// Signing requests spawn one signing_session per message over the up links.

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

#include <sodium.h>

#include <caf/actor_system.hpp>
#include <caf/node_id.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "dsdn/actors/committee.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/multi/commitment_pool.hpp"

namespace dsdn {

namespace {

using namespace std::chrono_literals;

enum class link_phase : uint8_t { idle, connecting, up };

struct peer_link {
  std::string host;
  uint16_t port = 0;
  // Of two members only the lower id dials. The other waits for the dialer's hello (passed on
  // by its own signing_peer), then challenges the dialer's peer manager: the `introducer`.
  bool dials = true;
  caf::strong_actor_ptr introducer;
  link_phase phase = link_phase::idle;
  uint64_t generation = 0;  // bumps per attempt: answers of an older attempt are dropped
  signing_peer_actor handle;
  caf::timespan backoff{0};
  bool retry_pending = false;
  std::chrono::steady_clock::time_point ping_sent;
  member_status status;
};

struct peer_manager_state {
  std::unique_ptr<peer_manager_config> config;  // set by the behavior (no default ctor)
  const peer_manager_config& cfg() const { return *config; }
  std::map<std::string, peer_link> links;  // every other member, by id
  member_status own;
  uint64_t completed = 0;
  uint64_t failed = 0;
  std::unique_ptr<struct signing_memory> signing;  // see sign(); created on first use
  static inline const char* name = "peer-manager";
};

using manager_pointer = peer_manager_actor::stateful_pointer<peer_manager_state>;

uint64_t unix_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

void connect(manager_pointer self, const std::string& id);

void link_failed(manager_pointer self, const std::string& id, const std::string& why) {
  auto& l = self->state.links.at(id);
  const auto& t = self->state.cfg().timing;
  l.phase = link_phase::idle;
  l.handle = nullptr;
  l.status.connected = false;
  l.status.failed_attempts++;
  // Logged when the reason changes (a refused hello after a failed connect), else every 10th.
  const bool news = why != l.status.last_error;
  l.status.last_error = why;
  l.backoff = l.backoff.count() == 0 ? t.backoff_min : std::min(l.backoff * 2, t.backoff_max);
  if (news || l.status.failed_attempts % 10 == 0)
    log().warn(
        "committee_link_failed member={} address={} attempts={} retry_in_ms={} "
        "error=\"{}\"",
        id, l.status.address, l.status.failed_attempts,
        std::chrono::duration_cast<std::chrono::milliseconds>(l.backoff).count(), why);
  if (!l.retry_pending) {
    l.retry_pending = true;
    self->delayed_send(self, l.backoff, atom::retry_v, id);
  }
}

void link_up(manager_pointer self, const std::string& id, signing_peer_actor hdl) {
  auto& l = self->state.links.at(id);
  l.phase = link_phase::up;
  l.handle = hdl;
  l.backoff = caf::timespan{0};
  l.status.connected = true;
  l.status.failed_attempts = 0;
  l.status.last_error.clear();
  l.status.last_seen_ms = unix_ms();
  self->monitor(hdl);
  log().info("committee_link_up member={} address={}", id, l.status.address);
}

/// Why (`who`, `sig`) does not answer `challenge` as member `id` holding the identity key the
/// committee file lists for it; nullopt when it does.
std::optional<std::string> hello_refusal(manager_pointer self, const std::string& id,
                                         const std::string& challenge, const std::string& who,
                                         const std::string& sig) {
  const auto& l = self->state.links.at(id);
  core::signature s{};
  if (who != id || sig.size() != s.size())
    return "hello refused: the peer at " + l.status.address + " answered as \"" + who + "\"";
  std::copy(sig.begin(), sig.end(), s.begin());
  auto signed_bytes = multi::hello_bytes(reinterpret_cast<const uint8_t*>(challenge.data()),
                                         self->state.cfg().self.id, id);
  if (!core::verify_signature(self->state.cfg().committee.find(id)->identity_public_key,
                              signed_bytes.data(), signed_bytes.size(), s))
    return "hello refused: the signature does not match the identity key the committee file "
           "lists for " +
           id;
  return std::nullopt;
}

std::string random_challenge() {
  std::string challenge(32, '\0');
  randombytes_buf(challenge.data(), challenge.size());
  return challenge;
}

/// Challenges the freshly connected peer to sign a random nonce with its listed identity key.
void say_hello(manager_pointer self, const std::string& id, uint64_t gen, signing_peer_actor hdl) {
  const auto& cfg = self->state.cfg();
  const auto challenge = random_challenge();
  self->request(hdl, cfg.timing.hello_timeout, atom::hello_v, cfg.self.id, challenge)
      .then(
          [=](const std::string& who, const std::string& sig) {
            auto& l = self->state.links.at(id);
            if (l.generation != gen || l.phase != link_phase::connecting)
              return;
            if (auto why = hello_refusal(self, id, challenge, who, sig))
              link_failed(self, id, *why);
            else
              link_up(self, id, hdl);
          },
          [=](const caf::error& err) {
            auto& l = self->state.links.at(id);
            if (l.generation == gen && l.phase == link_phase::connecting)
              link_failed(self, id, "hello failed: " + self->system().render(err));
          });
}

/// The passive side of a link: member `id` (a lower id) dialed us and said hello. Its peer
/// manager must sign our challenge with its listed identity key and name its signing_peer,
/// which becomes the link; every message goes over the one connection the dialer opened.
void hello_back(manager_pointer self, const std::string& id) {
  auto& l = self->state.links.at(id);
  if (l.phase != link_phase::idle)
    return;
  if (!l.introducer) {
    if (l.status.last_error.empty())
      l.status.last_error = "waiting for " + id + " to connect (the lower id dials)";
    return;
  }
  l.phase = link_phase::connecting;
  const uint64_t gen = ++l.generation;
  const auto introducer = l.introducer;
  const auto challenge = random_challenge();
  self->request(caf::actor_cast<peer_manager_actor>(introducer),
                self->state.cfg().timing.hello_timeout, atom::hello_v, self->state.cfg().self.id,
                challenge)
      .then(
          [=](const std::string& who, const std::string& sig, caf::strong_actor_ptr& peer) {
            auto& link = self->state.links.at(id);
            if (link.generation != gen || link.phase != link_phase::connecting)
              return;
            if (auto why = hello_refusal(self, id, challenge, who, sig))
              link_failed(self, id, *why);
            else if (!peer || peer->node() != introducer->node())
              link_failed(self, id, "hello refused: " + id + " named no signing peer of its own");
            else
              link_up(self, id, caf::actor_cast<signing_peer_actor>(std::move(peer)));
          },
          [=](const caf::error& err) {
            auto& link = self->state.links.at(id);
            if (link.generation == gen && link.phase == link_phase::connecting)
              link_failed(self, id, "hello back failed: " + self->system().render(err));
          });
}

/// Our own signing_peer answered a hello from member `id`, sent by `from` (its peer manager).
void introduced(manager_pointer self, const std::string& id, caf::strong_actor_ptr from) {
  auto it = self->state.links.find(id);
  if (it == self->state.links.end() || !from)
    return;
  auto& l = it->second;
  if (l.dials) {
    log().debug("committee_hello_ignored member={} (this member dials it)", id);
    return;
  }
  if (from == l.introducer && l.phase != link_phase::idle)
    return;  // the same dialer again (e.g. its hello timed out): up or being checked already
  if (l.introducer != from) {
    l.introducer = from;
    self->monitor(from);
  }
  if (l.phase == link_phase::up && l.handle && l.handle.node() == from->node())
    return;
  // A new dialer (the member restarted): drop what we had and check this one.
  l.phase = link_phase::idle;
  l.handle = nullptr;
  l.status.connected = false;
  l.backoff = caf::timespan{0};
  hello_back(self, id);
}

/// Answers a hello back from a member we dialed: proves our identity, names our signing_peer.
caf::result<std::string, std::string, caf::strong_actor_ptr> answer_hello(
    manager_pointer self, const std::string& challenger, const std::string& challenge) {
  const auto& cfg = self->state.cfg();
  if (challenge.size() != 32 || !cfg.committee.find(challenger) || challenger == cfg.self.id)
    return make_dsdn_error(ec::invalid_argument, "hello",
                           "a hello back needs another member's id and a 32-byte challenge");
  auto bytes = multi::hello_bytes(reinterpret_cast<const uint8_t*>(challenge.data()), challenger,
                                  cfg.self.id);
  auto sig = cfg.self.identity.sign(bytes.data(), bytes.size());
  return {cfg.self.id, std::string(sig.begin(), sig.end()),
          caf::actor_cast<caf::strong_actor_ptr>(cfg.local_peer)};
}

void connect(manager_pointer self, const std::string& id) {
  auto& l = self->state.links.at(id);
  if (!l.dials) {
    hello_back(self, id);
    return;
  }
  if (l.phase != link_phase::idle)
    return;
  l.phase = link_phase::connecting;
  const uint64_t gen = ++l.generation;
  const auto& cfg = self->state.cfg();
  if (!cfg.connector) {
    link_failed(self, id, "no connector configured");
    return;
  }
  self->request(cfg.connector, cfg.timing.connect_timeout, caf::connect_atom_v, l.host, l.port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>& ifs) {
            auto& link = self->state.links.at(id);
            if (link.generation != gen || link.phase != link_phase::connecting)
              return;
            if (!ptr) {
              link_failed(self, id, "nothing is published at " + link.status.address);
              return;
            }
            if (!self->system().assignable<signing_peer_actor>(ifs)) {
              link_failed(self, id,
                          "the actor at " + link.status.address +
                              " is not a signing_peer (interface mismatch)");
              return;
            }
            say_hello(self, id, gen, caf::actor_cast<signing_peer_actor>(std::move(ptr)));
          },
          [=](const caf::error& err) {
            auto& link = self->state.links.at(id);
            if (link.generation == gen && link.phase == link_phase::connecting)
              link_failed(self, id, "connect failed: " + self->system().render(err));
          });
}

/// Compares a member's (height, checksum) with ours.
void judge(const member_status& own, member_status& m) {
  if (m.state_checksum.empty() || own.state_checksum.empty())
    m.agreement = "unknown";
  else if (m.applied_height == own.applied_height)
    m.agreement = m.state_checksum == own.state_checksum ? "agrees" : "diverges";
  else
    m.agreement = m.applied_height < own.applied_height ? "behind" : "ahead";
  m.agrees = m.agreement == "agrees";
}

void ping(manager_pointer self, const std::string& id) {
  auto& l = self->state.links.at(id);
  if (l.phase != link_phase::up)
    return;
  l.ping_sent = std::chrono::steady_clock::now();
  const auto sent = l.ping_sent;
  const uint64_t gen = l.generation;
  self->request(l.handle, self->state.cfg().timing.ping_timeout, caf::ping_atom_v, gen)
      .then(
          [=](uint64_t echo, uint64_t height, const std::string& checksum) {
            auto& link = self->state.links.at(id);
            if (echo != gen || link.generation != gen)
              return;
            link.status.rtt_ms =
                static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - sent)
                                          .count());
            link.status.last_seen_ms = unix_ms();
            link.status.applied_height = height;
            link.status.state_checksum = checksum.size() <= 128 ? checksum : std::string();
          },
          [=](const caf::error& err) {
            log().debug("committee_ping_failed member={} error=\"{}\"", id,
                        self->system().render(err));
          });
}

void refresh_own_state(manager_pointer self) {
  if (!self->state.cfg().sm)
    return;
  self->request(self->state.cfg().sm, self->state.cfg().timing.ping_timeout, atom::status_v)
      .then(
          [=](const state_status& st) {
            self->state.own.applied_height = st.applied_height;
            self->state.own.state_checksum = st.checksum_hex;
            self->state.own.last_seen_ms = unix_ms();
          },
          [=](const caf::error&) {});
}

void annotate_reputation(manager_pointer self, committee_status& out);

committee_status make_status(manager_pointer self) {
  auto& st = self->state;
  committee_status out;
  out.coordinator_id = st.cfg().self.id;
  out.threshold = st.cfg().committee.threshold;
  out.group_public_key = core::to_hex(st.cfg().committee.group_public_key.bytes());
  out.sessions_completed = st.completed;
  out.sessions_failed = st.failed;
  for (const auto& m : st.cfg().committee.members) {
    if (m.id == st.cfg().self.id) {
      member_status own = st.own;
      judge(st.own, own);
      out.members.push_back(own);
      continue;
    }
    member_status s = st.links.at(m.id).status;
    judge(st.own, s);
    out.members.push_back(s);
  }
  annotate_reputation(self, out);
  return out;
}

// ---- signing: sessions, prefetched commitments, cheater memory ----------------------------

/// What the signing side keeps across sessions (created on first use, from the config).
struct signing_memory {
  explicit signing_memory(const peer_manager_config& cfg)
      : pool(cfg.commitment_pool), reputation(cfg.reputation) {}
  multi::commitment_pool pool;
  multi::signer_reputation reputation;
};

signing_memory& memory(manager_pointer self) {
  auto& st = self->state;
  if (!st.signing)
    st.signing = std::make_unique<signing_memory>(st.cfg());
  return *st.signing;
}

multi::signer_reputation::ms steady_ms(manager_pointer self) {
  return std::chrono::duration_cast<multi::signer_reputation::ms>(
      self->clock().now().time_since_epoch());
}

/// The members a session can use now: this coordinator's own peer and every up link, each with
/// its link generation (0 for the own peer, which never reconnects).
std::map<std::string, std::pair<signing_peer_actor, uint64_t>> usable_peers(manager_pointer self) {
  const auto& cfg = self->state.cfg();
  std::map<std::string, std::pair<signing_peer_actor, uint64_t>> out;
  out.emplace(cfg.self.id, std::make_pair(cfg.local_peer, uint64_t{0}));
  for (const auto& [id, l] : self->state.links)
    if (l.phase == link_phase::up)
      out.emplace(id, std::make_pair(l.handle, l.generation));
  return out;
}

/// Tops up every usable member's prefetched commitments (requests run concurrently; nothing
/// waits for them).
void refill_commitments(manager_pointer self) {
  auto& pool = memory(self).pool;
  for (const auto& [id, peer] : usable_peers(self)) {
    const uint64_t gen = peer.second;
    for (size_t n = pool.want(id, gen); n > 0; --n)
      self->request(peer.first, self->state.cfg().timing.commitment_timeout, atom::commit_v)
          .then([=](std::string& c) { memory(self).pool.arrived(id, gen, std::move(c)); },
                [=](const caf::error&) { memory(self).pool.arrived(id, gen, std::nullopt); });
  }
}

/// Counts the session's cheaters against their reputation.
void remember_cheaters(manager_pointer self, const signing_outcome& out) {
  for (const auto& id : out.cheaters) {
    auto cooldown = memory(self).reputation.record_cheating(id, steady_ms(self));
    log().warn("committee_member_excluded member={} strikes={} cooldown_ms={}", id,
               memory(self).reputation.strikes(id), cooldown.count());
  }
}

/// Adds the reputation view to a status snapshot.
void annotate_reputation(manager_pointer self, committee_status& out) {
  const auto now = steady_ms(self);
  const auto& rep = memory(self).reputation;
  for (auto& m : out.members) {
    m.cheating_faults = rep.strikes(m.id);
    m.excluded_for_ms = static_cast<uint64_t>(rep.remaining(m.id, now).count());
    m.excluded = m.excluded_for_ms > 0;
  }
}

caf::result<signing_outcome> sign(manager_pointer self, const std::string& message) {
  auto& st = self->state;
  auto& mem = memory(self);
  signing_session_config scfg;
  scfg.committee = st.cfg().committee;
  scfg.own_id = st.cfg().self.id;
  scfg.identity = st.cfg().self.identity;
  scfg.message = message;
  scfg.commitment_timeout = st.cfg().timing.commitment_timeout;
  scfg.share_timeout = st.cfg().timing.share_timeout;
  auto peers = usable_peers(self);
  std::vector<std::string> candidates;
  for (const auto& [id, peer] : peers) {
    scfg.links.emplace(id, peer.first);
    candidates.push_back(id);
  }
  // Known cheaters sit out their cool-down, as long as T members remain.
  scfg.excluded =
      mem.reputation.exclusions(candidates, st.cfg().committee.threshold, steady_ms(self));
  // The session's first attempt selects the T lowest eligible ids (multi::signing_session):
  // hand it a prefetched commitment for each, so it can start with round 2.
  size_t picked = 0;
  for (const auto& [id, peer] : peers) {
    if (picked == st.cfg().committee.threshold)
      break;
    if (std::find(scfg.excluded.begin(), scfg.excluded.end(), id) != scfg.excluded.end())
      continue;
    ++picked;
    if (auto c = mem.pool.take(id, peer.second))
      scfg.precommitted.emplace(id, std::move(*c));
  }
  auto session = spawn_signing_session(self->system(), std::move(scfg));
  refill_commitments(self);
  // Every attempt excludes at least one member, so a session runs at most n attempts.
  const auto bound = (st.cfg().timing.commitment_timeout + st.cfg().timing.share_timeout) *
                         static_cast<int64_t>(st.cfg().committee.members.size() + 1) +
                     5s;
  auto rp = self->make_response_promise<signing_outcome>();
  self->request(session, bound, atom::start_v)
      .then(
          [=](signing_outcome& out) mutable {
            ++(out.ok ? self->state.completed : self->state.failed);
            remember_cheaters(self, out);
            rp.deliver(std::move(out));
          },
          [=](caf::error& err) mutable {
            ++self->state.failed;
            rp.deliver(std::move(err));
          });
  return rp;
}

peer_manager_actor::behavior_type peer_manager(manager_pointer self, peer_manager_config cfg) {
  auto& st = self->state;
  st.config = std::make_unique<peer_manager_config>(std::move(cfg));
  for (const auto& m : st.cfg().committee.members) {
    if (m.id == st.cfg().self.id) {
      st.own.id = m.id;
      st.own.address = m.address;
      st.own.self = true;
      st.own.connected = true;
      continue;
    }
    peer_link l;
    l.status.id = m.id;
    l.status.address = m.address;
    l.dials = st.cfg().self.id < m.id;
    if (auto endpoint = multi::split_address(m.address)) {
      l.host = endpoint->host;
      l.port = endpoint->port;
    } else {
      l.status.last_error = "unusable address " + m.address;
    }
    st.links.emplace(m.id, std::move(l));
  }
  self->set_down_handler([=](const caf::down_msg& dm) {
    for (auto& [id, l] : self->state.links) {
      if (l.introducer && l.introducer->address() == dm.source)
        l.introducer = nullptr;  // that dialer is gone: wait for its next hello
      if (l.phase == link_phase::up && l.handle && l.handle.address() == dm.source) {
        log().warn("committee_link_down member={} reason=\"{}\"", id,
                   self->system().render(dm.reason));
        l.backoff = caf::timespan{0};
        link_failed(self, id, "link down: " + self->system().render(dm.reason));
      }
    }
  });
  for (auto& [id, l] : st.links)
    if (l.port != 0)
      connect(self, id);
  refresh_own_state(self);
  self->delayed_send(self, st.cfg().timing.ping_interval, atom::tick_v);
  return {
      [=](atom::tick) {
        refresh_own_state(self);
        for (auto& [id, l] : self->state.links)
          ping(self, id);
        self->delayed_send(self, self->state.cfg().timing.ping_interval, atom::tick_v);
      },
      [=](atom::retry, const std::string& id) {
        auto it = self->state.links.find(id);
        if (it == self->state.links.end())
          return;
        it->second.retry_pending = false;
        connect(self, id);
      },
      [=](atom::status) { return make_status(self); },
      [=](atom::sign, const std::string& message) { return sign(self, message); },
      [=](atom::introduce, const std::string& id, caf::strong_actor_ptr& from) {
        introduced(self, id, std::move(from));
      },
      [=](atom::hello, const std::string& challenger, const std::string& challenge) {
        return answer_hello(self, challenger, challenge);
      },
  };
}

}  // namespace

peer_manager_actor spawn_peer_manager(caf::actor_system& sys, peer_manager_config cfg) {
  return sys.spawn(peer_manager, std::move(cfg));
}

}  // namespace dsdn
