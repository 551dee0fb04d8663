// The use cases. A write is checked against current state (fast 4xx), published, and answered
// once the state machine applied it (or once durable, for wait=durable, or at once when the
// blob went to a fallback layer: it is applied only when it reaches the primary, so the answer
// is pending_primary). Reads go to the state machine; node runtime stats are soft state here.
//
// A durable write whose apply cannot be confirmed (the wait fails or times out, or the health
// monitor marks the primary down while it waits: the consumer reads the primary) is answered
// as durable, 202 with its height, never as an error: it is on DA, and a client retrying it
// would only write it again.

#include <map>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/core/validation.hpp"

namespace dsdn {

namespace {

using write_promise = caf::typed_response_promise<write_result>;

/// A durable write waiting to be applied.
struct apply_wait {
  write_promise rp;
  uint64_t height = 0;
};

struct registry_state {
  static inline const char* name = "registry";
  state_machine_actor sm;
  event_publisher_actor publisher;
  std::unordered_map<std::string, core::node_stats> stats;
  std::map<uint64_t, apply_wait> waiting;  // by wait number
  uint64_t next_wait = 1;
  bool primary_down = false;  // as last reported by the health monitor
};

using registry_pointer = registry_actor::stateful_pointer<registry_state>;

/// Waits until the state machine applied the durable write of `ack`, then answers; answers it
/// as durable (202) at once when the primary is down or when the wait fails.
void await_applied(registry_pointer self, const write_ack& ack, write_promise rp) {
  auto& st = self->state;
  if (st.primary_down) {
    rp.deliver(write_result{ack.height, false});
    return;
  }
  auto id = st.next_wait++;
  st.waiting.emplace(id, apply_wait{rp, ack.height});
  // Still waiting (not answered by a down status in the meantime): take it out.
  auto take = [self, id]() -> std::optional<apply_wait> {
    auto& waiting = self->state.waiting;
    auto it = waiting.find(id);
    if (it == waiting.end())
      return std::nullopt;
    auto w = std::move(it->second);
    waiting.erase(it);
    return w;
  };
  self->request(st.sm, defaults::apply_wait_timeout, atom::await_v, ack.epoch, ack.sequence,
                ack.event_index)
      .then(
          [take](const core::event_outcome& outcome) {
            auto w = take();
            if (!w)
              return;
            if (outcome.applied)
              w->rp.deliver(write_result{w->height, true});
            else
              w->rp.deliver(make_rejection(outcome));
          },
          [take](const caf::error& err) {
            auto w = take();
            if (!w)
              return;
            log().warn("write_apply_unconfirmed height={} error=\"{}\"", w->height,
                       caf::to_string(err));
            w->rp.deliver(write_result{w->height, false});
          });
}

/// The primary is down: every write waiting to be applied is answered as durable.
void release_waiting(registry_pointer self) {
  auto waiting = std::move(self->state.waiting);
  self->state.waiting.clear();
  if (!waiting.empty())
    log().info("writes_answered_durable reason=primary_down writes={}", waiting.size());
  for (auto& entry : waiting)
    entry.second.rp.deliver(write_result{entry.second.height, false});
}

/// check -> publish -> (await applied) -> answer.
void write(registry_pointer self, write_mode mode, core::event e, write_promise rp) {
  auto& st = self->state;
  auto t = defaults::actor_request_timeout;
  self->request(st.sm, t, atom::check_v, e)
      .then(
          [self, mode, e, rp](const core::event_outcome& pre) mutable {
            if (!pre.applied) {
              rp.deliver(make_rejection(pre));
              return;
            }
            auto& st = self->state;
            // The publisher answers once the blob is durable, or with an error; its routed
            // write timeout bounds this, plus margin for the queue ahead.
            self->request(
                    st.publisher,
                    defaults::da_request_timeout * (defaults::routed_write_timeout_factor + 1),
                    atom::publish_v, std::move(e))
                .then(
                    [self, mode, rp](const write_ack& ack) mutable {
                      if (ack.pending_primary) {
                        rp.deliver(write_result{0, false, true});
                        return;
                      }
                      if (mode == write_mode::durable) {
                        rp.deliver(write_result{ack.height, false});
                        return;
                      }
                      await_applied(self, ack, rp);
                    },
                    [rp](const caf::error& err) mutable { rp.deliver(err); });
          },
          [rp](const caf::error& err) mutable { rp.deliver(err); });
}

template <class Event>
caf::result<write_result> start_write(registry_pointer self, write_mode mode, Event e) {
  auto rp = self->make_response_promise<write_result>();
  write(self, mode, core::event{std::move(e)}, rp);
  return rp;
}

caf::error invalid(const core::field_error& fe) {
  return make_dsdn_error(ec::invalid_argument, fe.field, fe.message);
}

std::optional<core::field_error> check_stats(const core::node_stats& s) {
  if (auto e = core::check_stat(s.cpu_free, true, "cpu_free"))
    return e;
  if (auto e = core::check_stat(s.ram_free_mb, false, "ram_free_mb"))
    return e;
  if (auto e = core::check_stat(s.gpu_free, false, "gpu_free"))
    return e;
  if (auto e = core::check_stat(s.latency_ms, false, "latency_ms"))
    return e;
  if (auto e = core::check_stat(s.io_pressure, true, "io_pressure"))
    return e;
  return std::nullopt;
}

registry_actor::behavior_type registry_behavior(registry_pointer self, state_machine_actor sm,
                                                event_publisher_actor publisher,
                                                health_monitor_actor monitor) {
  self->state.sm = std::move(sm);
  self->state.publisher = std::move(publisher);
  if (monitor)
    self->send(monitor, atom::subscribe_v, caf::actor_cast<da_status_listener_actor>(self));
  auto t = defaults::actor_request_timeout;
  return {
      [=](atom::write, write_mode m, core::node_registered e) { return start_write(self, m, e); },
      [=](atom::write, write_mode m, core::node_unregistered e) { return start_write(self, m, e); },
      [=](atom::write, write_mode m, core::zone_assigned e) { return start_write(self, m, e); },
      [=](atom::write, write_mode m, core::zone_unassigned e) { return start_write(self, m, e); },
      [=](atom::write, write_mode m, core::object_registered e) {
        e.hash = core::normalize_hash(e.hash);
        return start_write(self, m, e);
      },
      [=](atom::write, write_mode m, core::object_removed e) {
        e.hash = core::normalize_hash(e.hash);
        return start_write(self, m, e);
      },
      [=](atom::write, write_mode m, core::replica_added e) {
        e.hash = core::normalize_hash(e.hash);
        return start_write(self, m, e);
      },
      [=](atom::write, write_mode m, core::replica_marked_missing e) {
        e.hash = core::normalize_hash(e.hash);
        return start_write(self, m, e);
      },
      [=](atom::write, write_mode m, core::replica_healed e) {
        e.hash = core::normalize_hash(e.hash);
        return start_write(self, m, e);
      },
      [=](atom::write, write_mode m, core::scheduler_weights_updated e) {
        return start_write(self, m, e);
      },
      [=](atom::nodes) -> caf::result<node_list> {
        return self->delegate(self->state.sm, atom::nodes_v);
      },
      [=](atom::node, const std::string& id) -> caf::result<core::node_info> {
        return self->delegate(self->state.sm, atom::node_v, id);
      },
      [=](atom::object, const std::string& hash) -> caf::result<core::object_info> {
        if (auto fe = core::check_object_hash(hash))
          return invalid(*fe);
        return self->delegate(self->state.sm, atom::object_v, hash);
      },
      [=](atom::placement, const std::string& hash, uint64_t rf) -> caf::result<id_list> {
        if (auto fe = core::check_object_hash(hash))
          return invalid(*fe);
        if (auto fe = core::check_replication_factor(rf))
          return invalid(*fe);
        return self->delegate(self->state.sm, atom::placement_v, hash, rf);
      },
      [=](atom::schedule, const core::workload& w) -> caf::result<std::string> {
        auto rp = self->make_response_promise<std::string>();
        self->request(self->state.sm, t, atom::nodes_v)
            .then(
                [=](const node_list& nodes) mutable {
                  self->request(self->state.sm, t, atom::weights_v)
                      .then(
                          [=](const core::scheduler_weights& weights) mutable {
                            std::vector<core::schedule_candidate> candidates;
                            candidates.reserve(nodes.size());
                            auto& stats = self->state.stats;
                            for (auto& n : nodes) {
                              core::schedule_candidate c{n.id, core::node_stats{}};
                              if (auto it = stats.find(n.id); it != stats.end())
                                c.stats = it->second;
                              candidates.push_back(std::move(c));
                            }
                            if (auto best = core::pick_node(candidates, w, weights))
                              rp.deliver(std::move(*best));
                            else
                              rp.deliver(make_dsdn_error(ec::not_found, "", "no suitable node"));
                          },
                          [=](const caf::error& err) mutable { rp.deliver(err); });
                },
                [=](const caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](atom::weights) -> caf::result<core::scheduler_weights> {
        return self->delegate(self->state.sm, atom::weights_v);
      },
      [=](atom::stats, const std::string& id, const core::node_stats& s) -> caf::result<bool> {
        if (auto fe = check_stats(s))
          return invalid(*fe);
        auto rp = self->make_response_promise<bool>();
        self->request(self->state.sm, t, atom::node_v, id)
            .then(
                [=](const core::node_info&) mutable {
                  self->state.stats[id] = s;
                  rp.deliver(true);
                },
                [=](const caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [=](atom::stats, const std::string& id) -> caf::result<core::node_stats> {
        auto& stats = self->state.stats;
        if (auto it = stats.find(id); it != stats.end())
          return it->second;
        return make_dsdn_error(ec::not_found, "node_id", "no stats reported for node");
      },
      [=](atom::health, const health_snapshot& s) {
        self->state.primary_down = !s.of(da::da_layer::primary).up;
        if (self->state.primary_down)
          release_waiting(self);
      },
  };
}

}  // namespace

registry_actor spawn_registry(caf::actor_system& sys, state_machine_actor sm,
                              event_publisher_actor publisher, health_monitor_actor monitor) {
  return sys.spawn(registry_behavior, std::move(sm), std::move(publisher), std::move(monitor));
}

}  // namespace dsdn
