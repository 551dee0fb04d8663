// The read-only consistency check behind /fallback/consistency. Each check runs these steps
// in order, every request with a timeout; a step that cannot run is noted and the check goes on:
//
//   head      the primary's head height (a failure is an inconsistency: nothing can be checked)
//   consumer  the consumer reaches the head within the request timeout (it is asked to sync:
//             a chain makes blocks all the time, so a snapshot of its position would lag the
//             head by a block or two on a perfectly healthy coordinator)
//   state     no publisher gap, no rejected blob; the live checksum at the applied height
//   pending   each outbox entry is pending: its bytes are in the outbox, and its safekeeping
//             copy is on its holding layer at the recorded height (same SHA-256)
//   reconciled each recently reconciled blob is on the primary at the height the primary
//             confirmed (same SHA-256)
//   rebuild   a detached replayer rebuilds heights 1..applied from the primary alone; its
//             checksum must equal the live one
//
// Every finding is one `details` line; checks that could not complete go to `unverified`.

#include <chrono>
#include <functional>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"

namespace dsdn {

namespace {

struct check_run {
  consistency_report report;
  caf::typed_response_promise<consistency_report> promise;
  bool have_state = false;
};
using run_ptr = std::shared_ptr<check_run>;

struct checker_state {
  static inline const char* name = "consistency-checker";
  consistency_checker_config cfg;
};

using checker_pointer = consistency_checker_actor::stateful_pointer<checker_state>;

std::string render(checker_pointer self, const caf::error& err) {
  return self->system().render(err);
}

bool holds(const stored_blob_list& blobs, const core::sha256_digest& content) {
  for (auto& b : blobs)
    if (core::sha256(b.data.data(), b.data.size()) == content)
      return true;
  return false;
}

std::string describe(const core::public_key& publisher, uint64_t epoch, uint64_t sequence) {
  return "publisher " + core::to_hex(publisher.data(), 8) + "…, epoch " + std::to_string(epoch) +
         ", sequence " + std::to_string(sequence);
}

/// Calls `done` once `n` reads have finished (at once when n == 0).
struct countdown {
  size_t left;
  std::function<void()> done;
  void tick() {
    if (--left == 0)
      done();
  }
};

void finish(checker_pointer, run_ptr run) {
  auto& rep = run->report;
  rep.is_consistent = rep.details.empty();
  rep.verified_at_ms =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  run->promise.deliver(rep);
}

void rebuild(checker_pointer self, run_ptr run) {
  auto& cfg = self->state.cfg;
  if (!run->have_state) {
    run->report.unverified.push_back("no live checksum to compare a fresh rebuild with");
    return finish(self, run);
  }
  auto replayer =
      spawn_state_replayer(self->system(), cfg.layers.primary, cfg.trusted, cfg.detached_replay);
  auto height = run->report.applied_height;
  self->request(replayer, cfg.replay_timeout, atom::replay_v, height)
      .then(
          [self, run](const replay_result& r) {
            auto& rep = run->report;
            rep.rebuilt_checksum = r.checksum_hex;
            rep.items_verified++;
            if (r.checksum_hex != rep.live_checksum)
              rep.details.push_back("the live state checksum " + rep.live_checksum +
                                    " differs from a fresh rebuild of the primary up to height " +
                                    std::to_string(r.up_to_height) + ": " + r.checksum_hex);
            finish(self, run);
          },
          [self, run, replayer](const caf::error& err) {
            caf::anon_send_exit(replayer, caf::exit_reason::user_shutdown);
            run->report.unverified.push_back("the fresh rebuild from the primary did not finish: " +
                                             render(self, err));
            finish(self, run);
          });
}

/// Reads height `h` of `layer` and calls `k(found)`, or notes why it could not.
template <class K>
void read_height(checker_pointer self, run_ptr run, const da_actor& layer, const std::string& name,
                 uint64_t h, std::shared_ptr<countdown> cd, K k) {
  self->request(layer, self->state.cfg.request_timeout, atom::read_v, h, h, uint64_t{UINT32_MAX})
      .then(
          [k, cd](const stored_blob_list& blobs) {
            k(blobs);
            cd->tick();
          },
          [self, run, name, h, cd](const caf::error& err) {
            run->report.unverified.push_back("could not read height " + std::to_string(h) +
                                             " of the " + name + " layer: " + render(self, err));
            cd->tick();
          });
}

void reconciled(checker_pointer self, run_ptr run) {
  auto& cfg = self->state.cfg;
  if (!cfg.engine)
    return rebuild(self, run);
  self->request(cfg.engine, cfg.request_timeout, atom::status_v)
      .then(
          [self, run](const reconcile_status& s) {
            auto cd = std::make_shared<countdown>(
                countdown{s.recent.size() + 1, [self, run] { rebuild(self, run); }});
            for (auto& rb : s.recent)
              read_height(self, run, self->state.cfg.layers.primary, "primary", rb.primary_height,
                          cd, [run, rb](const stored_blob_list& blobs) {
                            run->report.reconciled_checked++;
                            run->report.items_verified++;
                            if (!holds(blobs, rb.content))
                              run->report.details.push_back(
                                  "reconciled blob " + core::to_hex(rb.primary_commitment) + " (" +
                                  describe(rb.publisher, rb.epoch, rb.sequence) +
                                  ") is not on the primary at height " +
                                  std::to_string(rb.primary_height));
                          });
            cd->tick();
          },
          [self, run](const caf::error& err) {
            run->report.unverified.push_back("could not read the reconciliation status: " +
                                             render(self, err));
            rebuild(self, run);
          });
}

void pending(checker_pointer self, run_ptr run) {
  auto& cfg = self->state.cfg;
  self->request(cfg.router, cfg.request_timeout, atom::audit_v, cfg.audit_limit)
      .then(
          [self, run](const outbox_audit_list& items) {
            auto cd = std::make_shared<countdown>(
                countdown{items.size() + 1, [self, run] { reconciled(self, run); }});
            for (auto& it : items) {
              const auto& e = it.info;
              auto layer = e.layer == da::holding_layer::secondary ? da::da_layer::secondary
                                                                   : da::da_layer::emergency;
              const auto& hdl = self->state.cfg.layers.of(layer);
              if (e.layer == da::holding_layer::none || !hdl) {
                // Held by the outbox alone (or by a layer no longer configured): the outbox
                // copy is the pending blob.
                run->report.pending_checked++;
                run->report.items_verified++;
                cd->tick();
                continue;
              }
              read_height(self, run, hdl, da::to_string(layer), e.layer_height, cd,
                          [run, it, layer](const stored_blob_list& blobs) {
                            const auto& e = it.info;
                            run->report.pending_checked++;
                            run->report.items_verified++;
                            if (!holds(blobs, it.content))
                              run->report.details.push_back(
                                  "outbox entry " + std::to_string(e.id) + " (" +
                                  describe(e.publisher, e.epoch, e.sequence) +
                                  "): its copy is not on the " + da::to_string(layer) +
                                  " layer at height " + std::to_string(e.layer_height));
                          });
            }
            cd->tick();
          },
          [self, run](const caf::error& err) {
            run->report.unverified.push_back("could not read the outbox: " + render(self, err));
            reconciled(self, run);
          });
}

void state(checker_pointer self, run_ptr run) {
  auto& cfg = self->state.cfg;
  self->request(cfg.sm, cfg.request_timeout, atom::status_v)
      .then(
          [self, run](const state_status& s) {
            auto& rep = run->report;
            run->have_state = true;
            rep.items_verified++;
            rep.applied_height = s.applied_height;
            rep.gap_count = s.gap_count;
            rep.blobs_rejected = s.counters.blobs_rejected;
            rep.live_checksum = s.checksum_hex;
            if (s.gap_count > 0)
              rep.details.push_back(std::to_string(s.gap_count) +
                                    " publisher(s) have a gap: later blobs are held until the "
                                    "missing ones arrive on DA");
            if (s.counters.blobs_rejected > 0)
              rep.details.push_back(std::to_string(s.counters.blobs_rejected) +
                                    " blob(s) on DA were rejected (undecodable, untrusted or "
                                    "dropped from a full gap buffer)");
            pending(self, run);
          },
          [self, run](const caf::error& err) {
            run->report.details.push_back("could not read the state machine status: " +
                                          render(self, err));
            pending(self, run);
          });
}

/// Where the consumer is now (without a head to compare with, or after a failed sync).
void consumer_position(checker_pointer self, run_ptr run) {
  auto& cfg = self->state.cfg;
  self->request(cfg.consumer, cfg.request_timeout, atom::status_v)
      .then(
          [self, run](const consumer_status& s) {
            run->report.consumer_next_height = s.next_height;
            state(self, run);
          },
          [self, run](const caf::error& err) {
            run->report.details.push_back("could not read the DA consumer status: " +
                                          render(self, err));
            state(self, run);
          });
}

void consumer(checker_pointer self, run_ptr run) {
  auto& cfg = self->state.cfg;
  if (!run->report.have_head)
    return consumer_position(self, run);
  // Syncing only makes the consumer read what is on the primary now, as it would at its next
  // poll: nothing is written.
  self->request(cfg.consumer, cfg.request_timeout, atom::sync_v, run->report.da_head)
      .then(
          [self, run](uint64_t next_height) {
            run->report.items_verified++;
            run->report.consumer_next_height = next_height;
            state(self, run);
          },
          [self, run](const caf::error& err) {
            auto& rep = run->report;
            rep.details.push_back("the DA consumer did not reach the DA head " +
                                  std::to_string(rep.da_head) + " in time: " + render(self, err));
            consumer_position(self, run);
          });
}

void head(checker_pointer self, run_ptr run) {
  auto& cfg = self->state.cfg;
  self->request(cfg.layers.primary, cfg.request_timeout, atom::head_v)
      .then(
          [self, run](uint64_t h) {
            run->report.have_head = true;
            run->report.da_head = h;
            run->report.items_verified++;
            consumer(self, run);
          },
          [self, run](const caf::error& err) {
            run->report.details.push_back("could not read the DA head: " + render(self, err));
            consumer(self, run);
          });
}

consistency_checker_actor::behavior_type checker_behavior(checker_pointer self,
                                                          consistency_checker_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
      [self](atom::verify) -> caf::result<consistency_report> {
        auto run = std::make_shared<check_run>();
        run->promise = self->make_response_promise<consistency_report>();
        auto rp = run->promise;
        head(self, run);
        return rp;
      },
  };
}

}  // namespace

consistency_checker_actor spawn_consistency_checker(caf::actor_system& sys,
                                                    consistency_checker_config cfg) {
  return sys.spawn(checker_behavior, std::move(cfg));
}

}  // namespace dsdn
