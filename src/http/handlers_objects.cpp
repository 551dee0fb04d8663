// Object, replica and placement endpoints.

#include "handlers.hpp"
#include "handlers_common.hpp"

namespace dsdn::http {

namespace {

/// Parses a decimal u64 (digits only, no sign, no overflow).
bool parse_u64(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 20)
    return false;
  uint64_t value = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9')
      return false;
    uint64_t digit = static_cast<uint64_t>(ch - '0');
    if (value > (UINT64_MAX - digit) / 10)
      return false;
    value = value * 10 + digit;
  }
  out = value;
  return true;
}

/// Reads {"hash", "node_id"} and checks both rules; answers the failure itself.
bool read_replica(const call& c, std::string& hash, std::string& node_id) {
  json_body body(c.in->body);
  if (!body.read_string("hash", hash) || !body.read_string("node_id", node_id)) {
    send_input_error(c, *body.error());
    return false;
  }
  if (auto fe = core::check_object_hash(hash)) {
    send_field_error(c, *fe);
    return false;
  }
  if (auto fe = core::check_node_id(node_id)) {
    send_field_error(c, *fe);
    return false;
  }
  return true;
}

}  // namespace

void get_placement(const call& c) {
  const std::string& hash = c.param(0);
  uint64_t rf = 3;
  if (const std::string* text = c.in->query_value("rf")) {
    if (!parse_u64(*text, rf))
      return send_failure(c, 400, "rf must be an unsigned integer, got '" + *text + "'", "rf");
  }
  if (auto fe = core::check_object_hash(hash))
    return send_field_error(c, *fe);
  if (auto fe = core::check_replication_factor(rf))
    return send_field_error(c, *fe);
  ask<id_list>(
      c, c.ctx->registry, [c](id_list ids) { send_json(c, 200, json(ids)); }, atom::placement_v,
      hash, rf);
}

void post_object_register(const call& c) {
  json_body body(c.in->body);
  core::object_registered e;
  if (!body.read_string("hash", e.hash) || !body.read_u64("size", e.size, true))
    return send_input_error(c, *body.error());
  if (auto fe = core::check_object_hash(e.hash))
    return send_field_error(c, *fe);
  if (auto fe = core::check_object_size(e.size))
    return send_field_error(c, *fe);
  write_event(c, std::move(e));
}

void get_object(const call& c) {
  const std::string& hash = c.param(0);
  if (auto fe = core::check_object_hash(hash))
    return send_field_error(c, *fe);
  ask<core::object_info>(
      c, c.ctx->registry,
      [c](core::object_info o) {
        send_json(c, 200,
                  json{{"hash", o.hash},
                       {"size", o.size},
                       {"replicas", o.replicas},
                       {"missing", o.missing}});
      },
      atom::object_v, hash);
}

void post_replica_missing(const call& c) {
  core::replica_marked_missing e;
  if (read_replica(c, e.hash, e.node_id))
    write_event(c, std::move(e));
}

void post_replica_healed(const call& c) {
  core::replica_healed e;
  if (read_replica(c, e.hash, e.node_id))
    write_event(c, std::move(e));
}

}  // namespace dsdn::http
