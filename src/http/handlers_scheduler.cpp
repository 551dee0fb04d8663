// Scheduling endpoints: /schedule and /scheduler/config (GET and partial POST).

#include "handlers.hpp"
#include "handlers_common.hpp"

namespace dsdn::http {

namespace {

json weights_json(const core::scheduler_weights& w) {
  return json{{"w_cpu", w.w_cpu},
              {"w_ram", w.w_ram},
              {"w_gpu", w.w_gpu},
              {"w_latency", w.w_latency},
              {"w_io", w.w_io}};
}

}  // namespace

void post_schedule(const call& c) {
  json_body body(c.in->body);
  core::workload w;
  if (!body.read_opt_f64("cpu_req", w.cpu_req) || !body.read_opt_f64("ram_req_mb", w.ram_req_mb) ||
      !body.read_opt_f64("gpu_req", w.gpu_req) ||
      !body.read_opt_f64("max_latency_ms", w.max_latency_ms) ||
      !body.read_opt_f64("io_tolerance", w.io_tolerance))
    return send_input_error(c, *body.error());
  ask<std::string>(
      c, c.ctx->registry,
      [c](std::string id) {
        send_json(c, 200, json{{"node_id", id}});
      },
      atom::schedule_v, w);
}

void get_scheduler_config(const call& c) {
  ask<core::scheduler_weights>(
      c, c.ctx->registry, [c](core::scheduler_weights w) { send_json(c, 200, weights_json(w)); },
      atom::weights_v);
}

void post_scheduler_config(const call& c) {
  json_body body(c.in->body);
  core::scheduler_weights_updated e;
  struct field {
    const char* name;
    double* value;
    uint8_t bit;
  };
  const field fields[] = {{"w_cpu", &e.w_cpu, 1},
                          {"w_ram", &e.w_ram, 2},
                          {"w_gpu", &e.w_gpu, 4},
                          {"w_latency", &e.w_latency, 8},
                          {"w_io", &e.w_io, 16}};
  // Only the fields given change (missing or null = keep the current weight).
  for (const field& f : fields) {
    if (!body.read_f64(f.name, *f.value, false))
      return send_input_error(c, *body.error());
    if (body.has(f.name))
      e.present = static_cast<uint8_t>(e.present | f.bit);
  }
  for (const field& f : fields)
    if ((e.present & f.bit) != 0)
      if (auto fe = core::check_weight(*f.value, f.name))
        return send_field_error(c, *fe);
  write_event(c, e, [](const call& c, const write_result& r) {
    if (!r.applied)
      return send_written(c, r);
    // Applied: answer with all five weights as they are now.
    ask<core::scheduler_weights>(
        c, c.ctx->registry,
        [c, height = r.height](core::scheduler_weights w) {
          send_json(c, 200,
                    json{{"ok", true},
                         {"message", "scheduler config updated"},
                         {"config", weights_json(w)},
                         {"height", height}});
        },
        atom::weights_v);
  });
}

}  // namespace dsdn::http
