// The member side of the committee: the actor published on the peer port. It wraps a
// member_signer (all checks live there) and converts between wire strings and bytes; every
// size is checked before a byte is read. Answered hellos go to the hello_relay, so the peer
// manager learns the members that dial this one.

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "dsdn/actors/committee.hpp"
#include "dsdn/actors/defaults.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn {

namespace {

const uint8_t* bytes_of(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

std::string as_string(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

caf::error refuse(const std::string& what, const std::string& why) {
  log().warn("committee_request_refused request={} reason=\"{}\"", what, why);
  return make_dsdn_error(ec::invalid_argument, what, why);
}

}  // namespace

void hello_relay::attach(peer_manager_actor manager) {
  std::lock_guard<std::mutex> guard{mtx_};
  manager_ = std::move(manager);
}

void hello_relay::detach() {
  std::lock_guard<std::mutex> guard{mtx_};
  manager_ = nullptr;
}

void hello_relay::introduce(const std::string& id, const caf::strong_actor_ptr& sender) const {
  peer_manager_actor target;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    target = manager_;
  }
  if (target && sender)
    caf::anon_send(target, atom::introduce_v, id, sender);
}

signing_peer_actor::behavior_type signing_peer_behavior(
    signing_peer_actor::pointer self, std::shared_ptr<multi::member_signer> signer,
    state_machine_actor sm, std::shared_ptr<hello_relay> relay) {
  return {
      [=](atom::hello, const std::string& challenger,
          const std::string& challenge) -> caf::result<std::string, std::string> {
        if (challenge.size() != 32)
          return refuse("hello", "the challenge must be 32 bytes");
        if (!signer->members().find(challenger))
          return refuse("hello", "\"" + challenger + "\" is not a committee member");
        auto sig = signer->hello(bytes_of(challenge), challenger);
        // The dialer is not trusted yet: the manager checks it with a hello back.
        if (relay)
          relay->introduce(challenger, self->current_sender());
        return {signer->id(), as_string(sig.data(), sig.size())};
      },
      [=](caf::ping_atom, uint64_t nonce) -> caf::result<uint64_t, uint64_t, std::string> {
        if (!sm)
          return {nonce, uint64_t{0}, std::string()};
        auto rp = self->make_response_promise<uint64_t, uint64_t, std::string>();
        self->request(sm, defaults::actor_request_timeout, atom::status_v)
            .then(
                [=](const state_status& st) mutable {
                  rp.deliver(nonce, st.applied_height, st.checksum_hex);
                },
                [=](caf::error&) mutable { rp.deliver(nonce, uint64_t{0}, std::string()); });
        return rp;
      },
      [=](atom::commit) -> std::string {
        auto c = signer->commit();
        return as_string(c.data(), c.size());
      },
      [=](atom::sign, const std::string& requester, const std::string& message,
          const std::string& commitments,
          const std::string& request_signature) -> caf::result<std::string> {
        constexpr size_t entry = std::tuple_size<multi::commitment_bytes>::value;
        if (request_signature.size() != 64)
          return refuse("sign", "the request signature must be 64 bytes");
        if (commitments.size() % entry != 0)
          return refuse("sign", "the commitment list must be a multiple of 96 bytes");
        if (commitments.size() / entry > signer->members().members.size())
          return refuse("sign", "more commitments than committee members");
        std::vector<multi::commitment_bytes> list(commitments.size() / entry);
        for (size_t i = 0; i < list.size(); ++i)
          std::copy_n(commitments.begin() + static_cast<std::ptrdiff_t>(i * entry), entry,
                      list[i].begin());
        core::signature sig{};
        std::copy(request_signature.begin(), request_signature.end(), sig.begin());
        std::vector<uint8_t> msg(message.begin(), message.end());
        auto share = signer->sign(requester, msg, list, sig);
        if (!share)
          return refuse("sign", std::string(multi::to_string(share.error().code)) + ": " +
                                    share.error().message);
        return as_string(share->data(), share->size());
      },
  };
}

signing_peer_actor spawn_signing_peer(caf::actor_system& sys, signing_peer_config cfg,
                                      std::shared_ptr<hello_relay> relay) {
  auto signer = std::make_shared<multi::member_signer>(std::move(cfg.committee),
                                                       std::move(cfg.self), cfg.limits);
  return sys.spawn(signing_peer_behavior, std::move(signer), std::move(cfg.sm), std::move(relay));
}

}  // namespace dsdn
