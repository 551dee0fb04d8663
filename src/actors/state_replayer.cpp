// A short-lived helper for the consistency check: replays the primary DA, heights 1..h, into a
// fresh core::state_machine and reports its checksum, then terminates. Decoding, signature
// checks and applying are CPU work, so it runs detached, away from the scheduler's threads.
//
//   replay(h) --> reading [next, h] --blobs--> apply, next = last height + 1 --> reading
//                   |  \--none left / next > h--> reply checksum, quit
//                   +--error--> reply error, quit

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"

namespace dsdn {

namespace {

struct replayer_state {
  static inline const char* name = "state-replayer";
  da_actor primary;
  std::optional<core::state_machine> machine;
  uint64_t target = 0;
  uint64_t next = 1;
  bool busy = false;
  replay_result result;
  caf::typed_response_promise<replay_result> promise;
};

using replayer_pointer = state_replayer_actor::stateful_pointer<replayer_state>;

void finish(replayer_pointer self) {
  auto& st = self->state;
  st.result.up_to_height = st.target;
  st.result.applied_height = st.machine->applied_height();
  st.result.checksum_hex = core::to_hex(st.machine->checksum());
  st.promise.deliver(st.result);
  self->quit();
}

void read_next(replayer_pointer self) {
  auto& st = self->state;
  if (st.next > st.target)
    return finish(self);
  self->request(st.primary, defaults::da_request_timeout, atom::read_v, st.next, st.target,
                defaults::replay_read_blobs)
      .then(
          [self](stored_blob_list& blobs) {
            auto& st = self->state;
            if (blobs.empty())
              return finish(self);
            for (auto& b : blobs) {
              auto r = core::decode_blob(b.data.data(), b.data.size(), st.machine->trusted());
              if (r.ok())
                st.machine->apply(std::move(r).value(), core::da_position{b.height, b.index});
              else
                st.machine->note_rejected_blob();
            }
            st.result.blobs_read += blobs.size();
            st.next = blobs.back().height + 1;
            read_next(self);
          },
          [self](const caf::error& err) {
            self->state.promise.deliver(err);
            self->quit(err);
          });
}

state_replayer_actor::behavior_type replayer_behavior(replayer_pointer self, da_actor primary,
                                                      core::trusted_publishers trusted) {
  self->state.primary = std::move(primary);
  self->state.machine.emplace(std::move(trusted), defaults::max_held_blobs);
  return {
      [self](atom::replay, uint64_t up_to) -> caf::result<replay_result> {
        auto& st = self->state;
        if (st.busy)
          return make_dsdn_error(ec::internal, "", "a replayer replays only once");
        st.busy = true;
        st.target = up_to;
        st.promise = self->make_response_promise<replay_result>();
        auto rp = st.promise;
        read_next(self);
        return rp;
      },
  };
}

}  // namespace

state_replayer_actor spawn_state_replayer(caf::actor_system& sys, da_actor primary,
                                          core::trusted_publishers trusted, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(replayer_behavior, std::move(primary), std::move(trusted));
  return sys.spawn(replayer_behavior, std::move(primary), std::move(trusted));
}

}  // namespace dsdn
