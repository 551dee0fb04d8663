#pragma once
// The /metrics registry (prometheus-cpp, text format; no pull exposer: the HTTP server serves
// it). Request counts and latencies per route are recorded as requests finish; the
// coordinator's figures are refreshed from actor status at each scrape.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dsdn::http {

/// The coordinator figures exported at a scrape (copied from actor status messages).
struct coordinator_figures {
  bool have_state = false;
  uint64_t events_applied = 0;
  uint64_t events_rejected = 0;
  uint64_t applied_height = 0;
  uint64_t blobs_applied = 0;
  uint64_t blobs_rejected = 0;
  uint64_t node_count = 0;
  uint64_t object_count = 0;
  bool have_publisher = false;
  uint64_t blobs_written = 0;
  uint64_t events_written = 0;
  uint64_t write_failures = 0;
  uint64_t queued_events = 0;
  bool have_da = false;
  uint64_t da_post_count = 0;
  uint64_t da_get_count = 0;
  uint64_t da_error_count = 0;
  uint64_t da_bytes_posted = 0;
  /// One DA layer's writes through the router.
  struct layer_figures {
    std::string layer;  // "primary", "secondary", "emergency"
    bool configured = false;
    uint64_t posts = 0;
    uint64_t errors = 0;
    uint64_t bytes = 0;
    uint64_t avg_post_latency_us = 0;
  };
  bool have_router = false;
  std::vector<layer_figures> layers;
  uint64_t writes_direct = 0;
  uint64_t writes_pending = 0;
  uint64_t writes_refused = 0;
  uint64_t writes_failed = 0;
  uint64_t outbox_entries = 0;
  uint64_t outbox_bytes = 0;
  bool have_health = false;
  std::string da_status;  // "healthy" .. "recovering", or "unavailable"
  bool have_reconciler = false;
  uint64_t reconcile_rounds = 0;
  uint64_t reconciled_blobs = 0;
  uint64_t reconcile_failed_attempts = 0;
};

/// Thread-safe metrics of one server.
class http_metrics {
 public:
  http_metrics();
  ~http_metrics();
  http_metrics(const http_metrics&) = delete;
  http_metrics& operator=(const http_metrics&) = delete;

  /// Counts one finished request: `route` is the route template ("/node/{id}") or a pseudo
  /// route ("unmatched", "invalid").
  void observe(const char* route, const std::string& method, unsigned status, double seconds);
  /// Refreshes the coordinator figures (counters only move forward).
  void update(const coordinator_figures& f);
  /// The Prometheus text exposition of everything.
  std::string serialize() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dsdn::http
