#include "dsdn/core/scheduler.hpp"

#include <cmath>

namespace dsdn::core {
namespace {

constexpr double tie_epsilon = 1e-9;

}  // namespace

bool meets(const node_stats& s, const workload& w) {
  // Written as the original's rejections, so a NaN stat passes exactly as it does there.
  if (w.cpu_req && s.cpu_free < *w.cpu_req) {
    return false;
  }
  if (w.ram_req_mb && s.ram_free_mb < *w.ram_req_mb) {
    return false;
  }
  if (w.gpu_req && s.gpu_free < *w.gpu_req) {
    return false;
  }
  if (w.max_latency_ms && s.latency_ms > *w.max_latency_ms) {
    return false;
  }
  return true;
}

double score(const node_stats& s, const scheduler_weights& w) {
  const double latency = s.latency_ms <= 0.0 ? 1.0 : 1.0 / s.latency_ms;
  return w.w_cpu * s.cpu_free + w.w_ram * s.ram_free_mb + w.w_gpu * s.gpu_free +
         w.w_latency * latency - w.w_io * s.io_pressure;
}

std::optional<std::string> pick_node(const std::vector<schedule_candidate>& candidates,
                                     const workload& w, const scheduler_weights& weights) {
  // Two passes instead of the original's running comparison: a running "within 1e-9" check is
  // not transitive, so its winner can depend on iteration order. Here the winner is the
  // smallest id among all scores within 1e-9 of the maximum, whatever the order.
  std::vector<double> scores(candidates.size());
  bool any = false;
  double top = 0.0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    scores[i] = std::nan("");
    if (!meets(candidates[i].stats, w)) {
      continue;
    }
    const double s = score(candidates[i].stats, weights);
    if (std::isnan(s)) {
      continue;
    }
    scores[i] = s;
    if (!any || s > top) {
      top = s;
      any = true;
    }
  }
  if (!any) {
    return std::nullopt;
  }

  const std::string* best = nullptr;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const double s = scores[i];
    // `s == top` covers infinities, where top - s is NaN.
    const bool near_top = s == top || top - s < tie_epsilon;
    if (near_top && (best == nullptr || candidates[i].node_id < *best)) {
      best = &candidates[i].node_id;
    }
  }
  return *best;
}

}  // namespace dsdn::core
