#include "handlers_common.hpp"

namespace dsdn::http {

std::optional<write_mode> wait_mode(const call& c) {
  const std::string* wait = c.in->query_value("wait");
  if (!wait || *wait == "applied")
    return write_mode::applied;
  if (*wait == "durable")
    return write_mode::durable;
  send_failure(c, 400, "wait must be 'applied' or 'durable', got '" + *wait + "'", "wait");
  return std::nullopt;
}

void send_field_error(const call& c, const core::field_error& fe, const json& extra) {
  send_failure(c, 400, fe.message, fe.field, extra);
}

void send_written(const call& c, const write_result& r) {
  // On a fallback layer: no primary height yet; applied once reconciled to the primary.
  if (r.pending_primary)
    send_json(c, 202, json{{"ok", true}, {"status", "pending_primary"}});
  else if (r.applied)
    send_json(c, 200, json{{"ok", true}, {"height", r.height}});
  else
    send_json(c, 202, json{{"ok", true}, {"status", "pending_primary"}, {"height", r.height}});
}

}  // namespace dsdn::http
