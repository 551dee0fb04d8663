#pragma once
// `schedule`: builds the POST /schedule body from either form of the command.
//
// README form, whole resources:  --id job-42 --cpu 4 --mem 8 --disk 100
//   --cpu N (cores)   -> cpu_req = min(N / node_cores, 1.0). A node's `cpu_free` is the
//                        fraction of its CPU that is free, so cores are converted against a
//                        reference node of `--node-cores` cores (default 16): 4 cores ->
//                        cpu_req 0.25, i.e. "a node with at least a quarter of its CPU free".
//   --mem G (GiB)     -> ram_req_mb = G * 1024 (ram_free_mb is MiB).
//   --disk D (GB)     -> not a scheduling input (storage is placement's job): accepted,
//                        mentioned in the note on stderr, not sent.
//   --id LABEL        -> not sent; echoed as "id" in the printed result.
// Direct form, the scheduler's own fields:  --cpu-req --ram-req-mb --gpu-req --max-latency-ms
// Mixing --cpu/--mem/--disk with the direct fields is a usage error. Nothing given = no
// constraints (the best node by score).
//
// Constraints are checked against the stats nodes report (`node stats <ID> --cpu-free ...`);
// a node that never reported counts as having nothing free, so a constrained request answers
// 404 "no suitable node" until some node reports enough.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "dsdn/core/result.hpp"

namespace dsdn::cli {

/// Reference node size for the README form's --cpu (cores -> fraction).
inline constexpr double default_node_cores = 16.0;

/// Every flag of `schedule`, as given.
struct schedule_flags {
  std::string id;
  std::optional<double> cpu_cores;
  std::optional<double> mem_gb;
  std::optional<double> disk_gb;
  double node_cores = default_node_cores;
  std::optional<double> cpu_req;
  std::optional<double> ram_req_mb;
  std::optional<double> gpu_req;
  std::optional<double> max_latency_ms;
};

/// The request to send and what to tell the user about it.
struct schedule_plan {
  nlohmann::json body = nlohmann::json::object();
  std::string note;  // printed on stderr when non-empty (README form only)
};

/// Why the flags cannot be turned into a request (always a usage error).
enum class schedule_errc : uint8_t { mixed_forms = 1, out_of_range };

/// Maps the flags to a POST /schedule body (see the top of this header).
result<schedule_plan, schedule_errc> plan_schedule(const schedule_flags& flags);

}  // namespace dsdn::cli
