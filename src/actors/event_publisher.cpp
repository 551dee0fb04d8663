// Group commit: events queue up while a blob is in flight or for at most one flush interval,
// then are sealed into one signed blob and written to DA (through the da_router) in order.
// Exactly one blob is in flight at a time, so blob n+1 reaches DA only after blob n is durable:
// the state machine never sees a gap from us. A blob the router put on a fallback layer is
// acknowledged pending_primary; the router queues our later blobs behind it.
//
//   idle --publish--> queued --(size reached | tick)--> in_flight --ok--> idle / queued
//                                                        |  ^
//                                                  error |  | retry (backoff)
//                                                        v  |
//                                                      failed (waiters answered with an
//                                                              error; the same bytes retried)

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn {

namespace {

static_assert(defaults::max_events_per_blob * (3 * (2 + core::max_string_length) + 8 + 5) + 128 <
                  core::max_blob_size,
              "a full blob of the largest events must fit the blob size limit");

struct queued_event {
  core::event event;
  caf::typed_response_promise<write_ack> promise;
};

struct sealed_blob {
  uint64_t sequence = 0;
  da::blob_bytes bytes;
  std::vector<caf::typed_response_promise<write_ack>> promises;
  uint32_t attempts = 0;
  bool answered = false;  // waiters already told about a failure
};

struct publisher_state {
  static inline const char* name = "event-publisher";
  event_publisher_config cfg;
  da_router_actor router;
  da_consumer_actor consumer;
  bool accepting = false;
  uint64_t epoch = 0;
  uint64_t next_sequence = 1;
  std::deque<queued_event> queue;
  std::optional<sealed_blob> in_flight;
  bool timer_armed = false;
  std::vector<caf::typed_response_promise<uint64_t>> flush_waiters;
  publisher_status counters;
};

using pub_pointer = event_publisher_actor::stateful_pointer<publisher_state>;

uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

void write_in_flight(pub_pointer self);

void answer_flush_waiters_if_idle(pub_pointer self) {
  auto& st = self->state;
  if (!st.queue.empty() || st.in_flight)
    return;
  for (auto& rp : st.flush_waiters)
    rp.deliver(st.counters.blobs_written);
  st.flush_waiters.clear();
}

void seal(pub_pointer self) {
  auto& st = self->state;
  if (st.in_flight || st.queue.empty())
    return;
  auto n = std::min(st.queue.size(), st.cfg.max_events_per_blob);
  std::vector<core::event> events;
  events.reserve(n);
  sealed_blob blob;
  blob.promises.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    events.push_back(std::move(st.queue.front().event));
    blob.promises.push_back(std::move(st.queue.front().promise));
    st.queue.pop_front();
  }
  core::blob_header header;
  header.publisher = st.cfg.key.public_key_bytes();
  header.epoch = st.epoch;
  header.sequence = st.next_sequence++;
  header.timestamp_ms = now_ms();
  blob.sequence = header.sequence;
  blob.bytes = core::encode_blob(header, events, st.cfg.key);
  st.in_flight = std::move(blob);
  write_in_flight(self);
}

void on_written(pub_pointer self, const routed_receipt& routed) {
  auto& st = self->state;
  auto& blob = *st.in_flight;
  const auto height = routed.pending_primary ? 0 : routed.receipt.height;
  if (blob.attempts > 1)
    log().info("da_write_recovered sequence={} attempts={} height={} layer={}", blob.sequence,
               blob.attempts, height, routed.layer);
  if (!blob.answered) {
    for (uint32_t i = 0; i < blob.promises.size(); ++i)
      blob.promises[i].deliver(write_ack{st.cfg.key.public_key_bytes(), st.epoch, blob.sequence, i,
                                         height, routed.pending_primary});
  }
  st.counters.blobs_written++;
  st.counters.events_written += blob.promises.size();
  st.in_flight.reset();
  if (st.consumer)
    self->send(st.consumer, atom::wake_v);
  // Events that queued while this blob was in flight form the next group at once.
  seal(self);
  answer_flush_waiters_if_idle(self);
}

void on_write_failed(pub_pointer self, const caf::error& err) {
  auto& st = self->state;
  auto& blob = *st.in_flight;
  st.counters.write_failures++;
  auto reason = self->system().render(err);
  log().warn("da_write_failed sequence={} attempt={} error=\"{}\"", blob.sequence, blob.attempts,
             reason);
  if (!blob.answered) {
    auto e = make_dsdn_error(
        ec::da_unavailable, "",
        "DA write failed (" + reason + "); the blob is retried in order and may still be applied");
    for (auto& rp : blob.promises)
      rp.deliver(e);
    blob.answered = true;
  }
  // Exponential backoff; the same signed bytes are retried so a write that did land after
  // all is recognised by the state machine as a duplicate.
  auto shift = std::min<uint32_t>(blob.attempts - 1, 16);
  auto delay = std::min(st.cfg.retry_min * (int64_t{1} << shift), st.cfg.retry_max);
  self->delayed_send(self, delay, atom::retry_v);
}

void write_in_flight(pub_pointer self) {
  auto& st = self->state;
  auto& blob = *st.in_flight;
  blob.attempts++;
  // The router may try every layer and the outbox, each bounded by its own DA timeout.
  self->request(st.router, st.cfg.da_timeout * defaults::routed_write_timeout_factor,
                atom::submit_v, blob_list{blob.bytes})
      .then([self](const routed_receipt& routed) { on_written(self, routed); },
            [self](const caf::error& err) { on_write_failed(self, err); });
}

event_publisher_actor::behavior_type publisher_behavior(pub_pointer self,
                                                        event_publisher_config cfg,
                                                        da_router_actor router,
                                                        da_consumer_actor consumer,
                                                        bool own_router) {
  self->state.cfg = std::move(cfg);
  self->state.router = std::move(router);
  self->state.consumer = std::move(consumer);
  // A router made for this publisher alone ends with it.
  if (own_router)
    self->link_to(self->state.router);
  return {
      [=](atom::publish, core::event& e) -> caf::result<write_ack> {
        auto& st = self->state;
        if (!st.accepting)
          return make_dsdn_error(ec::not_ready, "", "coordinator is rebuilding state from DA");
        if (st.queue.size() >= st.cfg.max_queued_events)
          return make_dsdn_error(ec::da_unavailable, "",
                                 "too many events waiting for DA; retry later");
        auto rp = self->make_response_promise<write_ack>();
        st.queue.push_back(queued_event{std::move(e), rp});
        if (!st.in_flight) {
          if (st.queue.size() >= st.cfg.max_events_per_blob) {
            seal(self);
          } else if (!st.timer_armed) {
            st.timer_armed = true;
            self->delayed_send(self, st.cfg.flush_interval, atom::tick_v);
          }
        }
        return rp;
      },
      [=](atom::start, uint64_t epoch) {
        auto& st = self->state;
        st.epoch = epoch;
        st.next_sequence = 1;
        st.accepting = true;
        log().info("publisher_started publisher={} epoch={}",
                   core::to_hex(st.cfg.key.public_key_bytes()), epoch);
      },
      [=](atom::flush) -> caf::result<uint64_t> {
        auto& st = self->state;
        if (st.queue.empty() && !st.in_flight)
          return st.counters.blobs_written;
        auto rp = self->make_response_promise<uint64_t>();
        st.flush_waiters.push_back(rp);
        seal(self);
        return rp;
      },
      [=](atom::tick) {
        self->state.timer_armed = false;
        seal(self);
      },
      [=](atom::retry) {
        if (self->state.in_flight)
          write_in_flight(self);
      },
      [=](atom::status) {
        auto& st = self->state;
        auto s = st.counters;
        s.accepting = st.accepting;
        s.epoch = st.epoch;
        s.next_sequence = st.next_sequence;
        s.queued_events = st.queue.size();
        s.blob_in_flight = st.in_flight.has_value();
        return s;
      },
  };
}

}  // namespace

event_publisher_actor spawn_event_publisher(caf::actor_system& sys, event_publisher_config cfg,
                                            da_router_actor router, da_consumer_actor consumer) {
  return sys.spawn(publisher_behavior, std::move(cfg), std::move(router), std::move(consumer),
                   false);
}

event_publisher_actor spawn_event_publisher(caf::actor_system& sys, event_publisher_config cfg,
                                            da_actor da, da_consumer_actor consumer) {
  da_router_config rcfg;
  rcfg.da_timeout = cfg.da_timeout;
  da_layer_set layers;
  layers.primary = std::move(da);
  auto router = spawn_da_router(sys, rcfg, std::move(layers), health_monitor_actor{}, nullptr);
  return sys.spawn(publisher_behavior, std::move(cfg), std::move(router), std::move(consumer),
                   true);
}

}  // namespace dsdn
