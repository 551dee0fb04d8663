// Health, readiness, system info and the Prometheus scrape. The DA figures come from the health
// monitor corrected by a live probe of the layer writes go to (da_view.hpp).

#include <chrono>

#include "da_view.hpp"
#include "handlers.hpp"
#include "handlers_common.hpp"

namespace dsdn::http {

namespace {

const char* const version = "0.1.0";

uint64_t uptime_s(const call& c) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::steady_clock::now() - c.ctx->started)
                                   .count());
}

/// /health.status: unavailable when no layer takes writes; healthy when writes are accepted
/// and go to the primary without trouble (Healthy, Warning); degraded otherwise (rebuilding,
/// on a fallback layer, or draining the outbox).
const char* overall(const da_view& v, bool accepting) {
  if (!v.da_available)
    return "unavailable";
  bool fine = v.da_health == "healthy" || v.da_health == "warning";
  return accepting && fine ? "healthy" : "degraded";
}

/// Asks `dest` for its status within `timeout`: `record` takes the answer, then `next` runs, and
/// runs as well when `dest` fails or does not answer in time.
template <class Status, class Handle, class Record, class Next>
void ask_status_then(const call& c, std::chrono::milliseconds timeout, const Handle& dest,
                     Record record, Next next) {
  ask_or<Status>(
      c, timeout, dest,
      [record, next](Status s) {
        record(s);
        next();
      },
      [next](const caf::error&) { next(); }, atom::status_v);
}

void send_unready(const call& c, const std::string& why) {
  reply r;
  r.status = 503;
  r.body = dump(json{{"error", why}});
  r.headers.emplace_back("Retry-After", "1");
  c.send(std::move(r));
}

}  // namespace

void get_health(const call& c) {
  // Always 200: the body says how healthy.
  auto answer = [c](bool accepting) {
    with_da_view(c, [c, accepting](const da_view& v) {
      send_json(c, 200,
                json{{"status", overall(v, accepting)},
                     {"da_available", v.da_available},
                     {"da_health", v.da_health},
                     {"accepting_writes", accepting},
                     {"routing_state", v.routing_state},
                     {"fallback_active", v.fallback_active},
                     {"pending_reconcile", v.pending_reconcile}});
    });
  };
  ask_or<publisher_status>(
      c, c.ctx->cfg.health_timeout, c.ctx->publisher,
      [answer](publisher_status p) { answer(p.accepting); },
      [answer](const caf::error&) { answer(false); }, atom::status_v);
}

void get_ready(const call& c) {
  ask_or<publisher_status>(
      c, c.ctx->cfg.health_timeout, c.ctx->publisher,
      [c](publisher_status p) {
        if (!p.accepting)
          return send_unready(c, "rebuilding state from DA");
        // Ready when the layer writes go to now answers (a fallback layer counts: writes are
        // accepted, pending the primary).
        with_da_view(c, [c](const da_view& v) {
          if (!v.live_ok || !v.da_available)
            return send_unready(c, "DA layer unavailable");
          reply r;
          r.content_type.clear();  // 200 with an empty body, as in the original
          c.send(std::move(r));
        });
      },
      [c](const caf::error& err) {
        send_unready(c, "event publisher not answering: " + c.ctx->sys.render(err));
      },
      atom::status_v);
}

void get_system_info(const call& c) {
  ask<state_status>(
      c, c.ctx->sm,
      [c](state_status s) {
        ask<publisher_status>(
            c, c.ctx->publisher,
            [c, s](publisher_status p) {
              with_da_view(c, [c, s, p](const da_view& v) {
                const auto& l = c.ctx->layers;
                auto kind = [](const da_actor& a, const std::string& k) {
                  return a ? json(k) : json(nullptr);
                };
                send_json(
                    c, 200,
                    json{{"version", version},
                         {"node_count", s.node_count},
                         {"da_status", v.da_health},
                         {"routing_state", v.routing_state},
                         {"fallback_active", v.fallback_active},
                         {"pending_reconcile", v.pending_reconcile},
                         {"state_checksum", s.checksum_hex},
                         {"applied_height", s.applied_height},
                         {"events_applied", s.counters.events_applied},
                         {"events_rejected", s.counters.events_rejected},
                         {"object_count", s.object_count},
                         {"publisher_id", c.ctx->publisher_id_hex},
                         {"epoch", p.epoch},
                         {"accepting_writes", p.accepting},
                         {"uptime_s", uptime_s(c)},
                         {"da_layer", c.ctx->da_layer},
                         {"da_layers", json{{"primary", kind(l.primary, l.primary_kind)},
                                            {"secondary", kind(l.secondary, l.secondary_kind)},
                                            {"emergency", kind(l.emergency, l.emergency_kind)}}},
                         {"data_dir", c.ctx->data_dir}});
              });
            },
            atom::status_v);
      },
      atom::status_v);
}

void get_metrics(const call& c) {
  // A chain of status round trips; a component that does not answer just leaves its figures as
  // they were at the previous scrape.
  auto figures = std::make_shared<coordinator_figures>();
  auto timeout = c.ctx->cfg.health_timeout;
  auto finish = [c, figures] {
    c.ctx->metrics.update(*figures);
    reply r;
    r.body = c.ctx->metrics.serialize();
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    c.send(std::move(r));
  };
  auto ask_reconciler = [c, figures, timeout, finish] {
    if (!c.ctx->reconciler)
      return finish();
    ask_status_then<reconcile_status>(
        c, timeout, c.ctx->reconciler,
        [figures](const reconcile_status& s) {
          figures->have_reconciler = true;
          figures->reconcile_rounds = s.rounds;
          figures->reconciled_blobs = s.reconciled_total;
          figures->reconcile_failed_attempts = s.failed_attempts_total;
        },
        finish);
  };
  auto ask_monitor = [c, figures, timeout, ask_reconciler] {
    ask_status_then<health_snapshot>(
        c, timeout, c.ctx->monitor,
        [figures](const health_snapshot& s) {
          figures->have_health = true;
          figures->da_status = s.word;
        },
        ask_reconciler);
  };
  auto ask_router = [c, figures, timeout, ask_monitor] {
    ask_status_then<router_status>(
        c, timeout, c.ctx->router,
        [figures](const router_status& r) {
          figures->have_router = true;
          for (auto& m : r.layers)
            figures->layers.push_back(coordinator_figures::layer_figures{
                m.layer, m.configured, m.post_count, m.error_count, m.bytes_posted,
                m.avg_post_latency_us});
          figures->writes_direct = r.writes_direct;
          figures->writes_pending = r.writes_pending;
          figures->writes_refused = r.writes_refused;
          figures->writes_failed = r.writes_failed;
          figures->outbox_entries = r.outbox_entries;
          figures->outbox_bytes = r.outbox_bytes;
        },
        ask_monitor);
  };
  auto ask_da = [c, figures, timeout, ask_router] {
    ask_status_then<da_metrics>(
        c, timeout, c.ctx->da,
        [figures](const da_metrics& m) {
          figures->have_da = true;
          figures->da_post_count = m.post_count;
          figures->da_get_count = m.get_count;
          figures->da_error_count = m.error_count;
          figures->da_bytes_posted = m.bytes_posted;
        },
        ask_router);
  };
  auto ask_publisher = [c, figures, timeout, ask_da] {
    ask_status_then<publisher_status>(
        c, timeout, c.ctx->publisher,
        [figures](const publisher_status& p) {
          figures->have_publisher = true;
          figures->blobs_written = p.blobs_written;
          figures->events_written = p.events_written;
          figures->write_failures = p.write_failures;
          figures->queued_events = p.queued_events;
        },
        ask_da);
  };
  ask_status_then<state_status>(
      c, timeout, c.ctx->sm,
      [figures](const state_status& s) {
        figures->have_state = true;
        figures->events_applied = s.counters.events_applied;
        figures->events_rejected = s.counters.events_rejected;
        figures->applied_height = s.applied_height;
        figures->blobs_applied = s.counters.blobs_applied;
        figures->blobs_rejected = s.counters.blobs_rejected;
        figures->node_count = s.node_count;
        figures->object_count = s.object_count;
      },
      ask_publisher);
}

}  // namespace dsdn::http
