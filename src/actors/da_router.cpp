// The DA router: where each blob goes. The primary is the only canonical order (DESIGN.md 4),
// so a blob reaches it directly only while nothing waits in the outbox; otherwise it queues
// behind the backlog and a fallback layer keeps a copy until the reconciliation engine has
// replayed it to the primary.
//
//   submit --(outbox empty and primary up, or no outbox)--> primary --ok--> ack (primary)
//     |                                                        |
//     |                                    failed: no outbox --+--> error (publisher retries)
//     |                                    failed: outbox ------+--> (every failure is reported
//     |                                                          |    to the health monitor)
//     v                                                         v
//   fallback: over the outbox cap --> refuse (da_unavailable, field "outbox": HTTP 503)
//     |
//     +--> secondary --ok--> append to outbox (layer, height) --> ack (pending_primary)
//     |      | failed
//     |      v
//     +--> emergency --ok--> append ...                        --> ack (pending_primary)
//            | failed
//            v
//          primary still untried and outbox empty --> primary direct (last resort)
//          primary up and the outbox non-empty    --> append (held by the outbox alone)
//          otherwise                              --> error: every layer failed
//
// Layers marked up by the health monitor are tried before layers marked down (the status may
// be stale, so a down layer is still a last resort). With an outbox, a primary write has a
// failover deadline (about one probe interval plus one write; da_router_config), and the
// monitor marking the primary down moves every write still waiting on it to the fallback path
// at once: a primary that dies mid-write costs at most the deadline, never its client's whole
// retry chain. A late success on the primary leaves the blob there and in the outbox; the
// replay is then a duplicate that the state machine skips by (publisher, epoch, sequence). Without
// an outbox (no fallback layer) the router sends everything to the primary and a failure is an
// error, as before the fallback. With an outbox it owns SQLite, so it runs detached.

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn {

namespace {

using da::da_layer;

uint64_t unix_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

uint64_t unix_us() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

/// The outbox ordering key of a blob.
struct blob_identity {
  core::public_key publisher{};
  uint64_t epoch = 0;
  uint64_t sequence = 0;
};

/// One routed write in progress.
struct routed_write {
  blob_list blobs;
  caf::typed_response_promise<routed_receipt> promise;
  std::vector<blob_identity> ids;
  std::vector<da_layer> candidates;  // fallback order, computed once
  size_t next = 0;
  bool primary_tried = false;
  std::string errors;  // "primary: ...; secondary: ..."
};
using write_ptr = std::shared_ptr<routed_write>;

struct layer_counter {
  layer_metrics m;
  uint64_t total_latency_us = 0;
};

struct router_state {
  static inline const char* name = "da-router";
  da_router_config cfg;
  da_layer_set layers;
  health_monitor_actor monitor;
  std::shared_ptr<da::outbox> outbox;
  std::optional<health_snapshot> health;
  layer_counter counters[3];
  router_status totals;
  uint64_t raw_sequence = 0;
  std::map<uint64_t, write_ptr> on_primary;  // writes waiting on the primary, by request number
  uint64_t next_primary_request = 1;
  std::deque<uint64_t> primary_latency_us;  // the last successful primary writes
};

using router_pointer = da_router_actor::stateful_pointer<router_state>;

void submit_to(router_pointer self, write_ptr w, da_layer l);
void next_fallback(router_pointer self, write_ptr w);

bool up(const router_state& st, da_layer l) {
  if (!st.layers.of(l))
    return false;
  // Before the first status every configured layer counts as up (the tracker's start).
  return !st.health || st.health->of(l).up;
}

bool nothing_up(const router_state& st) {
  return !up(st, da_layer::primary) && !up(st, da_layer::secondary) && !up(st, da_layer::emergency);
}

/// A blob's (publisher, epoch, sequence) when it is a valid signed event blob; raw data (what
/// /da/post may send) gets the zero publisher and a growing sequence, so it never collides.
blob_identity identify(router_state& st, const da::blob_bytes& b) {
  auto decoded = core::decode_blob(b.data(), b.size());
  if (decoded.ok()) {
    const auto& h = decoded.value().header;
    return blob_identity{h.publisher, h.epoch, h.sequence};
  }
  st.raw_sequence = std::max(st.raw_sequence + 1, unix_us());
  return blob_identity{core::public_key{}, 0, st.raw_sequence};
}

void notify_outbox(router_pointer self) {
  auto& st = self->state;
  if (st.monitor && st.outbox)
    self->send(st.monitor, atom::outbox_v, static_cast<uint64_t>(st.outbox->size()));
}

void fail(router_pointer self, const write_ptr& w, caf::error err) {
  self->state.totals.writes_failed++;
  w->promise.deliver(std::move(err));
}

void refuse(router_pointer self, const write_ptr& w, const std::string& why) {
  auto& st = self->state;
  st.totals.writes_refused++;
  st.totals.last_outbox_error = why;
  log().warn("da_write_refused blobs={} reason=\"{}\"", w->blobs.size(), why);
  w->promise.deliver(make_dsdn_error(ec::da_unavailable, "outbox", why));
}

/// Queues the blobs in the outbox (held by `l`, or by the outbox alone when `l` is null) and
/// acknowledges them pending_primary.
void append_and_ack(router_pointer self, const write_ptr& w, std::optional<da_layer> l,
                    da::submit_receipt receipt) {
  auto& st = self->state;
  auto holding = !l                          ? da::holding_layer::none
                 : *l == da_layer::secondary ? da::holding_layer::secondary
                                             : da::holding_layer::emergency;
  auto now = unix_ms();
  for (size_t i = 0; i < w->blobs.size(); ++i) {
    da::outbox_item item;
    item.publisher = w->ids[i].publisher;
    item.epoch = w->ids[i].epoch;
    item.sequence = w->ids[i].sequence;
    item.blob = w->blobs[i];
    if (l && i < receipt.commitments.size())
      item.commitment = receipt.commitments[i];
    item.layer = holding;
    item.layer_height = l ? receipt.height : 0;
    item.stored_at_ms = now;
    auto r = st.outbox->append(item);
    // A retried blob (the publisher's request timed out after we queued it) is already there.
    if (!r && r.error().code != da::outbox_errc::duplicate) {
      notify_outbox(self);
      if (r.error().code == da::outbox_errc::full)
        return refuse(self, w, r.error().message);
      st.totals.last_outbox_error = r.error().message;
      log().error("outbox_append_failed error=\"{}\"", r.error().message);
      return fail(self, w, make_dsdn_error(ec::da_unavailable, "", "outbox: " + r.error().message));
    }
  }
  notify_outbox(self);
  if (!l) {
    receipt.height = 0;
    receipt.commitments.clear();
    for (auto& b : w->blobs)
      receipt.commitments.push_back(core::sha256(b.data(), b.size()));
  }
  st.totals.writes_pending++;
  routed_receipt out{std::move(receipt), l ? da::to_string(*l) : "outbox",
                     l ? st.layers.kind_of(*l) : "outbox", true};
  log().info("da_write_pending_primary blobs={} layer={} outbox_entries={}", w->blobs.size(),
             out.layer, st.outbox->size());
  w->promise.deliver(std::move(out));
}

/// The fallback path: identities, the cap, then the layers in order.
void start_fallback(router_pointer self, write_ptr w) {
  auto& st = self->state;
  uint64_t bytes = 0;
  for (auto& b : w->blobs) {
    w->ids.push_back(identify(st, b));
    bytes += b.size();
  }
  const auto& lim = st.outbox->limits();
  if (st.outbox->size() + w->blobs.size() > lim.max_entries ||
      st.outbox->bytes() + bytes > lim.max_bytes)
    return refuse(self, w,
                  "outbox full: " + std::to_string(st.outbox->size()) + " entries / " +
                      std::to_string(st.outbox->bytes()) + " bytes queued, cap " +
                      std::to_string(lim.max_entries) + " entries / " +
                      std::to_string(lim.max_bytes) + " bytes");
  for (bool want_up : {true, false})
    for (auto l : {da_layer::secondary, da_layer::emergency})
      if (st.layers.of(l) && up(st, l) == want_up)
        w->candidates.push_back(l);
  next_fallback(self, std::move(w));
}

void next_fallback(router_pointer self, write_ptr w) {
  auto& st = self->state;
  if (w->next < w->candidates.size()) {
    auto l = w->candidates[w->next++];
    return submit_to(self, std::move(w), l);
  }
  if (!w->primary_tried && st.outbox->size() == 0)
    return submit_to(self, std::move(w), da_layer::primary);
  if (!w->primary_tried && up(st, da_layer::primary))
    return append_and_ack(self, w, std::nullopt, da::submit_receipt{});
  log().error("da_write_failed_everywhere blobs={} errors=\"{}\"", w->blobs.size(), w->errors);
  fail(self, w,
       make_dsdn_error(ec::da_unavailable, "", "every DA layer failed (" + w->errors + ")"));
}

void on_layer_result(router_pointer self, const write_ptr& w, da_layer l, uint64_t latency_us,
                     const caf::error* err) {
  auto& st = self->state;
  auto& c = st.counters[static_cast<size_t>(l)];
  c.m.post_count++;
  c.total_latency_us += latency_us;
  c.m.last_post_latency_us = latency_us;
  if (!err) {
    c.m.blobs_posted += w->blobs.size();
    for (auto& b : w->blobs)
      c.m.bytes_posted += b.size();
    return;
  }
  c.m.error_count++;
  c.m.last_error = self->system().render(*err);
  if (!w->errors.empty())
    w->errors += "; ";
  w->errors += std::string(da::to_string(l)) + ": " + c.m.last_error;
}

/// How long a primary write may take before the router fails it over (da_router_config).
caf::timespan primary_deadline(const router_state& st) {
  const auto cap = st.cfg.da_timeout;
  if (!st.outbox)
    return cap;
  if (st.cfg.failover_deadline > caf::timespan{0})
    return std::min(st.cfg.failover_deadline, cap);
  if (st.cfg.health_interval <= caf::timespan{0} || st.primary_latency_us.empty())
    return cap;
  auto slowest = *std::max_element(st.primary_latency_us.begin(), st.primary_latency_us.end());
  auto derived = st.cfg.health_interval +
                 std::chrono::microseconds(slowest) * defaults::failover_latency_factor;
  return std::min<caf::timespan>(derived, cap);
}

void remember_primary_latency(router_state& st, uint64_t latency_us) {
  st.primary_latency_us.push_back(latency_us);
  while (st.primary_latency_us.size() > defaults::failover_latency_samples)
    st.primary_latency_us.pop_front();
}

/// The rest of a write's route once the primary failed it: the outbox and the next layer, or
/// an error when none is left.
void after_primary(router_pointer self, const write_ptr& w) {
  if (w->ids.empty())
    return start_fallback(self, w);
  next_fallback(self, w);
}

/// The health monitor marked the primary down: every write still waiting on it fails over now
/// (its answer, should it come, is ignored).
void fail_over_waiting(router_pointer self) {
  auto& st = self->state;
  if (!st.outbox || st.on_primary.empty())
    return;
  auto waiting = std::move(st.on_primary);
  st.on_primary.clear();
  log().warn("da_write_failover reason=primary_down writes={}", waiting.size());
  for (auto& entry : waiting) {
    auto& w = entry.second;
    if (!w->errors.empty())
      w->errors += "; ";
    w->errors += "primary: marked down by the health monitor while the write waited";
    after_primary(self, w);
  }
}

void submit_to(router_pointer self, write_ptr w, da_layer l) {
  auto& st = self->state;
  const bool primary = l == da_layer::primary;
  if (primary)
    w->primary_tried = true;
  // With an outbox, a primary write is tracked so that a down status can move it on.
  uint64_t request = 0;
  if (primary && st.outbox) {
    request = st.next_primary_request++;
    st.on_primary.emplace(request, w);
  }
  const auto timeout = primary ? primary_deadline(st) : st.cfg.da_timeout;
  auto started = std::chrono::steady_clock::now();
  auto elapsed_us = [started] {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - started)
                                     .count());
  };
  // True when the write already failed over (fail_over_waiting) and this answer comes late.
  auto moved_on = [self, request] {
    return request != 0 && self->state.on_primary.erase(request) == 0;
  };
  self->request(st.layers.of(l), timeout, atom::submit_v, w->blobs)
      .then(
          [self, w, l, elapsed_us, moved_on](da::submit_receipt& receipt) {
            auto latency = elapsed_us();
            on_layer_result(self, w, l, latency, nullptr);
            auto& st = self->state;
            if (moved_on()) {
              // Also in the outbox: its replay is a duplicate the state machine skips.
              log().info("da_write_late_primary blobs={} height={} latency_ms={}", w->blobs.size(),
                         receipt.height, latency / 1000);
              return;
            }
            if (l != da_layer::primary)
              return append_and_ack(self, w, l, std::move(receipt));
            remember_primary_latency(st, latency);
            st.totals.writes_direct++;
            w->promise.deliver(
                routed_receipt{std::move(receipt), "primary", st.layers.primary_kind, false});
          },
          [self, w, l, timeout, elapsed_us, moved_on](const caf::error& err) {
            on_layer_result(self, w, l, elapsed_us(), &err);
            if (moved_on())
              return;
            auto& st = self->state;
            if (!st.outbox)
              return fail(self, w, err);
            // Counts toward the layer's failure threshold at once (the probe may be seconds
            // away), so the status and the next write's route follow without delay.
            if (st.monitor)
              self->send(st.monitor, atom::outcome_v, l, false, elapsed_us() / 1000,
                         self->system().render(err));
            if (l != da_layer::primary)
              return next_fallback(self, w);
            if (err == caf::sec::request_timeout)
              log().warn("da_write_failover reason=deadline deadline_ms={} blobs={}",
                         std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count(),
                         w->blobs.size());
            after_primary(self, w);
          });
}

router_status status_of(const router_state& st) {
  router_status s = st.totals;
  s.fallback_enabled = static_cast<bool>(st.outbox);
  for (auto l : {da_layer::primary, da_layer::secondary, da_layer::emergency}) {
    auto m = st.counters[static_cast<size_t>(l)].m;
    m.avg_post_latency_us =
        m.post_count ? st.counters[static_cast<size_t>(l)].total_latency_us / m.post_count : 0;
    s.layers.push_back(std::move(m));
  }
  if (st.outbox) {
    s.outbox_entries = st.outbox->size();
    s.outbox_bytes = st.outbox->bytes();
    s.outbox_max_entries = st.outbox->limits().max_entries;
    s.outbox_max_bytes = st.outbox->limits().max_bytes;
  }
  return s;
}

caf::error outbox_error(const failure<da::outbox_errc>& f) {
  return make_dsdn_error(ec::internal, "", "outbox: " + f.message);
}

da_router_actor::behavior_type router_behavior(router_pointer self, da_router_config cfg,
                                               da_layer_set layers, health_monitor_actor monitor,
                                               std::shared_ptr<da::outbox> outbox) {
  auto& st = self->state;
  st.cfg = cfg;
  st.layers = std::move(layers);
  st.monitor = std::move(monitor);
  st.outbox = std::move(outbox);
  for (auto l : {da_layer::primary, da_layer::secondary, da_layer::emergency}) {
    auto& m = st.counters[static_cast<size_t>(l)].m;
    m.layer = da::to_string(l);
    m.kind = st.layers.kind_of(l);
    m.configured = static_cast<bool>(st.layers.of(l));
  }
  if (st.monitor) {
    self->send(st.monitor, atom::subscribe_v, caf::actor_cast<da_status_listener_actor>(self));
    notify_outbox(self);  // a backlog left by the previous run: Recovering at once
  }
  return {
      [self](atom::submit, blob_list& blobs) -> caf::result<routed_receipt> {
        if (auto bad = da::check_submit(blobs))
          return make_dsdn_error(ec::invalid_argument, "", bad->message);
        auto& st = self->state;
        auto w = std::make_shared<routed_write>();
        w->blobs = std::move(blobs);
        w->promise = self->make_response_promise<routed_receipt>();
        auto rp = w->promise;
        bool direct =
            !st.outbox || (st.outbox->size() == 0 && (up(st, da_layer::primary) || nothing_up(st)));
        if (direct)
          submit_to(self, w, da_layer::primary);
        else
          start_fallback(self, w);
        return rp;
      },
      [self](atom::health, health_snapshot& s) {
        self->state.health = std::move(s);
        if (!up(self->state, da_layer::primary))
          fail_over_waiting(self);
      },
      [self](atom::pending, uint64_t limit) -> caf::result<outbox_info_list> {
        auto& st = self->state;
        if (!st.outbox)
          return outbox_info_list{};
        auto r = st.outbox->list(static_cast<size_t>(limit));
        if (!r)
          return outbox_error(r.error());
        return std::move(r).value();
      },
      [self](atom::batch, uint64_t size, uint64_t publishers) -> caf::result<outbox_batch_list> {
        auto& st = self->state;
        outbox_batch_list out;
        if (!st.outbox || st.outbox->size() == 0)
          return out;
        auto pubs = st.outbox->publishers();
        if (!pubs)
          return outbox_error(pubs.error());
        for (size_t i = 0; i < pubs.value().size() && i < publishers; ++i) {
          auto entries = st.outbox->peek_for_publisher(pubs.value()[i], static_cast<size_t>(size));
          if (!entries)
            return outbox_error(entries.error());
          out.push_back(std::move(entries).value());
        }
        return out;
      },
      [self](atom::confirm, const id_vector& ids) -> caf::result<uint64_t> {
        auto& st = self->state;
        if (!st.outbox)
          return uint64_t{0};
        auto r = st.outbox->remove_many(ids);
        notify_outbox(self);
        if (!r)
          return outbox_error(r.error());
        return static_cast<uint64_t>(st.outbox->size());
      },
      [self](atom::attempt, const id_vector& ids, const std::string& error) -> uint64_t {
        auto& st = self->state;
        uint64_t marked = 0;
        if (st.outbox)
          for (auto id : ids)
            marked += st.outbox->mark_attempt(id, error).ok() ? 1 : 0;
        return marked;
      },
      [self](atom::audit, uint64_t limit) -> caf::result<outbox_audit_list> {
        auto& st = self->state;
        outbox_audit_list out;
        if (!st.outbox)
          return out;
        auto r = st.outbox->peek(static_cast<size_t>(limit));
        if (!r)
          return outbox_error(r.error());
        for (auto& e : r.value())
          out.push_back(outbox_audit_item{e, core::sha256(e.blob.data(), e.blob.size())});
        return out;
      },
      [self](atom::status) { return status_of(self->state); },
  };
}

}  // namespace

da_router_actor spawn_da_router(caf::actor_system& sys, da_router_config cfg, da_layer_set layers,
                                health_monitor_actor monitor, std::shared_ptr<da::outbox> outbox) {
  // SQLite blocks: a router that owns the outbox gets its own thread.
  if (outbox && cfg.detached)
    return sys.spawn<caf::detached>(router_behavior, cfg, std::move(layers), std::move(monitor),
                                    std::move(outbox));
  return sys.spawn(router_behavior, cfg, std::move(layers), std::move(monitor), std::move(outbox));
}

}  // namespace dsdn
