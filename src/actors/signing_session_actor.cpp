// One signing session as an actor: it owns a multi::signing_session (all decisions are made
// there) and does what its steps ask: requests round-1 commitments and round-2 shares from the
// selected members' signing_peers, arms a timer for each round deadline, and answers the
// requester once with the signature and signers or with the failure naming the cheaters.
// Round 1 uses the commitments the peer manager prefetched (cfg.precommitted) for the members
// that have one, so a session with a full pool costs one round trip instead of two. A member
// that answers a request with an error (e.g. it no longer holds a prefetched nonce) is excluded
// at once and the session retries; one that does not answer is left to the round timeout.

#include <chrono>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "dsdn/actors/committee.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/multi/signing_session.hpp"

namespace dsdn {

namespace {

using ms = std::chrono::milliseconds;

struct session_actor_state {
  std::optional<multi::signing_session> session;
  signing_session_config cfg;
  caf::typed_response_promise<signing_outcome> promise;
  ms started{0};
  std::optional<ms> armed;  // the deadline a timer is pending for
  uint64_t timer = 0;       // generation of that timer
  static inline const char* name = "signing-session";
};

using session_pointer = signing_session_actor::stateful_pointer<session_actor_state>;

ms now_ms(session_pointer self) {
  return std::chrono::duration_cast<ms>(self->clock().now().time_since_epoch());
}

std::string as_string(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

std::vector<uint8_t> as_bytes(const std::string& s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

signing_outcome make_outcome(session_pointer self) {
  const auto& s = *self->state.session;
  signing_outcome out;
  out.message = self->state.cfg.message;
  out.group_public_key = core::to_hex(self->state.cfg.committee.group_public_key.bytes());
  for (const auto& r : s.history())
    out.states.push_back({multi::to_string(r.state), r.attempt,
                          static_cast<uint64_t>((r.at - self->state.started).count()), r.note});
  out.cheaters = s.cheaters();
  if (s.state() == multi::session_state::completed && s.signature()) {
    out.ok = true;
    out.signature = *s.signature();
    out.signers = s.signers();
  } else {
    out.failure = s.failure() ? multi::to_string(*s.failure()) : "failed";
    out.reason = s.failure_reason();
  }
  return out;
}

void handle(session_pointer self, const multi::session_step& step);

void on_commitment(session_pointer self, const std::string& from, uint32_t attempt,
                   const std::string& c) {
  if (!self->state.session)
    return;
  handle(self,
         self->state.session->on_commitment(
             from, attempt, reinterpret_cast<const uint8_t*>(c.data()), c.size(), now_ms(self)));
}

void on_share(session_pointer self, const std::string& from, uint32_t attempt,
              const std::string& z) {
  if (!self->state.session)
    return;
  handle(self,
         self->state.session->on_share(from, attempt, reinterpret_cast<const uint8_t*>(z.data()),
                                       z.size(), now_ms(self)));
}

/// An error answer ends the member's part in this attempt at once; a request timeout is left
/// to the round deadline (the same length), which names every silent member together.
void on_request_error(session_pointer self, const std::string& id, uint32_t attempt,
                      const caf::error& err) {
  if (err == caf::sec::request_timeout) {
    log().debug("committee_request_timeout member={} attempt={}", id, attempt);
    return;
  }
  log().warn("committee_request_refused member={} attempt={} error=\"{}\"", id, attempt,
             self->system().render(err));
  if (!self->state.session)
    return;
  handle(self,
         self->state.session->on_refusal(id, attempt, self->system().render(err), now_ms(self)));
}

void request_commitments(session_pointer self, const multi::session_step& step) {
  auto& pre = self->state.cfg.precommitted;
  std::vector<std::pair<std::string, std::string>> ready;  // prefetched, fed in below
  for (const auto& id : step.to) {
    if (auto it = pre.find(id); it != pre.end()) {
      ready.emplace_back(id, std::move(it->second));
      pre.erase(it);  // each prefetched commitment is offered to one attempt only
      continue;
    }
    auto link = self->state.cfg.links.find(id);
    if (link == self->state.cfg.links.end())
      continue;  // not connected: the round timeout excludes it
    const uint32_t attempt = step.attempt;
    self->request(link->second, self->state.cfg.commitment_timeout, atom::commit_v)
        .then([=](const std::string& c) { on_commitment(self, id, attempt, c); },
              [=](const caf::error& err) { on_request_error(self, id, attempt, err); });
  }
  for (const auto& [id, c] : ready) {
    auto next = self->state.session->on_commitment(
        id, step.attempt, reinterpret_cast<const uint8_t*>(c.data()), c.size(), now_ms(self));
    if (next.kind != multi::step_kind::accepted) {
      handle(self, next);  // the round moved on (all in, or a fault): the rest is stale
      return;
    }
  }
}

void request_shares(session_pointer self, const multi::session_step& step) {
  const auto& pkg = *self->state.session->package();
  std::vector<multi::commitment_bytes> list;
  std::string wire;  // the list as n x 96 bytes
  for (const auto& c : pkg.commitments()) {
    list.push_back(c.encode());
    wire += as_string(list.back().data(), list.back().size());
  }
  const auto& cfg = self->state.cfg;
  auto request = multi::share_request_bytes(cfg.own_id, pkg.message(), list);
  auto sig = cfg.identity.sign(request.data(), request.size());
  const std::string sig_str = as_string(sig.data(), sig.size());
  for (const auto& id : step.to) {
    auto link = cfg.links.find(id);
    if (link == cfg.links.end())
      continue;
    const uint32_t attempt = step.attempt;
    self->request(link->second, cfg.share_timeout, atom::sign_v, cfg.own_id, cfg.message, wire,
                  sig_str)
        .then([=](const std::string& z) { on_share(self, id, attempt, z); },
              [=](const caf::error& err) { on_request_error(self, id, attempt, err); });
  }
}

void arm_timer(session_pointer self) {
  if (!self->state.session)
    return;  // finished while handling a nested step
  auto deadline = self->state.session->deadline();
  if (!deadline || deadline == self->state.armed)
    return;
  self->state.armed = deadline;
  const uint64_t gen = ++self->state.timer;
  auto delay = std::max(ms{0}, *deadline - now_ms(self));
  self->delayed_send(self, delay, atom::tick_v, gen);
}

void handle(session_pointer self, const multi::session_step& step) {
  switch (step.kind) {
    case multi::step_kind::request_commitments:
      request_commitments(self, step);
      break;
    case multi::step_kind::request_shares:
      request_shares(self, step);
      break;
    case multi::step_kind::completed:
    case multi::step_kind::failed: {
      auto out = make_outcome(self);
      if (!out.ok || !out.cheaters.empty())
        log().warn("committee_session_end ok={} failure={} cheaters={} reason=\"{}\"", out.ok,
                   out.failure, out.cheaters.size(), out.reason);
      self->state.promise.deliver(std::move(out));
      self->state.session.reset();
      self->quit();
      return;
    }
    case multi::step_kind::waiting:
    case multi::step_kind::ignored:
    case multi::step_kind::accepted:
      break;
  }
  arm_timer(self);
}

signing_session_actor::behavior_type signing_session_behavior(session_pointer self,
                                                              signing_session_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
      [=](atom::start) -> caf::result<signing_outcome> {
        auto& st = self->state;
        if (st.session || st.promise.pending())
          return make_dsdn_error(ec::invalid_argument, "session", "the session already started");
        std::vector<std::string> connected;
        for (const auto& [id, link] : st.cfg.links)
          if (link && st.cfg.committee.find(id))
            connected.push_back(id);
        multi::session_options opts;
        opts.commitment_timeout = std::chrono::duration_cast<ms>(st.cfg.commitment_timeout);
        opts.share_timeout = std::chrono::duration_cast<ms>(st.cfg.share_timeout);
        opts.excluded = st.cfg.excluded;
        auto created = multi::signing_session::create(st.cfg.committee, as_bytes(st.cfg.message),
                                                      connected, opts);
        if (!created) {
          self->quit();
          return make_dsdn_error(ec::invalid_argument, "message", created.error().message);
        }
        st.session.emplace(std::move(created).value());
        st.promise = self->make_response_promise<signing_outcome>();
        st.started = now_ms(self);
        auto promise = st.promise;
        handle(self, st.session->start(st.started));
        return promise;
      },
      [=](atom::tick, uint64_t gen) {
        if (!self->state.session || gen != self->state.timer)
          return;
        self->state.armed.reset();
        handle(self, self->state.session->on_tick(now_ms(self)));
      },
  };
}

}  // namespace

signing_session_actor spawn_signing_session(caf::actor_system& sys, signing_session_config cfg) {
  return sys.spawn(signing_session_behavior, std::move(cfg));
}

}  // namespace dsdn
