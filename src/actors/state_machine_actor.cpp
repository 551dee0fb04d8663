// Owns the derived state. Applies blobs the consumer hands it in primary DA order, answers
// queries, and tells writers when their own events have been applied.

#include <map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/core/placement.hpp"
#include "dsdn/core/validation.hpp"

namespace dsdn {

namespace {

using blob_key = std::pair<uint64_t, uint64_t>;  // (epoch, sequence)

struct awaiter {
  uint32_t event_index;
  caf::typed_response_promise<core::event_outcome> promise;
};

struct state_machine_state {
  static inline const char* name = "state-machine";
  std::unique_ptr<core::state_machine> machine;
  core::public_key own{};
  // Writers waiting for one of our own blobs to be applied.
  std::multimap<blob_key, awaiter> awaiters;
  // Rejected events of our own recent blobs, for awaits that arrive after the apply.
  std::map<blob_key, std::vector<std::pair<uint32_t, core::event_outcome>>> own_rejections;
  // Placement index, rebuilt lazily after a membership change.
  core::placement_index placement;
  bool placement_dirty = true;
};

using sm_pointer = state_machine_actor::stateful_pointer<state_machine_state>;

bool changes_membership(const core::event& e) {
  auto t = core::type_of(e);
  return t == core::event_type::node_registered || t == core::event_type::node_unregistered ||
         t == core::event_type::zone_assigned || t == core::event_type::zone_unassigned;
}

core::event_outcome outcome_for(const state_machine_state& st, blob_key key, uint32_t index) {
  auto it = st.own_rejections.find(key);
  if (it != st.own_rejections.end())
    for (auto& [i, outcome] : it->second)
      if (i == index)
        return outcome;
  return core::event_outcome{};
}

bool is_applied(const state_machine_state& st, blob_key key) {
  auto cur = st.machine->cursor(st.own);
  return cur && blob_key{cur->epoch, cur->sequence} >= key;
}

void resolve_awaiters(state_machine_state& st) {
  auto cur = st.machine->cursor(st.own);
  if (!cur)
    return;
  blob_key limit{cur->epoch, cur->sequence};
  auto end = st.awaiters.upper_bound(limit);
  for (auto it = st.awaiters.begin(); it != end; ++it)
    it->second.promise.deliver(outcome_for(st, it->first, it->second.event_index));
  st.awaiters.erase(st.awaiters.begin(), end);
}

void record(state_machine_state& st, const core::apply_report& report) {
  for (auto& blob : report.applied) {
    if (blob.header.publisher != st.own)
      continue;
    std::vector<std::pair<uint32_t, core::event_outcome>> rejected;
    for (uint32_t i = 0; i < blob.outcomes.size(); ++i)
      if (!blob.outcomes[i].applied)
        rejected.emplace_back(i, blob.outcomes[i]);
    if (!rejected.empty())
      st.own_rejections.emplace(blob_key{blob.header.epoch, blob.header.sequence},
                                std::move(rejected));
  }
  while (st.own_rejections.size() > defaults::own_outcome_history)
    st.own_rejections.erase(st.own_rejections.begin());
}

state_status make_status(const state_machine_state& st) {
  state_status s;
  s.applied_height = st.machine->applied_height();
  s.checksum_hex = core::to_hex(st.machine->checksum());
  s.counters = st.machine->counters();
  s.node_count = st.machine->node_count();
  s.object_count = st.machine->object_count();
  s.gap_count = st.machine->gaps().size();
  return s;
}

state_machine_actor::behavior_type state_machine_behavior(sm_pointer self,
                                                          state_machine_config cfg) {
  self->state.machine =
      std::make_unique<core::state_machine>(std::move(cfg.trusted), cfg.max_held_blobs);
  self->state.own = cfg.own_publisher;
  return {
      [=](atom::apply, positioned_blob_list& blobs) -> uint64_t {
        auto& st = self->state;
        for (auto& pb : blobs) {
          bool membership = false;
          for (auto& e : pb.blob.events)
            membership = membership || changes_membership(e);
          auto report = st.machine->apply(std::move(pb.blob), pb.position);
          switch (report.disposition) {
            case core::blob_disposition::applied:
              break;
            case core::blob_disposition::duplicate:
              log().debug("blob_duplicate height={} index={}", pb.position.height,
                          pb.position.index);
              break;
            case core::blob_disposition::held:
              log().warn("blob_held_for_gap height={} index={} gaps={}", pb.position.height,
                         pb.position.index, st.machine->gaps().size());
              break;
            case core::blob_disposition::untrusted:
              log().warn("blob_untrusted height={} index={}", pb.position.height,
                         pb.position.index);
              break;
            case core::blob_disposition::gap_overflow:
              log().error("blob_dropped_gap_buffer_full height={} index={}", pb.position.height,
                          pb.position.index);
              break;
          }
          // A held blob's membership change takes effect when released; marking dirty on
          // arrival is merely conservative.
          if (membership)
            st.placement_dirty = true;
          record(st, report);
        }
        resolve_awaiters(st);
        return st.machine->applied_height();
      },
      [=](atom::rejected, uint64_t count) {
        for (uint64_t i = 0; i < count; ++i)
          self->state.machine->note_rejected_blob();
      },
      [=](atom::check, const core::event& e) { return self->state.machine->check(e); },
      [=](atom::await, uint64_t epoch, uint64_t sequence,
          uint32_t index) -> caf::result<core::event_outcome> {
        auto& st = self->state;
        blob_key key{epoch, sequence};
        if (is_applied(st, key))
          return outcome_for(st, key, index);
        auto rp = self->make_response_promise<core::event_outcome>();
        st.awaiters.emplace(key, awaiter{index, rp});
        return rp;
      },
      [=](atom::node, const std::string& id) -> caf::result<core::node_info> {
        if (auto n = self->state.machine->node(id))
          return std::move(*n);
        return make_dsdn_error(ec::not_found, "node_id", "node not found");
      },
      [=](atom::nodes) { return self->state.machine->nodes(); },
      [=](atom::object, const std::string& hash) -> caf::result<core::object_info> {
        if (auto o = self->state.machine->object(core::normalize_hash(hash)))
          return std::move(*o);
        return make_dsdn_error(ec::not_found, "hash", "not found");
      },
      [=](atom::weights) { return self->state.machine->weights(); },
      [=](atom::cursor, const core::public_key& publisher) {
        if (auto c = self->state.machine->cursor(publisher))
          return *c;
        core::publisher_cursor none;
        none.publisher = publisher;
        return none;
      },
      [=](atom::placement, const std::string& hash, uint64_t rf) {
        auto& st = self->state;
        if (st.placement_dirty) {
          st.placement = core::placement_index(st.machine->nodes());
          st.placement_dirty = false;
        }
        return st.placement.place(core::normalize_hash(hash), static_cast<size_t>(rf));
      },
      [=](atom::status) { return make_status(self->state); },
  };
}

}  // namespace

state_machine_actor spawn_state_machine(caf::actor_system& sys, state_machine_config cfg) {
  return sys.spawn(state_machine_behavior, std::move(cfg));
}

}  // namespace dsdn
