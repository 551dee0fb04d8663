// The reconciliation engine: replays the outbox to the primary, oldest first, and removes an
// entry only once the primary has confirmed it. A round takes up to `batch_size` entries of
// each of up to `parallel` publishers (publishers are independent, so they drain concurrently;
// each one's entries stay in order) and submits each publisher's batch to the primary in
// chunks of at most `submit_bytes` (one height per chunk, blobs in order).
//
//            status Recovering (primary up and answering, outbox non-empty)
//   idle ------------------------------------------------------> round
//    ^  ^                                                          |
//    |  |  round ok, outbox empty or primary no longer up          |
//    |  +----------------------------------------------------------+
//    |                                                             | round ok, entries left:
//    |     backoff timer, still Recovering                         v next round at once
//    +---- backoff <------------------------------------------- round had a failed group
//
//   group (one publisher's batch):
//     chunk --submit ok--> confirm (router removes) --> next chunk | done
//       |
//       +--submit failed--> attempt recorded on the entries (retry_count, last_error)
//            --> retries left (automatic rounds): wait retry_delay * 2^k, same chunk again
//            --> none left / on-demand round / primary down: group failed, entries stay queued
//
// A timed-out submit may have landed after all; resubmitting it is harmless, because the state
// machine skips a blob whose (epoch, sequence) it has already applied. The health monitor sees
// the outbox shrink through the router and reports Healthy once it is empty. /fallback/reconcile
// runs one round on demand (one attempt per chunk) and returns its report.

#include <chrono>
#include <deque>
#include <functional>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn {

std::optional<std::string> check(const reconciliation_config& cfg) {
  if (cfg.batch_size == 0)
    return std::string("the reconcile batch size must be at least 1");
  if (cfg.parallel == 0)
    return std::string("reconcile parallelism must be at least 1");
  if (cfg.retry_delay < caf::timespan{0} || cfg.retry_delay_max < cfg.retry_delay)
    return std::string("reconcile retry delays must satisfy 0 <= delay <= max delay");
  return std::nullopt;
}

namespace {

uint64_t unix_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

struct group_run {
  std::vector<da::outbox_entry> entries;
  size_t next = 0;       // the first entry not yet confirmed
  uint32_t retries = 0;  // failed attempts of the current chunk
};

struct round_run {
  bool manual = false;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  reconcile_report report;
  size_t open_groups = 0;
  std::vector<caf::typed_response_promise<reconcile_report>> waiters;
};
using round_ptr = std::shared_ptr<round_run>;
using group_ptr = std::shared_ptr<group_run>;

struct engine_state {
  static inline const char* name = "reconciliation-engine";
  reconciliation_config cfg;
  da_router_actor router;
  da_actor primary;
  da_consumer_actor consumer;
  std::optional<health_snapshot> health;
  round_ptr round;
  bool round_timer = false;  // a backoff timer for the next round is armed
  std::map<uint64_t, std::function<void()>> timers;
  uint64_t next_token = 1;
  reconcile_status status;
  std::deque<reconciled_blob> recent;
};

using engine_pointer = reconciliation_engine_actor::stateful_pointer<engine_state>;

void run_group(engine_pointer self, round_ptr r, group_ptr g);
void maybe_start(engine_pointer self);

bool primary_up(const engine_state& st) {
  return !st.health || st.health->of(da::da_layer::primary).up;
}

/// Up, and its last probe or write succeeded: a primary still up but failing (below the
/// failure threshold, e.g. just killed) gets no replays, which would only queue behind its
/// client's retries.
bool primary_answering(const engine_state& st) {
  return primary_up(st) &&
         (!st.health || st.health->of(da::da_layer::primary).consecutive_failures == 0);
}

/// The automatic drain runs while the status is Recovering and the primary answers.
bool should_drain(const engine_state& st) {
  return st.health && !st.health->unavailable && primary_answering(st) &&
         st.health->status == da::da_status::recovering;
}

caf::timespan backoff(const reconciliation_config& cfg, uint32_t failures) {
  auto shift = std::min<uint32_t>(failures > 0 ? failures - 1 : 0, 20);
  auto d = cfg.retry_delay * (int64_t{1} << shift);
  return std::min<caf::timespan>(d, cfg.retry_delay_max);
}

void after(engine_pointer self, caf::timespan delay, std::function<void()> f) {
  auto& st = self->state;
  auto token = st.next_token++;
  st.timers.emplace(token, std::move(f));
  self->delayed_send(self, delay, atom::retry_v, token);
}

void finish_round(engine_pointer self, round_ptr r) {
  auto& st = self->state;
  auto& rep = r->report;
  rep.duration_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - r->started)
                                              .count());
  rep.success = rep.blobs_failed == 0 && rep.errors.empty();
  auto done = [self, r](uint64_t remaining) {
    auto& st = self->state;
    auto& rep = r->report;
    rep.remaining = remaining;
    st.status.rounds++;
    st.status.last = rep;
    st.status.failed_rounds_in_a_row = rep.success ? 0 : st.status.failed_rounds_in_a_row + 1;
    log().info(
        "reconcile_round publishers={} processed={} reconciled={} failed={} remaining={} "
        "duration_ms={}",
        rep.publishers, rep.blobs_processed, rep.blobs_reconciled, rep.blobs_failed, remaining,
        rep.duration_ms);
    for (auto& rp : r->waiters)
      rp.deliver(rep);
    st.round.reset();
    if (!rep.success && remaining > 0 && !st.round_timer) {
      st.round_timer = true;
      self->delayed_send(self, backoff(st.cfg, st.status.failed_rounds_in_a_row), atom::retry_v,
                         uint64_t{0});
    } else if (remaining > 0) {
      maybe_start(self);
    }
  };
  self->request(st.router, defaults::actor_request_timeout, atom::status_v)
      .then([done](const router_status& s) { done(s.outbox_entries); },
            [done, r](const caf::error&) { done(r->report.blobs_failed); });
}

void group_done(engine_pointer self, const round_ptr& r) {
  if (--r->open_groups == 0)
    finish_round(self, r);
}

/// The next chunk of `g`: consecutive entries up to submit_bytes (at least one).
std::vector<size_t> next_chunk(const engine_state& st, const group_run& g) {
  std::vector<size_t> idx;
  size_t bytes = 0;
  for (size_t i = g.next; i < g.entries.size(); ++i) {
    auto size = g.entries[i].blob.size();
    if (!idx.empty() && bytes + size > st.cfg.submit_bytes)
      break;
    idx.push_back(i);
    bytes += size;
  }
  return idx;
}

void on_chunk_failed(engine_pointer self, round_ptr r, group_ptr g, std::vector<size_t> chunk,
                     const std::string& why) {
  auto& st = self->state;
  st.status.failed_attempts_total++;
  id_vector ids;
  for (auto i : chunk)
    ids.push_back(g->entries[i].id);
  self->request(st.router, defaults::actor_request_timeout, atom::attempt_v, ids, why)
      .then([](uint64_t) {},
            [](const caf::error& err) {
              log().warn("reconcile_attempt_not_recorded error=\"{}\"", caf::to_string(err));
            });
  const auto& first = g->entries[chunk.front()];
  log().warn("reconcile_submit_failed entries={} first_id={} attempt={} error=\"{}\"", chunk.size(),
             first.id, g->retries + 1, why);
  if (!r->manual && g->retries < st.cfg.max_retries && primary_answering(st)) {
    g->retries++;
    return after(self, backoff(st.cfg, g->retries), [self, r, g] { run_group(self, r, g); });
  }
  r->report.blobs_processed += chunk.size();
  r->report.blobs_failed += chunk.size();
  r->report.errors.push_back("Blob " + core::to_hex(first.commitment) + " (publisher " +
                             core::to_hex(first.publisher.data(), 8) + ", epoch " +
                             std::to_string(first.epoch) + ", sequence " +
                             std::to_string(first.sequence) + "): " + why);
  group_done(self, r);
}

void on_chunk_stored(engine_pointer self, round_ptr r, group_ptr g, std::vector<size_t> chunk,
                     da::submit_receipt receipt) {
  auto& st = self->state;
  id_vector ids;
  for (auto i : chunk)
    ids.push_back(g->entries[i].id);
  self->request(st.router, defaults::actor_request_timeout, atom::confirm_v, ids)
      .then(
          [self, r, g, chunk, receipt](uint64_t) {
            auto& st = self->state;
            auto now = unix_ms();
            for (size_t k = 0; k < chunk.size(); ++k) {
              const auto& e = g->entries[chunk[k]];
              reconciled_blob rb{e.id, e.publisher, e.epoch, e.sequence, receipt.height};
              if (k < receipt.commitments.size())
                rb.primary_commitment = receipt.commitments[k];
              rb.content = core::sha256(e.blob.data(), e.blob.size());
              rb.at_ms = now;
              st.recent.push_back(rb);
              while (st.recent.size() > st.cfg.history)
                st.recent.pop_front();
            }
            st.status.reconciled_total += chunk.size();
            r->report.blobs_processed += chunk.size();
            r->report.blobs_reconciled += chunk.size();
            g->next = chunk.back() + 1;
            g->retries = 0;
            if (st.consumer)
              self->send(st.consumer, atom::wake_v);
            run_group(self, r, g);
          },
          [self, r, g, chunk](const caf::error& err) {
            // On the primary but still queued: the next round resubmits it (skipped there as a
            // duplicate), so nothing is lost; this round reports the failure.
            auto why = "the primary stored it but the outbox did not drop it: " +
                       self->system().render(err);
            r->report.blobs_processed += chunk.size();
            r->report.blobs_failed += chunk.size();
            r->report.errors.push_back(why);
            group_done(self, r);
          });
}

void run_group(engine_pointer self, round_ptr r, group_ptr g) {
  auto& st = self->state;
  if (g->next >= g->entries.size())
    return group_done(self, r);
  auto chunk = next_chunk(st, *g);
  blob_list blobs;
  for (auto i : chunk)
    blobs.push_back(g->entries[i].blob);
  self->request(st.primary, st.cfg.da_timeout, atom::submit_v, std::move(blobs))
      .then(
          [self, r, g, chunk](da::submit_receipt& receipt) {
            on_chunk_stored(self, r, g, chunk, std::move(receipt));
          },
          [self, r, g, chunk](const caf::error& err) {
            on_chunk_failed(self, r, g, chunk, self->system().render(err));
          });
}

void start_round(engine_pointer self, bool manual,
                 std::optional<caf::typed_response_promise<reconcile_report>> waiter) {
  auto& st = self->state;
  auto r = std::make_shared<round_run>();
  r->manual = manual;
  if (waiter)
    r->waiters.push_back(*waiter);
  st.round = r;
  self->request(st.router, defaults::actor_request_timeout, atom::batch_v, st.cfg.batch_size,
                uint64_t{st.cfg.parallel})
      .then(
          [self, r](outbox_batch_list& batches) {
            r->report.publishers = batches.size();
            r->open_groups = batches.size() + 1;  // +1: held until every group has started
            for (auto& b : batches) {
              auto g = std::make_shared<group_run>();
              g->entries = std::move(b);
              run_group(self, r, g);
            }
            group_done(self, r);
          },
          [self, r](const caf::error& err) {
            r->report.errors.push_back("could not read the outbox: " + self->system().render(err));
            finish_round(self, r);
          });
}

void maybe_start(engine_pointer self) {
  auto& st = self->state;
  if (st.round || st.round_timer || !should_drain(st))
    return;
  start_round(self, false, std::nullopt);
}

reconciliation_engine_actor::behavior_type engine_behavior(engine_pointer self,
                                                           reconciliation_config cfg,
                                                           da_router_actor router, da_actor primary,
                                                           health_monitor_actor monitor,
                                                           da_consumer_actor consumer) {
  auto& st = self->state;
  st.cfg = cfg;
  st.router = std::move(router);
  st.primary = std::move(primary);
  st.consumer = std::move(consumer);
  if (monitor)
    self->send(monitor, atom::subscribe_v, caf::actor_cast<da_status_listener_actor>(self));
  return {
      [self](atom::health, health_snapshot& s) {
        self->state.health = std::move(s);
        maybe_start(self);
      },
      [self](atom::reconcile) -> caf::result<reconcile_report> {
        auto& st = self->state;
        if (!primary_up(st)) {
          reconcile_report rep;
          rep.success = false;
          rep.primary_unhealthy = true;
          rep.errors.push_back("Primary DA is not healthy, cannot reconcile");
          rep.remaining = st.health ? st.health->outbox_size : 0;
          return rep;
        }
        auto rp = self->make_response_promise<reconcile_report>();
        if (st.round)
          st.round->waiters.push_back(rp);
        else
          start_round(self, true, rp);
        return rp;
      },
      [self](atom::retry, uint64_t token) {
        auto& st = self->state;
        if (token == 0) {
          st.round_timer = false;
          return maybe_start(self);
        }
        auto it = st.timers.find(token);
        if (it == st.timers.end())
          return;
        auto f = std::move(it->second);
        st.timers.erase(it);
        f();
      },
      [self](atom::status) {
        auto& st = self->state;
        auto s = st.status;
        s.draining = st.round != nullptr || st.round_timer;
        s.recent.assign(st.recent.begin(), st.recent.end());
        return s;
      },
  };
}

}  // namespace

reconciliation_engine_actor spawn_reconciliation_engine(caf::actor_system& sys,
                                                        reconciliation_config cfg,
                                                        da_router_actor router, da_actor primary,
                                                        health_monitor_actor monitor,
                                                        da_consumer_actor consumer) {
  return sys.spawn(engine_behavior, std::move(cfg), std::move(router), std::move(primary),
                   std::move(monitor), std::move(consumer));
}

}  // namespace dsdn
