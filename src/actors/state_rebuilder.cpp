// The startup replay: asks DA for its head, has the consumer read and apply everything up to
// it, logs progress while that runs, and reports the resulting checksum and where our own
// publisher's last epoch ended (so the publisher never reuses an (epoch, sequence)).
//
// A primary that is unreachable at start (e.g. a restart during an outage) is waited for: the
// head request is retried with a doubling backoff (delayed messages, never a sleep) until the
// rebuild timeout, and the consumer retries its failed reads itself while the sync is open.
// An exit message fails the pending rebuild at once, so a shutdown never waits for the primary.

#include <algorithm>
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
  state_rebuilder_config cfg;
  bool running = false;
  uint64_t head = 0;
  std::chrono::steady_clock::time_point started;
  // On the actor clock (simulated in tests): when the rebuild gives up, and the head retries.
  caf::actor_clock::time_point deadline;
  uint32_t head_attempts = 0;
  caf::timespan backoff{};
  caf::error last_error;  // of the last head request (the one reported if we give up)
  std::vector<caf::typed_response_promise<rebuild_report>> waiters;
};

using rebuilder_pointer = state_rebuilder_actor::stateful_pointer<rebuilder_state>;

double elapsed_s(const rebuilder_state& st) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - st.started).count();
}

/// Answers every waiter with `err` and ends the run.
void answer_error(rebuilder_pointer self, const caf::error& err) {
  auto& st = self->state;
  for (auto& rp : st.waiters)
    rp.deliver(err);
  st.waiters.clear();
  st.running = false;
}

void fail(rebuilder_pointer self, const caf::error& err) {
  log().error("rebuild_failed error=\"{}\"", self->system().render(err));
  answer_error(self, err);
}

/// Time left until the rebuild deadline (zero once it passed).
caf::timespan remaining(rebuilder_pointer self) {
  auto left = self->state.deadline - self->clock().now();
  return std::max(caf::timespan{0}, std::chrono::duration_cast<caf::timespan>(left));
}

void sync_to(rebuilder_pointer self, uint64_t head);
void finish(rebuilder_pointer self);

/// The primary stayed unreachable until the deadline: fails as if it had been down once.
void give_up(rebuilder_pointer self) {
  auto& st = self->state;
  log().error("rebuild_da_unreachable attempts={} seconds={:.1f}", st.head_attempts, elapsed_s(st));
  fail(self, st.last_error);
}

/// Asks the primary for its head; a failure is retried after the backoff while time is left.
void request_head(rebuilder_pointer self) {
  auto& st = self->state;
  auto left = remaining(self);
  if (left <= caf::timespan{0}) {
    give_up(self);
    return;
  }
  st.head_attempts++;
  self->request(st.da, std::min(st.cfg.da_timeout, left), atom::head_v)
      .then([self](uint64_t head) { sync_to(self, head); },
            [self](const caf::error& err) {
              auto& st = self->state;
              st.last_error = err;
              auto left = remaining(self);
              if (left <= caf::timespan{0}) {
                give_up(self);
                return;
              }
              auto delay = std::min(st.backoff, left);
              log().warn("rebuild_head_failed attempt={} retry_in_ms={} error=\"{}\"",
                         st.head_attempts,
                         std::chrono::duration_cast<std::chrono::milliseconds>(delay).count(),
                         self->system().render(err));
              st.backoff = std::min(st.backoff * 2, st.cfg.retry_max);
              self->delayed_send(self, delay, atom::retry_v);
            });
}

/// Has the consumer read and apply everything up to `head`, within the time left.
void sync_to(rebuilder_pointer self, uint64_t head) {
  auto& st = self->state;
  st.head = head;
  log().info("rebuild_started head_height={} head_attempts={}", head, st.head_attempts);
  self->delayed_send(self, st.cfg.progress_interval, atom::tick_v);
  // Progress is logged meanwhile; the deadline only guards against a stuck consumer (or a
  // primary that stays unreachable: the consumer retries failed reads until then).
  self->request(st.consumer, remaining(self), atom::sync_v, head)
      .then([self](uint64_t) { finish(self); }, [self](const caf::error& err) { fail(self, err); });
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
                                                        state_rebuilder_config cfg) {
  auto& st = self->state;
  st.da = std::move(da);
  st.consumer = std::move(consumer);
  st.sm = std::move(sm);
  st.own = own;
  st.cfg = cfg;
  // Without this, an exit would leave the waiters unanswered (CAF 0.17 has no broken
  // promises) and a shutdown during a wait for the primary would hang until the timeout.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (self->state.running) {
      log().info("rebuild_cancelled reason=\"{}\" seconds={:.1f}",
                 self->system().render(msg.reason), elapsed_s(self->state));
      answer_error(self, msg.reason);
    }
    self->quit(msg.reason);
  });
  return {
      [=](atom::rebuild) -> caf::result<rebuild_report> {
        auto& st = self->state;
        auto rp = self->make_response_promise<rebuild_report>();
        st.waiters.push_back(rp);
        if (st.running)
          return rp;
        st.running = true;
        st.started = std::chrono::steady_clock::now();
        st.deadline = self->clock().now() + st.cfg.timeout;
        st.head_attempts = 0;
        st.backoff = st.cfg.retry_min;
        request_head(self);
        return rp;
      },
      [=](atom::retry) {
        if (self->state.running)
          request_head(self);
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
        self->delayed_send(self, st.cfg.progress_interval, atom::tick_v);
      },
  };
}

}  // namespace

state_rebuilder_actor spawn_state_rebuilder(caf::actor_system& sys, da_actor da,
                                            da_consumer_actor consumer, state_machine_actor sm,
                                            core::public_key own_publisher,
                                            state_rebuilder_config cfg) {
  return sys.spawn(rebuilder_behavior, std::move(da), std::move(consumer), std::move(sm),
                   own_publisher, std::move(cfg));
}

state_rebuilder_actor spawn_state_rebuilder(caf::actor_system& sys, da_actor da,
                                            da_consumer_actor consumer, state_machine_actor sm,
                                            core::public_key own_publisher,
                                            caf::timespan progress_interval) {
  state_rebuilder_config cfg;
  cfg.progress_interval = progress_interval;
  return spawn_state_rebuilder(sys, std::move(da), std::move(consumer), std::move(sm),
                               own_publisher, std::move(cfg));
}

}  // namespace dsdn
