// Reads the primary DA in canonical order (height, index), decodes and verifies each blob,
// and hands them to the state machine. One read and one apply at a time: the next read starts
// only after the state machine has taken the previous batch (natural backpressure).
//
//   idle --(wake | tick | sync)--> head --> reading --blobs--> applying --applied--> reading
//                                   |          |                               \--> idle
//                                   +----------+--error--> idle (retried at the next tick)
//
// Each round first asks for the head and reads [next, head]: an empty answer means every one
// of those heights was scanned and holds nothing of ours, so the consumer moves past them. (A
// chain makes blocks whether or not we write; without this, every round would scan all the
// empty heights since our last blob again.)

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn {

namespace {

struct sync_request {
  uint64_t target;
  caf::typed_response_promise<uint64_t> promise;
};

struct consumer_state {
  static inline const char* name = "da-consumer";
  da_consumer_config cfg;
  da_actor da;
  state_machine_actor sm;
  bool following = false;
  bool busy = false;
  bool wake_pending = false;
  std::vector<sync_request> syncs;
  consumer_status status;
};

using consumer_pointer = da_consumer_actor::stateful_pointer<consumer_state>;

void read_round(consumer_pointer self);

/// Ends a round that leaves nothing to do now (it failed, or caught up while a sync waits for
/// a later head): a following consumer reads again at its next tick; one that only serves
/// syncs schedules one tick itself.
void idle_until_tick(consumer_pointer self) {
  auto& st = self->state;
  st.busy = false;
  if (!st.following && !st.syncs.empty())
    self->delayed_send(self, st.cfg.poll_interval, atom::tick_v);
}

/// Decodes what was read; blobs that fail to decode or verify are counted and skipped.
positioned_blob_list decode(consumer_state& st, const stored_blob_list& blobs,
                            uint64_t& undecodable) {
  positioned_blob_list out;
  out.reserve(blobs.size());
  for (auto& b : blobs) {
    auto r = core::decode_blob(b.data.data(), b.data.size(), st.cfg.trusted);
    if (!r) {
      ++undecodable;
      log().warn("blob_rejected height={} index={} size={} error={} detail=\"{}\"", b.height,
                 b.index, b.data.size(), core::to_string(r.error().code), r.error().message);
      continue;
    }
    out.push_back(positioned_blob{std::move(r).value(), core::da_position{b.height, b.index}});
  }
  return out;
}

/// Answers the syncs whose target height has been read.
void answer_syncs(consumer_state& st) {
  auto it = st.syncs.begin();
  while (it != st.syncs.end()) {
    if (st.status.next_height > it->target) {
      it->promise.deliver(st.status.next_height);
      it = st.syncs.erase(it);
    } else {
      ++it;
    }
  }
}

void finish_round(consumer_pointer self, bool more) {
  auto& st = self->state;
  st.busy = false;
  if (more || st.wake_pending || !st.syncs.empty()) {
    st.wake_pending = false;
    read_round(self);
  }
}

/// Every height up to `head` was read and held nothing more of ours: moves past them. A sync
/// for a later height (its target is a head read after ours) waits for the next round: at once
/// when a wake or sync came in meanwhile, else at the next tick. Only heights actually read
/// are ever passed over.
void caught_up(consumer_pointer self, uint64_t head) {
  auto& st = self->state;
  if (head >= st.status.next_height)
    st.status.next_height = head + 1;
  answer_syncs(st);
  if (st.wake_pending)
    finish_round(self, false);
  else
    idle_until_tick(self);
}

void read_failed(consumer_pointer self, const char* what, const caf::error& err) {
  auto& st = self->state;
  st.status.read_errors++;
  log().warn("da_read_failed step={} from_height={} error=\"{}\"", what, st.status.next_height,
             self->system().render(err));
  idle_until_tick(self);
}

void read_blobs(consumer_pointer self, uint64_t head);

void read_round(consumer_pointer self) {
  auto& st = self->state;
  if (st.busy) {
    st.wake_pending = true;
    return;
  }
  st.busy = true;
  st.wake_pending = false;
  self->request(st.da, st.cfg.da_timeout, atom::head_v)
      .then(
          [self](uint64_t head) {
            if (head < self->state.status.next_height)
              caught_up(self, head);
            else
              read_blobs(self, head);
          },
          [self](const caf::error& err) { read_failed(self, "head", err); });
}

void read_blobs(consumer_pointer self, uint64_t head) {
  auto& st = self->state;
  auto from = st.status.next_height;
  self->request(st.da, st.cfg.da_timeout, atom::read_v, from, head, st.cfg.read_blobs)
      .then(
          [self, head](stored_blob_list& blobs) {
            auto& st = self->state;
            if (blobs.empty()) {
              caught_up(self, head);
              return;
            }
            bool full = blobs.size() >= st.cfg.read_blobs;
            uint64_t undecodable = 0;
            auto decoded = decode(st, blobs, undecodable);
            st.status.blobs_read += blobs.size();
            st.status.blobs_undecodable += undecodable;
            if (undecodable > 0)
              self->send(st.sm, atom::rejected_v, undecodable);
            auto next = blobs.back().height + 1;
            self->request(st.sm, defaults::actor_request_timeout, atom::apply_v, std::move(decoded))
                .then(
                    [self, next, full](uint64_t) {
                      self->state.status.next_height = next;
                      answer_syncs(self->state);
                      finish_round(self, full);
                    },
                    [self](const caf::error& err) {
                      // The state machine is gone or stuck; the same heights are read again.
                      log().error("apply_failed error=\"{}\"", self->system().render(err));
                      self->state.status.read_errors++;
                      idle_until_tick(self);
                    });
          },
          [self](const caf::error& err) { read_failed(self, "blobs", err); });
}

da_consumer_actor::behavior_type consumer_behavior(consumer_pointer self, da_consumer_config cfg,
                                                   da_actor da, state_machine_actor sm) {
  self->state.cfg = std::move(cfg);
  self->state.da = std::move(da);
  self->state.sm = std::move(sm);
  return {
      [=](atom::start, uint64_t next_height) {
        auto& st = self->state;
        if (next_height > st.status.next_height)
          st.status.next_height = next_height;
        if (!st.following) {
          st.following = true;
          self->delayed_send(self, st.cfg.poll_interval, atom::tick_v);
        }
        read_round(self);
      },
      [=](atom::wake) { read_round(self); },
      [=](atom::tick) {
        auto& st = self->state;
        if (st.following)
          self->delayed_send(self, st.cfg.poll_interval, atom::tick_v);
        if (st.following || !st.syncs.empty())
          read_round(self);
      },
      [=](atom::sync, uint64_t target) -> caf::result<uint64_t> {
        auto& st = self->state;
        if (st.status.next_height > target)
          return st.status.next_height;
        auto rp = self->make_response_promise<uint64_t>();
        st.syncs.push_back(sync_request{target, rp});
        read_round(self);
        return rp;
      },
      [=](atom::status) { return self->state.status; },
  };
}

}  // namespace

da_consumer_actor spawn_da_consumer(caf::actor_system& sys, da_consumer_config cfg, da_actor da,
                                    state_machine_actor sm) {
  return sys.spawn(consumer_behavior, std::move(cfg), std::move(da), std::move(sm));
}

}  // namespace dsdn
