// Health, readiness, system info and the Prometheus scrape.

#include <chrono>

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

/// The five-state DA status the single DA layer can report: a live probe says healthy or not.
const char* da_status(bool healthy) {
  return healthy ? "healthy" : "unavailable";
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
  // Always 200: the body says how healthy. Unavailable = the DA probe fails; degraded = the DA
  // answers but writes are not accepted yet (rebuilding) or the publisher cannot be asked.
  ask_or<publisher_status>(
      c, c.ctx->cfg.health_timeout, c.ctx->publisher,
      [c](publisher_status p) {
        probe_da(c, [c, accepting = p.accepting](bool healthy) {
          const char* status = !healthy ? "unavailable" : accepting ? "healthy" : "degraded";
          send_json(c, 200,
                    json{{"status", status},
                         {"da_available", healthy},
                         {"da_health", da_status(healthy)},
                         {"accepting_writes", accepting}});
        });
      },
      [c](const caf::error&) {
        probe_da(c, [c](bool healthy) {
          send_json(c, 200,
                    json{{"status", healthy ? "degraded" : "unavailable"},
                         {"da_available", healthy},
                         {"da_health", da_status(healthy)},
                         {"accepting_writes", false}});
        });
      },
      atom::status_v);
}

void get_ready(const call& c) {
  ask_or<publisher_status>(
      c, c.ctx->cfg.health_timeout, c.ctx->publisher,
      [c](publisher_status p) {
        if (!p.accepting)
          return send_unready(c, "rebuilding state from DA");
        probe_da(c, [c](bool healthy) {
          if (!healthy)
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
              probe_da(c, [c, s, p](bool healthy) {
                send_json(c, 200,
                          json{{"version", version},
                               {"node_count", s.node_count},
                               {"da_status", da_status(healthy)},
                               {"routing_state", "primary"},
                               {"fallback_active", false},
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
                               {"data_dir", c.ctx->data_dir}});
              });
            },
            atom::status_v);
      },
      atom::status_v);
}

void get_metrics(const call& c) {
  // Three status round trips; a component that does not answer just leaves its figures as they
  // were at the previous scrape.
  auto figures = std::make_shared<coordinator_figures>();
  auto timeout = c.ctx->cfg.health_timeout;
  auto finish = [c, figures] {
    c.ctx->metrics.update(*figures);
    reply r;
    r.body = c.ctx->metrics.serialize();
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    c.send(std::move(r));
  };
  auto ask_da = [c, figures, timeout, finish] {
    ask_or<da_metrics>(
        c, timeout, c.ctx->da,
        [figures, finish](da_metrics m) {
          figures->have_da = true;
          figures->da_post_count = m.post_count;
          figures->da_get_count = m.get_count;
          figures->da_error_count = m.error_count;
          figures->da_bytes_posted = m.bytes_posted;
          finish();
        },
        [finish](const caf::error&) { finish(); }, atom::status_v);
  };
  auto ask_publisher = [c, figures, timeout, ask_da] {
    ask_or<publisher_status>(
        c, timeout, c.ctx->publisher,
        [figures, ask_da](publisher_status p) {
          figures->have_publisher = true;
          figures->blobs_written = p.blobs_written;
          figures->events_written = p.events_written;
          figures->write_failures = p.write_failures;
          figures->queued_events = p.queued_events;
          ask_da();
        },
        [ask_da](const caf::error&) { ask_da(); }, atom::status_v);
  };
  ask_or<state_status>(
      c, timeout, c.ctx->sm,
      [figures, ask_publisher](state_status s) {
        figures->have_state = true;
        figures->events_applied = s.counters.events_applied;
        figures->events_rejected = s.counters.events_rejected;
        figures->applied_height = s.applied_height;
        figures->blobs_applied = s.counters.blobs_applied;
        figures->blobs_rejected = s.counters.blobs_rejected;
        figures->node_count = s.node_count;
        figures->object_count = s.object_count;
        ask_publisher();
      },
      [ask_publisher](const caf::error&) { ask_publisher(); }, atom::status_v);
}

}  // namespace dsdn::http
