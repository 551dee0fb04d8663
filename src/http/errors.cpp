#include "errors.hpp"

#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/sec.hpp>

#include "context.hpp"
#include "dsdn/actors/interfaces.hpp"

namespace dsdn::http {

unsigned status_for(const caf::error& err) {
  if (err.category() == caf::atom("dsdn")) {
    switch (static_cast<ec>(err.code())) {
      case ec::not_ready:
      case ec::da_unavailable:
      case ec::shutting_down:
        return 503;
      case ec::invalid_argument:
        return 400;
      case ec::not_found:
        return 404;
      case ec::conflict:
        return 409;
      case ec::no_error:
      case ec::internal:
        return 500;
    }
    return 500;
  }
  if (err == caf::sec::request_timeout)
    return 504;
  if (err == caf::sec::request_receiver_down)
    return 503;
  return 500;
}

void send_error(const call& c, const caf::error& err, const json& extra) {
  unsigned status = status_for(err);
  auto [field, message] = error_details(err);
  if (message.empty()) {
    if (err.category() == caf::atom("dsdn"))
      message = to_string(static_cast<ec>(err.code()));
    else if (err == caf::sec::request_timeout)
      message = "the coordinator did not answer in time";
    else if (err == caf::sec::request_receiver_down)
      message = "a coordinator component is down";
    else
      message = c.ctx->sys.render(err);
  }
  json body = json::object();
  body["error"] = message;
  if (!field.empty())
    body["field"] = field;
  if (extra.is_object())
    for (auto it = extra.begin(); it != extra.end(); ++it)
      body[it.key()] = it.value();
  reply r;
  r.status = status;
  r.body = dump(body);
  if (status == 503)
    r.headers.emplace_back("Retry-After", "1");
  c.send(std::move(r));
}

}  // namespace dsdn::http
