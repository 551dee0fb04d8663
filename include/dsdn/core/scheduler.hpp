#pragma once
// Workload scheduling: the original coordinator's filter and score, with a deterministic
// tie-break (equal scores within 1e-9 go to the byte-wise smaller node id).

#include <optional>
#include <string>
#include <vector>

#include "dsdn/core/state_machine.hpp"

namespace dsdn::core {

/// Runtime telemetry a node reports (soft state, not an event). Defaults are what the
/// scheduler assumes for a node that never reported.
struct node_stats {
  double cpu_free = 0.0;     // fraction 0..1
  double ram_free_mb = 0.0;  // MiB
  double gpu_free = 0.0;     // units
  double latency_ms = 9999.0;
  double io_pressure = 1.0;  // fraction 0..1, higher is worse
};

/// A workload's requirements; an absent field is no constraint. io_tolerance is accepted and
/// ignored, as in the original.
struct workload {
  std::optional<double> cpu_req;
  std::optional<double> ram_req_mb;
  std::optional<double> gpu_req;
  std::optional<double> max_latency_ms;
  std::optional<double> io_tolerance;
};

/// A node the scheduler may pick, with its current stats.
struct schedule_candidate {
  std::string node_id;
  node_stats stats;
};

/// True when the node satisfies every present requirement.
bool meets(const node_stats& s, const workload& w);
/// w_cpu*cpu + w_ram*ram + w_gpu*gpu + w_latency*L - w_io*io, L = 1/latency (1 when <= 0).
double score(const node_stats& s, const scheduler_weights& w);
/// The best eligible node, or nothing when none qualifies.
std::optional<std::string> pick_node(const std::vector<schedule_candidate>& candidates,
                                     const workload& w, const scheduler_weights& weights);

}  // namespace dsdn::core
