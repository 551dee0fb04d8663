// `schedule` flag mapping (the rules are at the top of include/dsdn/cli/schedule.hpp).

#include "dsdn/cli/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace dsdn::cli {

namespace {

std::string number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

bool valid_amount(const std::optional<double>& v) {
  return !v || (std::isfinite(*v) && *v >= 0);
}

}  // namespace

result<schedule_plan, schedule_errc> plan_schedule(const schedule_flags& f) {
  bool readme = f.cpu_cores || f.mem_gb || f.disk_gb;
  bool direct = f.cpu_req || f.ram_req_mb || f.gpu_req || f.max_latency_ms;
  if (readme && direct)
    return {schedule_errc::mixed_forms,
            "use either --cpu/--mem/--disk (whole cores and GB) or --cpu-req/--ram-req-mb/"
            "--gpu-req/--max-latency-ms (the scheduler's fields), not both"};
  for (auto [v, name] : {std::pair{f.cpu_cores, "--cpu"},
                         {f.mem_gb, "--mem"},
                         {f.disk_gb, "--disk"},
                         {f.cpu_req, "--cpu-req"},
                         {f.ram_req_mb, "--ram-req-mb"},
                         {f.gpu_req, "--gpu-req"},
                         {f.max_latency_ms, "--max-latency-ms"}})
    if (!valid_amount(v))
      return {schedule_errc::out_of_range, std::string(name) + " must be a number >= 0"};
  if (!std::isfinite(f.node_cores) || f.node_cores <= 0)
    return {schedule_errc::out_of_range, "--node-cores must be a number > 0"};

  schedule_plan plan;
  if (direct) {
    if (f.cpu_req)
      plan.body["cpu_req"] = *f.cpu_req;
    if (f.ram_req_mb)
      plan.body["ram_req_mb"] = *f.ram_req_mb;
    if (f.gpu_req)
      plan.body["gpu_req"] = *f.gpu_req;
    if (f.max_latency_ms)
      plan.body["max_latency_ms"] = *f.max_latency_ms;
    return plan;
  }
  if (!readme)
    return plan;
  std::string note = "note: schedule";
  if (!f.id.empty())
    note += " " + f.id;
  note += ":";
  if (f.cpu_cores) {
    double req = std::min(*f.cpu_cores / f.node_cores, 1.0);
    plan.body["cpu_req"] = req;
    note += " --cpu " + number(*f.cpu_cores) + " cores -> cpu_req " + number(req) + " (of a " +
            number(f.node_cores) + "-core node, --node-cores);";
  }
  if (f.mem_gb) {
    double mb = *f.mem_gb * 1024.0;
    plan.body["ram_req_mb"] = mb;
    note += " --mem " + number(*f.mem_gb) + " GB -> ram_req_mb " + number(mb) + ";";
  }
  if (f.disk_gb)
    note += " --disk " + number(*f.disk_gb) +
            " GB is not a scheduling input (storage goes through placement) and is ignored;";
  note.back() = '\n';
  plan.note = note;
  return plan;
}

}  // namespace dsdn::cli
