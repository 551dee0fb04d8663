// The use cases. A write is checked against current state (fast 4xx), published, and answered
// once the state machine applied it (or once durable, for wait=durable, or at once when the
// blob went to a fallback layer: it is applied only when it reaches the primary, so the answer
// is pending_primary). Reads go to the state machine; node runtime stats are soft state here.

#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/core/validation.hpp"

namespace dsdn {

namespace {

struct registry_state {
  static inline const char* name = "registry";
  state_machine_actor sm;
  event_publisher_actor publisher;
  std::unordered_map<std::string, core::node_stats> stats;
};

using registry_pointer = registry_actor::stateful_pointer<registry_state>;
using write_promise = caf::typed_response_promise<write_result>;

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
                      self->request(self->state.sm, defaults::apply_wait_timeout, atom::await_v,
                                    ack.epoch, ack.sequence, ack.event_index)
                          .then(
                              [rp, ack](const core::event_outcome& outcome) mutable {
                                if (outcome.applied)
                                  rp.deliver(write_result{ack.height, true});
                                else
                                  rp.deliver(make_rejection(outcome));
                              },
                              [rp](const caf::error& err) mutable { rp.deliver(err); });
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
                                                event_publisher_actor publisher) {
  self->state.sm = std::move(sm);
  self->state.publisher = std::move(publisher);
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
  };
}

}  // namespace

registry_actor spawn_registry(caf::actor_system& sys, state_machine_actor sm,
                              event_publisher_actor publisher) {
  return sys.spawn(registry_behavior, std::move(sm), std::move(publisher));
}

}  // namespace dsdn
