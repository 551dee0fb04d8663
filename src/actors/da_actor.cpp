// The DA layer as a detached actor: its backend blocks on disk or network, so it gets its own
// thread and the rest of the system talks to it by message with timeouts.

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn {

namespace {

caf::error to_error(const failure<da::da_errc>& f) {
  return make_dsdn_error(ec::da_unavailable, "",
                         std::string(da::to_string(f.code)) + ": " + f.message);
}

da_actor::behavior_type da_layer(da_actor::pointer self, std::shared_ptr<da::da_backend> backend) {
  (void)self;
  return {
      [backend](atom::submit, const blob_list& blobs) -> caf::result<da::submit_receipt> {
        auto r = backend->submit(blobs);
        if (!r) {
          log().warn("da_write_failed layer={} blobs={} error=\"{}\"", backend->kind(),
                     blobs.size(), r.error().message);
          return to_error(r.error());
        }
        return std::move(r).value();
      },
      [backend](atom::read, uint64_t from, uint64_t to,
                uint64_t max_blobs) -> caf::result<stored_blob_list> {
        auto r = backend->get_range(from, to, static_cast<size_t>(max_blobs));
        if (!r)
          return to_error(r.error());
        return std::move(r).value();
      },
      [backend](atom::head) -> caf::result<uint64_t> {
        auto r = backend->head_height();
        if (!r)
          return to_error(r.error());
        return r.value();
      },
  };
}

}  // namespace

da_actor spawn_da(caf::actor_system& sys, std::shared_ptr<da::da_backend> backend, bool detached) {
  if (!detached)
    return sys.spawn(da_layer, std::move(backend));
  return sys.spawn<caf::detached>(da_layer, std::move(backend));
}

}  // namespace dsdn
