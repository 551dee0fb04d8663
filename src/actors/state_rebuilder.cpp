// The startup replay: asks DA for its head, has the consumer read and apply everything up to
// it, logs progress while that runs, and reports the resulting checksum and where our own
// publisher's last epoch ended (so the publisher never reuses an (epoch, sequence)).

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn {

namespace {

struct rebuilder_state {
  static inline const char* name = "state-rebuilder";
  da_actor da;
  da_consumer_actor consumer;
  state_machine_actor sm;
  core::public_key own{};
  caf::timespan progress_interval{};
  bool running = false;
  uint64_t head = 0;
  std::chrono::steady_clock::time_point started;
  std::vector<caf::typed_response_promise<rebuild_report>> waiters;
};

using rebuilder_pointer = state_rebuilder_actor::stateful_pointer<rebuilder_state>;

double elapsed_s(const rebuilder_state& st) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - st.started).count();
}

void fail(rebuilder_pointer self, const caf::error& err) {
  auto& st = self->state;
  log().error("rebuild_failed error=\"{}\"", self->system().render(err));
  for (auto& rp : st.waiters)
    rp.deliver(err);
  st.waiters.clear();
  st.running = false;
}

void finish(rebuilder_pointer self) {
  auto& st = self->state;
  auto t = defaults::actor_request_timeout;
  self->request(st.sm, t, atom::status_v)
      .then(
          [self, t](const state_status& status) {
            auto& st = self->state;
            self->request(st.sm, t, atom::cursor_v, st.own)
                .then(
                    [self, status](const core::publisher_cursor& own) {
                      auto& st = self->state;
                      rebuild_report report;
                      report.head_height = st.head;
                      report.blobs = status.counters.blobs_applied +
                                     status.counters.blobs_duplicate +
                                     status.counters.blobs_rejected + status.counters.blobs_held;
                      report.events =
                          status.counters.events_applied + status.counters.events_rejected;
                      report.seconds = elapsed_s(st);
                      report.status = status;
                      report.own_cursor = own;
                      log().info(
                          "rebuild_complete head_height={} blobs={} events={} seconds={:.3f} "
                          "checksum={} nodes={} objects={} events_rejected={} gaps={}",
                          report.head_height, report.blobs, report.events, report.seconds,
                          status.checksum_hex, status.node_count, status.object_count,
                          status.counters.events_rejected, status.gap_count);
                      for (auto& rp : st.waiters)
                        rp.deliver(report);
                      st.waiters.clear();
                      st.running = false;
                    },
                    [self](const caf::error& err) { fail(self, err); });
          },
          [self](const caf::error& err) { fail(self, err); });
}

state_rebuilder_actor::behavior_type rebuilder_behavior(rebuilder_pointer self, da_actor da,
                                                        da_consumer_actor consumer,
                                                        state_machine_actor sm,
                                                        core::public_key own,
                                                        caf::timespan progress_interval) {
  auto& st = self->state;
  st.da = std::move(da);
  st.consumer = std::move(consumer);
  st.sm = std::move(sm);
  st.own = own;
  st.progress_interval = progress_interval;
  return {
      [=](atom::rebuild) -> caf::result<rebuild_report> {
        auto& st = self->state;
        auto rp = self->make_response_promise<rebuild_report>();
        st.waiters.push_back(rp);
        if (st.running)
          return rp;
        st.running = true;
        st.started = std::chrono::steady_clock::now();
        self->request(st.da, defaults::da_request_timeout, atom::head_v)
            .then(
                [self](uint64_t head) {
                  auto& st = self->state;
                  st.head = head;
                  log().info("rebuild_started head_height={}", head);
                  self->delayed_send(self, st.progress_interval, atom::tick_v);
                  // Progress is logged meanwhile; the deadline only guards against a stuck
                  // consumer.
                  self->request(st.consumer, defaults::rebuild_timeout, atom::sync_v, head)
                      .then([self](uint64_t) { finish(self); },
                            [self](const caf::error& err) { fail(self, err); });
                },
                [self](const caf::error& err) { fail(self, err); });
        return rp;
      },
      [=](atom::tick) {
        auto& st = self->state;
        if (!st.running)
          return;
        self->request(st.consumer, defaults::actor_request_timeout, atom::status_v)
            .then(
                [self](const consumer_status& cs) {
                  auto& st = self->state;
                  log().info(
                      "rebuild_progress height={}/{} blobs_read={} undecodable={} "
                      "seconds={:.1f}",
                      cs.next_height - 1, st.head, cs.blobs_read, cs.blobs_undecodable,
                      elapsed_s(st));
                },
                [](const caf::error&) {});
        self->delayed_send(self, st.progress_interval, atom::tick_v);
      },
  };
}

}  // namespace

state_rebuilder_actor spawn_state_rebuilder(caf::actor_system& sys, da_actor da,
                                            da_consumer_actor consumer, state_machine_actor sm,
                                            core::public_key own_publisher,
                                            caf::timespan progress_interval) {
  return sys.spawn(rebuilder_behavior, std::move(da), std::move(consumer), std::move(sm),
                   own_publisher, progress_interval);
}

}  // namespace dsdn
