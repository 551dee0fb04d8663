#include "metrics.hpp"

#include <mutex>
#include <unordered_map>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace dsdn::http {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

/// A counter that mirrors a monotonic figure read from an actor: it advances by the delta.
struct mirrored_counter {
  prometheus::Counter* counter = nullptr;
  uint64_t last = 0;

  void set(uint64_t value) {
    if (value > last) {
      counter->Increment(static_cast<double>(value - last));
      last = value;
    }
  }
};

}  // namespace

struct http_metrics::impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      BuildCounter()
          .Name("dsdn_http_requests_total")
          .Help("HTTP requests by route template, method and status code")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      BuildHistogram()
          .Name("dsdn_http_request_duration_seconds")
          .Help("HTTP request latency by route template and method")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& events =
      BuildCounter()
          .Name("dsdn_events_total")
          .Help("Events the state machine applied or rejected")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& blobs =
      BuildCounter()
          .Name("dsdn_blobs_total")
          .Help("Blobs by outcome: applied, rejected (state machine), written (publisher)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& da_ops =
      BuildCounter()
          .Name("dsdn_da_operations_total")
          .Help("DA layer operations: post, get, error")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& da_bytes = BuildCounter()
                                                          .Name("dsdn_da_posted_bytes_total")
                                                          .Help("Bytes posted to the DA layer")
                                                          .Register(*registry);
  prometheus::Family<prometheus::Counter>& publisher_failures =
      BuildCounter()
          .Name("dsdn_publisher_write_failures_total")
          .Help("Blob writes to DA that failed (and were retried)")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& gauges =
      BuildGauge().Name("dsdn_state").Help("Current state figures").Register(*registry);
  prometheus::Family<prometheus::Counter>& layer_ops =
      BuildCounter()
          .Name("dsdn_da_layer_operations_total")
          .Help("Writes to each DA layer through the router: post, error")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& layer_bytes =
      BuildCounter()
          .Name("dsdn_da_layer_posted_bytes_total")
          .Help("Bytes written to each DA layer through the router")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& layer_latency =
      BuildGauge()
          .Name("dsdn_da_layer_post_latency_avg_microseconds")
          .Help("Average write latency of each DA layer")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& routed =
      BuildCounter()
          .Name("dsdn_da_routed_writes_total")
          .Help(
              "Routed writes: direct (primary), pending_primary (outbox + fallback layer), "
              "refused (outbox full), failed (every layer)")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& da_status =
      BuildGauge()
          .Name("dsdn_da_status")
          .Help("The DA status (1 for the current one)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& reconcile =
      BuildCounter()
          .Name("dsdn_reconcile_total")
          .Help("Reconciliation: rounds, blobs replayed to the primary, failed attempts")
          .Register(*registry);

  std::mutex mutex;  // guards the mirrored counters' `last` and the series caches
  // Family::Add constructs a metric before looking the labels up; caching the series keeps a
  // request's bookkeeping to one map lookup.
  std::unordered_map<std::string, prometheus::Counter*> request_series;
  std::unordered_map<std::string, prometheus::Histogram*> latency_series;
  mirrored_counter events_applied{&events.Add({{"outcome", "applied"}})};
  mirrored_counter events_rejected{&events.Add({{"outcome", "rejected"}})};
  mirrored_counter events_written{&events.Add({{"outcome", "written"}})};
  mirrored_counter blobs_applied{&blobs.Add({{"outcome", "applied"}})};
  mirrored_counter blobs_rejected{&blobs.Add({{"outcome", "rejected"}})};
  mirrored_counter blobs_written{&blobs.Add({{"outcome", "written"}})};
  mirrored_counter write_failures{&publisher_failures.Add({})};
  mirrored_counter da_posts{&da_ops.Add({{"op", "post"}})};
  mirrored_counter da_gets{&da_ops.Add({{"op", "get"}})};
  mirrored_counter da_errors{&da_ops.Add({{"op", "error"}})};
  mirrored_counter da_posted_bytes{&da_bytes.Add({})};
  prometheus::Gauge& applied_height = gauges.Add({{"figure", "applied_height"}});
  prometheus::Gauge& node_count = gauges.Add({{"figure", "node_count"}});
  prometheus::Gauge& object_count = gauges.Add({{"figure", "object_count"}});
  prometheus::Gauge& queued_events = gauges.Add({{"figure", "queued_events"}});
  prometheus::Gauge& outbox_entries = gauges.Add({{"figure", "outbox_entries"}});
  prometheus::Gauge& outbox_bytes = gauges.Add({{"figure", "outbox_bytes"}});
  mirrored_counter writes_direct{&routed.Add({{"route", "direct"}})};
  mirrored_counter writes_pending{&routed.Add({{"route", "pending_primary"}})};
  mirrored_counter writes_refused{&routed.Add({{"route", "refused"}})};
  mirrored_counter writes_failed{&routed.Add({{"route", "failed"}})};
  mirrored_counter reconcile_rounds{&reconcile.Add({{"figure", "rounds"}})};
  mirrored_counter reconciled_blobs{&reconcile.Add({{"figure", "reconciled_blobs"}})};
  mirrored_counter reconcile_failures{&reconcile.Add({{"figure", "failed_attempts"}})};
  /// Per-layer series, created at the first scrape that reports the layer.
  struct layer_series {
    mirrored_counter posts, errors, bytes;
    prometheus::Gauge* latency = nullptr;
  };
  std::unordered_map<std::string, layer_series> layers;

  layer_series& layer(const std::string& name) {
    auto it = layers.find(name);
    if (it == layers.end()) {
      layer_series s{{&layer_ops.Add({{"layer", name}, {"op", "post"}})},
                     {&layer_ops.Add({{"layer", name}, {"op", "error"}})},
                     {&layer_bytes.Add({{"layer", name}})},
                     &layer_latency.Add({{"layer", name}})};
      it = layers.emplace(name, s).first;
    }
    return it->second;
  }
};

http_metrics::http_metrics() : impl_(std::make_unique<impl>()) {}

http_metrics::~http_metrics() = default;

void http_metrics::observe(const char* route, const std::string& method, unsigned status,
                           double seconds) {
  static const prometheus::Histogram::BucketBoundaries buckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  std::string code = std::to_string(status);
  std::string key = std::string(route) + ' ' + method;
  prometheus::Counter* counter = nullptr;
  prometheus::Histogram* histogram = nullptr;
  {
    std::lock_guard<std::mutex> guard(impl_->mutex);
    auto& h = impl_->latency_series[key];
    if (!h)
      h = &impl_->latency.Add({{"route", route}, {"method", method}}, buckets);
    histogram = h;
    auto& c = impl_->request_series[key + ' ' + code];
    if (!c)
      c = &impl_->requests.Add({{"route", route}, {"method", method}, {"code", code}});
    counter = c;
  }
  counter->Increment();
  histogram->Observe(seconds);
}

void http_metrics::update(const coordinator_figures& f) {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  auto& m = *impl_;
  if (f.have_state) {
    m.events_applied.set(f.events_applied);
    m.events_rejected.set(f.events_rejected);
    m.blobs_applied.set(f.blobs_applied);
    m.blobs_rejected.set(f.blobs_rejected);
    m.applied_height.Set(static_cast<double>(f.applied_height));
    m.node_count.Set(static_cast<double>(f.node_count));
    m.object_count.Set(static_cast<double>(f.object_count));
  }
  if (f.have_publisher) {
    m.blobs_written.set(f.blobs_written);
    m.events_written.set(f.events_written);
    m.write_failures.set(f.write_failures);
    m.queued_events.Set(static_cast<double>(f.queued_events));
  }
  if (f.have_da) {
    m.da_posts.set(f.da_post_count);
    m.da_gets.set(f.da_get_count);
    m.da_errors.set(f.da_error_count);
    m.da_posted_bytes.set(f.da_bytes_posted);
  }
  if (f.have_router) {
    for (auto& l : f.layers) {
      if (!l.configured)
        continue;
      auto& s = m.layer(l.layer);
      s.posts.set(l.posts);
      s.errors.set(l.errors);
      s.bytes.set(l.bytes);
      s.latency->Set(static_cast<double>(l.avg_post_latency_us));
    }
    m.writes_direct.set(f.writes_direct);
    m.writes_pending.set(f.writes_pending);
    m.writes_refused.set(f.writes_refused);
    m.writes_failed.set(f.writes_failed);
    m.outbox_entries.Set(static_cast<double>(f.outbox_entries));
    m.outbox_bytes.Set(static_cast<double>(f.outbox_bytes));
  }
  if (f.have_health) {
    for (const char* word :
         {"healthy", "warning", "degraded", "emergency", "recovering", "unavailable"})
      m.da_status.Add({{"status", word}}).Set(f.da_status == word ? 1 : 0);
  }
  if (f.have_reconciler) {
    m.reconcile_rounds.set(f.reconcile_rounds);
    m.reconciled_blobs.set(f.reconciled_blobs);
    m.reconcile_failures.set(f.reconcile_failed_attempts);
  }
}

std::string http_metrics::serialize() const {
  return prometheus::TextSerializer{}.Serialize(impl_->registry->Collect());
}

}  // namespace dsdn::http
