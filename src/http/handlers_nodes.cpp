// Node registry endpoints: /register, /nodes, /node/{id}, /node/{id}/stats.

#include "handlers.hpp"
#include "handlers_common.hpp"

namespace dsdn::http {

namespace {

json node_json(const core::node_info& n) {
  return json{{"id", n.id},
              {"zone", n.zone},
              {"addr", n.addr},
              {"capacity_gb", n.capacity_gb},
              {"meta", json::object()}};
}

json stats_json(const core::node_stats& s) {
  return json{{"cpu_free", s.cpu_free},
              {"ram_free_mb", s.ram_free_mb},
              {"gpu_free", s.gpu_free},
              {"latency_ms", s.latency_ms},
              {"io_pressure", s.io_pressure}};
}

/// The {id} path parameter, checked against the node id rule (400 otherwise).
bool node_id_param(const call& c, std::string& id) {
  id = c.param(0);
  if (auto fe = core::check_node_id(id)) {
    send_field_error(c, *fe, json{{"node_id", id}});
    return false;
  }
  return true;
}

}  // namespace

void post_register(const call& c) {
  json_body body(c.in->body);
  core::node_registered e;
  e.capacity_gb = 100;  // the original's default for a missing or null capacity_gb
  if (!body.read_string("id", e.node_id) || !body.read_string("zone", e.zone) ||
      !body.read_string("addr", e.addr) || !body.read_u64("capacity_gb", e.capacity_gb, false))
    return send_input_error(c, *body.error());
  if (auto fe = core::check_node_id(e.node_id, "id"))
    return send_field_error(c, *fe);
  if (auto fe = core::check_zone(e.zone))
    return send_field_error(c, *fe);
  if (auto fe = core::check_addr(e.addr))
    return send_field_error(c, *fe);
  if (auto fe = core::check_capacity_gb(e.capacity_gb))
    return send_field_error(c, *fe);
  write_event(c, std::move(e));
}

void get_nodes(const call& c) {
  ask<node_list>(
      c, c.ctx->registry,
      [c](node_list nodes) {
        json out = json::array();
        for (auto& n : nodes)  // the state machine answers sorted by id
          out.push_back(node_json(n));
        send_json(c, 200, out);
      },
      atom::nodes_v);
}

void get_node(const call& c) {
  std::string id;
  if (!node_id_param(c, id))
    return;
  ask_or<core::node_info>(
      c, c.ctx->cfg.request_timeout, c.ctx->registry,
      [c](core::node_info n) { send_json(c, 200, node_json(n)); },
      [c, id](const caf::error& err) {
        send_error(c, err, json{{"node_id", id}});
      },
      atom::node_v, id);
}

void get_node_stats(const call& c) {
  std::string id;
  if (!node_id_param(c, id))
    return;
  ask_or<core::node_stats>(
      c, c.ctx->cfg.request_timeout, c.ctx->registry,
      [c, id](core::node_stats s) {
        send_json(c, 200, json{{"node_id", id}, {"found", true}, {"stats", stats_json(s)}});
      },
      [c, id](const caf::error& err) {
        if (status_for(err) != 404)
          return send_error(c, err, json{{"node_id", id}});
        // No stats: a registered node answers 200 with "found": false and no "stats" key (as
        // the original); an unknown node is a 404 (our rule for unknown nodes).
        ask_or<core::node_info>(
            c, c.ctx->cfg.request_timeout, c.ctx->registry,
            [c, id](core::node_info) {
              send_json(c, 200, json{{"node_id", id}, {"found", false}});
            },
            [c, id](const caf::error& e) {
              send_error(c, e, json{{"node_id", id}});
            },
            atom::node_v, id);
      },
      atom::stats_v, id);
}

void post_node_stats(const call& c) {
  // The body is checked first (as in the original), then the id, then existence.
  json_body body(c.in->body);
  core::node_stats s;
  s.gpu_free = 0.0;
  s.latency_ms = 10.0;
  s.io_pressure = 0.0;
  if (!body.read_f64("cpu_free", s.cpu_free, true) ||
      !body.read_f64("ram_free_mb", s.ram_free_mb, true) ||
      !body.read_f64("gpu_free", s.gpu_free, false) ||
      !body.read_f64("latency_ms", s.latency_ms, false) ||
      !body.read_f64("io_pressure", s.io_pressure, false))
    return send_input_error(c, *body.error());
  std::string id;
  if (!node_id_param(c, id))
    return;
  const std::pair<double, const char*> fractions[] = {{s.cpu_free, "cpu_free"},
                                                      {s.io_pressure, "io_pressure"}};
  const std::pair<double, const char*> amounts[] = {
      {s.ram_free_mb, "ram_free_mb"}, {s.gpu_free, "gpu_free"}, {s.latency_ms, "latency_ms"}};
  for (auto& [value, field] : fractions)
    if (auto fe = core::check_stat(value, true, field))
      return send_field_error(c, *fe, json{{"node_id", id}});
  for (auto& [value, field] : amounts)
    if (auto fe = core::check_stat(value, false, field))
      return send_field_error(c, *fe, json{{"node_id", id}});
  ask_or<bool>(
      c, c.ctx->cfg.request_timeout, c.ctx->registry,
      [c, id](bool) {
        send_json(c, 200, json{{"ok", true}, {"node_id", id}});
      },
      [c, id](const caf::error& err) {
        send_error(c, err, json{{"node_id", id}});
      },
      atom::stats_v, id, s);
}

}  // namespace dsdn::http
